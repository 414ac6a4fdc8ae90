"""What Slack said about a person (users.info), kept for a while: whether they are a workspace admin or
owner (who decides when no PM list is set) and their time zone. Every process shares it, so a button
pressed in one and the form submitted to another cost one call to Slack, made after an ack."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, LenientBool, UTCDateTime


class Person(Base):
    __tablename__ = "people"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    is_admin: Mapped[bool] = mapped_column(LenientBool, default=False)
    tz: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"Person({self.team_id!r}, {self.user_id!r}, is_admin={self.is_admin!r})"
