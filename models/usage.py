"""Model usage per team and day, so the cost of the optional LLM is visible to PMs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, LenientDate


class ModelUsage(Base):
    __tablename__ = "model_usage"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(LenientDate, primary_key=True)
    calls: Mapped[int] = mapped_column(default=0)
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"ModelUsage({self.team_id!r}, {self.day!r}, calls={self.calls!r})"
