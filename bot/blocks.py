"""Every piece of Block Kit the bot sends, built in one place.

Pure functions from plain values to the dicts Slack expects. User text reaches mrkdwn only through
`escape`, and every section is clipped to Slack's limits here, by design, so no idea is too long to show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.decisions import DATED_STAGES, REASON_MAX_CHARS, Refusal, Refused, Triage
from bot.digest import Digest, Pulse
from bot.ideas import FIELDS, NO_SOURCE, Source
from bot.objectives import KEY_RESULT_SLOTS, KeyResultDraft, ObjectiveChoice
from bot.reviews import EVIDENCE_MAX_CHARS, RESULTS, SUPPORTABLE
from bot.schedule import DAYS, Schedule, in_words
from bot.stages import next_stages
from bot.stats import Stats
from bot.team_settings import TeamConfig
from bot.usage import Usage
from models import Decision, Delivery, Idea, Objective, Stage, Support

Block = dict[str, Any]
SECTION_LIMIT = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
INTAKE_CALLBACK = "idea_intake"
DECISION_CALLBACK = "idea_decision"
MOVE_ACTION_PREFIX = "idea_move_"
SHORTCUT_CALLBACK = "idea_from_message"
NUDGE_SHARE, NUDGE_DISMISS, NUDGE_OPT_OUT = "nudge_share", "nudge_dismiss", "nudge_opt_out"

STAGE_NAMES = {
    Stage.CANDIDATE: "Candidate",
    Stage.DISCOVERY: "In discovery",
    Stage.DELIVERY: "In delivery",
    Stage.SHIPPED: "Shipped",
    Stage.REVIEWED: "Outcome reviewed",
    Stage.MERGED: "Merged",
    Stage.PARKED: "Parked",
    Stage.DECLINED: "Declined",
}
STAGE_EMOJI = {
    Stage.CANDIDATE: ":seedling:",
    Stage.DISCOVERY: ":mag:",
    Stage.DELIVERY: ":hammer_and_wrench:",
    Stage.SHIPPED: ":rocket:",
    Stage.REVIEWED: ":dart:",
    Stage.MERGED: ":link:",
    Stage.PARKED: ":parking:",
    Stage.DECLINED: ":no_entry_sign:",
}
# Button text names the stage the idea will be in, so nobody presses a button to find out.
MOVE_BUTTONS = {
    Stage.DISCOVERY: ("Explore in discovery", None),
    Stage.DELIVERY: ("Move to delivery", "primary"),
    Stage.SHIPPED: ("Mark shipped", "primary"),
    Stage.PARKED: ("Mark parked", None),
    Stage.DECLINED: ("Mark declined", "danger"),
}

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


def escape(text: str) -> str:
    """The one escaping function: user text becomes inert mrkdwn (no pings, no links, no broken blocks)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(mrkdwn: str, limit: int) -> str:
    """Shortens already-escaped text to `limit` characters without splitting an entity like `&amp;`."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = mrkdwn[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def quote(text: str) -> str:
    """Escaped user text as a mrkdwn block quote, every line quoted."""
    return "\n".join("&gt; " + line if line else "&gt;" for line in escape(text).split("\n"))


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_LIMIT)}}


def context(*mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(m, SECTION_LIMIT)} for m in mrkdwn]}


def labelled(label: str, user_text: str) -> Block:
    return section(f"*{label}*\n{escape(user_text)}")


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…", "emoji": True}


# Slack refuses a message whose blocks' text adds up to roughly 12,000 characters (msg_blocks_too_long),
# long before 50 blocks; every message stays well under that, counted as sent (escaped).
MESSAGE_TEXT_BUDGET = 9_000


def text_size(value: Any) -> int:
    """The characters of text in blocks, as Slack adds them up: every "text" string, however deep."""
    if isinstance(value, list):
        return sum(text_size(item) for item in value)
    if isinstance(value, dict):
        return sum(len(item) if key == "text" and isinstance(item, str) else text_size(item)
                   for key, item in value.items())
    return 0


def fit(blocks: list[Block], budget: int = MESSAGE_TEXT_BUDGET) -> list[Block]:
    """Clips the longest sections (people's text: an outcome, evidence, a reason) until the message fits
    Slack's total; what is cut ends in "…", so nothing is lost without a sign."""
    over = text_size(blocks) - budget
    if over <= 0:
        return blocks
    blocks = [dict(block) for block in blocks]
    sections = sorted((b for b in blocks if b.get("type") == "section" and isinstance(b.get("text"), dict)),
                      key=lambda b: -len(b["text"]["text"]))
    for block in sections:
        if over <= 0:
            break
        text = block["text"]["text"]
        keep = max(200, len(text) - over)
        if keep < len(text):
            block["text"] = {**block["text"], "text": clip(text, keep)}
            over -= len(text) - len(block["text"]["text"])
    return blocks


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage and friends; `text` is the notification fallback. Within
    Slack's limits by construction: at most 50 blocks, and the text budget above."""
    return {"text": clip(text, 3000), "blocks": fit(blocks[:MESSAGE_BLOCKS])}


def stage_words(stage: str) -> str:
    return f"{STAGE_EMOJI[Stage(stage)]} {STAGE_NAMES[Stage(stage)]}"


def age_words(then: datetime, now: datetime) -> str:
    days = (now - then).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return f"{days // 30} months ago"


def idea_ref(idea: Idea) -> str:
    return f"#{idea.id}"


# --- intake ---------------------------------------------------------------------------------------


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
            "hint": plain("Leave it empty if none fits: a product manager can link it later.", 2000),
            "element": objective_select(objectives, read_objective(state.values.get("objective")), "objective"),
        })
    metadata = {
        "channel": state.source.channel_id,
        "ts": state.source.message_ts,
        "author": state.source.author_id,
        "d": state.draft,
        "checked": state.checked or None,
        "v": state.version if state.version > 1 else None,
    }
    return {
        "type": "modal",
        "callback_id": INTAKE_CALLBACK,
        "title": plain("Share an idea", 24),
        "submit": plain("Submit idea", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({k: v for k, v in metadata.items() if v}),
        "blocks": blocks,
    }


USE_SUGGESTION = "use_suggestion"


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
    values = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        name = block_id.split(".")[0]
        if name in FIELDS:
            values[name] = actions.get(name, {}).get("value")
        elif name == "objective":
            values[name] = (actions.get(name, {}).get("selected_option") or {}).get("value")
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        source = Source(channel_id=_id(meta.get("channel")), message_ts=_id(meta.get("ts")),
                        author_id=_id(meta.get("author")))
        version = int(meta.get("v") or 1)
        return IntakeState(values, source, None, bool(meta.get("checked")), version if 0 < version < 100 else 1,
                           _id(meta.get("d")))
    except (ValueError, AttributeError, TypeError):
        return IntakeState(values)


_CARRIED = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


def _id(value: object) -> str | None:
    """An id, ts or key the form carried, or None: metadata can be forged, and these end up in Slack calls."""
    return value if isinstance(value, str) and _CARRIED.match(value) else None


# --- an idea, as its requester and the triage channel see it ---------------------------------------


def idea_details(idea: Idea) -> list[Block]:
    blocks = [labelled("Outcome", idea.outcome), labelled("Problem", idea.problem)]
    if idea.evidence:
        blocks.append(labelled("Evidence", idea.evidence))
    if idea.measure:
        blocks.append(labelled("How we would know", idea.measure))
    if idea.ask:
        blocks.append(section("*Original ask*\n" + quote(idea.ask)))
    return blocks


def confirmation(idea: Idea, look_alikes: Sequence[Idea] = ()) -> dict[str, Any]:
    """What the person who submitted hears straight after, with open ideas that look like theirs."""
    intro = (
        f":white_check_mark: Thanks! Your idea {idea_ref(idea)} is in as a discovery candidate. "
        "A product manager will look at it, and you will hear what they decide and why."
    )
    if idea.submitted_by:
        intro = (
            f":white_check_mark: Thanks! <@{idea.requester_id}>'s message is in as idea {idea_ref(idea)}, "
            "credited to them. You will both hear what a product manager decides, and why."
        )
    blocks = [section(intro), *idea_details(idea), *look_alike_blocks(idea, look_alikes),
              context("See all your ideas with `/idea list` or on my Home tab.")]
    return message(f"Idea {idea_ref(idea)} is in: {escape(idea.outcome)}", blocks)


def look_alike_blocks(idea: Idea, look_alikes: Sequence[Idea]) -> list[Block]:
    """"Looks like #12 …; support it instead?", one line per open idea, with its +1 button when the
    person may support it (not their own)."""
    if not look_alikes:
        return []
    blocks: list[Block] = [section(
        "*This looks like an idea we already have.* If it is the same need, add your +1 and evidence there: "
        "one idea with many supporters weighs more than several alone."
    )]
    for other in look_alikes:
        line = f"*{idea_ref(other)}* \"{clip(escape(other.outcome), 300)}\" _({stage_words(other.stage)})_"
        if other.requester_id == idea.requester_id:
            blocks.append(section(f"{line}\nYou asked for this one already."))
            continue
        block = section(line)
        if other.stage in SUPPORTABLE:
            block["accessory"] = {**support_button(other), "text": plain("Support it instead", 75)}
        blocks.append(block)
    return blocks


def credit_notice(idea: Idea) -> dict[str, Any]:
    """For the author of a message someone else turned into an idea."""
    intro = (
        f":bulb: <@{idea.submitted_by}> turned {_message_link(idea, 'your message')} into idea {idea_ref(idea)}, "
        "credited to you. A product manager will look at it, and you will hear what they decide and why."
    )
    return message(f"Your message is now idea {idea_ref(idea)}", [section(intro), *idea_details(idea)])


def _message_link(idea: Idea, words: str) -> str:
    return f"<{idea.source_permalink}|{words}>" if idea.source_permalink else words


def triage_card(
    idea: Idea,
    decision: Decision | None = None,
    backers: Sequence[Support] = (),
    objectives: Sequence[ObjectiveChoice] = (),
    looks_like: Idea | None = None,
) -> dict[str, Any]:
    """The card PMs decide from: the idea, who else has the problem, its latest decision, and buttons
    for what can happen next."""
    where = f" in <#{idea.source_channel_id}>" if idea.source_channel_id else ""
    if idea.source_permalink:
        where += f" ({_message_link(idea, 'original message')})"
    if idea.submitted_by:
        where += f", shared by <@{idea.submitted_by}>"
    title = "New idea" if decision is None else "Idea"
    blocks = [
        section(f"*{title} {idea_ref(idea)}* from <@{idea.requester_id}>{where}"),
        *idea_details(idea),
    ]
    if backers:
        blocks.append(support_summary(backers))
    if decision is not None:
        blocks.append(decision_summary(decision))
    blocks.append(context(f"Stage: *{stage_words(idea.stage)}*", f"Objective: {objective_name(idea.objective)}",
                          f"Submitted {idea.created_at:%d %b %Y}"))
    buttons = move_buttons(idea) + (review_buttons(idea) if idea.stage == Stage.SHIPPED else [])
    if Stage.MERGED in next_stages(idea.stage):
        buttons.append({"type": "button", "action_id": MERGE_ACTION, "text": plain("Merge into another idea", 75),
                        "value": move_value(idea)})
    if idea.stage in SUPPORTABLE:
        buttons.append(support_button(idea))
    if idea.merged_into_id:
        blocks.append(context(f":link: Merged into idea #{idea.merged_into_id}"))
    elif looks_like is not None and Stage.MERGED in next_stages(idea.stage):
        blocks.append(context(f":twisted_rightwards_arrows: Looks like {idea_ref(looks_like)} "
                              f"{clip(escape(looks_like.outcome), 200)}: merge it there if it is the same need."))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"moves_{idea.id}", "elements": buttons})
    if objectives:
        select = {**objective_select(objectives, idea.objective_id, SET_OBJECTIVE)}
        select["placeholder"] = plain("Link to an objective", 150)
        blocks.append({"type": "actions", "block_id": f"objective_{idea.id}", "elements": [select]})
    return message(f"{title} {idea_ref(idea)} from <@{idea.requester_id}>: {escape(idea.outcome)}", blocks)


