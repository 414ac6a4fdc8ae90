"""Closing the loop: "+1 / I have this problem too" with evidence, and "did the outcome happen?"
(the check-in, its buttons and the review form)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.decisions import REASON_MAX_CHARS
from bot.reviews import EVIDENCE_MAX_CHARS, MEASURED_MAX_CHARS, Supported
from models import Decision, Idea, Stage
from ui.cards import RESULT_WORDS, result_words, review_buttons
from ui.chunks import chunks, sections
from ui.ids import REVIEW_CALLBACK, REVIEW_MET, REVIEW_MISSED, REVIEW_NOT_YET, REVIEW_PARTLY, SUPPORT_CALLBACK
from ui.kit import (
    SECTION_LIMIT,
    clip,
    context,
    decider,
    escape,
    idea_ref,
    labelled,
    message,
    metadata,
    modal,
    quote,
    read_id,
    section,
    text_input,
    typed,
)

# What each check-in button records; Not yet records nothing and asks again later.
REVIEW_ACTIONS = {REVIEW_MET: "met", REVIEW_PARTLY: "partly", REVIEW_NOT_YET: None, REVIEW_MISSED: "missed"}


def check_in(idea: Idea) -> dict[str, Any]:
    """The question a shipped idea was waiting for, to the PM who shipped it and its requester."""
    blocks = [*_question(idea), {"type": "actions", "block_id": f"review_{idea.id}", "elements": review_buttons(idea)}]
    return message(f"Did the outcome of idea {idea_ref(idea)} happen? {escape(idea.outcome)}", blocks)


def _question(idea: Idea) -> list[dict[str, Any]]:
    text = f":dart: *Did this happen?* Idea {idea_ref(idea)} has shipped. The outcome we were after:"
    blocks = [section(text), *sections(quote(idea.outcome))]
    if idea.measure:
        blocks.append(labelled("How we said we would know", idea.measure))
    return blocks


def check_in_recorded(idea: Idea, review: Decision) -> dict[str, Any]:
    """The question redrawn once someone answered it (every copy, the answerer's own too): what was recorded
    and by whom, and no buttons that would only say it was already recorded."""
    result = result_words(review)
    measured = f" Measured: {escape(review.measured)}." if review.measured else ""
    said = f":white_check_mark: {decider(review)} recorded the outcome: *{result}*.{measured} What we learned:\n"
    # What was learned, whole: 2,000 characters can pass a section's 3,000 once escaped.
    learned = [section(piece) for piece in chunks(said + quote(review.reason), SECTION_LIMIT)]
    return message(f"The outcome of idea {idea_ref(idea)} was recorded by {decider(review)}: {result}.",
                   [*_question(idea), *learned], keep=learned)


def outcome_recorded_notice(idea: Idea, review: Decision) -> dict[str, Any]:
    """What the PM who shipped the idea hears when someone else records its outcome: redrawing their own
    question in place notifies nobody, so they are told once, by DM."""
    result = result_words(review)
    said = f":dart: {decider(review)} recorded the outcome of idea {idea_ref(idea)}, which you shipped: *{result}*."
    if review.measured:
        said += f" Measured: {escape(review.measured)}."
    learned = [section(piece) for piece in chunks(f"{said} What we learned:\n{quote(review.reason)}", SECTION_LIMIT)]
    return message(f"The outcome of idea {idea_ref(idea)} was recorded by {decider(review)}: {result}.",
                   learned, keep=learned)


def check_in_not_yet(idea: Idea, by: str, again: date) -> dict[str, Any]:
    """The question redrawn after "Not yet": who said so, and when it will be asked again (a new message then)."""
    said = f":hourglass_flowing_sand: <@{by}> answered *not yet*. I will ask again on {again:%A %d %B %Y}."
    return message(f"Idea {idea_ref(idea)}: <@{by}> answered not yet; I will ask again on {again:%A %d %B %Y}.",
                   [*_question(idea), section(said)])


def review_modal(idea: Idea, result: str) -> dict[str, Any]:
    return modal(REVIEW_CALLBACK, "Did it happen?", [
        section(f"*{idea_ref(idea)}*: {clip(escape(idea.outcome), 1000)}\nOutcome: *{RESULT_WORDS[result]}*"),
        text_input("measured", "What did you measure?", "The number or signal, e.g. \"close takes 4 days\".",
                   MEASURED_MAX_CHARS,
                   optional=True),
        text_input("learning", "What did we learn?",
                   "A sentence: everyone who asked for it and the digest will read it.", REASON_MAX_CHARS),
    ], submit="Record", metadata={"idea": idea.id, "result": result})


@dataclass(frozen=True)
class ReviewForm:
    idea_id: int
    result: str  # met, partly or missed
    measured: str
    learning: str


def read_review(view: dict[str, Any]) -> ReviewForm | None:
    """The inverse of `review_modal`, or None when what it carried is garbled."""
    values = view.get("state", {}).get("values", {})
    try:
        meta = json.loads(view.get("private_metadata") or "")
        result, idea_id = str(meta["result"]), read_id(str(meta["idea"]))
        if result not in RESULT_WORDS or idea_id is None:
            return None
        return ReviewForm(idea_id, result, typed(values, "measured"), typed(values, "learning"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def support_modal(idea: Idea, merged_from: int | None = None) -> dict[str, Any]:
    """`merged_from`: the idea whose +1 was pressed, merged into this one since."""
    said = [context(f":link: Idea #{merged_from} was merged into {idea_ref(idea)}, which asks for the same thing: "
                    "your +1 counts here.")] if merged_from is not None else []
    return modal(SUPPORT_CALLBACK, "I have this too", [
        *said,
        section(f"*{idea_ref(idea)}*: {clip(escape(idea.outcome), 1000)}"),
        text_input("evidence", "Your evidence, in a line", "Who has it, how often, what it costs.", EVIDENCE_MAX_CHARS,
                   optional=True),
    ], submit="Add my +1", metadata={"idea": idea.id})


@dataclass(frozen=True)
class SupportForm:
    idea_id: int
    evidence: str


def read_support(view: dict[str, Any]) -> SupportForm | None:
    """The inverse of `support_modal`, or None when what it carried is garbled."""
    idea_id = read_id(str(metadata(view).get("idea")))
    if idea_id is None:
        return None
    return SupportForm(idea_id, typed(view.get("state", {}).get("values", {}), "evidence"))


def thanks_view(text: str) -> dict[str, Any]:
    return modal(None, "Thank you", [section(text)], close="Close")


SUPPORT_OWN = "It's your idea, so you count already. Ask others who have the problem to add their +1."
SUPPORT_CLOSED = "That idea is no longer open for support."
# What became of an idea no longer open for support, in words for a sentence (and a form's plain-text error).
CLOSED_WORDS = {
    Stage.SHIPPED: "has shipped",
    Stage.REVIEWED: "has shipped, and its outcome was reviewed",
    Stage.DECLINED: "was declined",
    Stage.MERGED: "was merged into another idea",
}


def support_closed(named: int | None, idea: Idea | None) -> str:
    """Why a +1 on idea `named` counts nowhere: what became of the idea it is for (`to_support`), and, when that
    is another idea the named one was merged into, which one, so nobody is left wondering where the need went."""
    if idea is None or named is None:
        return SUPPORT_CLOSED
    became = CLOSED_WORDS.get(idea.stage, "is closed")
    if idea.id == named:
        return f"Idea {idea_ref(idea)} {became}, so it is no longer open for support."
    return (f"Idea #{named} was merged into {idea_ref(idea)}, which {became} since, so it is no longer open for "
            "support.")


REVIEW_CLOSED = "That idea is not waiting for a review any more, so nothing changed."
REVIEW_WHO = "Only product managers and the person who asked can record whether the outcome happened."


def supported(idea: Idea, given: Supported) -> str:
    """The +1 form's last word: counted, or, given again, what became of their evidence."""
    if given.first:
        return f"Thanks: your +1 on {idea_ref(idea)} is counted, and you will hear what is decided, and why."
    if given.changed:
        return f"You had already supported {idea_ref(idea)}; your evidence is updated."
    if given.evidence is None:
        return f"You had already supported {idea_ref(idea)}, and you count once. Nothing changed."
    return (f"You had already supported {idea_ref(idea)}, and you count once. Nothing changed: your evidence "
            f"stays as you gave it, \u201c{clip(escape(given.evidence), 600)}\u201d.")


def recorded(idea: Idea, result: str) -> str:
    """The review form's last word (every check-in message is redrawn to say the same, without its buttons)."""
    return (f"Recorded: the outcome of {idea_ref(idea)} was *{RESULT_WORDS[result]}*. Everyone who asked for it "
            "hears what was learned, and the next digest reports it under *Outcomes reviewed*.")


def review_closed(idea: Idea, review: Decision | None) -> str:
    """A check-in button pressed after the outcome was recorded (by the other person asked): by whom, and what."""
    if idea.stage != Stage.REVIEWED or review is None or review.to_stage != Stage.REVIEWED:
        return REVIEW_CLOSED
    return (f"The outcome of {idea_ref(idea)} was already recorded by {decider(review)}: "
            f"*{result_words(review)}*. Nothing changed.")


def review_taken(idea: Idea, review: Decision | None) -> str | None:
    """A review form submitted after the outcome was recorded (by the other person asked), in plain words for
    the form's field (which shows no mrkdwn): what was recorded; None when the idea was not reviewed."""
    if idea.stage != Stage.REVIEWED or review is None or review.to_stage != Stage.REVIEWED:
        return None
    result = RESULT_WORDS.get(review.result or "") or "reviewed"
    return (f"The outcome of {idea_ref(idea)} was already recorded: {result}. Nothing was recorded twice; "
            "the question now says who recorded it, and what we learned.")


def asked_again(idea: Idea, when: date | None) -> str:
    if when is None:
        return REVIEW_CLOSED
    return f"Noted: not yet. I will ask again about {idea_ref(idea)} on {when:%A %d %B %Y}."
