"""Did the outcome happen? Check-ins for shipped ideas, and the people who support an idea.

A shipped idea has a check-in due on a date; the scheduler asks its questions once of each person, at
the start of that date where they are (bot/due.py), each claimed by its column (asked_at for the PM,
requester_asked_at for the requester) in the transaction that owes the question, so two schedulers ask once. "Not yet"
asks again later; Met, Partly and Missed are answered by a decision shipped -> reviewed. Supporters
count once each, with their evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.due import AHEAD, is_due
from bot.ideas import UNSTORABLE, get_idea, lock_ideas, storable
from bot.people import local_today, time_zones, to_look_up
from models import CheckIn, Decision, Idea, Stage, Support, dialect_insert

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


def merge_ends(session: Session, team_id: str, ideas: Iterable[Idea]) -> dict[int, int]:
    """Of these ideas, each merged into one that was itself merged since (A into B, then B into C): the idea at
    the end of the chain (C), where its people now count (each merge moved them on), read from stored state a
    step for all at once. A chain written round in a circle stops before it comes back, and one longer than
    MERGE_HOPS at its last hop. Ideas merged into one still open are left out: their target is the end."""
    first = {idea.id: idea.merged_into_id for idea in ideas
             if idea.stage == Stage.MERGED and idea.merged_into_id is not None}
    onward: dict[int, int | None] = {}  # an idea -> the one it was merged into, None when it was not
    asking = set(first.values())
    for _ in range(MERGE_HOPS):
        asking -= onward.keys()
        if not asking:
            break
        rows = session.execute(select(Idea.id, Idea.stage, Idea.merged_into_id)
                               .where(Idea.team_id == team_id, Idea.id.in_(sorted(asking))))
        onward |= dict.fromkeys(asking)
        onward |= {row.id: row.merged_into_id for row in rows if row.stage == Stage.MERGED}
        asking = {onward[idea_id] for idea_id in asking if onward[idea_id] is not None}
    ends = {}
    for idea_id, target in first.items():
        seen, end = {idea_id}, target
        while (following := onward.get(end)) is not None and following not in seen and len(seen) <= MERGE_HOPS:
            seen.add(end)
            end = following
        if end != target:
            ends[idea_id] = end
    return ends


@dataclass(frozen=True)
class DueCheckIn:
    """A check-in some of whose people are to be asked now: the PM who shipped it, the requester, or both."""

    check_in_id: int
    pm: bool
    requester: bool


LOOK_AHEAD = timedelta(days=2)  # time zones are looked up this long before a check-in's date


def schedule_missing_check_ins(session: Session) -> int:
    """A shipped idea whose shipping decision set a date to ask, with no check-in at all (a row another tool,
    a hand or an older version wrote without one): its check-in is scheduled on that date, as `decide` would
    have, so the people it promised to ask are asked. Asked of the PM who shipped it (for a move made through
    a tracker, the one who moved it to delivery), else the requester. Returns how many were scheduled."""
    later = aliased(Decision)
    shipped = session.execute(
        select(Idea.id, Idea.team_id, Idea.requester_id, Decision.revisit_on, Decision.decided_by, Decision.via)
        .join(Decision, Decision.idea_id == Idea.id)
        .where(Idea.stage == Stage.SHIPPED, Decision.to_stage == Stage.SHIPPED, Decision.revisit_on.is_not(None),
               ~select(later.id).where(later.idea_id == Idea.id, later.id > Decision.id).exists(),
               ~select(CheckIn.id).where(CheckIn.idea_id == Idea.id).exists())
    ).all()
    for row in shipped:
        asker = row.decided_by if row.via is None and row.decided_by else session.scalar(
            select(Decision.decided_by).where(Decision.idea_id == row.id, Decision.to_stage == Stage.DELIVERY,
                                              Decision.via.is_(None), Decision.decided_by != "")
            .order_by(Decision.id.desc()).limit(1))
        session.execute(
            dialect_insert(session)(CheckIn.__table__)
            .values(team_id=row.team_id, idea_id=row.id, due_on=row.revisit_on,
                    ask_user_id=(asker or row.requester_id)[:32])
            .on_conflict_do_nothing()
        )
    return len(shipped)


def _open(check_in: Any = CheckIn) -> tuple:
    """A check-in still to be answered: none is marked answered, and the idea has no review (a row another tool
    wrote may record the outcome and leave the stage at shipped). Whatever else a row says, one answered is
    never asked of anyone, the requester included."""
    return (check_in.answered_at.is_(None),
            ~select(Decision.id).where(Decision.idea_id == check_in.idea_id,
                                       Decision.to_stage == Stage.REVIEWED).exists())


def _unasked(session: Session, through: date) -> list:
    """Open check-ins of still-shipped ideas dated up to `through` with someone not yet asked."""
    return list(session.execute(
        select(CheckIn.id, CheckIn.team_id, CheckIn.due_on, CheckIn.ask_user_id, Idea.requester_id,
               CheckIn.asked_at, CheckIn.requester_asked_at)
        .join(Idea, Idea.id == CheckIn.idea_id)
        .where(CheckIn.due_on <= through, or_(CheckIn.asked_at.is_(None), CheckIn.requester_asked_at.is_(None)),
               Idea.stage == Stage.SHIPPED, *_open())
        .order_by(CheckIn.id)
    ))


def due_check_ins(session: Session, now: datetime) -> list[DueCheckIn]:
    """Every check-in of a still-shipped idea someone is due to be asked: from the start of its date where
    that person is (UTC when Slack has not said), so one whose date has passed is due at once."""
    rows = _unasked(session, now.date() + AHEAD)
    zones: dict[str, dict[str, str | None]] = {}
    for team_id in {row.team_id for row in rows}:
        people = {row.ask_user_id for row in rows if row.team_id == team_id}
        people |= {row.requester_id for row in rows if row.team_id == team_id}
        zones[team_id] = time_zones(session, team_id, people)
    due = []
    for row in rows:
        if row.due_on is None:  # a date that is no date (written so elsewhere): due on no day, so never
            continue
        zone_of = zones[row.team_id].get
        pm = row.asked_at is None and is_due(row.due_on, zone_of(row.ask_user_id), now)
        requester = row.requester_asked_at is None and is_due(row.due_on, zone_of(row.requester_id), now)
        if row.requester_id == row.ask_user_id:  # one person, asked once
            pm = requester = pm or requester
        if pm or requester:
            due.append(DueCheckIn(row.id, pm, requester))
    return due


def to_look_up_for_check_ins(session: Session, now: datetime) -> dict[str, list[str]]:
    """Per workspace, the people to be asked in the next days whose time zone Slack has not told us lately."""
    rows = _unasked(session, now.date() + LOOK_AHEAD)
    wanted: dict[str, set[str]] = {}
    for row in rows:
        people = wanted.setdefault(row.team_id, set())
        if row.asked_at is None:
            people.add(row.ask_user_id)
        if row.requester_asked_at is None:
            people.add(row.requester_id)
    found = {team_id: to_look_up(session, team_id, people, now) for team_id, people in wanted.items()}
    return {team_id: people for team_id, people in found.items() if people}


def claim_check_in(session: Session, due: DueCheckIn, now: datetime) -> tuple[Idea, CheckIn, bool, bool] | None:
    """Marks each due person asked, if no one else has; the caller owes their questions in the same
    transaction, so each is asked exactly when marked. Returns the idea, the check-in, and whether the PM
    and the requester are to be asked; None when nobody is."""
    def take(column: Any) -> bool:
        return session.execute(
            update(CheckIn).where(CheckIn.id == due.check_in_id, column.is_(None), *_open())
            .values({column: now})
            .execution_options(synchronize_session=False)
        ).rowcount == 1

    pm = due.pm and take(CheckIn.asked_at)
    requester = due.requester and take(CheckIn.requester_asked_at)
    if not (pm or requester):
        return None
    check_in = session.get(CheckIn, due.check_in_id)
    session.refresh(check_in)
    return session.get(Idea, check_in.idea_id), check_in, pm, requester


# Asked of someone: each person is asked on their own date, so either may have been asked first.
_ASKED = or_(CheckIn.asked_at.is_not(None), CheckIn.requester_asked_at.is_not(None))


@dataclass(frozen=True)
class AskedAgain:
    """"Not yet", recorded: the date the next check-in is asked on, and the check-ins it closed (none when an
    earlier "not yet" closed them already), whose questions are to say so."""

    on: date
    closed: tuple[CheckIn, ...] = ()


def next_asked_on(session: Session, idea_id: int) -> date | None:
    """The date a shipped idea's outcome is next asked about: the shipping decision's, until a "not yet"
    moves it on two weeks."""
    return session.scalar(select(func.min(CheckIn.due_on)).where(CheckIn.idea_id == idea_id,
                                                                 CheckIn.answered_at.is_(None)))


def check_ins_of(session: Session, idea_id: int) -> list[CheckIn]:
    """Every check-in of an idea, answered or not: a review answers all of them, so all their questions say so."""
    return list(session.scalars(select(CheckIn).where(CheckIn.idea_id == idea_id).order_by(CheckIn.id)))


def ask_again_later(session: Session, team_id: str, idea_id: int, user_id: str, now: datetime,
                    stand_ins: Mapping[str, str] | None = None) -> AskedAgain | None:
    """"Not yet": closes the check-in that was asked and schedules the next, two weeks after today (the
    presser's, where they are) or after the asked one's date, whichever is later; None if the idea is not
    awaiting one. When the next one is
    already scheduled (the PM and the requester were both asked and both said "not yet", or a double click)
    that date stands: everyone hears it, and the question is asked once. The next is asked of the same PM
    as the last (and the requester, as always), whoever pressed: a requester's "not yet" does not take the
    PM who shipped it out of the loop; `stand_ins`: who is asked instead of a PM who can no longer be (Slack
    refused their DMs). The idea is held first, so a review recorded at the same moment comes
    wholly before (and this finds nothing to ask again) or after (and answers what this schedules)."""
    idea = get_idea(session, team_id, idea_id)
    if idea is not None:
        lock_ideas(session, team_id, [idea.id])
        session.refresh(idea)
    if idea is None or idea.stage != Stage.SHIPPED:
        return None
    unanswered = (CheckIn.idea_id == idea_id, CheckIn.answered_at.is_(None))
    waiting = session.scalar(select(func.min(CheckIn.due_on)).where(*unanswered, ~_ASKED))
    if waiting is not None:
        return AskedAgain(waiting)
    asker = session.scalar(
        select(CheckIn.ask_user_id).where(CheckIn.idea_id == idea_id).order_by(CheckIn.due_on.desc()).limit(1)
    ) or user_id
    asker = (stand_ins or {}).get(asker, asker)
    closed = tuple(session.scalars(select(CheckIn).where(*unanswered, _ASKED).order_by(CheckIn.id)))
    session.execute(update(CheckIn).where(*unanswered, _ASKED).values(answered_at=now))
    last_asked = session.scalar(
        select(func.max(CheckIn.due_on)).where(CheckIn.idea_id == idea_id, _ASKED))
    # From the asked one's date, not the latest: two presses at once pick the same date, which is stored once.
    today = local_today(session, team_id, user_id, now)
    due = max(today, last_asked or today) + ASK_AGAIN_AFTER
    table = CheckIn.__table__
    session.execute(
        dialect_insert(session)(table)
        .values(team_id=team_id, idea_id=idea_id, due_on=due, ask_user_id=asker)
        .on_conflict_do_nothing()
    )
    return AskedAgain(due, closed)


@dataclass(frozen=True)
class Supported:
    """A +1 recorded: whether it is the person's first on the idea, whether their evidence changed, and their
    evidence as it stands now (a +1 given again with none keeps what they said before)."""

    first: bool
    changed: bool
    evidence: str | None


def support(session: Session, team_id: str, idea: Idea, user_id: str, evidence: str | None) -> Supported:
    """Counts the person once; saying it again with new evidence updates it, and with none keeps the old."""
    table = Support.__table__
    evidence = (evidence or "").strip()[:EVIDENCE_MAX_CHARS] or None
    existing = session.get(Support, (idea.id, user_id))
    if existing is not None:
        changed = evidence is not None and evidence != existing.evidence
        if changed:
            existing.evidence = evidence
        return Supported(first=False, changed=changed, evidence=existing.evidence)
    session.execute(
        dialect_insert(session)(table)
        .values(idea_id=idea.id, user_id=user_id, team_id=team_id, evidence=evidence)
        .on_conflict_do_nothing()
    )
    return Supported(first=True, changed=evidence is not None, evidence=evidence)


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
