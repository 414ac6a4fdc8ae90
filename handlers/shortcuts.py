"""The "Turn into idea" message shortcut: anyone turns any message into an idea, crediting its author."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import blocks
from bot.ideas import Source
from handlers.deps import deps
from handlers.intake import open_intake


def register(app: App) -> None:
    app.shortcut(blocks.SHORTCUT_CALLBACK)(turn_into_idea_callback)


def turn_into_idea_callback(
    ack: Ack, shortcut: dict, client: WebClient, context: BoltContext, logger: Logger
) -> None:
    ack()
    message = shortcut.get("message", {})
    source = Source(
        channel_id=shortcut.get("channel", {}).get("id"),
        message_ts=message.get("ts"),
        # A bot's message has no person behind it: the one who pressed is the requester then.
        author_id=message.get("user") or context.user_id,
    )
    open_intake(client, deps(context), trigger_id=shortcut["trigger_id"], ask=message.get("text") or "",
                source=source, team_id=context.team_id, logger=logger)
