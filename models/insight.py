"""The customer's voice: channels whose messages are read as feedback (review feeds, ticket
notifications, sales notes), and the requests found in them (insights), each waiting in the PMs' inbox,
attached to an idea as customer evidence, turned into an idea, or set aside as not a request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class FeedbackChannel(Base):
    __tablename__ = "feedback_channels"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"FeedbackChannel({self.team_id!r}, {self.channel_id!r})"


class WithdrawnMessage(Base):
    """A message deleted from a feedback channel. Slack may deliver the message itself afterwards (a retry of an
    event whose ack was slow, or one that arrives after its deletion): it is not read then."""

    __tablename__ = "withdrawn_messages"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"WithdrawnMessage({self.team_id!r}, {self.channel_id!r}, {self.message_ts!r})"


class Insight(Base):
    __tablename__ = "insights"
    __table_args__ = (
        # One insight per request in a message, however often Slack delivers the event.
        UniqueConstraint("team_id", "channel_id", "message_ts", "part"),
        Index("ix_insights_team_id_state_created_at", "team_id", "state", "created_at"),
        Index("ix_insights_idea_id", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    part: Mapped[int] = mapped_column(default=0)  # which request of the message
    text: Mapped[str] = mapped_column(Text)  # the request sentence(s), as written
    author: Mapped[str] = mapped_column(String(100))  # a user id (U...), or the integration's name
    permalink: Mapped[str | None] = mapped_column(String(500))
    # "new" (being matched), "inbox", "attached" (customer evidence on idea_id), "idea" (became idea_id),
    # "not_a_request" (a PM's correction, kept as labelled data)
    state: Mapped[str] = mapped_column(String(16), default="new")
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"Insight(id={self.id!r}, state={self.state!r}, idea_id={self.idea_id!r})"
