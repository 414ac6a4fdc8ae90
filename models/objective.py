"""Objectives and their key results: what delivery work is meant to move."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, LenientDate, UTCDateTime, utcnow


class Objective(Base):
    __tablename__ = "objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    key_results: Mapped[list[KeyResult]] = relationship(
        back_populates="objective", cascade="all, delete-orphan", order_by="KeyResult.position"
    )

    def __repr__(self) -> str:
        return f"Objective(id={self.id!r}, title={self.title[:40]!r})"


class KeyResult(Base):
    __tablename__ = "key_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    metric: Mapped[str] = mapped_column(Text)
    baseline: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(LenientDate)
    objective: Mapped[Objective] = relationship(back_populates="key_results")

    def __repr__(self) -> str:
        return f"KeyResult(id={self.id!r}, metric={self.metric[:40]!r})"
