"""Webhook deliveries already received, by the sender's own id for each: a redelivered event finds its
id here and has no effect a second time; and whether each tracker takes the bot's token just now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # "github", "jira"
    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"WebhookDelivery({self.source!r}, {self.delivery_id!r})"


class TrackerStatus(Base):
    """A tracker refusing the bot's token (401, 403): since when and why, so that the PMs are told once
    when it starts and once when it ends, and App Home says so meanwhile. One token serves every
    workspace, so the row is the tracker's, not a workspace's."""

    __tablename__ = "tracker_status"

    tracker: Mapped[str] = mapped_column(String(16), primary_key=True)  # "github", "jira"
    refused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(300))

    def __repr__(self) -> str:
        return f"TrackerStatus({self.tracker!r}, refused_since={self.refused_since!r})"
