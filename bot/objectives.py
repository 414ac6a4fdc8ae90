"""Objectives (OKRs): a short list of what the team is trying to move, each with key results,
and which objective an idea serves. Delivery work tied to none is the build trap made visible."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, selectinload

from bot.ideas import UNSTORABLE, get_idea, storable
from models import Idea, KeyResult, Objective, Stage

KEY_RESULT_SLOTS = 3
# An objective written elsewhere may have more: its form shows them all (five blocks each, within a modal's
# hundred), so saving it keeps them rather than dropping all but the first three.
KEY_RESULT_SLOTS_MOST = 19
TITLE_MAX_CHARS = 300
# The form's limits, held here too: a forged form is not held to them, and a baseline or target longer than
# its column fails to store on PostgreSQL.
KEY_RESULT_MAX_CHARS = {"metric": 300, "baseline": 200, "target": 200}


@dataclass(frozen=True)
class KeyResultDraft:
    metric: str
    baseline: str = ""
    target: str = ""
    due_on: date | None = None

    @property
    def is_blank(self) -> bool:
        return not (self.metric or self.baseline or self.target or self.due_on)


def objective_errors(title: str, key_results: list[KeyResultDraft]) -> dict[str, str]:
    """Block id -> message. A key result needs its metric once anything about it is filled in."""
    errors = {}
    if not title.strip():
        errors["title"] = "Name the objective: what should be different?"
    elif len(title) > TITLE_MAX_CHARS:
        errors["title"] = f"Please keep the objective to {TITLE_MAX_CHARS} characters."
    if not storable(title):
        errors["title"] = UNSTORABLE
    for n, key_result in enumerate(key_results, start=1):
        if not key_result.is_blank and not key_result.metric.strip():
            errors[f"kr{n}_metric"] = "Which metric? A key result needs one."
        for field, most in KEY_RESULT_MAX_CHARS.items():
            text = getattr(key_result, field)
            if not storable(text):
                errors[f"kr{n}_{field}"] = UNSTORABLE
            elif len(text) > most:
                errors[f"kr{n}_{field}"] = f"Please keep this to {most} characters."
    return errors


def save_objective(
    session: Session, *, team_id: str, user_id: str, title: str, key_results: list[KeyResultDraft],
    objective_id: int | None = None,
) -> Objective | None:
    """Adds an objective, or replaces one of this team's; None when the id is not this team's."""
    if objective_id is None:
        objective = Objective(team_id=team_id, created_by=user_id, title=title)
        session.add(objective)
    else:
        # The row is written before its key results are read: two PMs editing it at once then take turns
        # (a row lock on PostgreSQL, the one writer on SQLite), and the second replaces the first's key
        # results rather than deleting ones already gone and keeping both sets.
        renamed = session.execute(
            update(Objective).where(Objective.id == objective_id, Objective.team_id == team_id).values(title=title)
            .execution_options(synchronize_session=False)
        ).rowcount
        objective = session.scalar(select(Objective).where(Objective.id == objective_id)
                                   .execution_options(populate_existing=True)) if renamed == 1 else None
        if objective is None:
            return None
        objective.key_results.clear()
        session.flush()
    for position, draft in enumerate((kr for kr in key_results if not kr.is_blank), start=1):
        objective.key_results.append(
            KeyResult(position=position, metric=draft.metric, baseline=draft.baseline or None,
                      target=draft.target or None, due_on=draft.due_on)
        )
    session.flush()
    return objective


def find_objective(session: Session, team_id: str, objective_id: int) -> Objective | None:
    return session.scalar(select(Objective).where(Objective.id == objective_id, Objective.team_id == team_id))


def objectives_of(session: Session, team_id: str) -> list[Objective]:
    """With their key results, for App Home's list."""
    return list(session.scalars(
        select(Objective).where(Objective.team_id == team_id).options(selectinload(Objective.key_results))
        .order_by(Objective.id)
    ))


class ObjectiveChoice(NamedTuple):
    id: int
    title: str


# Every /idea form and triage card offers them, so built once and read as plain rows: a select needs
# only ids and titles, and loading ORM objects would cost more than the query.
_TABLE = Objective.__table__
_TEAM_CHOICES = (
    select(_TABLE.c.id, _TABLE.c.title).where(_TABLE.c.team_id == bindparam("team_id")).order_by(_TABLE.c.id)
)


def objective_choices(session: Session, team_id: str) -> list[ObjectiveChoice]:
    return [ObjectiveChoice(id, title) for id, title in session.execute(_TEAM_CHOICES, {"team_id": team_id})]


def matching(choices: Sequence[ObjectiveChoice], typed: str, most: int) -> list[ObjectiveChoice]:
    """The objectives whose title holds every word typed (in any case and order), newest first, at most
    `most`: how a PM finds an old objective among more than a menu holds."""
    words = typed.casefold().split()
    found = [choice for choice in reversed(choices) if all(word in choice.title.casefold() for word in words)]
    return found[:most]


# Where a card's objective menu still matters: ideas on their way, and shipped ones whose delivery counts.
LINKABLE = (Stage.CANDIDATE, Stage.DISCOVERY, Stage.DELIVERY, Stage.PARKED, Stage.SHIPPED)


def cards_showing(session: Session, team_id: str, objective_id: int, *, every_open: bool
                  ) -> list[tuple[int, str | None]]:
    """(idea id, its card's channel) of the posted cards that show an objective as it was: those of ideas linked
    to it, and with `every_open` those of every idea still linkable, whose menus list every objective."""
    shows = Idea.objective_id == objective_id
    if every_open:
        shows = or_(shows, Idea.stage.in_(LINKABLE))
    return [(idea_id, channel) for idea_id, channel in session.execute(
        select(Idea.id, Idea.triage_channel_id)
        .where(Idea.team_id == team_id, Idea.triage_message_ts.is_not(None), shows).order_by(Idea.id))]


def link(session: Session, team_id: str, idea_id: int, objective_id: int | None) -> Idea | None:
    """Sets (or clears) the objective an idea serves; both must be this team's."""
    idea = get_idea(session, team_id, idea_id)
    objective = find_objective(session, team_id, objective_id) if objective_id is not None else None
    if idea is None or (objective_id is not None and objective is None):
        return None
    idea.objective = objective  # the relationship, so the card drawn in this transaction names it
    return idea