SUPPORT_ACTION = "support_idea"
MERGE_ACTION = "merge_idea"
MERGE_CALLBACK = "idea_merge"
SUPPORT_CALLBACK = "idea_support"
SUPPORTERS_SHOWN = 5


def support_button(idea: Idea) -> Block:
    return {"type": "button", "action_id": SUPPORT_ACTION, "text": plain("+1 / I have this problem too", 75),
            "value": str(idea.id)}


def support_summary(backers: Sequence[Support]) -> Block:
    lines = [f"*:raised_hands: {len(backers)} {'person has' if len(backers) == 1 else 'people have'} this problem too*"]
    for backer in backers[:SUPPORTERS_SHOWN]:
        evidence = f": {clip(escape(backer.evidence), 300)}" if backer.evidence else ""
        lines.append(f"• <@{backer.user_id}>{evidence}")
    if len(backers) > SUPPORTERS_SHOWN:
        lines.append(f"and {len(backers) - SUPPORTERS_SHOWN} more")
    return section("\n".join(lines))


def review_words(decision: Decision) -> str:
    """"outcome *met* (measured: …)" for a review decision, on the card and in the digest alike."""
    words = f"outcome *{RESULT_WORDS.get(decision.result or '', decision.result)}*"
    if decision.measured:
        words += f" (measured: {clip(escape(decision.measured), 300)})"
    return words


def decision_summary(decision: Decision) -> Block:
    head = f"*{stage_words(decision.to_stage)}*, decided by <@{decision.decided_by}> on {decision.decided_at:%d %b %Y}"
    if decision.to_stage == Stage.REVIEWED and decision.result:
        head += f": {review_words(decision)}"
    elif decision.revisit_on is not None and decision.to_stage == Stage.SHIPPED:
        head += f"; we ask whether the outcome happened on {decision.revisit_on:%d %b %Y}"
    elif decision.revisit_on is not None:
        head += f"; to be looked at again on {decision.revisit_on:%d %b %Y}"
    return section(f"{head}\n{quote(decision.reason)}")


