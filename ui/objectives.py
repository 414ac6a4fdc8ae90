"""Objectives (OKRs): the form to add or edit one with its key results, App Home's list, and the
select that links an idea to one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.objectives import (
    KEY_RESULT_MAX_CHARS,
    KEY_RESULT_SLOTS,
    KEY_RESULT_SLOTS_MOST,
    TITLE_MAX_CHARS,
    KeyResultDraft,
    ObjectiveChoice,
    matching,
)
from models import Objective
from ui.ids import ADD_OBJECTIVE, EDIT_OBJECTIVE, FIND_OBJECTIVE, OKR_CALLBACK
from ui.kit import Block, context, escape, metadata, modal, plain, read_date, read_id, section, typed

INPUT_MAX_CHARS = 3000  # Slack's most for a text input
OBJECTIVES_FOR_PMS = "Only product managers can add or change objectives and link ideas to them."


NO_OBJECTIVE = "none"
OBJECTIVE_OPTIONS = 99  # Slack allows 100 options; one is "No objective"


def objective_name(objective: Objective | None) -> str:
    return escape(objective.title) if objective is not None else "_No objective_"


def okr_modal(objective: Objective | None = None) -> dict[str, Any]:
    """Add or edit an objective and up to three key results (metric, baseline, target, due date)."""
    results = list(objective.key_results) if objective is not None else []
    blocks: list[Block] = [
        _okr_text("title", "Objective", "What should be different? e.g. \"Finance closes faster\"",
                  objective.title if objective else "", TITLE_MAX_CHARS),
    ]
    for n in range(1, min(max(KEY_RESULT_SLOTS, len(results)), KEY_RESULT_SLOTS_MOST) + 1):
        kr = results[n - 1] if n <= len(results) else None
        blocks.append(section(f"*Key result {n}*" + (" (optional)" if n > 1 else "")))
        blocks.append(_okr_text(f"kr{n}_metric", "Metric", "e.g. days to close the month",
                                kr.metric if kr else "", KEY_RESULT_MAX_CHARS["metric"], optional=n > 1))
        blocks.append(_okr_text(f"kr{n}_baseline", "Baseline", "where it is now, e.g. 5",
                                kr.baseline or "" if kr else "", KEY_RESULT_MAX_CHARS["baseline"],
                                optional=True))
        blocks.append(_okr_text(f"kr{n}_target", "Target", "where it should get to, e.g. 4",
                                kr.target or "" if kr else "", KEY_RESULT_MAX_CHARS["target"],
                                optional=True))
        due: Block = {"type": "datepicker", "action_id": f"kr{n}_due"}
        if kr is not None and kr.due_on is not None:
            due["initial_date"] = kr.due_on.isoformat()
        blocks.append({"type": "input", "block_id": f"kr{n}_due", "optional": True, "label": plain("Due", 2000),
                       "element": due})
    return modal(OKR_CALLBACK, "Edit objective" if objective else "Add an objective", blocks, submit="Save",
                 metadata={"objective": objective.id if objective else None})


def _okr_text(name: str, label: str, placeholder: str, initial: str, max_chars: int, *,
              optional: bool = False) -> Block:
    # Text written elsewhere may be longer than the field allows: shown whole (as far as Slack's 3,000
    # characters go), so saving the form says it is too long rather than cutting it short unseen.
    longest = min(INPUT_MAX_CHARS, max(max_chars, len(initial)))
    element: Block = {"type": "plain_text_input", "action_id": name, "max_length": longest,
                      "placeholder": plain(placeholder, 150)}
    if initial:
        element["initial_value"] = initial[:longest]
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

    drafts, errors = [], {}
    slots = max([KEY_RESULT_SLOTS] + [n for n in range(1, KEY_RESULT_SLOTS_MOST + 1) if f"kr{n}_metric" in values])
    for n in range(1, slots + 1):
        due = values.get(f"kr{n}_due", {}).get(f"kr{n}_due", {}).get("selected_date")
        if due and read_date(due) is None:
            errors[f"kr{n}_due"] = "Pick a date that exists."
        drafts.append(KeyResultDraft(typed(values, f"kr{n}_metric"), typed(values, f"kr{n}_baseline"),
                                     typed(values, f"kr{n}_target"), read_date(due)))
    carried = metadata(view).get("objective")
    objective_id = read_id(str(carried)) if carried not in (None, "") else None
    if carried not in (None, "") and objective_id is None:
        errors["title"] = "That objective no longer exists, so nothing changed."
    return OkrForm(objective_id, typed(values, "title"), drafts, errors)


HOME_OBJECTIVES = 10


def objectives_blocks(objectives: Sequence[Objective], *, editable: bool) -> list[Block]:
    """App Home's list of objectives; PMs get Edit and Add buttons."""
    blocks: list[Block] = [{"type": "header", "text": plain("Objectives", 150)}]
    if not objectives:
        blocks.append(section("No objectives yet." + (" Add one, and link ideas to it." if editable else "")))
    shown = list(objectives)[-HOME_OBJECTIVES:]  # the newest: this cycle's, which PMs still edit
    for objective in shown:
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
    if len(objectives) > len(shown):
        blocks.append(context(f"and {len(objectives) - len(shown)} older"))
    if editable:
        elements: list[Block] = [{"type": "button", "action_id": ADD_OBJECTIVE, "text": plain("Add an objective", 75)}]
        if len(objectives) > len(shown):  # an older one is edited too, found by its title
            elements.append({"type": "external_select", "action_id": FIND_OBJECTIVE, "min_query_length": 0,
                             "placeholder": plain("Edit an older objective (type to find it)", 150)})
        blocks.append({"type": "actions", "block_id": "objectives", "elements": elements})
    return blocks


