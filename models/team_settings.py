"""Per-workspace settings an admin sets in Slack (/idea settings); unset fields fall back to the env."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class TeamSettings(Base):
    __tablename__ = "team_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    triage_channel: Mapped[str | None] = mapped_column(String(32))
    pm_user_ids: Mapped[str | None] = mapped_column(Text)  # comma-separated; None: fall back to PM_USER_IDS
    digest_weekday: Mapped[int | None]
    digest_minute: Mapped[int | None]
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"TeamSettings(team_id={self.team_id!r}, triage_channel={self.triage_channel!r})"