def move_value(idea: Idea) -> str:
    return f"{idea.id}:{idea.stage}"


def read_move(action_id: str, value: str | None) -> tuple[int, str, str] | None:
    """The inverse of a move button: (idea id, stage it was shown in, stage asked for), or None if garbled."""
    idea_id, _, shown = (value or "").partition(":")
    number = read_id(idea_id)
    if number is None or shown not in STAGE_NAMES or not action_id.startswith(MOVE_ACTION_PREFIX):
        return None
    return number, shown, action_id.removeprefix(MOVE_ACTION_PREFIX)


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


# --- lists: /idea list and App Home ---------------------------------------------------------------

LIST_LIMIT = 15


def idea_line(idea: Idea, now: datetime) -> Block:
    head = f"*{idea_ref(idea)}* · {stage_words(idea.stage)} · submitted {age_words(idea.created_at, now)}"
    if idea.objective is not None:
        head += f" · objective: {clip(escape(idea.objective.title), 100)}"
    return section(f"{head}\n{clip(escape(idea.outcome), 500)}")


def _idea_list(ideas: Iterable[Idea], total: int, shown: int, now: datetime, more_hint: str) -> list[Block]:
    blocks = [idea_line(idea, now) for idea in ideas]
    if total > shown:
        blocks.append(context(f"and {total - shown} more. {more_hint}"))
    return blocks


def my_ideas(ideas: list[Idea], total: int, now: datetime) -> dict[str, Any]:
    if not ideas:
        text = "You have no ideas yet. Type `/idea` and what you would like, then say what outcome you are after."
        return message(text, [section(text)])
    blocks = [section(f"*Your ideas* ({total})")]
    blocks += _idea_list(ideas, total, len(ideas), now, "The full list is on my Home tab.")
    return message(f"Your ideas ({total})", blocks)


def help_message() -> dict[str, Any]:
    text = (
        "*Share an idea, outcome first*\n"
        "`/idea` opens a short form: the outcome you are after, the problem and who has it, "
        "the evidence, and how we would know it worked.\n"
        "`/idea <what you would like>` opens the form with your ask filled in.\n"
        "`/idea list` shows your ideas and where each one stands.\n"
        "`/idea digest` sets up a weekly digest of decisions in a channel (product managers).\n"
        "`/idea nudges off` (or `on`) stops (or restarts) my private invitations when you ask for something "
        "in a channel.\n"
        "`/idea okr` adds an objective with its key results (product managers).\n"
        "`/idea settings` sets this workspace's triage channel, PMs and digest time (admins).\n"
        "`/idea stats` shows the build-trap metrics: are we shipping outcomes or outputs?\n"
        "`/idea export` sends product managers a CSV of every idea.\n"
        "`/idea help` shows this.\n"
        "A product manager decides on every idea, and you will hear what they decide and why."
    )
    return message("How to use /idea", [section(text)])


def home_view(
    ideas: list[Idea],
    total: int,
    now: datetime,
    triage: Triage | None = None,
    model_use: Usage | None = None,
    metrics: Stats | None = None,
    objectives: list[Block] = (),
    undelivered: Sequence[Delivery] = (),
) -> dict[str, Any]:
    """Everyone sees their own ideas; product managers see what could not be delivered, the triage
    queue, and what the optional model costs."""
    blocks: list[Block] = undelivered_blocks(undelivered)
    if triage is not None:
        blocks += _triage_blocks(triage, now)
    if metrics is not None:
        blocks.append(section("*Are we shipping outcomes or outputs?*\n" + "\n".join(stats_lines(metrics))))
    if model_use is not None:
        blocks.append(
            context(
                f":robot_face: Outcome coach model use: {model_use.calls_today} calls, {model_use.tokens_today:,} "
                f"tokens today; {model_use.calls_30_days} calls, {model_use.tokens_30_days:,} tokens in 30 days."
            )
        )
    blocks += objectives
    blocks.append({"type": "header", "text": plain("Your ideas", 150)})
    if ideas:
        blocks += _idea_list(ideas, total, len(ideas), now, "Only the newest are shown here.")
    else:
        blocks.append(
            section(
                "Nothing yet. Type `/idea` in any channel to share an idea: start with the outcome "
                "you are after and the problem behind it."
            )
        )
    return {"type": "home", "blocks": blocks}


RETRY_DELIVERIES, DISMISS_DELIVERIES = "deliveries_retry", "deliveries_dismiss"
# Why Slack would not take a message, in words a PM can act on; {where} is the channel or person.
UNDELIVERED_WORDS = {
    "channel_not_found": "I can't see {where}: it was deleted, or it is private and I am not in it",
    "not_in_channel": "I am not in {where}: invite me with `/invite @outcome-bot`",
    "is_archived": "{where} is archived",
    "account_inactive": "{where} is deactivated",
    "user_not_found": "{where} is not in this workspace any more",
    "user_disabled": "{where} is deactivated",
    "cannot_dm_bot": "{where} is a bot",
    "not_installed": "outcome-bot is not installed in this workspace any more",
    "invalid_auth": "Slack no longer accepts outcome-bot's token: reinstall the app",
    "token_revoked": "Slack no longer accepts outcome-bot's token: reinstall the app",
    "missing_scope": "outcome-bot lacks a permission: reinstall the app from its manifest",
}
LAYOUT_REFUSED = "Slack refused the message's layout (please report this: it is a bug)"


def undelivered_words(error: str, where: str) -> str:
    if error.startswith("gave_up"):
        return f"Slack could not be reached for a day, so the message to {where} was not sent"
    if error.startswith("parent_"):
        return f"the digest it belonged to could not be posted in {where}"
    if error in ("invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "no_text",
                 "invalid_arguments"):
        return LAYOUT_REFUSED
    return UNDELIVERED_WORDS.get(error, "Slack said `{error}` for {where}").format(where=where, error=escape(error))


def _where(delivery: Delivery) -> str:
    channel = str(delivery.payload.get("channel") or delivery.payload.get("user") or "")
    return f"<@{channel}>" if channel[:1] in ("U", "W") else f"<#{channel}>" if channel else "Slack"


def undelivered_blocks(failures: Sequence[Delivery]) -> list[Block]:
    """"2 messages could not be delivered: the triage channel is archived", grouped by cause, with
    Try again and Dismiss; a message that went to its alternate instead is counted apart."""
    if not failures:
        return []
    groups: dict[tuple[str, str], list[Delivery]] = {}
    for failure in failures:
        groups.setdefault((failure.state, undelivered_words(failure.error or "", _where(failure))), []).append(failure)
    failed = sum(1 for f in failures if f.state == "failed")
    title = f"*:warning: {failed} message{'s' if failed != 1 else ''} could not be delivered*" if failed \
        else "*:information_source: Some messages went elsewhere*"
    lines = []
    for (state, words), members in list(groups.items())[:8]:
        ideas = sorted({f"#{m.payload['idea']}" for m in members if isinstance(m.payload.get("idea"), int)})
        about = f" (triage card{'s' if len(ideas) > 1 else ''} for {', '.join(ideas[:5])})" if ideas else ""
        rerouted = ", so it went to its next recipient" if state == "rerouted" else ""
        lines.append(f"• {len(members)}{about}: {words}{rerouted}")
    buttons = [{"type": "button", "action_id": DISMISS_DELIVERIES, "text": plain("Dismiss", 75)}]
    if failed:
        buttons.insert(0, {"type": "button", "action_id": RETRY_DELIVERIES, "text": plain("Try again", 75),
                           "style": "primary"})
    return [section(title + "\n" + "\n".join(lines)),
            {"type": "actions", "block_id": "deliveries", "elements": buttons}, {"type": "divider"}]


