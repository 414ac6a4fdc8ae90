"""Closing the loop: who supports an idea (with evidence), and when to ask if a shipped idea's outcome happened."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, LenientDate, UTCDateTime, utcnow


class Support(Base):
    """"I have this problem too": one per person per idea, with a line of evidence."""

    __tablename__ = "supports"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"Support(idea_id={self.idea_id!r}, user_id={self.user_id!r})"


class CheckIn(Base):
    """A question due on a date: did the shipped idea's outcome happen? Asked once of each person, at 09:00
    on its date where they are (the PM in `asked_at`, the requester in `requester_asked_at`), answered once."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("idea_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    due_on: Mapped[date] = mapped_column(LenientDate)
    ask_user_id: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requester_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"CheckIn(idea_id={self.idea_id!r}, due_on={self.due_on!r})"
