"""Intake: what makes an idea worth storing, and storing it.

Functions take a `Session` and plain values; the caller owns the transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from models import Idea, Objective, Stage


@dataclass(frozen=True)
class Field:
    label: str
    max_chars: int
    required: bool = False


# The intake form's fields, in the order people fill them in. Limits are generous for a sentence or
# a short paragraph and stay under Slack's 3000-character input maximum.
FIELDS: dict[str, Field] = {
    "ask": Field("The original ask", 3000),
    "outcome": Field("Outcome", 1000, required=True),
    "problem": Field("Problem", 2000, required=True),
    "evidence": Field("Evidence", 2000),
    "measure": Field("How we would know", 1000),
}
MIN_WORDS = 3
_WORD = re.compile(r"\w{2,}")
# Chinese and Japanese write a sentence without spaces, so \w{2,} sees it as one word: there every two
# characters count as one, as they carry about a word's meaning.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# PostgreSQL cannot store a NUL character in text; Slack's inputs never send one, a forged form might.
UNSTORABLE = "This holds a character that cannot be stored (a NUL); please remove it."


def storable(text: str) -> bool:
    return "\x00" not in text


@dataclass(frozen=True)
class IdeaDraft:
    ask: str = ""
    outcome: str = ""
    problem: str = ""
    evidence: str = ""
    measure: str = ""

    @classmethod
    def from_values(cls, values: dict[str, str | None]) -> IdeaDraft:
        """Trims each field; absent fields become empty strings."""
        return cls(**{f.name: (values.get(f.name) or "").strip() for f in fields(cls)})


def validate(draft: IdeaDraft, *, ask_limit: int | None = None) -> dict[str, str]:
    """Field name -> a message for the person; empty when the draft can be stored. `ask_limit` lets an ask
    longer than its field through when the whole of it came from the person's own message or command."""
    errors: dict[str, str] = {}
    for name, spec in FIELDS.items():
        text: str = getattr(draft, name)
        limit = ask_limit if name == "ask" and ask_limit is not None else spec.max_chars
        if not storable(text):
            errors[name] = UNSTORABLE
        elif len(text) > limit:
            errors[name] = (
                f"{spec.label} is {len(text):,} characters; please keep it to {spec.max_chars:,} "
                "(link to a doc for the rest)."
            )
        elif spec.required and not text:
            errors[name] = f"{spec.label} is needed: a sentence or two is plenty."
        elif spec.required and words(text) < MIN_WORDS:
            errors[name] = f"Say a little more: {spec.label.lower()} should be a sentence, not a word or two."
    return errors


def words(text: str) -> int:
    """Roughly how many words a text holds, in any script."""
    unspaced = sum(len(run) // 2 for run in _UNSPACED.findall(text))
    return len(_WORD.findall(_UNSPACED.sub(" ", text))) + unspaced


@dataclass(frozen=True)
class Source:
    """Where an idea came from: the channel, and the message when it started as one."""

    channel_id: str | None = None
    message_ts: str | None = None
    author_id: str | None = None


NO_SOURCE = Source()


def submit_idea(
    session: Session,
    *,
    team_id: str,
    submitter_id: str,
    draft: IdeaDraft,
    source: Source = NO_SOURCE,
    submission_id: str | None = None,
    objective_id: int | None = None,
) -> tuple[Idea, bool]:
    """Stores a valid draft as a candidate; returns (idea, created).

    The author of the source message is the requester when someone else turned it into an idea;
    both are kept. The same submission (a modal's view id) delivered twice returns the first idea,
    so a double click or a retry never makes two.
    """
    requester_id = source.author_id or submitter_id
    if submission_id is not None:
        existing = find_submission(session, team_id, submission_id)
        if existing is not None:
            return existing, False
    idea = Idea(
        team_id=team_id,
        requester_id=requester_id,
        ask=draft.ask,
        outcome=draft.outcome,
        problem=draft.problem,
        evidence=draft.evidence or None,
        measure=draft.measure or None,
        stage=Stage.CANDIDATE,
        source_channel_id=source.channel_id,
        source_message_ts=source.message_ts,
        submitted_by=submitter_id if submitter_id != requester_id else None,
        submission_id=submission_id,
    )
    # Only an objective of this team; set even when None so the idea never needs a lazy load later.
    idea.objective = (
        session.scalar(select(Objective).where(Objective.id == objective_id, Objective.team_id == team_id))
        if objective_id is not None
        else None
    )
    session.add(idea)
    session.flush()
    return idea, True


def find_submission(session: Session, team_id: str, submission_id: str) -> Idea | None:
    return session.scalar(select(Idea).where(Idea.team_id == team_id, Idea.submission_id == submission_id))


# Every button press looks an idea up; built once, because building a statement costs SQLAlchemy
# more than running this one.
_IDEA_IN_TEAM = select(Idea).where(Idea.id == bindparam("idea_id"), Idea.team_id == bindparam("team_id"))


def get_idea(session: Session, team_id: str, idea_id: int) -> Idea | None:
    """Always scoped by team: an id from another workspace finds nothing."""
    return session.scalar(_IDEA_IN_TEAM, {"idea_id": idea_id, "team_id": team_id})


_MINE = (Idea.team_id == bindparam("team_id"), Idea.requester_id == bindparam("requester_id"))
_MY_NEWEST = select(Idea).where(*_MINE).order_by(Idea.created_at.desc(), Idea.id.desc()).limit(bindparam("limit"))
_MY_COUNT = select(func.count()).select_from(Idea).where(*_MINE)


def ideas_of(session: Session, team_id: str, requester_id: str, limit: int) -> tuple[list[Idea], int]:
    """A person's newest ideas, at most `limit`, and how many they have in all (counted only when
    there may be more: `/idea list` and every Home tab ask this)."""
    who = {"team_id": team_id, "requester_id": requester_id}
    ideas = list(session.scalars(_MY_NEWEST, {**who, "limit": limit}))
    total = len(ideas) if len(ideas) < limit else session.scalar(_MY_COUNT, who) or 0
    return ideas, total


def remember_permalink(session: Session, idea_id: int, permalink: str) -> None:
    session.execute(update(Idea).where(Idea.id == idea_id).values(source_permalink=permalink[:500]))


def remember_triage_card(session: Session, idea_id: int, channel_id: str, message_ts: str) -> None:
    """Where the card lives, so later decisions can update it in place."""
    session.execute(
        update(Idea).where(Idea.id == idea_id).values(triage_channel_id=channel_id, triage_message_ts=message_ts)
    )


def lock_ideas(session: Session, team_id: str, idea_ids: list[int]) -> None:
    """Holds these ideas until the transaction ends, taken in id order so two transactions locking the
    same ideas wait for each other instead of deadlocking: what is read about them afterwards cannot be
    changed by anyone else before this transaction commits. (A row lock on PostgreSQL; SQLite has one
    writer at a time, and the first write makes this transaction it.)"""
    for idea_id in sorted(set(idea_ids)):
        session.execute(
            update(Idea).where(Idea.id == idea_id, Idea.team_id == team_id).values(updated_at=Idea.updated_at)
            .execution_options(synchronize_session=False)
        )
