"""trackers: an idea's delivery issue (GitHub or Jira), decisions made through a tracker, and the
webhook deliveries already received

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("tracker", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("tracker_key", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("tracker_url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("tracker_state", sa.String(length=32), nullable=True))
        batch.create_index("ix_ideas_tracker_tracker_key", ["tracker", "tracker_key"])
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("decided_by", existing_type=sa.String(length=32), type_=sa.String(length=100),
                           existing_nullable=False)
        batch.add_column(sa.Column("via", sa.String(length=16), nullable=True))
    op.create_table(
        "webhook_deliveries",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("delivery_id", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "delivery_id", name=op.f("pk_webhook_deliveries")),
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("via")
        batch.alter_column("decided_by", existing_type=sa.String(length=100), type_=sa.String(length=32),
                           existing_nullable=False)
    with op.batch_alter_table("ideas") as batch:
        batch.drop_index("ix_ideas_tracker_tracker_key")
        batch.drop_column("tracker_state")
        batch.drop_column("tracker_url")
        batch.drop_column("tracker_key")
        batch.drop_column("tracker")