def _triage_blocks(triage: Triage, now: datetime) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain("Triage queue", 150)}]
    if not triage.waiting:
        blocks.append(section("No candidates waiting. :tada:"))
    for idea in triage.waiting:
        blocks += [_queue_line(idea, now), _moves_block(idea)]
    if triage.waiting_total > len(triage.waiting):
        blocks.append(context(f"and {triage.waiting_total - len(triage.waiting)} more waiting; oldest first."))
    if triage.due:
        blocks.append({"type": "header", "text": plain("Parked ideas due for revisit", 150)})
        for idea, parked in triage.due:
            blocks += [_queue_line(idea, now), decision_summary(parked), _moves_block(idea)]
    blocks.append({"type": "divider"})
    return blocks


def _queue_line(idea: Idea, now: datetime) -> Block:
    head = f"*{idea_ref(idea)}* from <@{idea.requester_id}> · submitted {age_words(idea.created_at, now)}"
    head += f" · objective: {objective_name(idea.objective)}"
    return section(f"{head}\n{clip(escape(idea.outcome), 500)}")


def _moves_block(idea: Idea) -> Block:
    return {"type": "actions", "block_id": f"moves_{idea.id}", "elements": move_buttons(idea)}


# --- decisions ------------------------------------------------------------------------------------

DECISION_TITLES = {stage: label for stage, (label, _) in MOVE_BUTTONS.items()}
# {whose} is "Your idea" for the requester and "The idea you supported" for supporters.
NEXT_STEPS = {
    Stage.DISCOVERY: (
        ":mag: {whose} {ref} is moving into *discovery*: the team will dig into the problem and test "
        "whether this is the way to reach the outcome."
    ),
    Stage.DELIVERY: ":hammer_and_wrench: {whose} {ref} is moving to *delivery*: the team is going to build it.",
    Stage.SHIPPED: ":rocket: {whose} {ref} has *shipped*. On {revisit} we will ask whether the outcome happened.",
    Stage.REVIEWED: ":dart: {whose} {ref} shipped, and its outcome has been reviewed: it was *{result}*.",
    Stage.PARKED: ":parking: {whose} {ref} is *parked* for now; it will be looked at again on {revisit}.",
    Stage.MERGED: (
        ":link: {whose} {ref} has been *merged* into idea {target}, which asks for the same thing. You are now "
        "among its supporters, so you will hear its news."
    ),
    Stage.DECLINED: (
        ":no_entry_sign: {whose} {ref} is *declined*: it won't go ahead. That is not the answer you hoped "
        "for, so here is the reason."
    ),
}


