"""team settings: triage channel, PMs and digest defaults per workspace, set by an admin in Slack

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("triage_channel", sa.String(length=32), nullable=True),
        sa.Column("pm_user_ids", sa.Text(), nullable=True),
        sa.Column("digest_weekday", sa.Integer(), nullable=True),
        sa.Column("digest_minute", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_settings")),
    )


def downgrade() -> None:
    op.drop_table("team_settings")
