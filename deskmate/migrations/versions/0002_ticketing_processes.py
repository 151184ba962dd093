"""ticketing: customers and identities, workflows, routing rules, SLA, CSAT, webhooks

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "business_calendars",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("weekly_hours", sa.JSON(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_calendars")),
        sa.UniqueConstraint("name", name=op.f("uq_business_calendars_name")),
    )
    op.create_table(
        "customer_tier_rules",
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("minimums", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_tier_rules")),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("event_kinds", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
        sa.UniqueConstraint("name", name=op.f("uq_webhook_subscriptions_name")),
    )
    op.create_table(
        "workflows",
        sa.Column("ticket_type", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflows")),
        sa.UniqueConstraint("ticket_type", name=op.f("uq_workflows_ticket_type")),
    )
    op.create_table(
        "channel_identities",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_channel_identities_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_identities")),
        sa.UniqueConstraint("channel", "external_id", name=op.f("uq_channel_identities_channel")),
    )
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_identities_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "routing_rules",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("match", sa.JSON(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_routing_rules_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_routing_rules_name")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ticket_type", sa.String(length=20), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("next_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("warn_before_minutes", sa.Integer(), nullable=False),
        sa.Column("supervisor_after_minutes", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendars.id"],
            name=op.f("fk_sla_policies_calendar_id_business_calendars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_policies_name")),
    )
    op.create_table(
        "csat_ratings",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_csat_ratings_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_ratings")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_csat_ratings_ticket_id")),
    )
    op.create_table(
        "ticket_duplicate_links",
        sa.Column("duplicate_id", sa.Uuid(), nullable=False),
        sa.Column("primary_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["duplicate_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_duplicate_links_duplicate_id_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["primary_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_duplicate_links_primary_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_duplicate_links")),
        sa.UniqueConstraint("duplicate_id", name=op.f("uq_ticket_duplicate_links_duplicate_id")),
    )
    with op.batch_alter_table("ticket_duplicate_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_duplicate_links_primary_id"), ["primary_id"], unique=False
        )

    op.create_table(
        "ticket_messages",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("author_kind", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("channel_message_id", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_messages_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_messages")),
        sa.UniqueConstraint(
            "channel", "channel_message_id", name=op.f("uq_ticket_messages_channel")
        ),
    )
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_messages_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "webhook_deliveries",
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["ticket_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_ticket_events"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_subscription_id"), ["subscription_id"], unique=False
        )

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("seniority", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lifetime_value", sa.Float(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("loyalty_months", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("potential_score", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("consent", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(
            sa.Column("consent_updated_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status_category", sa.String(length=20), nullable=False, server_default="open"
            )
        )
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("resolution_outcome", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("resolution_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.alter_column(
            "status",
            existing_type=sa.VARCHAR(length=20),
            type_=sa.String(length=40),
            existing_nullable=False,
        )
        batch_op.drop_index(batch_op.f("ix_tickets_status"))
        batch_op.create_index(
            "ix_tickets_assignee_category_created",
            ["assignee_id", "status_category", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tickets_category_created", ["status_category", "created_at"], unique=False
        )
        batch_op.create_index("ix_tickets_status_created", ["status", "created_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_merged_into_id_tickets"), "tickets", ["merged_into_id"], ["id"]
        )
    # Statuses of 0001 keep their names; their category says what they mean.
    op.execute(
        "UPDATE tickets SET status_category = CASE status WHEN 'pending' THEN 'waiting' "
        "WHEN 'resolved' THEN 'resolved' WHEN 'closed' THEN 'closed' ELSE 'open' END"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_merged_into_id_tickets"), type_="foreignkey"
        )
        batch_op.drop_index("ix_tickets_status_created")
        batch_op.drop_index("ix_tickets_category_created")
        batch_op.drop_index("ix_tickets_assignee_category_created")
        batch_op.create_index(batch_op.f("ix_tickets_status"), ["status"], unique=False)
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=40),
            type_=sa.VARCHAR(length=20),
            existing_nullable=False,
        )
        batch_op.drop_column("version")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("resolution_reason")
        batch_op.drop_column("resolution_outcome")
        batch_op.drop_column("context")
        batch_op.drop_column("status_category")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("consent_updated_at")
        batch_op.drop_column("consent")
        batch_op.drop_column("potential_score")
        batch_op.drop_column("loyalty_months")
        batch_op.drop_column("lifetime_value")

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("last_assigned_at")
        batch_op.drop_column("seniority")

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_event_id"))
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_messages_ticket_id"))

    op.drop_table("ticket_messages")
    with op.batch_alter_table("ticket_duplicate_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_duplicate_links_primary_id"))

    op.drop_table("ticket_duplicate_links")
    op.drop_table("csat_ratings")
    op.drop_table("sla_policies")
    op.drop_table("routing_rules")
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_identities_customer_id"))

    op.drop_table("channel_identities")
    op.drop_table("workflows")
    op.drop_table("webhook_subscriptions")
    op.drop_table("customer_tier_rules")
    op.drop_table("business_calendars")
