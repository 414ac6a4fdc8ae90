"""Buttons on idea cards."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond

from bot import blocks


def register(app: App) -> None:
    app.action(re.compile("^" + re.escape(blocks.MOVE_ACTION_PREFIX)))(move_button_callback)


def move_button_callback(ack: Ack, respond: Respond) -> None:
    ack()
    respond(text="Deciding from this card is coming soon.", response_type="ephemeral", replace_original=False)
