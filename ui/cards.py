"""An idea as PMs see it: its details, the triage card with its supporters, latest decision and the
buttons for what can happen next (each button's value read back by `read_move`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.objectives import ObjectiveChoice
from bot.reviews import RESULTS, SUPPORTABLE
from bot.stages import next_stages
from bot.trackers import needs_an_issue
from models import Decision, Idea, Insight, Stage, Support
from ui.chunks import chunks, labelled_whole
from ui.feedback import evidence_block, mentions_words
from ui.ids import (
    LINK_ISSUE,
    MERGE_ACTION,
    MOVE_ACTION_PREFIX,
    REVIEW_MET,
    REVIEW_MISSED,
    REVIEW_NOT_YET,
    REVIEW_PARTLY,
    SET_OBJECTIVE,
    SUPPORT_ACTION,
)
from ui.kit import (
    SECTION_LIMIT,
    STAGE_NAMES,
    UNKNOWN_DATE,
    Block,
    channel_link,
    clip,
    context,
    day_of,
    decided_by,
    escape,
    idea_ref,
    issue_link,
    labelled,
    mention,
    message,
    message_link,
    plain,
    quote,
    read_id,
    section,
    stage_words,
)
from ui.objectives import OBJECTIVES_ON_A_CARD, objective_name, objective_select, objectives_left_out

MOVE_BUTTONS = {
    Stage.DISCOVERY: ("Explore in discovery", None),
    Stage.DELIVERY: ("Move to delivery", "primary"),
    Stage.SHIPPED: ("Mark shipped", "primary"),
    Stage.PARKED: ("Mark parked", None),
    Stage.DECLINED: ("Mark declined", "danger"),
}


def idea_details(idea: Idea) -> list[Block]:
    blocks = [*labelled_whole("Outcome", idea.outcome), labelled("Problem", idea.problem)]
    if idea.evidence:
        blocks.append(labelled("Evidence", idea.evidence))
    if idea.measure:
        blocks.append(labelled("How we would know", idea.measure))
    if idea.ask:
        blocks.append(section("*Original ask*\n" + quote(idea.ask)))
    return blocks


def merged_where(idea: Idea, end: int | None = None) -> str:
    """Where a merged idea went: "#12", or, when that idea was merged on since (`end`, where its people now
    count), "#15 (via #12)"."""
    return f"#{end} (via #{idea.merged_into_id})" if end is not None else f"#{idea.merged_into_id}"


def triage_card(
    idea: Idea,
    decision: Decision | None = None,
    backers: Sequence[Support] = (),
    objectives: Sequence[ObjectiveChoice] = (),
    looks_like: Idea | None = None,
    trackers_on: bool = False,
    quotes: Sequence[Insight] = (),
    now: datetime | None = None,
    asked_on: date | None = None,
    merged_end: int | None = None,
) -> dict[str, Any]:
    """The card PMs decide from: the idea, who else has the problem, what customers said, its latest
    decision, where its delivery is tracked, and buttons for what can happen next. `asked_on`: when a
    shipped idea's outcome is next asked about, if a "not yet" moved it from the decision's date. `merged_end`:
    for an idea merged into one merged on since, where the chain ends (`merge_ends`)."""
    where = "" if not idea.source_channel_id else " in a direct message" if idea.source_channel_id.startswith("D") \
        else f" in {channel_link(idea.source_channel_id)}"  # a DM has no name Slack would show to the PMs
    if idea.source_permalink:
        where += f" ({message_link(idea, 'original message')})"
    if idea.submitted_by:
        where += f", shared by {mention(idea.submitted_by)}"
    title = "New idea" if decision is None else "Idea"
    blocks = [
        section(f"*{title} {idea_ref(idea)}* from {mention(idea.requester_id)}{where}"),
        *idea_details(idea),
    ]
    if backers:
        blocks.append(support_summary(backers))
    if (evidence := evidence_block(idea, quotes, now or idea.created_at)) is not None:
        blocks.append(evidence)
    reason = decision_sections(decision, asked_on) if decision is not None else []
    blocks += reason
    facts = [f"Stage: *{stage_words(idea.stage)}*", f"Objective: {objective_name(idea.objective)}",
             f"Submitted {day_of(idea.created_at)}" if idea.created_at else f"Submitted {UNKNOWN_DATE}"]
    if idea.tracker_key:
        facts.insert(1, f"Tracked in {issue_link(idea)}")
    if counted := mentions_words(idea, len(backers)):
        facts.append(counted)
    blocks.append(context(*facts))
    buttons = move_buttons(idea) + (review_buttons(idea) if idea.stage == Stage.SHIPPED else [])
    if Stage.MERGED in next_stages(idea.stage):
        buttons.append({"type": "button", "action_id": MERGE_ACTION, "text": plain("Merge into another idea", 75),
                        "value": move_value(idea)})
    if idea.stage in SUPPORTABLE:
        buttons.append(support_button(idea))
    if trackers_on and needs_an_issue(idea):
        buttons.append(link_issue_button(idea))
    if idea.merged_into_id:
        blocks.append(context(f":link: Merged into idea {merged_where(idea, merged_end)}"))
    elif looks_like is not None and Stage.MERGED in next_stages(idea.stage):
        blocks.append(context(f":twisted_rightwards_arrows: Looks like {idea_ref(looks_like)} "
                              f"\u201c{clip(escape(looks_like.outcome), 200)}\u201d: merge it there if it is the "
                              "same need."))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"moves_{idea.id}", "elements": buttons})
    if objectives:
        select = {**objective_select(objectives, idea.objective_id, SET_OBJECTIVE, limit=OBJECTIVES_ON_A_CARD)}
        select["placeholder"] = plain("Link to an objective" if "options" in select else
                                      "Link to an objective (type to find one)", 150)
        blocks.append({"type": "actions", "block_id": f"objective_{idea.id}", "elements": [select]})
        if left_out := objectives_left_out(OBJECTIVES_ON_A_CARD, len(objectives)):
            blocks.append(context(left_out))
    return message(f"{title} {idea_ref(idea)} from {mention(idea.requester_id)}: {escape(idea.outcome)}", blocks,
                   keep=reason)  # the card shows the latest decision: its reason is the last thing clipped


SUPPORTERS_SHOWN = 5
RESULT_WORDS = RESULTS


def support_button(idea: Idea) -> Block:
    return {"type": "button", "action_id": SUPPORT_ACTION, "text": plain("+1 / I have this problem too", 75),
            "value": str(idea.id)}


def support_summary(backers: Sequence[Support]) -> Block:
    lines = [f"*:raised_hands: {len(backers)} {'person has' if len(backers) == 1 else 'people have'} this problem too*"]
    for backer in backers[:SUPPORTERS_SHOWN]:
        evidence = f": {clip(escape(backer.evidence), 300)}" if backer.evidence else ""
        lines.append(f"• {mention(backer.user_id)}{evidence}")
    if len(backers) > SUPPORTERS_SHOWN:
        lines.append(f"and {len(backers) - SUPPORTERS_SHOWN} more")
    return section("\n".join(lines))


def result_words(review: Decision) -> str:
    """What a review found, in words ("partly met"); a result we do not know as written (escaped: it is not
    ours), and "reviewed" when the row says none."""
    if not (review.result or "").strip():
        return "reviewed"
    return RESULT_WORDS.get(review.result, "") or clip(escape(" ".join(review.result.split())), 60)


def review_words(decision: Decision) -> str:
    """"outcome *met* (measured: …)" for a review decision, on the card and in the digest alike."""
    words = f"outcome *{result_words(decision)}*"
    if decision.measured:
        words += f" (measured: {clip(escape(decision.measured), 300)})"
    return words


def _summary(decision: Decision, asked_on: date | None = None) -> str:
    head = f"*{stage_words(decision.to_stage)}*, {decided_by(decision)} on {day_of(decision.decided_at)}"
    if decision.to_stage == Stage.REVIEWED and decision.result:
        head += f": {review_words(decision)}"
    elif decision.revisit_on is not None and decision.to_stage == Stage.SHIPPED:
        head += f"; we ask whether the outcome happened on {asked_on or decision.revisit_on:%d %b %Y}"
    elif decision.revisit_on is not None:
        head += f"; to be looked at again on {decision.revisit_on:%d %b %Y}"
    return f"{head}\n{quote(decision.reason)}"


def decision_summary(decision: Decision) -> Block:
    """The latest decision in one section, its reason clipped if it must be (a line of the Home tab)."""
    return section(_summary(decision))


def decision_sections(decision: Decision, asked_on: date | None = None) -> list[Block]:
    """The latest decision on the card: a reason of 2,000 characters can pass a section's 3,000 once
    escaped, so it goes on in further sections rather than being cut."""
    return [section(piece) for piece in chunks(_summary(decision, asked_on), SECTION_LIMIT)]


def move_value(idea: Idea) -> str:
    return f"{idea.id}:{idea.stage}"


@dataclass(frozen=True)
class Move:
    idea_id: int
    shown_stage: str  # where the button showed the idea: the server checks it is still there
    to_stage: str


def read_move(action_id: str, value: str | None) -> Move | None:
    """The inverse of a move button, or None if garbled."""
    idea_id, _, shown = (value or "").partition(":")
    number = read_id(idea_id)
    if number is None or shown not in STAGE_NAMES or not action_id.startswith(MOVE_ACTION_PREFIX):
        return None
    return Move(number, shown, action_id.removeprefix(MOVE_ACTION_PREFIX))


def link_issue_button(idea: Idea) -> Block:
    """Links a tracker issue to an idea in delivery that has none, or whose issue no longer holds the work."""
    return {"type": "button", "action_id": LINK_ISSUE, "text": plain("Link a tracker issue", 75), "value": str(idea.id)}


def move_buttons(idea: Idea) -> list[Block]:
    """One button per allowed move; a review is recorded with the review buttons instead. The value
    names the idea and the stage it was shown in; the server re-checks both, so a stale or forged
    value changes nothing."""
    buttons = []
    for stage in next_stages(idea.stage):
        if stage not in MOVE_BUTTONS:
            continue
        label, style = MOVE_BUTTONS[stage]
        button: Block = {
            "type": "button",
            "action_id": MOVE_ACTION_PREFIX + stage,
            "text": plain(label, 75),
            "value": move_value(idea),
        }
        if style:
            button["style"] = style
        buttons.append(button)
    return buttons


def review_buttons(idea: Idea) -> list[Block]:
    labels = {REVIEW_MET: "Met", REVIEW_PARTLY: "Partly", REVIEW_NOT_YET: "Not yet", REVIEW_MISSED: "Missed"}
    styles = {REVIEW_MET: "primary", REVIEW_MISSED: "danger"}
    buttons = []
    for action_id, label in labels.items():
        button: Block = {"type": "button", "action_id": action_id, "text": plain(label, 75), "value": str(idea.id)}
        if action_id in styles:
            button["style"] = styles[action_id]
        buttons.append(button)
    return buttons
