"""The intake form (outcome first), what it carries between versions, and what the person who shared
an idea (and the author it was credited to) hears straight after."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.ideas import FIELDS, NO_SOURCE, Source
from bot.objectives import ObjectiveChoice
from bot.reviews import SUPPORTABLE
from models import Idea
from ui.cards import idea_details, support_button
from ui.ids import INTAKE_CALLBACK, INTAKE_OBJECTIVE, USE_SUGGESTION
from ui.kit import (
    Block,
    carried,
    clip,
    context,
    escape,
    idea_ref,
    mention,
    message,
    message_link,
    modal,
    plain,
    read_ids,
    section,
    stage_words,
)
from ui.objectives import OBJECTIVE_OPTIONS, objective_select, objectives_left_out, read_objective

INSIGHTS_CARRIED = 30  # requests from the feedback inbox one idea can be made from

INTAKE_HINTS = {
    "ask": "What was asked for, in the asker's words. Keep it: it shows the output behind the outcome.",
    "outcome": (
        "What will be different, and for whom, when this works? \"Add a CSV export button\" is an output; "
        "\"finance closes the month a day sooner\" is an outcome."
    ),
    "problem": "What hurts today, who feels it and how often. Describe the problem, not the solution.",
    "evidence": "Tickets, quotes, numbers, how many people ask. Anything that makes us believe it.",
    "measure": "The signal or metric that would move if we got it right, e.g. \"close takes 4 days, not 5\".",
}
INTAKE_LABELS = {
    "ask": "The original ask",
    "outcome": "What outcome are we after?",
    "problem": "What problem does it solve, and for whom?",
    "evidence": "What makes us believe it?",
    "measure": "How would we know it worked?",
}
INTAKE_PLACEHOLDERS = {
    "outcome": "Finance closes the month a day sooner",
    "problem": "Finance rebuilds the monthly report by hand from three exports",
}



@dataclass(frozen=True)
class IntakeState:
    """What an intake modal carries between its versions: the fields, where the idea came from, the
    model's suggestion (if any), whether the output-vs-outcome nudge was shown, and the version."""

    values: dict[str, str | None]
    source: Source = NO_SOURCE
    suggestion: dict[str, str] | None = None
    checked: bool = False
    version: int = 1
    # The key of what the server keeps for this form (the suggestion, an ask longer than its field):
    # the form itself carries only this key, so it stays within Slack's 3,000 characters in any script.
    draft: str | None = None
    # Requests from the feedback inbox this idea is made from: linked to it once it is submitted.
    insights: tuple[int, ...] = ()


def intake_modal(
    *,
    ask: str = "",
    source: Source = NO_SOURCE,
    state: IntakeState | None = None,
    coaching: str | None = None,
    objectives: Sequence[ObjectiveChoice] = (),
) -> dict[str, Any]:
    """The outcome-first form. The ask is prefilled; the rest is the person's to say.

    A later version (a suggestion arrived, or one was used) renames the input blocks, because Slack
    keeps what was typed in a block it has seen and only applies new initial values to new ones.
    """
    state = state or IntakeState(values={"ask": ask}, source=source)
    blocks: list[Block] = [
        section(
            "Good ideas start with the difference they make. Tell us the *outcome* you are after and "
            "the *problem* behind it; a product manager will look at it and you will hear what they decide, and why."
        )
    ]
    if state.source.author_id:
        blocks.append(context(f"From a message by <@{state.source.author_id}>, who will be credited as the requester."))
    if state.insights:
        n = len(state.insights)
        blocks.append(context(f"From customer feedback: {'this request' if n == 1 else f'these {n} requests'} will "
                              "count as the idea's customer mentions, and you will be its requester."))
    limit = FIELDS["ask"].max_chars
    if len(state.values.get("ask") or "") > limit:
        blocks.append(context(f"The ask is longer than the {limit:,} characters this field holds: its start is "
                              "below, and the whole of it is kept with the idea."))
    if state.suggestion:
        blocks += _suggestion_blocks(state.suggestion)
    for name in FIELDS:
        if name == "outcome" and coaching:
            blocks.append(section(":bulb: " + escape(coaching)))
        blocks.append(_intake_input(name, initial=state.values.get(name) or "", version=state.version))
    if objectives:
        blocks.append({
            "type": "input",
            "block_id": "objective" if state.version == 1 else f"objective.{state.version}",
            "optional": True,
            "label": plain("Which objective does this serve?", 2000),
            "hint": plain(" ".join(filter(None, ["Leave it empty if none fits: a product manager can link it later.",
                                                  objectives_left_out(OBJECTIVE_OPTIONS, len(objectives))])), 2000),
            "element": objective_select(objectives, read_objective(state.values.get("objective")), INTAKE_OBJECTIVE),
        })
    # Where an idea comes from (its channel, and a message's ts and author) is kept on the server with the
    # draft, never carried: a forged form could otherwise credit anyone, have decisions told in any thread
    # and put the idea in any channel's own digest.
    metadata = {
        "d": state.draft,
        "checked": state.checked or None,
        "v": state.version if state.version > 1 else None,
        "i": ",".join(map(str, state.insights)) or None,
    }
    return modal(INTAKE_CALLBACK, "Share an idea", blocks, submit="Submit idea",
                 metadata={k: v for k, v in metadata.items() if v})




