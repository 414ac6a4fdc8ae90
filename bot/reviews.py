"""Did the outcome happen? Check-ins for shipped ideas, and the people who support an idea.

A shipped idea has a check-in due on a date; the scheduler asks its questions once (claimed by the
asked_at column in the transaction that owes the questions, so two schedulers ask once). "Not yet"
asks again later; Met, Partly and Missed are answered by a decision shipped -> reviewed. Supporters
count once each, with their evidence.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.ideas import UNSTORABLE, get_idea, lock_ideas, storable
from models import CheckIn, Idea, Stage, Support, dialect_insert

RESULTS = {"met": "met", "partly": "partly met", "missed": "missed"}
SUPPORTABLE = frozenset({Stage.CANDIDATE, Stage.DISCOVERY, Stage.DELIVERY, Stage.PARKED})
ASK_AGAIN_AFTER = timedelta(weeks=2)
EVIDENCE_MAX_CHARS = 500
MEASURED_MAX_CHARS = 1000
logger = logging.getLogger(__name__)

def may_review(user_id: str, idea: Idea, is_pm: bool) -> bool:
    """The product managers, and the person who asked: both are asked, both may answer."""
    return is_pm or user_id == idea.requester_id


def measured_error(measured: str) -> str | None:
    """A message for "what did you measure?", or None: the form holds it to its length, a forged one is not."""
    if not storable(measured):
        return UNSTORABLE
    if len(measured) > MEASURED_MAX_CHARS:
        return f"Please keep what was measured to {MEASURED_MAX_CHARS:,} characters (it is {len(measured):,})."
    return None


def may_support(user_id: str, idea: Idea) -> bool:
    """Anyone but the requester, while the idea is still open."""
    return user_id != idea.requester_id and idea.stage in SUPPORTABLE


MERGE_HOPS = 20  # a merge only goes into an open idea, so chains are short; this bounds a corrupted one


def to_support(session: Session, team_id: str, idea_id: int, *, lock: bool = False) -> Idea | None:
    """The idea a +1 on `idea_id` is for: the idea itself, or, once it was merged, the idea it went into
    (its people went there, so a +1 pressed on an old card or digest counts where the need lives now).

    With `lock`, the idea found is held until the transaction ends and read afresh, so a merge or a decision
    at the same moment comes wholly before the +1 (which then follows the merge, or finds the idea closed)
    or wholly after (and moves or tells this supporter too)."""
    idea = get_idea(session, team_id, idea_id)
    for _ in range(MERGE_HOPS):
        if idea is not None and lock:
            lock_ideas(session, team_id, [idea.id])
            session.refresh(idea)
        if idea is None or idea.stage != Stage.MERGED or idea.merged_into_id is None:
            return idea
        idea = get_idea(session, team_id, idea.merged_into_id)
    return idea


def due_check_ins(session: Session, now: datetime) -> list[int]:
    """Every due, unasked check-in of a still-shipped idea."""
    return list(session.scalars(
        select(CheckIn.id)
        .join(Idea, Idea.id == CheckIn.idea_id)
        .where(CheckIn.due_on <= now.date(), CheckIn.asked_at.is_(None), Idea.stage == Stage.SHIPPED)
        .order_by(CheckIn.id)
    ))


def claim_check_in(session: Session, check_in_id: int, now: datetime) -> tuple[Idea, CheckIn] | None:
    """Marks the check-in asked, if no one else has; the caller owes its questions in the same transaction,
    so it is asked exactly when it is marked."""
    claimed = session.execute(
        update(CheckIn).where(CheckIn.id == check_in_id, CheckIn.asked_at.is_(None)).values(asked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    check_in = session.get(CheckIn, check_in_id)
    return session.get(Idea, check_in.idea_id), check_in


def ask_again_later(session: Session, team_id: str, idea_id: int, user_id: str, now: datetime) -> date | None:
    """"Not yet": closes the check-in that was asked and schedules the next, two weeks after today or after
    the asked one's date, whichever is later; None if the idea is not awaiting one. When the next one is
    already scheduled (the PM and the requester were both asked and both said "not yet", or a double click)
    that date stands: everyone hears it, and the question is asked once. The next is asked of the same PM
    as the last (and the requester, as always), whoever pressed: a requester's "not yet" does not take the
    PM who shipped it out of the loop. The idea is held first, so a review recorded at the same moment comes
    wholly before (and this finds nothing to ask again) or after (and answers what this schedules)."""
    idea = get_idea(session, team_id, idea_id)
    if idea is not None:
        lock_ideas(session, team_id, [idea.id])
        session.refresh(idea)
    if idea is None or idea.stage != Stage.SHIPPED:
        return None
    unanswered = (CheckIn.idea_id == idea_id, CheckIn.answered_at.is_(None))
    waiting = session.scalar(select(func.min(CheckIn.due_on)).where(*unanswered, CheckIn.asked_at.is_(None)))
    if waiting is not None:
        return waiting
    asker = session.scalar(
        select(CheckIn.ask_user_id).where(CheckIn.idea_id == idea_id).order_by(CheckIn.due_on.desc()).limit(1)
    ) or user_id
    session.execute(update(CheckIn).where(*unanswered, CheckIn.asked_at.is_not(None)).values(answered_at=now))
    last_asked = session.scalar(
        select(func.max(CheckIn.due_on)).where(CheckIn.idea_id == idea_id, CheckIn.asked_at.is_not(None)))
    # From the asked one's date, not the latest: two presses at once pick the same date, which is stored once.
    due = max(now.date(), last_asked or now.date()) + ASK_AGAIN_AFTER
    table = CheckIn.__table__
    session.execute(
        dialect_insert(session)(table)
        .values(team_id=team_id, idea_id=idea_id, due_on=due, ask_user_id=asker)
        .on_conflict_do_nothing()
    )
    return due


def support(session: Session, team_id: str, idea: Idea, user_id: str, evidence: str | None) -> bool:
    """Counts the person once; saying it again updates their evidence. True the first time."""
    table = Support.__table__
    evidence = (evidence or "").strip()[:EVIDENCE_MAX_CHARS] or None
    existing = session.get(Support, (idea.id, user_id))
    if existing is not None:
        existing.evidence = evidence or existing.evidence
        return False
    session.execute(
        dialect_insert(session)(table)
        .values(idea_id=idea.id, user_id=user_id, team_id=team_id, evidence=evidence)
        .on_conflict_do_nothing()
    )
    return True


def supporters(session: Session, idea_id: int) -> list[Support]:
    return list(session.scalars(select(Support).where(Support.idea_id == idea_id).order_by(Support.created_at)))


def support_counts(session: Session, idea_ids: list[int]) -> dict[int, int]:
    """How many support each idea, in one query."""
    if not idea_ids:
        return {}
    rows = session.execute(
        select(Support.idea_id, func.count()).where(Support.idea_id.in_(idea_ids)).group_by(Support.idea_id)
    )
    return {idea_id: count for idea_id, count in rows}
