"""knowledge insight: answer thresholds, query follow-ups and votes, article value, gaps, experts

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "kb_answer_thresholds",
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("answer", sa.Float(), nullable=False),
        sa.Column("clarify_floor", sa.Float(), nullable=False),
        sa.Column("margin", sa.Float(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_answer_thresholds")),
        sa.UniqueConstraint("category", "language", name=op.f("uq_kb_answer_thresholds_category")),
    )
    op.create_table(
        "kb_article_stats",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Integer(), nullable=False),
        sa.Column("unhelpful", sa.Integer(), nullable=False),
        sa.Column("deflections", sa.Integer(), nullable=False),
        sa.Column("tickets_after", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_stats_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_kb_article_stats")),
    )
    with op.batch_alter_table("kb_article_stats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_article_stats_value"), ["value"], unique=False)

    op.create_table(
        "kb_gaps",
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("embedder", sa.String(length=100), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_article_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["closed_by_article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_gaps_closed_by_article_id_kb_articles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_gaps")),
    )
    with op.batch_alter_table("kb_gaps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_gaps_status"), ["status"], unique=False)

    op.create_table(
        "experts",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("customer_traits", sa.JSON(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_experts_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("agent_id", name=op.f("uq_experts_agent_id")),
        sa.UniqueConstraint("email", name=op.f("uq_experts_email")),
    )
    op.create_table(
        "expert_evidence",
        sa.Column("expert_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_expert_evidence_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_evidence")),
    )
    with op.batch_alter_table("expert_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expert_evidence_expert_id"), ["expert_id"], unique=False
        )

    op.create_table(
        "kb_gap_tasks",
        sa.Column("gap_id", sa.Uuid(), nullable=False),
        sa.Column("expert_id", sa.Uuid(), nullable=True),
        sa.Column("article_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_gap_tasks_article_id_kb_articles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_kb_gap_tasks_expert_id_experts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["gap_id"],
            ["kb_gaps.id"],
            name=op.f("fk_kb_gap_tasks_gap_id_kb_gaps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_gap_tasks")),
    )
    with op.batch_alter_table("kb_gap_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_gap_tasks_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_kb_gap_tasks_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_gap_tasks_gap_id"), ["gap_id"], unique=False)

    op.create_table(
        "kb_search_votes",
        sa.Column("search_id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_search_votes_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["kb_search_log.id"],
            name=op.f("fk_kb_search_votes_search_id_kb_search_log"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_search_votes")),
        sa.UniqueConstraint("search_id", name=op.f("uq_kb_search_votes_search_id")),
    )
    with op.batch_alter_table("kb_search_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_search_votes_article_id"), ["article_id"], unique=False
        )

    # Existing log rows get an empty choice list and "not deflected".
    with op.batch_alter_table("kb_search_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("choices", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        # conversation_id (and its index) came with 0003 (privacy needs it too).
        batch_op.add_column(sa.Column("channel", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ticket_reference", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("deflected", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("gap_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_kb_search_log_gap_id"), ["gap_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kb_search_log_settled_at"), ["settled_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_kb_search_log_gap_id_kb_gaps"),
            "kb_gaps",
            ["gap_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("kb_search_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_kb_search_log_gap_id_kb_gaps"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_kb_search_log_settled_at"))
        batch_op.drop_index(batch_op.f("ix_kb_search_log_gap_id"))
        for column in (
            "gap_id",
            "deflected",
            "settled_at",
            "ticket_reference",
            "outcome_at",
            "outcome",
            "channel",
            "choices",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("kb_search_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_search_votes_article_id"))
    op.drop_table("kb_search_votes")
    with op.batch_alter_table("kb_gap_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_gap_tasks_gap_id"))
        batch_op.drop_index(batch_op.f("ix_kb_gap_tasks_expert_id"))
        batch_op.drop_index(batch_op.f("ix_kb_gap_tasks_article_id"))
    op.drop_table("kb_gap_tasks")
    with op.batch_alter_table("expert_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_evidence_expert_id"))
    op.drop_table("expert_evidence")
    op.drop_table("experts")
    with op.batch_alter_table("kb_gaps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_gaps_status"))
    op.drop_table("kb_gaps")
    with op.batch_alter_table("kb_article_stats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_article_stats_value"))
    op.drop_table("kb_article_stats")
    op.drop_table("kb_answer_thresholds")