# On a message every option's text counts towards Slack's total for the message: a card lists at most this
# many objectives in its menu, a form up to Slack's 100 options. Past that the menu asks Slack for them as the
# PM types (an external select, answered by `objective_options`), so every objective can be picked.
OBJECTIVES_ON_A_CARD = 25
OPTIONS_MOST = 100  # Slack's most for a select, and for the options an external select is sent
FIND_AN_OBJECTIVE = "Type to find an objective"


def objective_select(objectives: Sequence[ObjectiveChoice], current: int | None, action_id: str, *,
                     limit: int = OBJECTIVE_OPTIONS) -> Block:
    """A select of objectives, with "No objective" first: every one listed when they fit, else a menu that
    finds any of them by the words typed (newest first), with the idea's own already chosen."""
    if len(objectives) <= limit:
        options = [_option(None), *(_option(o) for o in objectives)]
        element: Block = {"type": "static_select", "action_id": action_id, "options": options,
                          "placeholder": plain("Which objective does this serve?", 150)}
        chosen = next((option for option in options if option["value"] == str(current)), None)
    else:
        element = {"type": "external_select", "action_id": action_id, "min_query_length": 0,
                   "placeholder": plain(FIND_AN_OBJECTIVE, 150)}
        chosen = next((_option(o) for o in objectives if o.id == current), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def objective_options(objectives: Sequence[ObjectiveChoice], typed: str, *, none: bool = True) -> list[dict[str, Any]]:
    """What a menu of objectives offers for the words typed: "No objective" (while what is typed could be
    it, and `none` says it is a choice), then the objectives whose titles hold the words, newest first, 100
    options at most."""
    first = [_option(None)] if none and all(word in "no objective none" for word in typed.casefold().split()) else []
    return first + [_option(o) for o in matching(objectives, typed[:200], OPTIONS_MOST - len(first))]


def _option(objective: ObjectiveChoice | None) -> dict[str, Any]:
    if objective is None:
        return {"text": plain("No objective", 75), "value": NO_OBJECTIVE}
    return {"text": plain(objective.title, 75), "value": str(objective.id)}


def objectives_left_out(listed: int, total: int) -> str | None:
    """Said beside a menu that cannot list every objective: how to find the rest. None when it lists them all."""
    return f"Type a word of its title to find any of the {total} objectives." if total > listed else None


def read_objective(value: str | None) -> int | None:
    return read_id(value)
