"""An idea: someone's ask, restated as an outcome and a problem, moving through stages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, StageName, UTCDateTime, utcnow
from models.objective import Objective


class Stage(StrEnum):
    CANDIDATE = "candidate"
    DISCOVERY = "discovery"
    DELIVERY = "delivery"
    SHIPPED = "shipped"
    REVIEWED = "reviewed"
    MERGED = "merged"
    PARKED = "parked"
    DECLINED = "declined"


class Idea(Base):
    __tablename__ = "ideas"
    __table_args__ = (
        # One idea per submitted modal, however often Slack or a double click delivers it.
        UniqueConstraint("team_id", "submission_id"),
        Index("ix_ideas_team_id_requester_id", "team_id", "requester_id"),
        # By stage, oldest first (triage queue, waiting candidates); and by date (ideas received lately).
        Index("ix_ideas_team_id_stage_created_at", "team_id", "stage", "created_at"),
        Index("ix_ideas_team_id_created_at", "team_id", "created_at"),
        # A tracker's event names an issue; this finds the ideas that link it, in whatever workspace.
        Index("ix_ideas_tracker_tracker_key", "tracker", "tracker_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    requester_id: Mapped[str] = mapped_column(String(32))
    ask: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text)
    problem: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    measure: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(StageName, default=Stage.CANDIDATE)
    source_channel_id: Mapped[str | None] = mapped_column(String(32))
    # When the idea started as a channel message: where it is, so decisions can reply in its thread.
    source_message_ts: Mapped[str | None] = mapped_column(String(32))
    source_permalink: Mapped[str | None] = mapped_column(String(500))
    # Who filled in the form, when that was not the requester (the "Turn into idea" shortcut).
    submitted_by: Mapped[str | None] = mapped_column(String(32))
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    # The open idea this one most resembles when it came in (bot/similar.py), for the PM deciding on a merge.
    looks_like_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    # Loaded with the idea (one join), because every place that shows an idea names its objective.
    objective: Mapped[Objective | None] = relationship(lazy="joined")
    submission_id: Mapped[str | None] = mapped_column(String(64))
    triage_channel_id: Mapped[str | None] = mapped_column(String(32))
    triage_message_ts: Mapped[str | None] = mapped_column(String(32))
    # Where its delivery is tracked: "github" or "jira", the key ("acme/roadmap#57", "OPS-142")
    # and link, and the tracker's state of it as last seen ("open", "completed", "not_planned"...).
    tracker: Mapped[str | None] = mapped_column(String(16))
    tracker_key: Mapped[str | None] = mapped_column(String(200))
    tracker_url: Mapped[str | None] = mapped_column(String(500))
    tracker_state: Mapped[str | None] = mapped_column(String(32))
    # Requests from feedback channels attached to this idea (insights), counted apart from +1s; kept
    # with the idea so every card, Home line and digest item can say it without another query.
    customer_mentions: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"Idea(id={self.id!r}, team_id={self.team_id!r}, stage={self.stage!r}, outcome={self.outcome[:40]!r})"
