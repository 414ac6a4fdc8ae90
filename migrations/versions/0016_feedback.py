"""feedback: channels read as customer feedback, and the requests found there (insights)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_channels",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", name=op.f("pk_feedback_channels")),
    )
    op.create_table(
        "insights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_insights_idea_id_ideas"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights")),
        sa.UniqueConstraint("team_id", "channel_id", "message_ts", "part",
                            name=op.f("uq_insights_team_id_channel_id_message_ts_part")),
    )
    op.create_index("ix_insights_team_id_state_created_at", "insights", ["team_id", "state", "created_at"])
    op.create_index("ix_insights_idea_id", "insights", ["idea_id"])
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("customer_mentions", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.drop_column("customer_mentions")
    op.drop_index("ix_insights_idea_id", table_name="insights")
    op.drop_index("ix_insights_team_id_state_created_at", table_name="insights")
    op.drop_table("insights")
    op.drop_table("feedback_channels")
