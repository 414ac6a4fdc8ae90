"""Digest subscriptions, and each digest run: claimed before posting, so a period posts exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, LenientBool, UTCDateTime, utcnow


class DigestSubscription(Base):
    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    weekday: Mapped[int]  # Monday is 0, as in datetime.weekday()
    minute_of_day: Mapped[int]  # 9:00 is 540, in the subscription's time zone
    timezone: Mapped[str] = mapped_column(String(64))
    only_this_channel: Mapped[bool] = mapped_column(LenientBool, default=False)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"DigestSubscription(id={self.id!r}, channel_id={self.channel_id!r}, weekday={self.weekday!r})"


class DigestNowClaim(Base):
    """When `/idea digest now` last took a channel's turn to post: claimed in one statement (the database
    decides), so the command typed twice at once, in two processes, posts one digest."""

    __tablename__ = "digest_now_claims"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"DigestNowClaim({self.team_id!r}, {self.channel_id!r}, {self.claimed_at!r})"


class DigestRun(Base):
    """One period of one subscription. The unique key is the claim: whoever inserts it posts."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("subscription_id", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("digest_subscriptions.id", ondelete="CASCADE"))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    skipped: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"DigestRun(id={self.id!r}, subscription_id={self.subscription_id!r}, period_end={self.period_end!r})"