def decision_modal(idea: Idea, to_stage: str, today: date, *, origin: str) -> dict[str, Any]:
    """Asks the PM why, and for Park when to look again. The metadata is only a hint: the server re-checks."""
    blocks: list[Block] = [
        section(f"*{idea_ref(idea)}* from <@{idea.requester_id}>\n{clip(escape(idea.outcome), 1000)}"),
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
    metadata = {"idea": idea.id, "from": idea.stage, "to": to_stage, "origin": origin}
    return {
        "type": "modal",
        "callback_id": DECISION_CALLBACK,
        "title": plain(DECISION_TITLES[Stage(to_stage)], 24),
        "submit": plain("Decide", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


@dataclass(frozen=True)
class DecisionForm:
    idea_id: int
    shown_stage: str
    to_stage: str
    reason: str
    revisit_on: date | None
    origin: str


def read_decision(view: dict[str, Any]) -> DecisionForm | None:
    """The inverse of `decision_modal`, or None when the metadata is garbled."""
    values = view.get("state", {}).get("values", {})
    try:
        meta = json.loads(view.get("private_metadata") or "")
        idea_id = read_id(str(meta["idea"]))
        shown, to = str(meta["from"]), str(meta["to"])
        if idea_id is None or shown not in STAGE_NAMES or to not in STAGE_NAMES:
            return None
        return DecisionForm(
            idea_id=idea_id,
            shown_stage=shown,
            to_stage=to,
            reason=(values.get("reason", {}).get("reason", {}).get("value") or "").strip(),
            revisit_on=read_date(values.get("revisit", {}).get("revisit", {}).get("selected_date")),
            origin="home" if meta.get("origin") == "home" else "message",
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def read_date(value: object) -> date | None:
    """A picked date, or None for none (or one that does not exist, such as 2026-02-31: only a forged
    form sends that, and "pick a date" is the right answer to it)."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def decision_notice(
    idea: Idea, decision: Decision, *, to: str | None = None, supporter: bool = False
) -> dict[str, Any]:
    """What the requester hears: what was decided, by whom and why, in plain words. `to` mentions
    the person when the notice is a reply in the thread of their original message; supporters hear
    the same news about "an idea you supported"."""
    revisit = f"{decision.revisit_on:%A %d %B %Y}" if decision.revisit_on else "a later date"
    result = RESULT_WORDS.get(decision.result or "", "reviewed")
    whose = "The idea you supported" if supporter else "Your idea"
    target = f"#{idea.merged_into_id}" if idea.merged_into_id else "another idea"
    news = NEXT_STEPS[Stage(decision.to_stage)].format(
        whose=whose, ref=idea_ref(idea), revisit=revisit, result=result, target=target
    )
    if decision.measured:
        news += f" Measured: {clip(escape(decision.measured), 500)}"
    if to is not None:
        news = f"<@{to}> {news}"
    blocks = [
        section(news),
        section(f"<@{decision.decided_by}> decided, and said why:\n{quote(decision.reason)}"),
        labelled("Your outcome", idea.outcome),
        context(
            f"Thank you for sharing {_message_link(idea, 'it')}. "
            "Questions? Reply to the person who decided, or see `/idea list`."
        ),
    ]
    stage = STAGE_NAMES[Stage(decision.to_stage)].lower()
    text = f"Your idea {idea_ref(idea)} is now {stage}: {escape(decision.reason)}"
    return message(text, blocks)


def refusal_text(refused: Refused, triage_channel: str | None) -> str:
    """Why a button did nothing, for the person who pressed it (plain sentences, fit for modal errors too)."""
    if refused.refusal is Refusal.NOT_A_PM:
        where = f"; ask in <#{triage_channel}>" if triage_channel else "; ask a product manager"
        return f"Only product managers can move ideas{where}."
    if refused.refusal is Refusal.NOT_FOUND or refused.idea_id is None or refused.stage is None:
        return "That idea no longer exists, so nothing changed."
    ref, stage = f"#{refused.idea_id}", STAGE_NAMES[Stage(refused.stage)].lower()
    if refused.refusal is Refusal.ALREADY_MOVED:
        return f"Idea {ref} has already moved: it is now {stage}. Nothing was recorded twice."
    return f"Idea {ref} cannot move from {stage} to there."


# --- listening ------------------------------------------------------------------------------------


def nudge(nudge_id: int) -> dict[str, Any]:
    """The private, in-thread invitation to restate a request as an outcome."""
    text = (
        ":bulb: That sounds like an idea! Ideas land better with the *outcome* you are after and the "
        "*problem* behind it. Want to share them? A product manager will read it, and you will hear back."
    )
    buttons = [
        {"type": "button", "action_id": NUDGE_SHARE, "text": plain("Share the outcome", 75),
         "value": str(nudge_id), "style": "primary"},
        {"type": "button", "action_id": NUDGE_DISMISS, "text": plain("Not a request", 75), "value": str(nudge_id)},
        {"type": "button", "action_id": NUDGE_OPT_OUT, "text": plain("Don't ask me again", 75),
         "value": str(nudge_id)},
    ]
    return message("That sounds like an idea: want to share the outcome?",
                   [section(text), {"type": "actions", "block_id": "nudge", "elements": buttons}])


OPTED_OUT = "Got it: I won't ask again. `/idea` still works any time, and `/idea nudges on` brings me back."


def nudges_setting(*, on: bool) -> dict[str, Any]:
    if on:
        text = "Nudges are on: when you ask for something in a channel, I may privately invite you to say the outcome."
    else:
        text = OPTED_OUT
    return message(text, [section(text)])


# --- digests --------------------------------------------------------------------------------------

DIGEST_SECTIONS = (
    ("to_delivery", ":hammer_and_wrench: Moved to delivery", "moved to delivery"),
    ("to_discovery", ":mag: Now in discovery", "moved to discovery"),
    ("parked", ":parking: Parked", "parked"),
    ("declined", ":no_entry_sign: Declined", "declined"),
    ("reviewed", ":dart: Outcomes reviewed", "reviewed"),
)
# Each message of a digest: a few blocks short of Slack's 50, and its text within the budget.
DIGEST_MESSAGE_BLOCKS = 45


def digest_messages(digest: Digest, intro: str | None = None) -> list[dict[str, Any]]:
    """The weekly digest: what moved and why, verbatim, then who is waiting, then the pulse. One message
    when it fits; otherwise the headline, counts and pulse in the channel and every section, whole, in
    its thread, in as many replies as it takes. `intro` is the optional model-written paragraph,
    escaped like any text we did not write."""
    period = f"{digest.period_start:%d %b} – {digest.period_end:%d %b}"
    head: list[Block] = [{"type": "header", "text": plain(f"Product digest · {period}", 150)}]
    if intro:
        head.append(section(":memo: " + clip(escape(intro), 1500)))
    if digest.is_empty:
        text = "A quiet week: no ideas moved, none arrived and none are waiting. Have one? Type `/idea`."
        return [message(f"Product digest {period}: a quiet week", [*head, section(text)])]
    counts, body = [], []
    for attribute, title, verb in DIGEST_SECTIONS:
        moved: list[tuple[Idea, Decision]] = getattr(digest, attribute)
        if moved:
            counts.append(f"{len(moved)} {verb}")
            body.append([section(f"*{title}* ({len(moved)})")])
            body += _grouped_by_objective(moved)
    if digest.waiting_total:
        oldest = "\n".join(
            f"• *{idea_ref(idea)}* {clip(escape(idea.outcome), 200)} (from <@{idea.requester_id}>, "
            f"{age_words(idea.created_at, digest.period_end)})"
            for idea in digest.waiting
        )
        title = f"*:seedling: New candidates waiting for triage* ({digest.waiting_total}), oldest first:"
        body.append([section(f"{title}\n{oldest}")])
        counts.append(f"{digest.waiting_total} waiting")
    summary = f"Product digest {period}: " + ", ".join(counts)
    pulse = context(_pulse_words(digest.pulse))
    whole = [*head, *(block for unit in body for block in unit), pulse]
    if len(whole) <= DIGEST_MESSAGE_BLOCKS and text_size(whole) <= MESSAGE_TEXT_BUDGET:
        return [message(summary, whole)]
    headline = [*head, section("*This period:* " + ", ".join(counts) + ". Every decision and its reason is in "
                               "the thread below."), pulse]
    parts = _pack(body)
    return [message(summary, headline)] + [message(f"{summary} ({n} of {len(parts)})", part)
                                           for n, part in enumerate(parts, start=1)]


def _pack(units: list[list[Block]]) -> list[list[Block]]:
    """Fills messages with whole units (an item is not split where it fits) within the block and text budgets."""
    parts: list[list[Block]] = [[]]
    # A unit too big for any message (a very long reason, escaped) goes block by block instead.
    units = [piece for unit in units for piece in
             ([unit] if text_size(unit) <= MESSAGE_TEXT_BUDGET else [[block] for block in unit])]
    for unit in units:
        current = parts[-1]
        if current and (len(current) + len(unit) > DIGEST_MESSAGE_BLOCKS
                        or text_size(current) + text_size(unit) > MESSAGE_TEXT_BUDGET):
            parts.append([])
        parts[-1].extend(unit)
    return [part for part in parts if part]


def _grouped_by_objective(moved: list[tuple[Idea, Decision]]) -> list[list[Block]]:
    """Items under each objective, those with none last; the objective is named where its group starts
    (in the item's own section, so grouping costs no blocks)."""
    ordered = sorted(moved, key=lambda pair: (pair[0].objective is None, pair[0].objective_id or 0))
    items, previous = [], object()
    for idea, decision in ordered:
        heading = None if idea.objective_id == previous else f"*Objective: {objective_name(idea.objective)}*"
        items.append(_digest_item(idea, decision, heading))
        previous = idea.objective_id
    return items


def _digest_item(idea: Idea, decision: Decision, heading: str | None = None) -> list[Block]:
    """An idea and its decision: the whole reason, in as many sections as it takes."""
    head = f"*{idea_ref(idea)}* {clip(escape(idea.outcome), 600)}\nfrom <@{idea.requester_id}>"
    if heading:
        head = f"{heading}\n{head}"
    if idea.source_permalink:
        head += f" · {_message_link(idea, 'original message')}"
    if decision.to_stage == Stage.REVIEWED and decision.result:
        head += f" · {review_words(decision)}"
    elif decision.revisit_on is not None and decision.to_stage == Stage.PARKED:
        head += f" · to be looked at again on {decision.revisit_on:%d %b %Y}"
    pieces = chunks(f"{head}\n<@{decision.decided_by}>: {quote(decision.reason)}", SECTION_LIMIT)
    item = [section(piece) for piece in pieces]
    if idea.stage in SUPPORTABLE:
        item[0]["accessory"] = support_button(idea)
    return item


def chunks(mrkdwn: str, limit: int) -> list[str]:
    """Escaped text in pieces of at most `limit` characters, cut at a line's end where one is near and never
    inside an entity like `&amp;`; a quote cut mid-line goes on quoted."""
    pieces = []
    while len(mrkdwn) > limit:
        cut = mrkdwn.rfind("\n", 0, limit)
        if cut >= limit // 2:
            pieces.append(mrkdwn[:cut])
            mrkdwn = mrkdwn[cut + 1:]
            continue
        cut = limit - len("&gt; ")
        amp = mrkdwn.rfind("&", 0, cut)
        if amp > 0 and ";" not in mrkdwn[amp:cut]:
            cut = amp
        piece = mrkdwn[:cut]
        pieces.append(piece)
        quoted = piece[piece.rfind("\n") + 1:].startswith("&gt;")
        mrkdwn = ("&gt; " if quoted else "") + mrkdwn[cut:]
    return [*pieces, mrkdwn]


def _pulse_words(pulse: Pulse) -> str:
    parts = [f"{pulse.received} idea{'s' if pulse.received != 1 else ''} received"]
    if pulse.received:
        share = round(100 * pulse.with_outcome_and_problem / pulse.received)
        parts.append(f"{share}% with a stated outcome and problem")
    if pulse.median_days_to_first_decision is not None:
        parts.append(f"median {pulse.median_days_to_first_decision:g} days from submission to first decision")
    if pulse.delivery_without_objective:
        parts.append(f"{pulse.delivery_without_objective} moved to delivery without an objective")
    return "Pulse: " + " · ".join(parts)


OBJECTIVES_FOR_PMS = "Only product managers can add or change objectives and link ideas to them."
DELIVERIES_FOR_PMS = "Only product managers can send undelivered messages again or dismiss them."
EXPORT_FAILED = ("I could not send you the export: Slack said `{error}`. If files are blocked in this workspace, "
                 "an operator can run `python -m bot export` instead.")
EXPORT_FOR_PMS = "Only product managers can export ideas. `/idea stats` shows everyone the build-trap metrics."
DIGEST_FOR_PMS = "Only product managers can set up or post digests. `/idea digest preview` shows what one would say."
DIGEST_OFF = "This channel will get no more digests. `/idea digest here` starts them again."
DIGEST_WAS_OFF = "This channel had no digest to stop."
INVITE_ME = "I can't post here yet: invite me with `/invite @outcome-bot`, then try again."


def digest_subscribed(schedule: Schedule, next_time: datetime, only_this_channel: bool) -> dict[str, Any]:
    scope = "ideas from this channel" if only_this_channel else "ideas from the whole workspace"
    text = (
        f":calendar: This channel gets the product digest every {DAYS[schedule.weekday].title()} at "
        f"{schedule.minute_of_day // 60:02d}:{schedule.minute_of_day % 60:02d} ({scope}).\n"
        f"Next digest: {in_words(next_time, schedule)}. `/idea digest preview` shows what it would say now; "
        "`/idea digest off` stops it."
    )
    return message(text, [section(text)])


def digest_help() -> dict[str, Any]:
    text = (
        "*Channel digests* (what moved to delivery and why, what is in discovery, what was parked or declined "
        "and why):\n"
        "`/idea digest here [weekly] [<day> <HH:MM>] [only-this-channel]` subscribes this channel "
        "(Monday 09:00 your time unless you say otherwise)\n"
        "`/idea digest off` stops it · `/idea digest now` posts one now · `/idea digest preview` shows it to you"
    )
    return message("Channel digests", [section(text)])


# --- closing the loop: supporting ideas, and asking whether outcomes happened -----------------------

RESULT_WORDS = RESULTS
REVIEW_ACTIONS = {"review_met": "met", "review_partly": "partly", "review_not_yet": None, "review_missed": "missed"}
REVIEW_CALLBACK = "idea_review"


def review_buttons(idea: Idea) -> list[Block]:
    labels = {"review_met": "Met", "review_partly": "Partly", "review_not_yet": "Not yet", "review_missed": "Missed"}
    styles = {"review_met": "primary", "review_missed": "danger"}
    buttons = []
    for action_id, label in labels.items():
        button: Block = {"type": "button", "action_id": action_id, "text": plain(label, 75), "value": str(idea.id)}
        if action_id in styles:
            button["style"] = styles[action_id]
        buttons.append(button)
    return buttons


def check_in(idea: Idea) -> dict[str, Any]:
    """The question a shipped idea was waiting for, to the PM who shipped it and its requester."""
    text = f":dart: *Did this happen?* Idea {idea_ref(idea)} has shipped. The outcome we were after:"
    blocks = [section(text), section(quote(idea.outcome))]
    if idea.measure:
        blocks.append(labelled("How we said we would know", idea.measure))
    blocks.append({"type": "actions", "block_id": f"review_{idea.id}", "elements": review_buttons(idea)})
    return message(f"Did the outcome of idea {idea_ref(idea)} happen? {escape(idea.outcome)}", blocks)


def review_modal(idea: Idea, result: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REVIEW_CALLBACK,
        "title": plain("Did it happen?", 24),
        "submit": plain("Record", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"idea": idea.id, "result": result}),
        "blocks": [
            section(f"*{idea_ref(idea)}*: {clip(escape(idea.outcome), 1000)}\nOutcome: *{RESULT_WORDS[result]}*"),
            _text_input("measured", "What did you measure?", "The number or signal, e.g. \"close takes 4 days\".",
                        1000, optional=True),
            _text_input("learning", "What did we learn?", "A sentence: the requester and the digest will read it.",
                        REASON_MAX_CHARS),
        ],
    }


def read_review(view: dict[str, Any]) -> tuple[int, str, str, str] | None:
    """(idea id, result, measured, learning) from a review modal, or None when garbled."""
    values = view.get("state", {}).get("values", {})
    try:
        meta = json.loads(view.get("private_metadata") or "")
        result = str(meta["result"])
        if result not in RESULT_WORDS:
            return None
        measured = (values.get("measured", {}).get("measured", {}).get("value") or "").strip()
        learning = (values.get("learning", {}).get("learning", {}).get("value") or "").strip()
        idea_id = read_id(str(meta["idea"]))
        return None if idea_id is None else (idea_id, result, measured, learning)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def support_modal(idea: Idea) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": SUPPORT_CALLBACK,
        "title": plain("I have this too", 24),
        "submit": plain("Add my +1", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"idea": idea.id}),
        "blocks": [
            section(f"*{idea_ref(idea)}*: {clip(escape(idea.outcome), 1000)}"),
            _text_input("evidence", "Your evidence, in a line", "Who has it, how often, what it costs.",
                        EVIDENCE_MAX_CHARS, optional=True),
        ],
    }


def read_support(view: dict[str, Any]) -> tuple[int, str] | None:
    values = view.get("state", {}).get("values", {})
    try:
        idea_id = read_id(str(json.loads(view.get("private_metadata") or "")["idea"]))
    except (ValueError, KeyError, TypeError):
        return None
    if idea_id is None:
        return None
    return idea_id, (values.get("evidence", {}).get("evidence", {}).get("value") or "").strip()


def thanks_view(text: str) -> dict[str, Any]:
    return {"type": "modal", "title": plain("Thank you", 24), "close": plain("Close", 24), "blocks": [section(text)]}


def _text_input(name: str, label: str, hint: str, max_chars: int, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": name,
        "optional": optional,
        "label": plain(label, 2000),
        "hint": plain(hint, 2000),
        "element": {"type": "plain_text_input", "action_id": name, "multiline": True, "max_length": max_chars},
    }


SUPPORT_OWN = "It's your idea, so you count already. Ask others who have the problem to add their +1."
SUPPORT_CLOSED = "That idea is no longer open for support."
REVIEW_CLOSED = "That idea is not waiting for a review any more, so nothing changed."
REVIEW_WHO = "Only product managers and the person who asked can record whether the outcome happened."


def supported(idea: Idea, first: bool) -> str:
    if first:
        return f"Thanks: your +1 on {idea_ref(idea)} is counted, and you will hear what is decided, and why."
    return f"You had already supported {idea_ref(idea)}; your evidence is updated."


def asked_again(idea: Idea, when: date | None) -> str:
    if when is None:
        return REVIEW_CLOSED
    return f"Noted: not yet. I will ask again about {idea_ref(idea)} on {when:%A %d %B}."


# --- metrics --------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}% ({part} of {whole})" if whole else "n/a (none yet)"


def stats_lines(stats: Stats) -> list[str]:
    days = stats.median_days_to_first_decision
    cycle = stats.median_days_discovery_to_delivery
    hits = stats.results
    return [
        f"• Ideas with a stated outcome and problem: {_share(stats.with_outcome_and_problem, stats.ideas)}",
        f"• Delivery work tied to an objective: {_share(stats.tied_to_objective, stats.in_delivery_or_later)}",
        f"• Median days from submission to a first decision: {days:g}" if days is not None
        else "• Median days from submission to a first decision: n/a (no decisions yet)",
        f"• Median days from discovery to delivery: {cycle:g}" if cycle is not None
        else "• Median days from discovery to delivery: n/a (nothing has reached delivery from discovery)",
        f"• Shipped ideas whose outcome was reviewed: {_share(stats.reviewed, stats.shipped)}",
        f"• Outcome hit rate: {_share(hits.get('met', 0), stats.reviewed)} met"
        + (f", {hits.get('partly', 0)} partly, {hits.get('missed', 0)} missed" if stats.reviewed else ""),
    ]


def stats_message(stats: Stats) -> dict[str, Any]:
    stages = " · ".join(f"{STAGE_NAMES[stage]}: {stats.by_stage.get(stage, 0)}" for stage in Stage)
    text = "*Are we shipping outcomes or outputs?*\n" + "\n".join(stats_lines(stats))
    return message("Build-trap metrics", [section(text), context(f"{stats.ideas} ideas · {stages}")])


# --- objectives (OKRs) ------------------------------------------------------------------------------

OKR_CALLBACK = "idea_okr"
ADD_OBJECTIVE, EDIT_OBJECTIVE, SET_OBJECTIVE = "add_objective", "edit_objective", "set_objective"
NO_OBJECTIVE = "none"
OBJECTIVE_OPTIONS = 99  # Slack allows 100 options; one is "No objective"


def objective_name(objective: Objective | None) -> str:
    return escape(objective.title) if objective is not None else "_No objective_"


def okr_modal(objective: Objective | None = None) -> dict[str, Any]:
    """Add or edit an objective and up to three key results (metric, baseline, target, due date)."""
    results = list(objective.key_results) if objective is not None else []
    blocks: list[Block] = [
        _okr_text("title", "Objective", "What should be different? e.g. \"Finance closes faster\"",
                  objective.title if objective else "", 300),
    ]
    for n in range(1, KEY_RESULT_SLOTS + 1):
        kr = results[n - 1] if n <= len(results) else None
        blocks.append(section(f"*Key result {n}*" + (" (optional)" if n > 1 else "")))
        blocks.append(_okr_text(f"kr{n}_metric", "Metric", "e.g. days to close the month",
                                kr.metric if kr else "", 300, optional=n > 1))
        blocks.append(_okr_text(f"kr{n}_baseline", "Baseline", "where it is now, e.g. 5",
                                kr.baseline or "" if kr else "", 200, optional=True))
        blocks.append(_okr_text(f"kr{n}_target", "Target", "where it should get to, e.g. 4",
                                kr.target or "" if kr else "", 200, optional=True))
        due: Block = {"type": "datepicker", "action_id": f"kr{n}_due"}
        if kr is not None and kr.due_on is not None:
            due["initial_date"] = kr.due_on.isoformat()
        blocks.append({"type": "input", "block_id": f"kr{n}_due", "optional": True, "label": plain("Due", 2000),
                       "element": due})
    return {
        "type": "modal",
        "callback_id": OKR_CALLBACK,
        "title": plain("Edit objective" if objective else "Add an objective", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"objective": objective.id if objective else None}),
        "blocks": blocks,
    }


def _okr_text(name: str, label: str, placeholder: str, initial: str, max_chars: int, *,
              optional: bool = False) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": name, "max_length": max_chars,
                      "placeholder": plain(placeholder, 150)}
    if initial:
        element["initial_value"] = initial[:max_chars]
    return {"type": "input", "block_id": name, "optional": optional, "label": plain(label, 2000), "element": element}


