"""A decision: one move of an idea from one stage to another, with the reason people will read.

Append-only: the history of an idea is its decisions.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, LenientDate, ResultName, StageName, UTCDateTime, utcnow


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_idea_id", "idea_id"),
        Index("ix_decisions_team_id_decided_at", "team_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    from_stage: Mapped[str] = mapped_column(StageName)
    to_stage: Mapped[str] = mapped_column(StageName)
    reason: Mapped[str] = mapped_column(Text)
    # A Slack user id; or, for a move the delivery tracker made (`via` "github" or "jira"), who made it there.
    decided_by: Mapped[str] = mapped_column(String(100))
    via: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Parked: when to look again. Shipped: when to ask whether the outcome happened.
    revisit_on: Mapped[date | None] = mapped_column(LenientDate)
    # Reviewed: met, partly or missed, and what was measured.
    result: Mapped[str | None] = mapped_column(ResultName)
    measured: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"Decision(id={self.id!r}, idea_id={self.idea_id!r}, {self.from_stage}->{self.to_stage})"
