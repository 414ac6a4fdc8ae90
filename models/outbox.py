"""What the bot owes people: every Slack message (and every piece of work that leads to one), written in
the same transaction as the change that causes it and delivered after the commit by the sender.

A row is pending until it is sent, fails for good, is superseded by a newer row with the same key (a
card redrawn twice before the first redraw went out), or expires (ephemeral replies nobody would
miss an hour later). A sender claims a row with a lease; a row whose lease ran out (its process died
mid-call) is claimed again, remembered as uncertain, so a post is looked for before it is made again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Delivery(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_outbox_key_id", "key", "id"),
        Index("ix_outbox_team_id_state", "team_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # A Slack method ("chat.postMessage", "response_url", "card" for a triage card posted or redrawn) or
    # a job ("job:announce") whose work ends in more rows.
    method: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Rows with one key go out in order; a newer pending one supersedes older ones that collapse.
    key: Mapped[str | None] = mapped_column(String(100))
    # A thread reply waits for its parent, and takes the parent's ts as its thread_ts.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    # The last attempt may have reached Slack without our hearing back.
    uncertain: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(80))
    channel_id: Mapped[str | None] = mapped_column(String(32))  # where it went (Slack's answer)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A failure PMs saw on App Home and dismissed (or retried).
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"Delivery(id={self.id!r}, method={self.method!r}, state={self.state!r}, key={self.key!r})"


class Draft(Base):
    """What a form carries between its versions that could outgrow Slack's 3,000-character
    private_metadata (a suggestion in any script, an ask longer than its field), kept here under a short
    random key that the form carries instead."""

    __tablename__ = "drafts"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"Draft(key={self.key!r}, team_id={self.team_id!r})"