@dataclass(frozen=True)
class OkrForm:
    objective_id: int | None
    title: str
    key_results: list[KeyResultDraft]
    errors: dict[str, str]


def read_okr(view: dict[str, Any]) -> OkrForm:
    """The inverse of `okr_modal`; what a forged form could get wrong (a date that does not exist, an
    objective that is not one) comes back as field errors."""
    values = view.get("state", {}).get("values", {})

    def text(name: str) -> str:
        return (values.get(name, {}).get(name, {}).get("value") or "").strip()

    drafts, errors = [], {}
    for n in range(1, KEY_RESULT_SLOTS + 1):
        due = values.get(f"kr{n}_due", {}).get(f"kr{n}_due", {}).get("selected_date")
        if due and read_date(due) is None:
            errors[f"kr{n}_due"] = "Pick a date that exists."
        drafts.append(KeyResultDraft(text(f"kr{n}_metric"), text(f"kr{n}_baseline"), text(f"kr{n}_target"),
                                     read_date(due)))
    try:
        carried = json.loads(view.get("private_metadata") or "{}").get("objective")
    except (ValueError, AttributeError):
        carried = None
    objective_id = read_id(str(carried)) if carried not in (None, "") else None
    if carried not in (None, "") and objective_id is None:
        errors["title"] = "That objective no longer exists, so nothing changed."
    return OkrForm(objective_id, text("title"), drafts, errors)


