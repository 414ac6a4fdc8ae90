"""What a channel's digest says for a period: read from decisions and ideas, never invented."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from statistics import median

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from bot.feedback import evidence_of, received
from bot.reviews import merge_ends, support_counts
from models import Decision, Idea, Insight, Stage

OLDEST_CANDIDATES = 3


@dataclass(frozen=True)
class Pulse:
    received: int
    with_outcome_and_problem: int
    median_days_to_first_decision: float | None
    delivery_without_objective: int = 0
    customer_mentions: int = 0  # requests from feedback channels received in the period
    mentions_on_work: int = 0  # of them, attached to ideas in discovery or delivery


@dataclass(frozen=True)
class Digest:
    period_start: datetime
    period_end: datetime
    to_delivery: list[tuple[Idea, Decision]] = field(default_factory=list)
    to_discovery: list[tuple[Idea, Decision]] = field(default_factory=list)
    parked: list[tuple[Idea, Decision]] = field(default_factory=list)
    declined: list[tuple[Idea, Decision]] = field(default_factory=list)
    reviewed: list[tuple[Idea, Decision]] = field(default_factory=list)
    waiting: list[Idea] = field(default_factory=list)
    waiting_total: int = 0
    pulse: Pulse = Pulse(0, 0, None)
    quotes: dict[int, list[Insight]] = field(default_factory=dict)  # the latest customer quote of moved ideas
    people: dict[int, int] = field(default_factory=dict)  # how many support each moved idea
    shipped: list[tuple[Idea, Decision]] = field(default_factory=list)
    merged: list[tuple[Idea, Decision]] = field(default_factory=list)
    timezone: str = "UTC"  # the schedule's: the period is named by the dates the channel lives it on
    ends: dict[int, int] = field(default_factory=dict)  # a merged idea whose target was merged on: where it ended

    @property
    def is_empty(self) -> bool:
        moved = (self.to_delivery or self.shipped or self.to_discovery or self.parked or self.declined
                 or self.reviewed or self.merged)
        return (not moved and self.waiting_total == 0 and self.pulse.received == 0
                and self.pulse.customer_mentions == 0)


def compose(session: Session, team_id: str, start: datetime, end: datetime, channel_id: str | None = None) -> Digest:
    """The digest for decisions made in (start, end]; `channel_id` narrows it to ideas from that channel.

    Each idea appears once, under its latest decision in the period: an idea that went to discovery
    and on to delivery in the same week is news about delivery.
    """
    scope = [Idea.team_id == team_id]
    if channel_id is not None:
        scope.append(Idea.source_channel_id == channel_id)
    later = aliased(Decision)
    latest = (
        select(Idea, Decision)
        .join(Decision, Decision.idea_id == Idea.id)
        # team_id on the decision too, so the (team_id, decided_at) index drives the query from the period
        .where(*scope, Decision.team_id == team_id, Decision.decided_at > start, Decision.decided_at <= end)
        .where(
            ~select(later.id)
            .where(later.idea_id == Decision.idea_id, later.decided_at <= end, later.id > Decision.id)
            .exists()
        )
        .order_by(Decision.decided_at, Decision.id)
    )
    moved: dict[str, list[tuple[Idea, Decision]]] = {stage: [] for stage in Stage}
    for idea, decision in session.execute(latest):
        if decision.to_stage in moved:  # a stage written by hand that we do not know is no section's news
            moved[decision.to_stage].append((idea, decision))
    waiting = _candidates(scope)
    mentions, on_work = received(session, team_id, start, end) if channel_id is None else (0, 0)
    quoted = [idea.id for pairs in moved.values() for idea, _ in pairs if idea.customer_mentions]
    return Digest(
        period_start=start,
        period_end=end,
        to_delivery=moved[Stage.DELIVERY],
        shipped=moved[Stage.SHIPPED],
        to_discovery=moved[Stage.DISCOVERY],
        parked=moved[Stage.PARKED],
        declined=moved[Stage.DECLINED],
        merged=moved[Stage.MERGED],
        reviewed=moved[Stage.REVIEWED],
        waiting=list(session.scalars(waiting.order_by(Idea.created_at, Idea.id).limit(OLDEST_CANDIDATES))),
        waiting_total=session.scalar(select(func.count()).select_from(waiting.subquery())) or 0,
        pulse=replace(
            _pulse(session, team_id, scope, start, end),
            delivery_without_objective=sum(1 for idea, _ in moved[Stage.DELIVERY] if idea.objective_id is None),
            customer_mentions=mentions,
            mentions_on_work=on_work,
        ),
        quotes=dict(evidence_of(session, quoted, per_idea=1)),
        people=support_counts(session, [idea.id for pairs in moved.values() for idea, _ in pairs]),
        ends=merge_ends(session, team_id, [idea for idea, _ in moved[Stage.MERGED]]),
    )


def _candidates(scope: list) -> Select[tuple[Idea]]:
    return select(Idea).where(*scope, Idea.stage == Stage.CANDIDATE)


def _pulse(session: Session, team_id: str, scope: list, start: datetime, end: datetime) -> Pulse:
    received = session.execute(
        select(Idea.outcome, Idea.problem).where(*scope, Idea.created_at > start, Idea.created_at <= end)
    ).all()
    # Only ideas decided on in the period can have their first decision in it: the query stays as
    # small as the period, however long the history.
    decided_in_period = (
        select(Decision.idea_id)
        .where(Decision.team_id == team_id, Decision.decided_at > start, Decision.decided_at <= end)
        .distinct()
        .subquery()
    )
    first = (
        select(Idea.created_at, func.min(Decision.decided_at))
        .select_from(decided_in_period)
        .join(Idea, Idea.id == decided_in_period.c.idea_id)
        .join(Decision, Decision.idea_id == Idea.id)
        .where(*scope)
        .group_by(Idea.id, Idea.created_at)
        .having(func.min(Decision.decided_at) > start, func.min(Decision.decided_at) <= end)
    )
    # An idea whose creation date is no date (written so by another tool) has no wait to count.
    waits = [(decided - created).total_seconds() / 86400 for created, decided in session.execute(first)
             if created is not None and decided is not None]
    return Pulse(
        received=len(received),
        with_outcome_and_problem=sum(1 for outcome, problem in received if outcome.strip() and problem.strip()),
        median_days_to_first_decision=round(median(waits), 1) if waits else None,
    )
