"""`/idea`: the intake modal, and the caller's own list and help."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.command import Verb, parse
from bot.ideas import FIELDS, ideas_of
from handlers.deps import deps
from models import utcnow


def register(app: App) -> None:
    app.command("/idea")(idea_command_callback)


def idea_command_callback(
    ack: Ack, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    parsed = parse(command.get("text"))
    if parsed.verb is Verb.HELP:
        ack(**blocks.help_message())
        return
    if parsed.verb is Verb.LIST:
        ack()
        with deps(context).sessions.begin() as session:
            ideas, total = ideas_of(session, context.team_id, context.user_id, blocks.LIST_LIMIT)
            reply = blocks.my_ideas(ideas, total, utcnow())
        respond(**reply)
        return
    if len(parsed.text) > FIELDS["ask"].max_chars:
        ack(**blocks.ask_too_long(len(parsed.text)))
        return
    ack()
    view = blocks.intake_modal(ask=parsed.text, source_channel_id=command.get("channel_id"))
    try:
        client.views_open(trigger_id=command["trigger_id"], view=view)
    except SlackApiError as error:
        logger.warning("views.open failed for /idea: %s", error.response.get("error"))
        respond(text="Slack would not open the idea form just now. Please try `/idea` again.")
