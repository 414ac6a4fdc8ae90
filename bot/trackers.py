"""Delivery in the team's tracker: what an idea's issue says, which ideas an issue belongs to, and what
the tracker's news means for them. Shipping is not the end: an issue closed as done ships the idea,
exactly as a PM's "Mark shipped" would, and schedules the "did the outcome happen?" check-in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.decisions import DEFAULT_CHECK_IN, Refused, decide
from models import Decision, Idea, Stage, TrackerStatus, dialect_insert

TITLE_MAX_CHARS = 120
LABELS = {"github": "GitHub", "jira": "Jira"}
# Stages in which the tracker's news still matters: it may ship the idea, or its PM should hear.
FOLLOWED = (Stage.DELIVERY, Stage.SHIPPED)
# What became of an issue that no longer holds the work (in runtime.trackers' words): closed without it (as
# not planned, or as a duplicate of the issue that has it) or gone (deleted, no longer seen).
WITHOUT_THE_WORK = ("not_planned", "duplicate", "deleted", "unseen")


def issue_title(idea: Idea) -> str:
    """The outcome, on one line, clipped at a word."""
    text = " ".join(idea.outcome.split())
    if len(text) <= TITLE_MAX_CHARS:
        return text
    cut = text[: TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0]
    return (cut if len(cut) > TITLE_MAX_CHARS // 2 else text[: TITLE_MAX_CHARS - 1]) + "…"


@dataclass(frozen=True)
class Markup:
    """How a tracker's issue bodies are written: its bold and links, and the requester's words made
    inert, so that text typed in Slack neither pings a stranger in the tracker nor links another issue."""

    bold: Callable[[str], str]
    link: Callable[[str, str], str]
    text: Callable[[str], str]


# A zero-width joiner after `@` or `#`: the words read and copy as typed, but GitHub (whose Markdown has no
# escape for either: a backslash is dropped and the mention made all the same) sees no mention of
# `@octocat` and no reference to `#123`, `GH-123` or `acme/roadmap#123`. And after a `<` that would open
# HTML: `<!--` typed in an idea would otherwise hide the rest of the issue (the reason, the link back).
ZWJ = "\u200d"
_GITHUB_LIVE = re.compile(r"((?<![0-9A-Za-z_])@(?=[0-9A-Za-z])|#(?=[0-9])|\bGH-(?=[0-9])|<(?=[A-Za-z!/?]))",
                          re.IGNORECASE)
# Jira's wiki markup (REST v2): a backslash makes its special characters text: `[~accountid:…]` mentions,
# `[…|…]` links, `{…}` macros, `!…!` images, `|` tables, `*bold*` and `_emphasis_`. Hyphens and the like are
# left alone: "month-end" never strikes anything through, and they are in every other sentence.
_JIRA_SPECIAL = re.compile(r"([\[\]{}!|*_])")


def _github_text(text: str) -> str:
    return _GITHUB_LIVE.sub(lambda match: match.group(1) + ZWJ, text)


def _jira_text(text: str) -> str:
    # A backslash the requester typed is followed by a joiner, so it escapes nothing of ours (and never
    # makes `\\`, Jira's line break).
    return _JIRA_SPECIAL.sub(r"\\\1", text.replace("\\", "\\" + ZWJ))


GITHUB_MARKDOWN = Markup(bold=lambda label: f"**{label}**", link=lambda label, url: f"[{label}]({url})",
                         text=_github_text)
JIRA_WIKI = Markup(bold=lambda label: f"*{label}*", link=lambda label, url: f"[{label}|{url}]", text=_jira_text)


def issue_body(idea: Idea, *, supporters: int, reason: str, card_link: str | None, limit: int = 30_000,
               markup: Markup = GITHUB_MARKDOWN) -> str:
    """What the team building it should know: the outcome and problem first, then why it was chosen, in
    the tracker's own markup with everyone's words inert. Within `limit` units (trackers refuse longer
    bodies: Jira at 32,767 UTF-16 units, where an emoji is two): an ask too long for it (a whole pasted
    message) is cut where the room ends and says so; the idea keeps all of it."""
    bold = markup.bold

    def said(text: str) -> str:
        return markup.text(_unmarked(text))

    parts = [f"{bold('Outcome:')} {said(idea.outcome)}", f"{bold('Problem, and who has it:')} {said(idea.problem)}"]
    if idea.evidence:
        parts.append(f"{bold('Evidence:')} {said(idea.evidence)}")
    if idea.measure:
        parts.append(f"{bold('How we would know it worked:')} {said(idea.measure)}")
    people = supporters + 1
    parts.append(f"{bold('People who asked:')} {people} ({supporters} supporting the requester)" if supporters
                 else f"{bold('People who asked:')} 1")
    parts.append(f"{bold('Why it moved to delivery:')} {said(reason)}")
    # "idea #12" is the bot's words, but in GitHub it would link issue #12: it is made inert too.
    where = markup.link(said(f"idea #{idea.id}"), card_link) if card_link else said(f"idea #{idea.id}")
    footer = (f"Filed by outcome-bot from {where}. When this issue is closed as done, the idea is marked "
              "shipped and its requester hears it; a month later they are asked whether the outcome happened. "
              f"({filing_mark(idea)})")
    if idea.ask:
        label, separators = bold("Originally asked for:") + " ", 2 * len("\n\n")
        room = limit - units("\n\n".join(parts)) - units(footer) - units(label) - separators
        parts.append(label + _cut(said(idea.ask), room, f"see {where} for all of it", len(idea.ask)))
    body = "\n\n".join([*parts, footer])
    return body if units(body) <= limit else _cut(body, limit, "the rest is on the idea")


# What starts every filing mark. In people's words it is followed by a joiner, so that an idea quoting another
# idea's mark ("same as outcome-bot:T0123:12") files an issue that a lost filing of #12 never takes for its own.
MARK_PREFIX = "outcome-bot:"


def _unmarked(text: str) -> str:
    return text.replace(MARK_PREFIX, MARK_PREFIX[:-1] + ZWJ + ":")


def filing_mark(idea: Idea) -> str:
    """What marks an issue as filed for this idea (in this workspace), so a filing whose answer was lost is
    found rather than filed twice."""
    return f"{MARK_PREFIX}{idea.team_id}:{idea.id}"


def _cut(text: str, room: int, rest: str, whole: int | None = None) -> str:
    """`text`, or as much of it as fits in `room` units (`units`) followed by a note of what was left out
    (`whole`: how long it was as typed, before the tracker's escapes)."""
    if units(text) <= room:
        return text
    note = f"… ({whole or len(text):,} characters in all; {rest})"
    return _prefix(text, max(0, room - units(note))).rstrip() + note


def units(text: str) -> int:
    """A text's length as Jira counts it (Java's UTF-16 units: an emoji is two), which is never less than
    GitHub's count; a body within the limit by this count is taken by both."""
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, room: int) -> str:
    """The longest start of `text` within `room` units; an emoji whose second unit falls outside is left out."""
    return text.encode("utf-16-le")[: 2 * room].decode("utf-16-le", errors="ignore")


