"""check-ins: the requester is asked at their own 09:00, so each person's asking is recorded apart

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("check_ins", sa.Column("requester_asked_at", sa.DateTime(timezone=True), nullable=True))
    # Until now both were asked at once: a check-in asked was asked of the requester too.
    op.execute("UPDATE check_ins SET requester_asked_at = asked_at WHERE asked_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("check_ins") as batch:
        batch.drop_column("requester_asked_at")
