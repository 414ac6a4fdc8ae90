"""The delivery tracker in Slack: the choice in the "Move to delivery" form (create an issue, link one,
or neither), the form that links one later, and what a PM hears when the tracker has news."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.trackers import needs_an_issue
from models import Idea, Stage
from ui.cards import link_issue_button, move_buttons, review_buttons
from ui.ids import LINK_ISSUE_CALLBACK
from ui.kit import (
    Block,
    channel_link,
    clip,
    escape,
    idea_ref,
    issue_link,
    message,
    metadata,
    modal,
    plain,
    read_id,
    section,
    stage_name,
    typed,
)

REFERENCE_HINT = "A link to the issue, or its key: OPS-142, #57 or owner/repo#57."
LINK, NEITHER = "link", "none"


@dataclass(frozen=True)
class TrackerOption:
    name: str  # "github", "jira"
    label: str  # "GitHub", "Jira"
    where: str  # "acme/roadmap", "OPS"


def tracker_blocks(options: Sequence[TrackerOption], *, version: str = "") -> list[Block]:
    """Create an issue (the default), link one that exists, or neither."""
    choices = [{"text": plain(f"Create an issue in {o.label} ({o.where})", 75), "value": f"create:{o.name}"}
               for o in options]
    choices += [{"text": plain("Link an issue that already exists", 75), "value": LINK},
                {"text": plain("Neither, for now", 75), "value": NEITHER}]
    return [
        {"type": "input", "block_id": "tracker", "label": plain("Track the work", 2000),
         "element": {"type": "radio_buttons", "action_id": "tracker", "options": choices,
                     "initial_option": choices[0]}},
        {"type": "input", "block_id": "issue", "optional": True, "label": plain("The existing issue", 2000),
         "hint": plain(REFERENCE_HINT, 2000),
         "element": {"type": "plain_text_input", "action_id": "issue", "max_length": 300,
                     "placeholder": plain("https://github.com/acme/roadmap/issues/57", 150)}},
    ]


def read_tracker_choice(values: dict[str, Any]) -> tuple[str | None, str]:
    """(what was chosen, the reference typed): the choice is one the form offered, or None."""
    chosen = ((values.get("tracker") or {}).get("tracker", {}).get("selected_option") or {}).get("value")
    reference = typed(values, "issue")
    valid = isinstance(chosen, str) and (chosen in (LINK, NEITHER) or chosen.startswith("create:"))
    return (chosen if valid else None), reference[:300]


def link_for_pms(triage_channel: str | None) -> str:
    """Why "Link a tracker issue" did nothing: it links an issue (no idea moves), and only PMs may."""
    where = f"; ask in {channel_link(triage_channel)}" if triage_channel else "; ask a product manager"
    return f"Only product managers can link a tracker issue to an idea{where}."


def link_issue_modal(idea: Idea) -> dict[str, Any]:
    replaces = f"\nIt replaces {issue_link(idea)}, which no longer holds the work." if idea.tracker_key else ""
    return modal(LINK_ISSUE_CALLBACK, "Link a tracker issue", [
        section(f"*{idea_ref(idea)}*: {clip(escape(idea.outcome), 1000)}{replaces}"),
        {"type": "input", "block_id": "issue", "label": plain("The issue", 2000), "hint": plain(REFERENCE_HINT, 2000),
         "element": {"type": "plain_text_input", "action_id": "issue", "max_length": 300}},
    ], submit="Link", metadata={"idea": idea.id})


@dataclass(frozen=True)
class LinkForm:
    idea_id: int
    reference: str


def read_link_issue(view: dict[str, Any]) -> LinkForm | None:
    idea_id = read_id(str(metadata(view).get("idea")))
    if idea_id is None:
        return None
    return LinkForm(idea_id, typed(view.get("state", {}).get("values", {}), "issue")[:300])


NEWS = {
    "not_planned": "was closed as *not planned*",
    "duplicate": "was closed as a *duplicate*",
    "reopened": "was *reopened*",
    "deleted": "was *deleted*",
    "unseen": "can *no longer be seen*: deleted, or hidden from the account outcome-bot uses",
}


def tracker_news(idea: Idea, kind: str, actor: str | None, label: str) -> dict[str, Any]:
    """For the PM who moved the idea to delivery: what happened in the tracker, and the usual buttons.
    Nothing was moved: that is theirs to decide."""
    by = f" by {escape(actor)}" if actor else ""
    text = (f":hammer_and_wrench: The {label} issue for idea {idea_ref(idea)}, {issue_link(idea) or ''}, "
            f"{NEWS.get(kind, 'changed')}{by}. Nothing has moved: the idea is still "
            f"*{stage_name(idea.stage).lower()}*. What should happen to it?")
    blocks: list[Block] = [section(text), section(f"*Outcome:* {clip(escape(idea.outcome), 1000)}")]
    buttons = move_buttons(idea) + (review_buttons(idea) if idea.stage == Stage.SHIPPED else [])
    if needs_an_issue(idea, kind):  # the issue that has the work now (the one it duplicates, one filed again)
        buttons.append(link_issue_button(idea))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"moves_{idea.id}", "elements": buttons})
    return message(f"The {label} issue for idea {idea_ref(idea)} {NEWS.get(kind, 'changed')}", blocks)


def token_refused_text(label: str, reason: str) -> str:
    """What PMs are told (once) and App Home says while a tracker refuses the bot's token."""
    return (f":warning: {label} refuses outcome-bot's token: {escape(reason)} Until it is put right, issues closed "
            f"in {label} do not ship their ideas and new issues are not filed there.")


def token_refused_message(label: str, reason: str) -> dict[str, Any]:
    return message(f"{label} refuses outcome-bot's token", [section(
        token_refused_text(label, reason) + " I will say here when it works again.")])


def token_works_message(label: str) -> dict[str, Any]:
    text = f":white_check_mark: {label} takes outcome-bot's token again: its issues are read and filed as before."
    return message(f"{label} takes outcome-bot's token again", [section(text)])


def filing_failed(idea: Idea, label: str, where: str) -> str:
    """The DM a PM gets when the issue could not be filed after all; `{error}` is the tracker's reason."""
    return (f"I could not file idea {idea_ref(idea)} in {label} ({escape(where)}): {{error}} The decision "
            "stands. Press *Link a tracker issue* on its card once it is filed by hand.")


def tracking_line(idea: Idea, pending: str | None = None) -> str | None:
    """Where the work is tracked, for a notice: the issue, or (while it is being filed) the tracker."""
    if idea.tracker_key:
        return f":hammer_and_wrench: Tracked in {issue_link(idea)}."
    return f":hammer_and_wrench: The work is being filed in {pending}." if pending else None