def _suggestion_blocks(suggestion: dict[str, str]) -> list[Block]:
    """The model's words, shown as a suggestion only; its text is escaped like anyone's."""
    outcome, problem = clip(escape(suggestion["outcome"]), 1000), clip(escape(suggestion["problem"]), 1200)
    text = f":sparkles: *A suggestion*, yours to take or leave:\n*Outcome:* {outcome}\n*Problem:* {problem}"
    button = {"type": "button", "action_id": USE_SUGGESTION, "text": plain("Use it where I left blanks", 75)}
    return [section(text), {"type": "actions", "block_id": "suggestion", "elements": [button]}]


def _intake_input(name: str, *, initial: str, version: int = 1) -> Block:
    spec = FIELDS[name]
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": name,
        "multiline": True,
        "max_length": spec.max_chars,
    }
    if initial:
        element["initial_value"] = initial[: spec.max_chars]
    if name in INTAKE_PLACEHOLDERS:
        element["placeholder"] = plain(INTAKE_PLACEHOLDERS[name], 150)
    return {
        "type": "input",
        "block_id": name if version == 1 else f"{name}.{version}",
        "optional": not spec.required,
        "label": plain(INTAKE_LABELS[name], 2000),
        "hint": plain(INTAKE_HINTS[name], 2000),
        "element": element,
    }


def read_intake(view: dict[str, Any]) -> IntakeState:
    """The inverse of `intake_modal`: the typed values and everything the modal carried."""
    values: dict[str, Any] = {}
    state = view.get("state") if isinstance(view.get("state"), dict) else {}
    typed = state.get("values") if isinstance(state.get("values"), dict) else {}
    for block_id, actions in typed.items():
        name = str(block_id).split(".")[0]
        element = actions.get(name) if isinstance(actions, dict) else None
        element = element if isinstance(element, dict) else {}
        if name == "objective":  # a forged form may hold anything here: only text is read, as Slack sends
            option = element.get("selected_option")
            element = option if isinstance(option, dict) else {}
        elif name not in FIELDS:
            continue
        value = element.get("value")
        values[name] = value if isinstance(value, str) else None
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        version = int(meta.get("v") or 1)
        return IntakeState(values, NO_SOURCE, None, bool(meta.get("checked")), version if 0 < version < 100 else 1,
                           carried(meta.get("d")), tuple(read_ids(meta.get("i"), INSIGHTS_CARRIED)))
    except (ValueError, AttributeError, TypeError):
        return IntakeState(values)


def kept_source(source: Source) -> dict[str, Any]:
    """What the server keeps of a form's source message, in its draft (see `with_kept_source`)."""
    return {"source": [source.channel_id, source.message_ts, source.author_id]}


