"""Channel messages. The manifest subscribes to them so the bot can notice feature requests;
until it does, they are acknowledged and left alone (an unanswered event makes Slack retry)."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    app.event("message")(message_callback)


def message_callback() -> None:
    return None
