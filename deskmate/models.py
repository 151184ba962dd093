"""Imports every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from bot import models as bot_models
from deskmate.auth import models as auth_models
from deskmate.db import Base
from experts import models as experts_models
from knowledge import models as knowledge_models
from ticketing import models as ticketing_models

__all__ = [
    "Base",
    "auth_models",
    "bot_models",
    "experts_models",
    "knowledge_models",
    "ticketing_models",
]
