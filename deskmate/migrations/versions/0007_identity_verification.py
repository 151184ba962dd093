"""identity verification: channel identities record whether their link to a customer was proven

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing links were all made from a typed email (or by staff, who can verify again):
    # none is trusted until proven, which is the safe reading of the old data.
    with op.batch_alter_table("channel_identities") as batch:
        batch.add_column(
            sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_identities") as batch:
        batch.drop_column("verified_at")
        batch.drop_column("verified")