def with_kept_source(state: IntakeState, kept: dict[str, Any]) -> IntakeState:
    """The form's state with the message it was opened on, as the server kept it in the form's draft."""
    stored = kept.get("source")
    if not (isinstance(stored, list) and len(stored) == 3):
        return state
    channel, ts, author = (carried(value) for value in stored)
    return replace(state, source=Source(channel_id=channel, message_ts=ts, author_id=author))


TYPED_KEPT = 30_000  # characters of an ask given back in one message (Slack cuts a message's text at 40,000)


SLACK_WONT_OPEN = "Slack could not open the form just now (it took too long, or said no)"
DATABASE_AWAY = "outcome-bot can't reach its database just now"


def form_failed(ask: str, why: str = SLACK_WONT_OPEN) -> str:
    """When the form for `/idea <text>` does not open (Slack will not, or the database is away): what was
    typed, to paste again, since the person's message box no longer holds it. In a code block, escaped, so
    it reads as typed and pings nobody."""
    typed = clip(escape(_unfenced(ask)), TYPED_KEPT)
    return f"{why}, so nothing was saved. Here is what you typed, to use with `/idea` again:\n```{typed}```"


def _unfenced(text: str) -> str:
    """`text` with no run of backticks that could close the code block it is shown in: a zero-width space
    between any two (```` and more too), and at either end that is one, next to the block's own fence."""
    text = re.sub(r"`(?=`)", "`\u200b", text)
    return ("\u200b" if text.startswith("`") else "") + text + ("\u200b" if text.endswith("`") else "")


def confirmation(idea: Idea, look_alikes: Sequence[Idea] = ()) -> dict[str, Any]:
    """What the person who submitted hears straight after, with open ideas that look like theirs."""
    intro = (
        f":white_check_mark: Thanks! Your idea {idea_ref(idea)} is in as a discovery candidate. "
        "A product manager will look at it, and you will hear what they decide and why."
    )
    if idea.submitted_by:
        intro = (
            f":white_check_mark: Thanks! {mention(idea.requester_id)}'s message is in as idea {idea_ref(idea)}, "
            "credited to them. You will both hear what a product manager decides, and why."
        )
    # An idea credited to another is on their list, not the presser's: its news comes to them here instead.
    where = (f"It is on {mention(idea.requester_id)}'s `/idea list`, not yours; I will tell you here what is decided."
             if idea.submitted_by else "See all your ideas with `/idea list` or on my Home tab.")
    blocks = [section(intro), *idea_details(idea), *look_alike_blocks(idea, look_alikes), context(where)]
    return message(f"Idea {idea_ref(idea)} is in: {escape(idea.outcome)}", blocks)


def look_alike_blocks(idea: Idea, look_alikes: Sequence[Idea]) -> list[Block]:
    """"Looks like #12 …; support it instead?", one line per open idea, with its +1 button when the
    person reading (who submitted it) may support it (not their own)."""
    if not look_alikes:
        return []
    reader = idea.submitted_by or idea.requester_id
    blocks: list[Block] = [section(
        "*This looks like an idea we already have.* If it is the same need, add your +1 and evidence there: "
        "one idea with many supporters weighs more than several alone."
    )]
    for other in look_alikes:
        line = f"*{idea_ref(other)}* \"{clip(escape(other.outcome), 300)}\" _({stage_words(other.stage)})_"
        if other.requester_id == reader:
            blocks.append(section(f"{line}\nYou asked for this one already."))
            continue
        if other.requester_id == idea.requester_id:  # the author whose message it is asked for it before
            line += f"\n{mention(idea.requester_id)} asked for this one already."
        block = section(line)
        if other.stage in SUPPORTABLE:
            block["accessory"] = {**support_button(other), "text": plain("Support it instead", 75)}
        blocks.append(block)
    return blocks


def credit_notice(idea: Idea) -> dict[str, Any]:
    """For the author of a message someone else turned into an idea."""
    intro = (
        f":bulb: {mention(idea.submitted_by)} turned {message_link(idea, 'your message')} into idea {idea_ref(idea)}, "
        "credited to you. A product manager will look at it, and you will hear what they decide and why."
    )
    return message(f"Your message is now idea {idea_ref(idea)}", [section(intro), *idea_details(idea)])
