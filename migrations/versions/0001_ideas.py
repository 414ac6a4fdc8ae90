"""ideas: outcome-first discovery candidates

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("ask", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("measure", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("source_channel_id", sa.String(length=32), nullable=True),
        sa.Column("submission_id", sa.String(length=64), nullable=True),
        sa.Column("triage_channel_id", sa.String(length=32), nullable=True),
        sa.Column("triage_message_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas")),
        sa.UniqueConstraint("team_id", "submission_id", name=op.f("uq_ideas_team_id_submission_id")),
    )
    op.create_index("ix_ideas_team_id_requester_id", "ideas", ["team_id", "requester_id"])
    op.create_index("ix_ideas_team_id_stage", "ideas", ["team_id", "stage"])


def downgrade() -> None:
    op.drop_index("ix_ideas_team_id_stage", table_name="ideas")
    op.drop_index("ix_ideas_team_id_requester_id", table_name="ideas")
    op.drop_table("ideas")
