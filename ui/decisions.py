"""Deciding: the form that asks why (and when to look again), the merge form, what the requester and
supporters hear, and why a button did nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.decisions import DATED_STAGES, REASON_MAX_CHARS, Refusal, Refused
from models import Decision, Idea, Stage
from ui.cards import MOVE_BUTTONS, result_words
from ui.chunks import chunks
from ui.ids import DECISION_CALLBACK, MERGE_CALLBACK
from ui.kit import (
    SECTION_LIMIT,
    STAGE_NAMES,
    Block,
    channel_link,
    clip,
    context,
    escape,
    idea_ref,
    labelled,
    mention,
    message,
    message_link,
    modal,
    plain,
    quote,
    read_date,
    read_id,
    said_by,
    section,
    stage_name,
    stage_words,
    text_input,
    typed,
)
from ui.trackers import TrackerOption, read_tracker_choice, tracker_blocks, tracking_line

DECISION_TITLES = {stage: label for stage, (label, _) in MOVE_BUTTONS.items()}
# {whose} is "Your idea" for the requester, "The idea you supported" for supporters and "The idea you shared"
# for whoever turned someone else's message into it.
NEXT_STEPS = {
    Stage.DISCOVERY: (
        ":mag: {whose} {ref} is moving into *discovery*: the team will dig into the problem and test "
        "whether this is the way to reach the outcome."
    ),
    Stage.DELIVERY: ":hammer_and_wrench: {whose} {ref} is moving to *delivery*: the team is going to build it.",
    Stage.SHIPPED: ":rocket: {whose} {ref} has *shipped*. On {revisit} we will ask whether the outcome happened.",
    Stage.REVIEWED: ":dart: {whose} {ref} shipped, and its outcome has been reviewed: it was *{result}*.",
    Stage.PARKED: ":parking: {whose} {ref} is *parked* for now; it will be looked at again on {revisit}.",
    Stage.MERGED: ":link: {whose} {ref} has been *merged* into idea {target}, which asks for the same thing. {among}",
    Stage.DECLINED: (
        ":no_entry_sign: {whose} {ref} is *declined*: it won't go ahead. That is not the answer you hoped "
        "for, so here is the reason."
    ),
}


def decision_modal(idea: Idea, to_stage: str, today: date, *, origin: str,
                   trackers: Sequence[TrackerOption] = ()) -> dict[str, Any]:
    """Asks the PM why, for Park when to look again, and for delivery (when a tracker is configured)
    whether to file the work there. The metadata is only a hint: the server re-checks."""
    blocks: list[Block] = [
        section(f"*{idea_ref(idea)}* from {mention(idea.requester_id)}\n{clip(escape(idea.outcome), 1000)}"),
        context(f"Now: *{stage_words(idea.stage)}*  →  *{stage_words(to_stage)}*"),
        {
            "type": "input",
            "block_id": "reason",
            "label": plain("Why?", 2000),
            "hint": plain("The requester and the channel digest will read this.", 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": "reason",
                "multiline": True,
                "max_length": REASON_MAX_CHARS,
            },
        },
    ]
    if to_stage in DATED_STAGES:
        label = "Look at it again on" if to_stage == Stage.PARKED else "Ask whether the outcome happened on"
        blocks.append(
            {
                "type": "input",
                "block_id": "revisit",
                "label": plain(label, 2000),
                "element": {
                    "type": "datepicker",
                    "action_id": "revisit",
                    "initial_date": (today + DATED_STAGES[Stage(to_stage)]).isoformat(),
                },
            }
        )
    if to_stage == Stage.DELIVERY and trackers:
        blocks += tracker_blocks(trackers)
    metadata = {"idea": idea.id, "from": idea.stage, "to": to_stage, "origin": origin}
    return modal(DECISION_CALLBACK, DECISION_TITLES[Stage(to_stage)], blocks, submit="Decide", metadata=metadata)


@dataclass(frozen=True)
class DecisionForm:
    idea_id: int
    shown_stage: str
    to_stage: str
    reason: str
    revisit_on: date | None
    origin: str
    tracker_choice: str | None = None  # "create:github", "link", "none"; None when the form had no choice
    issue_reference: str = ""


def read_decision(view: dict[str, Any]) -> DecisionForm | None:
    """The inverse of `decision_modal`, or None when the metadata is garbled, or names a move this form was not
    made for (a dated one on a form without its date picker: the date's error would have nowhere to show)."""
    values = view.get("state", {}).get("values", {})
    try:
        meta = json.loads(view.get("private_metadata") or "")
        idea_id = read_id(str(meta["idea"]))
        shown, to = str(meta["from"]), str(meta["to"])
        if idea_id is None or shown not in STAGE_NAMES or to not in STAGE_NAMES:
            return None
        if to in DATED_STAGES and not any(block.get("block_id") == "revisit" for block in view.get("blocks", [])):
            return None
        return DecisionForm(
            idea_id=idea_id,
            shown_stage=shown,
            to_stage=to,
            reason=typed(values, "reason"),
            revisit_on=read_date(values.get("revisit", {}).get("revisit", {}).get("selected_date")),
            origin="home" if meta.get("origin") == "home" else "message",
            **dict(zip(("tracker_choice", "issue_reference"), read_tracker_choice(values), strict=True)),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def decision_notice(
    idea: Idea, decision: Decision, *, to: str | None = None, supporter: bool = False, filing_in: str | None = None,
    merged_into: Idea | None = None, reader: str | None = None, sharer: bool = False, supported_already: bool = False,
    shared_as: int | None = None,
) -> dict[str, Any]:
    """What the requester hears: what was decided, by whom and why, in plain words. `to` mentions
    the person when the notice is a reply in the thread of their original message; supporters hear
    the same news about "an idea you supported", and whoever turned another's message into the idea
    (`sharer`) about "the idea you shared". A merge names the idea it went into (`merged_into`), whose own
    requester (`reader`) is told it is theirs, not that they now support it, and one who supported it already
    (`supported_already`) that they already do. `shared_as`: for a sharer, the idea they shared, merged into
    this one, which the news names as where it went."""
    revisit = f"{decision.revisit_on:%A %d %B %Y}" if decision.revisit_on else "a later date"
    result = result_words(decision)
    whose = "The idea you shared" if sharer else "The idea you supported" if supporter else "Your idea"
    ref = idea_ref(idea)
    if sharer and shared_as is not None:
        whose, ref = "Idea", f"{ref} (where the idea you shared, #{shared_as}, was merged)"
    target = f"#{idea.merged_into_id}" if idea.merged_into_id else "another idea"
    if merged_into is not None:
        target = f"{idea_ref(merged_into)} \u201c{clip(escape(merged_into.outcome), 300)}\u201d"
    mine = merged_into is not None and reader is not None and reader == merged_into.requester_id
    among = "It is your idea too, so you will hear its news." if mine else \
        "Whoever asked is now among its supporters, and you will hear its news too." if sharer else \
        "You already support it, so you will keep hearing its news." if supported_already else \
        "You are now among its supporters, so you will hear its news."
    news = NEXT_STEPS[Stage(decision.to_stage)].format(
        whose=whose, ref=ref, revisit=revisit, result=result, target=target, among=among
    )
    if decision.measured:
        news += f" Measured: {clip(escape(decision.measured), 500)}"
    if to is not None:
        news = f"{mention(to)} {news}"
    # A review's words are what was learned, said by whoever recorded it (often the requester themself).
    why = "recorded it, and what we learned" if decision.to_stage == Stage.REVIEWED else "decided, and said why"
    said = [section(piece) for piece in chunks(f"{said_by(decision, why)}\n{quote(decision.reason)}", SECTION_LIMIT)]
    blocks = [
        section(news),
        *said,  # the reason whole, however long it is once escaped
        labelled("The outcome" if supporter or sharer else "Your outcome", idea.outcome),
    ]
    tracking = tracking_line(idea, filing_in) if decision.to_stage in (Stage.DELIVERY, Stage.SHIPPED) else None
    if tracking:
        blocks.append(context(tracking))
    # A supporter did not share the idea (nor can /idea list show it to them): thank them for their +1.
    # After a review there is no one to question: it may be the reader's own answer.
    reviewed = decision.to_stage == Stage.REVIEWED
    if supporter or sharer:
        thanks = "Thank you for sharing it." if sharer else "Thank you for your +1."
        thanks += "" if reviewed else " Questions? Reply to the person who decided."
    else:
        thanks = f"Thank you for sharing {message_link(idea, 'it')}. " + (
            "See `/idea list`." if reviewed else "Questions? Reply to the person who decided, or see `/idea list`.")
    blocks.append(context(thanks))
    return message(notice_text(idea, decision, whose), blocks, keep=said)


def merged_here_notice(idea: Idea, decision: Decision, merged_into: Idea) -> dict[str, Any]:
    """What the requester of the idea merged into hears: whose idea now counts on theirs, and why. Nothing
    of theirs moved, so it is news about another's idea, not a decision on their own."""
    news = (f":link: Idea {idea_ref(idea)} from {mention(idea.requester_id)} has been *merged* into your idea "
            f"{idea_ref(merged_into)}: it asks for the same thing. Its requester and supporters now count on "
            "yours, and will hear its news.")
    why = f"{said_by(decision, 'decided, and said why')}\n{quote(decision.reason)}"
    said = [section(piece) for piece in chunks(why, SECTION_LIMIT)]
    blocks = [section(news), *said, labelled("Their outcome", idea.outcome),
              context("Questions? Reply to the person who decided, or see `/idea list`.")]
    text = f"Idea {idea_ref(idea)} was merged into your idea {idea_ref(merged_into)}: {escape(decision.reason)}"
    return message(text, blocks, keep=said)


def notice_text(idea: Idea, decision: Decision, whose: str) -> str:
    """The notification's words (what a lock screen or a screen reader says): the idea, what happened to it
    in a sentence that reads right for every stage, and the reason."""
    ref, to = idea_ref(idea), Stage(decision.to_stage)
    if to == Stage.REVIEWED:
        result = result_words(decision)
        owner = whose[0].lower() + whose[1:]
        return f"The outcome of {owner} {ref} was reviewed ({result}): {escape(decision.reason)}"
    what = f"is now {STAGE_NAMES[to].lower()}"
    if to == Stage.MERGED and idea.merged_into_id:
        what += f" into #{idea.merged_into_id}"
    return f"{whose} {ref} {what}: {escape(decision.reason)}"


def refusal_text(refused: Refused, triage_channel: str | None) -> str:
    """Why a button did nothing, for the person who pressed it (plain sentences, fit for modal errors too)."""
    if refused.refusal is Refusal.NOT_A_PM:
        where = f"; ask in {channel_link(triage_channel)}" if triage_channel else "; ask a product manager"
        return f"Only product managers can move ideas{where}."
    if refused.refusal is Refusal.NOT_FOUND or refused.idea_id is None or refused.stage is None:
        return "That idea no longer exists, so nothing changed."
    ref, stage = f"#{refused.idea_id}", stage_name(refused.stage).lower()
    if refused.refusal is Refusal.ALREADY_MOVED:
        return f"Idea {ref} has already moved: it is now {stage}. Nothing was recorded twice."
    return f"Idea {ref} cannot move from {stage} to there."


def merge_modal(idea: Idea) -> dict[str, Any]:
    target: Block = {"type": "plain_text_input", "action_id": "target", "max_length": 12,
                     "placeholder": plain("e.g. 12", 150)}
    if idea.looks_like_id:
        target["initial_value"] = str(idea.looks_like_id)
    return modal(MERGE_CALLBACK, f"Merge idea {idea_ref(idea)}", [
        section(f"*{idea_ref(idea)}* from {mention(idea.requester_id)}\n{clip(escape(idea.outcome), 1000)}"),
        {"type": "input", "block_id": "target", "label": plain("Merge into idea number", 2000),
         "hint": plain("Its requester, supporters and evidence move over to that idea.", 2000), "element": target},
        text_input("reason", "Why?", "The requester and the channel digest will read this.", REASON_MAX_CHARS),
    ], submit="Merge", metadata={"idea": idea.id, "from": idea.stage})


_FULL_WIDTH = str.maketrans("\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff03", "0123456789#")
_IDEA_NUMBER = re.compile(r"(?:idea\s*)?(?:#|no\.?\s*|number\s*)?\s*(\d+)[.,;:!)]?", re.IGNORECASE)


def idea_number(typed_text: str) -> int | None:
    """The idea a person named: `12`, `#12`, `idea 12`, `Idea #12.`, `No. 12`, full-width digits too."""
    found = _IDEA_NUMBER.fullmatch(typed_text.translate(_FULL_WIDTH).strip())
    return read_id(found.group(1)) if found else None


@dataclass(frozen=True)
class MergeForm:
    idea_id: int
    shown_stage: str
    target_id: int | None  # None: not an idea number
    reason: str


def read_merge(view: dict[str, Any]) -> MergeForm | None:
    """The inverse of `merge_modal`, or None when what it carried is garbled."""
    values = view.get("state", {}).get("values", {})
    try:
        meta = json.loads(view.get("private_metadata") or "")
        target = typed(values, "target")
        reason = typed(values, "reason")
        idea_id, shown = read_id(str(meta["idea"])), str(meta["from"])
        if idea_id is None or shown not in STAGE_NAMES:
            return None
        return MergeForm(idea_id, shown, idea_number(target), reason)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
