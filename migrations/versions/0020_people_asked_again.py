"""people: who was remembered as an admin is asked of Slack again, under the rule that only this workspace's own
admins and owners count (an admin of another organisation in a Slack Connect channel, or a guest, never does)

Data only, no schema change. Rows written before the rule may say "admin" of someone it no longer counts;
without this they would be trusted until they aged out (up to a day for a form, 30 days for being told of a
refused tracker token). Marked as checked long ago, each is asked again when next needed; their time zone
is kept meanwhile.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    people = sa.table("people", sa.column("is_admin", sa.Boolean), sa.column("checked_at", sa.DateTime(timezone=True)))
    op.execute(people.update().where(people.c.is_admin.is_(sa.true())).values(checked_at=LONG_AGO))


def downgrade() -> None:
    """Nothing to undo: the rows are asked of Slack again either way."""
