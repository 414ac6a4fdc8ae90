"""looks like: the open idea a new one most resembles, shown on its triage card until a PM decides

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("looks_like_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_ideas_looks_like_id_ideas"), "ideas", ["looks_like_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.drop_constraint(op.f("fk_ideas_looks_like_id_ideas"), type_="foreignkey")
        batch.drop_column("looks_like_id")
