"""Imports every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from bot import models as bot_models
from deskmate.audit import models as audit_models
from deskmate.audit import recorder as audit_recorder  # records every flush in the audit log
from deskmate.auth import models as auth_models
from deskmate.db import Base
from experts import models as experts_models
from knowledge import models as knowledge_models
from ticketing import models as ticketing_models
from ticketing.customers import models as customer_models
from ticketing.routing import models as routing_models
from ticketing.sla import models as sla_models
from ticketing.webhooks import models as webhook_models
from ticketing.workflows import models as workflow_models

__all__ = [
    "Base",
    "audit_models",
    "audit_recorder",
    "auth_models",
    "bot_models",
    "customer_models",
    "experts_models",
    "knowledge_models",
    "routing_models",
    "sla_models",
    "ticketing_models",
    "webhook_models",
    "workflow_models",
]
