"""Moving an idea: who may, which moves exist, and recording each one with its reason.

Every check is made here against stored state, never against what a button claimed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, aliased

from bot.ideas import UNSTORABLE, get_idea, storable
from bot.stages import can_move
from models import CheckIn, Decision, Idea, Stage, utcnow

REASON_MAX_CHARS = 2000
REASON_MIN_WORDS = 3
DEFAULT_REVISIT = timedelta(weeks=6)
DEFAULT_CHECK_IN = timedelta(weeks=4)
DATED_STAGES = {Stage.PARKED: DEFAULT_REVISIT, Stage.SHIPPED: DEFAULT_CHECK_IN}
# Further than this is a slip of the date picker (or a forged form): the idea would never come back.
FURTHEST_DATE = timedelta(days=731)
# A word, or a number such as a version ("4.2") or a date ("12/03"); one letter alone does not count.
_WORD = re.compile(r"\d+(?:[.,/:]\d+)+|\w+")
_STAGES = frozenset(Stage)


class Refusal(StrEnum):
    """Why a move did not happen; each has its own message for the person who tried."""

    NOT_FOUND = "not_found"
    NOT_A_PM = "not_a_pm"
    ALREADY_MOVED = "already_moved"
    NOT_ALLOWED = "not_allowed"


class Refused(Exception):
    """Carries plain values, not the Idea: the session it came from is rolled back by then."""

    def __init__(self, refusal: Refusal, idea_id: int | None = None, stage: str | None = None) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.idea_id = idea_id
        self.stage = stage


def may_decide(user_id: str, pm_user_ids: frozenset[str], is_workspace_admin: Callable[[str], bool]) -> bool:
    """PMs are the configured users; when none are configured, workspace admins and owners are."""
    if pm_user_ids:
        return user_id in pm_user_ids
    return is_workspace_admin(user_id)


# Moves with their own flow (and their own questions): a review asks for the result, a merge for
# the idea to merge into. The generic move buttons never make them.
OWN_FLOW = {Stage.REVIEWED: "review", Stage.MERGED: "merge"}


def check_move(
    session: Session, *, team_id: str, idea_id: int, shown_stage: str, to_stage: str, flow: str | None = None
) -> Idea:
    """The idea, if it exists in this team, is still where the button showed it, and may make the move
    through this flow."""
    idea = get_idea(session, team_id, idea_id)
    if idea is None:
        raise Refused(Refusal.NOT_FOUND)
    if idea.stage != shown_stage:
        raise Refused(Refusal.ALREADY_MOVED, idea.id, idea.stage)
    if to_stage not in _STAGES or not can_move(idea.stage, to_stage) or OWN_FLOW.get(Stage(to_stage)) != flow:
        raise Refused(Refusal.NOT_ALLOWED, idea.id, idea.stage)
    return idea


def reason_error(reason: str) -> str | None:
    """A message for the reason field, or None when it will do: people will read it, so it must say something."""
    if not storable(reason):
        return UNSTORABLE
    if len(reason) > REASON_MAX_CHARS:
        return f"Please keep the reason to {REASON_MAX_CHARS:,} characters (it is {len(reason):,}); link to a doc."
    if sum(len(word) >= 2 for word in _WORD.findall(reason)) < REASON_MIN_WORDS:
        return "Say why in a sentence: the requester and the channel digest will read it."
    return None


def revisit_error(revisit_on: date | None, today: date, utc_today: date | None = None) -> str | None:
    """`today` is the deciding PM's; the two years count from the date in UTC (`utc_today`), as stored."""
    if revisit_on is None:
        return "Pick a date to look at this idea again."
    if revisit_on <= today:
        return "Pick a date after today."
    if revisit_on > (utc_today or today) + FURTHEST_DATE:
        return "Pick a date within the next two years."
    return None


def form_errors(to_stage: str, reason: str, revisit_on: date | None, today: date, utc_today: date | None = None
                ) -> dict[str, str]:
    """Field name -> message for the decision modal; empty when the decision can be recorded."""
    errors = {}
    if (problem := reason_error(reason)) is not None:
        errors["reason"] = problem
    if to_stage in DATED_STAGES and (problem := revisit_error(revisit_on, today, utc_today)) is not None:
        errors["revisit"] = problem
    return errors


