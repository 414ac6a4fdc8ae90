"""objectives: OKRs, and the objective an idea serves

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "objectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objectives")),
    )
    op.create_index(op.f("ix_objectives_team_id"), "objectives", ["team_id"])
    op.create_table(
        "key_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("baseline", sa.String(length=200), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["objective_id"], ["objectives.id"], name=op.f("fk_key_results_objective_id_objectives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_results")),
    )
    op.create_index(op.f("ix_key_results_objective_id"), "key_results", ["objective_id"])
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("objective_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_ideas_objective_id_objectives"), "objectives", ["objective_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.drop_constraint(op.f("fk_ideas_objective_id_objectives"), type_="foreignkey")
        batch.drop_column("objective_id")
    op.drop_index(op.f("ix_key_results_objective_id"), table_name="key_results")
    op.drop_table("key_results")
    op.drop_index(op.f("ix_objectives_team_id"), table_name="objectives")
    op.drop_table("objectives")
