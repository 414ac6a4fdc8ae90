"""`/idea`: reads the words and hands them to the flow they belong to.

Answers that need only the database (help, your list, the metrics, a preview) go back in the ack
itself, so they cost no call to Slack; the rest ack at once and reply through the sender.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.command import Verb, is_digest, is_feedback, parse
from bot.ideas import Source
from handlers import admin, digests, feedback, home, listening, objectives
from handlers.access import Deps, deps, guarded
from handlers.intake import open_intake
from ui.home import help_message
from ui.tokens import typed_text


def register(app: App, d: Deps) -> None:
    app.command("/idea")(guarded(idea_command_callback))


def idea_command_callback(ack: Ack, command: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    # Slack sends `&`, `<` and `>` typed after the command as entities, and a channel, person or link picked
    # as a token, as it does a message's: read as typed.
    parsed = parse(typed_text(command.get("text") or "").replace("\x00", ""))
    if parsed.verb is Verb.HELP:
        ack(**help_message())
        return
    if parsed.verb is Verb.INTAKE:
        ack()
        intake_command(parsed.text, command, client, context, logger)
        return
    handler = digests.digest_command if is_digest(parsed.verb) else \
        feedback.feedback_command if is_feedback(parsed.verb) else SUBCOMMANDS[parsed.verb]
    handler(ack, parsed, command, client, context, logger)


def intake_command(text: str, command: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    """Opens the form with the ask filled in, however long: the field holds the start, the idea all of it."""
    open_intake(client, deps(context), command, ask=text, source=Source(channel_id=command.get("channel_id")),
                team_id=context.team_id, user_id=context.user_id, logger=logger)


SUBCOMMANDS = {
    Verb.LIST: home.list_command,
    Verb.STATS: home.stats_command,
    Verb.EXPORT: home.export_command,
    Verb.NUDGES_ON: listening.nudges_command,
    Verb.NUDGES_OFF: listening.nudges_command,
    Verb.NUDGES_HELP: listening.nudges_command,
    Verb.SETTINGS: admin.settings_command,
    Verb.OKR: objectives.okr_command,
}