def decide(
    session: Session,
    *,
    team_id: str,
    idea_id: int,
    shown_stage: str,
    to_stage: str,
    reason: str,
    decided_by: str,
    revisit_on: date | None = None,
    result: str | None = None,
    measured: str | None = None,
    flow: str | None = None,
    via: str | None = None,
    ask_user_id: str | None = None,
) -> tuple[Idea, Decision]:
    """Moves the idea and records why, or raises `Refused`.

    The stage changes only if it is still the one the decider saw (a compare-and-set), so two PMs
    deciding at once record one decision, on SQLite and PostgreSQL alike.
    """
    idea = check_move(session, team_id=team_id, idea_id=idea_id, shown_stage=shown_stage, to_stage=to_stage,
                      flow=flow or ("review" if result is not None else None))
    moved = session.execute(
        update(Idea)
        # As the stage reads (models.StageName): a row written "Shipped" by hand moves, and is stored as ours.
        .where(Idea.id == idea_id, Idea.team_id == team_id, func.lower(func.trim(Idea.stage)) == shown_stage)
        .values(stage=to_stage, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        session.refresh(idea)
        raise Refused(Refusal.ALREADY_MOVED, idea.id, idea.stage)
    decision = Decision(
        team_id=team_id,
        idea_id=idea_id,
        from_stage=shown_stage,
        to_stage=to_stage,
        reason=reason,
        decided_by=decided_by,
        via=via,
        revisit_on=revisit_on if to_stage in DATED_STAGES else None,
        result=result if to_stage == Stage.REVIEWED else None,
        measured=measured if to_stage == Stage.REVIEWED else None,
    )
    session.add(decision)
    if to_stage == Stage.SHIPPED and revisit_on is not None:
        session.add(CheckIn(team_id=team_id, idea_id=idea_id, due_on=revisit_on, ask_user_id=ask_user_id or decided_by))
    if to_stage == Stage.REVIEWED:
        session.execute(
            update(CheckIn)
            .where(CheckIn.idea_id == idea_id, CheckIn.answered_at.is_(None))
            .values(answered_at=utcnow())
        )
    session.flush()
    session.refresh(idea)
    return idea, decision


def latest_decision(session: Session, idea_id: int) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.idea_id == idea_id).order_by(Decision.id.desc()).limit(1))


@dataclass(frozen=True)
class Triage:
    """What a PM's Home tab shows: candidates waiting (oldest first) and parked ideas now due."""

    waiting: list[Idea]
    waiting_total: int
    due: list[tuple[Idea, Decision]]
    due_total: int = 0  # all parked ideas due, of which `due` are the first


def triage(session: Session, team_id: str, today: date, limit: int) -> Triage:
    waiting = (Idea.team_id == team_id, Idea.stage == Stage.CANDIDATE)
    ideas = session.scalars(select(Idea).where(*waiting).order_by(Idea.created_at, Idea.id).limit(limit))
    total = session.scalar(select(func.count()).select_from(Idea).where(*waiting)) or 0
    due = due_for_revisit(session, team_id, today, limit)
    # Counted only when there may be more: a busy workspace can have hundreds due at once.
    due_total = len(due) if len(due) < limit else session.scalar(
        select(func.count()).select_from(_parked_due(team_id, today).subquery())) or 0
    return Triage(list(ideas), total, due, due_total)


def _parked_due(team_id: str, today: date) -> Select[tuple[Idea, Decision]]:
    newer = aliased(Decision)
    return (
        select(Idea, Decision)
        .join(Decision, Decision.idea_id == Idea.id)
        .where(
            Idea.team_id == team_id,
            Idea.stage == Stage.PARKED,
            Decision.to_stage == Stage.PARKED,
            Decision.revisit_on <= today,
            ~select(newer.id).where(newer.idea_id == Idea.id, newer.id > Decision.id).exists(),
        )
    )


def due_for_revisit(session: Session, team_id: str, today: date, limit: int) -> list[tuple[Idea, Decision]]:
    """Parked ideas whose revisit date has come, with the decision that parked them, the longest due first."""
    parking = _parked_due(team_id, today).order_by(Decision.revisit_on, Idea.id).limit(limit)
    return [(idea, decision) for idea, decision in session.execute(parking)]