def link(session: Session, idea: Idea, tracker: str, key: str, url: str, state: str) -> None:
    idea.tracker, idea.tracker_key, idea.tracker_url, idea.tracker_state = tracker, key[:200], url[:500], state[:32]
    session.flush()


def needs_an_issue(idea: Idea, state: str | None = None) -> bool:
    """Whether a PM may link an issue to an idea in delivery: it has none, or its issue (in `state`, when
    just heard of) no longer holds the work, and only the issue that does (the one it duplicates, one filed
    again) can ship the idea."""
    state = state or idea.tracker_state
    return idea.stage == Stage.DELIVERY and (not idea.tracker_key or state in WITHOUT_THE_WORK)


def linking(session: Session, tracker: str, key: str) -> list[Idea]:
    """Every idea that links this exact issue, in whatever workspace, while the issue's news matters."""
    return list(session.scalars(
        select(Idea).where(Idea.tracker == tracker, Idea.tracker_key == key, Idea.stage.in_(FOLLOWED))
        .order_by(Idea.id)
    ))


def relink(session: Session, tracker: str, was: str, key: str, url: str | None) -> list[Idea]:
    """Every idea that followed an issue by the key it had (`was`), following it under its new one."""
    moved = linking(session, tracker, was)
    for idea in moved:
        idea.tracker_key, idea.tracker_url = key[:200], (url or "")[:500] or idea.tracker_url
    session.flush()
    return moved


