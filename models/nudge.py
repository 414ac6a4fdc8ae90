"""Nudges: the private invitations the bot sent after noticing a request, and who asked not to get them.

A nudge row is written before the invitation is sent, keyed by the message, so a retried event finds
it and does nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Nudge(Base):
    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "message_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    trigger: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"Nudge(id={self.id!r}, channel_id={self.channel_id!r}, message_ts={self.message_ts!r})"


class NudgeWindow(Base):
    """When a person was last nudged in a channel: claimed atomically, so two messages sent at once
    still make one nudge an hour."""

    __tablename__ = "nudge_windows"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_nudged_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"NudgeWindow({self.team_id!r}, {self.user_id!r}, {self.channel_id!r}, {self.last_nudged_at!r})"


class NudgeOptOut(Base):
    __tablename__ = "nudge_opt_outs"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"NudgeOptOut(team_id={self.team_id!r}, user_id={self.user_id!r})"
