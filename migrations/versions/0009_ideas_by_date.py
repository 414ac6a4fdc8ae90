"""ideas by date: digests and queues read the period or the stage, not the whole history

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_ideas_team_id_stage", table_name="ideas")
    op.create_index("ix_ideas_team_id_stage_created_at", "ideas", ["team_id", "stage", "created_at"])
    op.create_index("ix_ideas_team_id_created_at", "ideas", ["team_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_ideas_team_id_created_at", table_name="ideas")
    op.drop_index("ix_ideas_team_id_stage_created_at", table_name="ideas")
    op.create_index("ix_ideas_team_id_stage", "ideas", ["team_id", "stage"])
