"""trackers: whether each tracker refuses the bot's token, so PMs hear it once and App Home shows it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracker_status",
        sa.Column("tracker", sa.String(length=16), nullable=False),
        sa.Column("refused_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("tracker", name=op.f("pk_tracker_status")),
    )


def downgrade() -> None:
    op.drop_table("tracker_status")