def followed(session: Session, tracker: str) -> list[Idea]:
    """Ideas in delivery with an issue in this tracker: what the daily sweep looks at."""
    return list(session.scalars(
        select(Idea).where(Idea.tracker == tracker, Idea.tracker_key.is_not(None), Idea.stage == Stage.DELIVERY)
        .order_by(Idea.id)
    ))


def token_refused(session: Session, tracker: str, reason: str, now: datetime) -> bool:
    """Records that the tracker refuses the bot's token; True only the first time since it last took it,
    so the PMs are told once, not by every check of every sweep."""
    session.execute(dialect_insert(session)(TrackerStatus).values(tracker=tracker).on_conflict_do_nothing())
    changed = session.execute(
        update(TrackerStatus).where(TrackerStatus.tracker == tracker, TrackerStatus.refused_since.is_(None))
        .values(refused_since=now, reason=reason[:300]).execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1


def token_accepted(session: Session, tracker: str) -> bool:
    """Records that the tracker took the token; True when it had been refusing it (the PMs are told)."""
    changed = session.execute(
        update(TrackerStatus).where(TrackerStatus.tracker == tracker, TrackerStatus.refused_since.is_not(None))
        .values(refused_since=None, reason=None).execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1


def refusing(session: Session, trackers: Sequence[str]) -> list[TrackerStatus]:
    """The trackers among these that refuse the bot's token just now."""
    return list(session.scalars(select(TrackerStatus).where(
        TrackerStatus.tracker.in_(trackers), TrackerStatus.refused_since.is_not(None)).order_by(TrackerStatus.tracker)))


def teams_following(session: Session, tracker: str) -> list[str]:
    """The workspaces with ideas in delivery whose issues are in this tracker: those a refused token fails."""
    return list(session.scalars(
        select(Idea.team_id).where(Idea.tracker == tracker, Idea.tracker_key.is_not(None),
                                   Idea.stage == Stage.DELIVERY).distinct().order_by(Idea.team_id)
    ))


def noticed(session: Session, idea_id: int, state: str) -> bool:
    """Records the issue's state; True the first time this state is seen (so its news is told once)."""
    changed = session.execute(
        update(Idea).where(Idea.id == idea_id, (Idea.tracker_state.is_(None)) | (Idea.tracker_state != state))
        .values(tracker_state=state).execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1


def delivery_decider(session: Session, idea_id: int) -> str | None:
    """The PM who moved the idea to delivery: the tracker's news is theirs to hear."""
    return session.scalar(
        select(Decision.decided_by).where(Decision.idea_id == idea_id, Decision.to_stage == Stage.DELIVERY,
                                          Decision.via.is_(None))
        .order_by(Decision.id.desc()).limit(1)
    )


def ship_through_tracker(session: Session, idea: Idea, *, tracker: str, actor: str | None, today: date,
                         pm: str | None = None) -> tuple[Idea, Decision] | None:
    """The issue was closed as done: delivery -> shipped, recorded as made through the tracker, with the
    check-in four weeks on for the PM who moved it to delivery (when no decision says who did, `pm`, else
    the requester: never the tracker's login); None if it is no longer in delivery."""
    label = LABELS.get(tracker, tracker)
    who = actor or label
    reason = (f"Closed as done in {label} by {actor} ({idea.tracker_key})." if actor and tracker == "github"
              else f"Moved to Done in {label} by {actor} ({idea.tracker_key})." if actor
              else f"Closed as done in {label} ({idea.tracker_key}).")
    try:
        return decide(session, team_id=idea.team_id, idea_id=idea.id, shown_stage=Stage.DELIVERY,
                      to_stage=Stage.SHIPPED, reason=reason, decided_by=who[:100], via=tracker,
                      revisit_on=today + DEFAULT_CHECK_IN,
                      ask_user_id=delivery_decider(session, idea.id) or pm or idea.requester_id)
    except Refused:
        return None


def parse_reference(reference: str, parsers: dict[str, object]) -> tuple[str, str] | None:
    """(tracker, key) for a reference one of the trackers understands, trying a URL's own tracker first."""
    for name, parse in parsers.items():
        key = parse(reference)  # type: ignore[operator]
        if key is not None:
            return name, key
    return None


CHECK_IN_AFTER: timedelta = DEFAULT_CHECK_IN