def objectives_blocks(objectives: Sequence[Objective], *, editable: bool) -> list[Block]:
    """App Home's list of objectives; PMs get Edit and Add buttons."""
    blocks: list[Block] = [{"type": "header", "text": plain("Objectives", 150)}]
    if not objectives:
        blocks.append(section("No objectives yet." + (" Add one, and link ideas to it." if editable else "")))
    for objective in objectives[:10]:
        lines = [f"*{escape(objective.title)}*"]
        for kr in objective.key_results:
            span = " → ".join(escape(v) for v in (kr.baseline, kr.target) if v)
            due = f" by {kr.due_on:%d %b %Y}" if kr.due_on else ""
            lines.append(f"• {escape(kr.metric)}" + (f": {span}" if span else "") + due)
        block = section("\n".join(lines))
        if editable:
            block["accessory"] = {"type": "button", "action_id": EDIT_OBJECTIVE, "text": plain("Edit", 75),
                                  "value": str(objective.id)}
        blocks.append(block)
    if len(objectives) > 10:
        blocks.append(context(f"and {len(objectives) - 10} more"))
    if editable:
        blocks.append({"type": "actions", "block_id": "objectives", "elements": [
            {"type": "button", "action_id": ADD_OBJECTIVE, "text": plain("Add an objective", 75)}]})
    return blocks


