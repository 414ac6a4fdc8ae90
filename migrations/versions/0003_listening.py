"""listening: nudges, opt-outs, and ideas linked to the message they came from

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
        sa.UniqueConstraint(
            "team_id", "channel_id", "message_ts", name=op.f("uq_nudges_team_id_channel_id_message_ts")
        ),
    )
    op.create_table(
        "nudge_windows",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("last_nudged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "channel_id", name=op.f("pk_nudge_windows")),
    )
    op.create_table(
        "nudge_opt_outs",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_nudge_opt_outs")),
    )
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("source_message_ts", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("source_permalink", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("submitted_by", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.drop_column("submitted_by")
        batch.drop_column("source_permalink")
        batch.drop_column("source_message_ts")
    op.drop_table("nudge_opt_outs")
    op.drop_table("nudge_windows")
    op.drop_table("nudges")
