"""Merging an idea into another: one problem, one idea. The merge is a decision like any other, and
the merged idea's requester and supporters, with their evidence, become the other idea's supporters,
so they hear its news from then on; its customer mentions go with them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.decisions import decide
from bot.feedback import move_evidence
from bot.ideas import get_idea, lock_ideas
from bot.reviews import EVIDENCE_MAX_CHARS, MERGE_HOPS, SUPPORTABLE
from models import Decision, Idea, Stage, Support


class NoSuchTarget(ValueError):
    """The idea to merge into is not an open idea of this team (or is the idea itself)."""


def merge_target_error(session: Session, team_id: str, source_id: int, target_id: int | None) -> str | None:
    if target_id is None:
        return "Give the number of the idea to merge into, e.g. 12."
    if target_id == source_id:
        return "An idea cannot be merged into itself."
    target = get_idea(session, team_id, target_id)
    if target is None or target.stage not in SUPPORTABLE:
        return f"Idea #{target_id} is not an open idea here: merge into one that is still being considered."
    return None


@dataclass(frozen=True)
class Merged:
    """A merge done: the idea merged, the idea it went into, the decision, and who supported the target
    before (read under the same locks), who are not "now among its supporters" but were already."""

    source: Idea
    target: Idea
    decision: Decision
    already_supporting: frozenset[str]


def merge(
    session: Session, *, team_id: str, source_id: int, shown_stage: str, target_id: int, reason: str, decided_by: str
) -> Merged:
    """Records source -> merged (or raises `Refused`/`NoSuchTarget`) and moves its people over.

    Both ideas are locked before either is read, so two PMs merging #A into #B and #B into #A at the
    same moment cannot both succeed: the second finds its target merged. A merge chain therefore always
    ends at an open idea."""
    lock_ideas(session, team_id, [source_id] + ([target_id] if target_id is not None else []))
    if (problem := merge_target_error(session, team_id, source_id, target_id)) is not None:
        raise NoSuchTarget(problem)
    source, decision = decide(session, team_id=team_id, idea_id=source_id, shown_stage=shown_stage,
                              to_stage=Stage.MERGED, reason=reason, decided_by=decided_by, flow="merge")
    target = session.get(Idea, target_id)
    source.merged_into_id = target.id
    supporting = frozenset(session.scalars(select(Support.user_id).where(Support.idea_id == target.id)))
    already = {*supporting, target.requester_id}
    moving = [(source.requester_id, source.outcome[:EVIDENCE_MAX_CHARS])]
    moving += [(s.user_id, s.evidence) for s in session.scalars(select(Support).where(Support.idea_id == source.id))]
    for user_id, evidence in moving:
        if user_id not in already:
            session.add(Support(idea_id=target.id, user_id=user_id, team_id=team_id, evidence=evidence))
            already.add(user_id)
    session.flush()
    move_evidence(session, source.id, target.id)
    return Merged(source, target, decision, supporting)


def shared_into(session: Session, team_id: str, idea_id: int) -> dict[str, int]:
    """Whoever turned another's message into an idea merged into this one (directly, or into an idea merged
    into it since), each with the first such idea they shared. A merge moves the requester and the supporters
    over, but the sharer has no +1 to move (they need not have the problem): they were promised the idea's
    news, so they hear this one's."""
    found: dict[str, int] = {}
    for merged_id, sharer in _merged_before(session, team_id, idea_id, MERGE_HOPS):
        if sharer:
            found.setdefault(sharer, merged_id)
    return found


def merged_into_it(session: Session, team_id: str, idea_id: int) -> list[int]:
    """The ideas merged into this one before it was merged on: their cards say where they went, now one step
    further ("#15 (via #12)")."""
    return [merged_id for merged_id, _ in _merged_before(session, team_id, idea_id, 1)]


def _merged_before(session: Session, team_id: str, idea_id: int, hops: int) -> list[tuple[int, str | None]]:
    """(id, who shared it) of the ideas merged into this one, nearest first: those merged into it, then those
    merged into them, up to `hops` steps; read from stored state a step at a time for all, never round a cycle."""
    found: list[tuple[int, str | None]] = []
    seen, reaching = {idea_id}, {idea_id}
    for _ in range(hops):
        rows = [(row.id, row.submitted_by) for row in session.execute(select(Idea.id, Idea.submitted_by).where(
            Idea.team_id == team_id, Idea.stage == Stage.MERGED, Idea.merged_into_id.in_(sorted(reaching)))
            .order_by(Idea.id)) if row.id not in seen]
        if not rows:
            break
        found += rows
        reaching = {merged_id for merged_id, _ in rows}
        seen |= reaching
    return found