def objective_select(objectives: Sequence[ObjectiveChoice], current: int | None, action_id: str) -> Block:
    """A static select of objectives, with "No objective" first."""
    options = [{"text": plain("No objective", 75), "value": NO_OBJECTIVE}]
    options += [{"text": plain(o.title, 75), "value": str(o.id)} for o in objectives[:OBJECTIVE_OPTIONS]]
    element: Block = {"type": "static_select", "action_id": action_id, "options": options,
                      "placeholder": plain("Which objective does this serve?", 150)}
    chosen = next((option for option in options if option["value"] == str(current)), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


MAX_ID = 2**31 - 1  # the databases' integer ids


def read_id(value: object) -> int | None:
    """An id a button or a form carried, or None: values can be forged, so only ASCII digits that fit
    the database's ids pass ("²" is a digit to Python, and 30 digits overflow SQLite)."""
    if not isinstance(value, str) or not 0 < len(value) <= 10 or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def read_objective(value: str | None) -> int | None:
    return read_id(value)


def merge_modal(idea: Idea) -> dict[str, Any]:
    target: Block = {"type": "plain_text_input", "action_id": "target", "max_length": 12,
                     "placeholder": plain("e.g. 12", 150)}
    if idea.looks_like_id:
        target["initial_value"] = str(idea.looks_like_id)
    return {
        "type": "modal",
        "callback_id": MERGE_CALLBACK,
        "title": plain(f"Merge idea {idea_ref(idea)}", 24),
        "submit": plain("Merge", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"idea": idea.id, "from": idea.stage}),
        "blocks": [
            section(f"*{idea_ref(idea)}* from <@{idea.requester_id}>\n{clip(escape(idea.outcome), 1000)}"),
            {"type": "input", "block_id": "target", "label": plain("Merge into idea number", 2000),
             "hint": plain("Its requester, supporters and evidence move over to that idea.", 2000),
             "element": target},
            _text_input("reason", "Why?", "The requester and the channel digest will read this.", REASON_MAX_CHARS),
        ],
    }


def read_merge(view: dict[str, Any]) -> tuple[int, str, int | None, str] | None:
    """(idea id, stage shown, target id or None, reason) from the merge modal, or None when garbled."""
    values = view.get("state", {}).get("values", {})
    try:
        meta = json.loads(view.get("private_metadata") or "")
        target = (values.get("target", {}).get("target", {}).get("value") or "").strip().lstrip("#")
        reason = (values.get("reason", {}).get("reason", {}).get("value") or "").strip()
        idea_id = read_id(str(meta["idea"]))
        return None if idea_id is None else (idea_id, str(meta["from"]), read_id(target), reason)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


# --- workspace settings -------------------------------------------------------------------------------

SETTINGS_CALLBACK = "idea_settings"
SETTINGS_FOR_ADMINS = "Only workspace admins and owners can change outcome-bot's settings."


def settings_modal(config: TeamConfig) -> dict[str, Any]:
    """Triage channel, PMs and the digest's default day and time, for this workspace."""
    channel: Block = {"type": "conversations_select", "action_id": "triage_channel",
                      "placeholder": plain("Where new ideas are posted for PMs", 150)}
    if config.triage_channel:
        channel["initial_conversation"] = config.triage_channel
    pms: Block = {"type": "multi_users_select", "action_id": "pm_user_ids",
                  "placeholder": plain("Who may decide on ideas", 150)}
    if config.pm_user_ids:
        pms["initial_users"] = sorted(config.pm_user_ids)
    days = [{"text": plain(day.title(), 75), "value": str(n)} for n, day in enumerate(DAYS)]
    day = {"type": "static_select", "action_id": "digest_weekday", "options": days,
           "initial_option": days[config.digest_weekday if 0 <= config.digest_weekday < 7 else 0]}
    minute = config.digest_minute if 0 <= config.digest_minute < 24 * 60 else 9 * 60
    time = {"type": "timepicker", "action_id": "digest_time", "initial_time": f"{minute // 60:02d}:{minute % 60:02d}"}
    return {
        "type": "modal",
        "callback_id": SETTINGS_CALLBACK,
        "title": plain("outcome-bot settings", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            {"type": "input", "block_id": "triage_channel", "optional": True,
             "label": plain("Triage channel", 2000), "element": channel},
            {"type": "input", "block_id": "pm_user_ids", "optional": True,
             "label": plain("Product managers", 2000),
             "hint": plain("Leave empty to let workspace admins and owners decide.", 2000), "element": pms},
            {"type": "input", "block_id": "digest_weekday", "label": plain("Digests go out on", 2000),
             "element": day},
            {"type": "input", "block_id": "digest_time", "label": plain("at", 2000), "element": time},
        ],
    }


@dataclass(frozen=True)
class SettingsForm:
    triage_channel: str | None
    pm_user_ids: list[str]
    digest_weekday: int | None
    digest_minute: int | None
    errors: dict[str, str]


_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def read_settings(view: dict[str, Any]) -> SettingsForm:
    """The inverse of `settings_modal`. Slack's pickers only send real days and times; anything else was
    forged, and comes back as a field error rather than, say, minute 6039 of the day."""
    values = view.get("state", {}).get("values", {})

    def state(name: str) -> dict[str, Any]:
        return values.get(name, {}).get(name, {}) or {}

    errors = {}
    day = (state("digest_weekday").get("selected_option") or {}).get("value")
    weekday = int(day) if isinstance(day, str) and day in {str(n) for n in range(7)} else None
    if day is not None and weekday is None:
        errors["digest_weekday"] = "Pick a day of the week."
    time = state("digest_time").get("selected_time")
    match = _TIME_OF_DAY.match(time) if isinstance(time, str) else None
    minute = int(match.group(1)) * 60 + int(match.group(2)) if match else None
    if time and match is None:
        errors["digest_time"] = "Pick a time of day, such as 09:00."
    channel = state("triage_channel").get("selected_conversation")
    users = state("pm_user_ids").get("selected_users") or []
    return SettingsForm(
        channel if isinstance(channel, str) and _CARRIED.match(channel) else None,
        [user for user in users if isinstance(user, str) and _CARRIED.match(user)] if isinstance(users, list) else [],
        weekday, minute, errors,
    )
