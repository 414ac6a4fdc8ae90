"""Build-trap metrics: is the team shipping outcomes or just outputs?

A fixed handful of queries whatever the size of the history (the medians are taken from durations
the database hands back, since SQLite has no percentile function).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.reviews import RESULTS
from models import Decision, Idea, Stage, utcnow

CLOCK_SKEW = timedelta(minutes=5)  # another process's clock a little ahead is not the future
_EVER_SHIPPED = (Stage.SHIPPED.value, Stage.REVIEWED.value)


@dataclass(frozen=True)
class Stats:
    ideas: int
    with_outcome_and_problem: int
    by_stage: dict[str, int]
    median_days_to_first_decision: float | None
    median_days_discovery_to_delivery: float | None
    shipped: int  # ideas ever shipped: still shipped, or reviewed since
    reviewed: int  # ideas whose outcome was reviewed
    results: dict[str, int]  # met / partly / missed; a review with no result we know is in none
    in_delivery_or_later: int
    tied_to_objective: int

    @property
    def review_share(self) -> float | None:
        return self.reviewed / self.shipped if self.shipped else None

    @property
    def judged(self) -> int:
        """Reviews with a result we know: the hit rate's whole."""
        return sum(self.results.values())

    @property
    def hit_rate(self) -> float | None:
        return self.results.get("met", 0) / self.judged if self.judged else None


def build_trap_stats(session: Session, team_id: str, now: datetime | None = None) -> Stats:
    """`now`: a decision dated after it (by a tool whose clock was wrong) has not been made yet, and waits in no
    median."""
    made = (now or utcnow()) + CLOCK_SKEW
    mine = Idea.team_id == team_id
    # Grouped as stored, then summed as read: "Shipped" and "shipped" (until the scheduler's minute stores it
    # as ours) are one stage, not two groups of which one overwrites the other.
    by_stage: dict[str, int] = {}
    for stage, count in session.execute(select(Idea.stage, func.count()).where(mine).group_by(Idea.stage)):
        by_stage[stage] = by_stage.get(stage, 0) + count
    stated = session.scalar(
        select(func.count())
        .select_from(Idea)
        .where(mine, func.length(func.trim(Idea.outcome)) > 0, func.length(func.trim(Idea.problem)) > 0)
    ) or 0
    first = session.execute(
        select(Idea.created_at, func.min(Decision.decided_at))
        .join(Decision, and_(Decision.idea_id == Idea.id, Decision.decided_at <= made))
        .where(mine)
        .group_by(Idea.id, Idea.created_at)
    ).all()
    into_discovery, into_delivery = aliased(Decision), aliased(Decision)
    discovery_to_delivery = session.execute(
        select(func.max(into_discovery.decided_at), func.min(into_delivery.decided_at))
        .join(into_delivery, into_delivery.idea_id == into_discovery.idea_id)
        .where(into_discovery.team_id == team_id, into_discovery.to_stage == Stage.DISCOVERY,
               into_delivery.to_stage == Stage.DELIVERY, into_delivery.decided_at > into_discovery.decided_at,
               into_delivery.decided_at <= made)
        .group_by(into_discovery.idea_id)
    ).all()
    # Counted by idea, not by review row: an idea another tool wrote as reviewed without its history is shipped
    # and reviewed; one whose review left its stage at shipped is one idea; an outcome recorded twice counts once,
    # as last recorded. A result spelt otherwise ("Met") reads as ours, and one we do not know is no result.
    review = and_(Decision.idea_id == Idea.id, func.lower(func.trim(Decision.to_stage)) == Stage.REVIEWED.value)
    shipped_or_reviewed = session.execute(
        select(Idea.id, Idea.stage, Decision.id, Decision.result)
        .outerjoin(Decision, review)
        .where(mine, or_(Decision.id.is_not(None), func.lower(func.trim(Idea.stage)).in_(_EVER_SHIPPED)))
        .order_by(Idea.id, Decision.decided_at, Decision.id)
    ).all()
    latest: dict[int, str | None] = {}
    reviewed_ideas: set[int] = set()
    for idea_id, stage, review_id, result in shipped_or_reviewed:
        if review_id is not None:
            latest[idea_id] = result
        if review_id is not None or stage == Stage.REVIEWED:
            reviewed_ideas.add(idea_id)
    results: dict[str, int] = {}
    for result in latest.values():
        if result in RESULTS:
            results[result] = results.get(result, 0) + 1
    later = (Stage.DELIVERY, Stage.SHIPPED, Stage.REVIEWED)
    tied = session.scalar(
        select(func.count()).select_from(Idea).where(mine, Idea.stage.in_(later), Idea.objective_id.is_not(None))
    ) or 0
    return Stats(
        ideas=sum(by_stage.values()),
        with_outcome_and_problem=stated,
        by_stage=by_stage,
        median_days_to_first_decision=_median_days(first),
        median_days_discovery_to_delivery=_median_days(discovery_to_delivery),
        shipped=len({idea_id for idea_id, *_ in shipped_or_reviewed}),
        reviewed=len(reviewed_ideas),
        results=results,
        in_delivery_or_later=sum(by_stage.get(stage, 0) for stage in later),
        tied_to_objective=tied,
    )


def _median_days(spans: list) -> float | None:
    """A span that ends before it starts (an idea imported with today's date and its decisions with theirs, or
    decisions written out of order) measures nothing: it is left out, not counted as a wait under a day."""
    days = [(end - start).total_seconds() / 86400 for start, end in spans
            if start is not None and end is not None and end >= start]
    return round(median(days), 1) if days else None
