"""The private nudge that invites someone to share the outcome behind a request, and the nudges setting."""

from __future__ import annotations

from typing import Any

from ui.ids import NUDGE_DISMISS, NUDGE_OPT_OUT, NUDGE_SHARE
from ui.kit import message, plain, section


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


def nudges_setting(*, on: bool, asked: bool = False) -> dict[str, Any]:
    """What `/idea nudges on|off` answers; `asked` (`/idea nudges` alone) says the setting and how to change it."""
    if on:
        text = "Nudges are on: when you ask for something in a channel, I may privately invite you to say the outcome."
        text += " `/idea nudges off` stops them." if asked else ""
    else:
        text = ("Nudges are off for you. `/idea nudges on` brings them back; `/idea` still works any time." if asked
                else OPTED_OUT)
    return message(text, [section(text)])
