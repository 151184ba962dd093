"""Imports every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from bot import models as bot_models
from deskmate.audit import models as audit_models
from deskmate.audit import recorder as audit_recorder  # records every flush in the audit log
from deskmate.auth import models as auth_models
from deskmate.db import Base
from knowledge import models as knowledge_models
from ticketing import models as ticketing_models

__all__ = [
    "Base",
    "audit_models",
    "audit_recorder",
    "auth_models",
    "bot_models",
    "knowledge_models",
    "ticketing_models",
]
