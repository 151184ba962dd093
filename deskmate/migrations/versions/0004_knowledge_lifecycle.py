"""knowledge: lifecycle, users and login, feedback, gaps, yellow pages

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "kb_article_events",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_events_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_events")),
    )
    with op.batch_alter_table("kb_article_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_article_events_article_id"), ["article_id"], unique=False
        )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("review_by", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("approved_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_by", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_kb_articles_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_articles_publish_at"), ["publish_at"], unique=False)
    with op.batch_alter_table("kb_article_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("review_by", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_article_versions", schema=None) as batch_op:
        batch_op.drop_column("review_by")
        batch_op.drop_column("owner")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_articles_publish_at"))
        batch_op.drop_index(batch_op.f("ix_kb_articles_status"))
        batch_op.drop_column("publish_at")
        batch_op.drop_column("approved_by")
        batch_op.drop_column("approved_version")
        batch_op.drop_column("review_by")
        batch_op.drop_column("owner")
    with op.batch_alter_table("kb_article_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_article_events_article_id"))
    op.drop_table("kb_article_events")
    op.drop_table("users")
