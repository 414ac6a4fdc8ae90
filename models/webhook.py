"""Webhook deliveries already received, by the sender's own id for each: a redelivered event finds its
id here and has no effect a second time."""

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
