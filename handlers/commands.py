"""`/idea`: the intake modal, the caller's own list and settings, and channel digests."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.command import IdeaCommand, Verb, is_digest, parse
from bot.digest_runs import digest_now, find_subscription, post_now, schedule_of, subscribe, unsubscribe
from bot.export import export_rows, to_csv
from bot.ideas import FIELDS, Source, ideas_of
from bot.listening import opt_in, opt_out
from bot.schedule import ScheduleError, next_run
from bot.schedule import parse as parse_schedule
from bot.slack import digest_poster, render_digest
from bot.stats import build_trap_stats
from handlers.deps import deps
from handlers.intake import open_intake
from handlers.people import is_pm, team, workspace_admin_check, workspace_user
from models import utcnow


def register(app: App) -> None:
    app.command("/idea")(idea_command_callback)


def idea_command_callback(
    ack: Ack, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    """Acks at once (with the answer when it is ready: help, an ask too long); the rest replies after."""
    parsed = parse(command.get("text"))
    if parsed.verb is Verb.HELP:
        ack(**blocks.help_message())
        return
    if parsed.verb is Verb.INTAKE and len(parsed.text) > FIELDS["ask"].max_chars:
        ack(**blocks.ask_too_long(len(parsed.text)))
        return
    ack()
    handler = digest_command if is_digest(parsed.verb) else SUBCOMMANDS[parsed.verb]
    handler(parsed, command, client, respond, context, logger)


def intake_command(
    parsed: IdeaCommand, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    source = Source(channel_id=command.get("channel_id"))
    try:
        open_intake(client, deps(context), trigger_id=command["trigger_id"], ask=parsed.text, source=source,
                    team_id=context.team_id, logger=logger)
    except SlackApiError as error:
        logger.warning("views.open failed for /idea: %s", error.response.get("error"))
        respond(text="Slack would not open the idea form just now. Please try `/idea` again.")


def list_command(
    parsed: IdeaCommand, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    with deps(context).sessions() as session:
        ideas, total = ideas_of(session, context.team_id, context.user_id, blocks.LIST_LIMIT)
        reply = blocks.my_ideas(ideas, total, utcnow())
    respond(**reply)


def nudges_command(
    parsed: IdeaCommand, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    with deps(context).sessions.begin() as session:
        if parsed.verb is Verb.NUDGES_OFF:
            opt_out(session, context.team_id, context.user_id)
        else:
            opt_in(session, context.team_id, context.user_id)
    respond(**blocks.nudges_setting(on=parsed.verb is Verb.NUDGES_ON))


def stats_command(
    parsed: IdeaCommand, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    with deps(context).sessions() as session:
        reply = blocks.stats_message(build_trap_stats(session, context.team_id))
    respond(**reply)


def settings_command(
    parsed: IdeaCommand, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    """Workspace admins and owners only: the triage channel, PMs and digest defaults."""
    if not workspace_admin_check(client, logger)(context.user_id):
        respond(text=blocks.SETTINGS_FOR_ADMINS)
        return
    config = team(deps(context), context.team_id)
    client.views_open(trigger_id=command["trigger_id"], view=blocks.settings_modal(config))


def okr_command(
    parsed: IdeaCommand, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    if not is_pm(client, deps(context), context.team_id, context.user_id, logger):
        respond(text=blocks.OBJECTIVES_FOR_PMS)
        return
    client.views_open(trigger_id=command["trigger_id"], view=blocks.okr_modal())


def digest_command(
    parsed: IdeaCommand, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    """`/idea digest here|off|now|preview`; all but preview are for product managers."""
    d = deps(context)
    team_id, channel, user, now = context.team_id, command["channel_id"], context.user_id, utcnow()
    if parsed.verb is Verb.DIGEST_HELP:
        respond(**blocks.digest_help())
        return
    if parsed.verb is Verb.DIGEST_PREVIEW:
        with d.sessions() as session:
            preview = render_digest(digest_now(session, team_id, channel, now), team_id, d.digest_intro)
        respond(**preview)
        return
    if not is_pm(client, d, team_id, user, logger):
        respond(text=blocks.DIGEST_FOR_PMS)
        return
    if parsed.verb is Verb.DIGEST_OFF:
        with d.sessions.begin() as session:
            was_on = unsubscribe(session, team_id, channel)
        respond(text=blocks.DIGEST_OFF if was_on else blocks.DIGEST_WAS_OFF)
        return
    if parsed.verb is Verb.DIGEST_NOW:
        with d.sessions() as session:
            subscription = find_subscription(session, team_id, channel)
            if subscription is None:  # a one-off: posted, not recorded as a run of any schedule
                one_off = render_digest(digest_now(session, team_id, channel, now), team_id, d.digest_intro)
        if subscription is None:
            client.chat_postMessage(channel=channel, **one_off)
        else:
            post_now(d.sessions, digest_poster(client, d.digest_intro), subscription.id, now)
        return
    problem = _can_post_in(client, channel, logger)
    if problem is not None:
        respond(text=problem)
        return
    try:
        defaults = team(d, team_id)
        request = parse_schedule(parsed.text.split(), workspace_user(client, user, logger).get("tz"),
                                 weekday=defaults.digest_weekday, minute=defaults.digest_minute)
    except ScheduleError as error:
        respond(text=str(error))
        return
    with d.sessions.begin() as session:
        subscription = subscribe(
            session,
            team_id=team_id,
            channel_id=channel,
            schedule=request.schedule,
            only_this_channel=request.only_this_channel,
            created_by=user,
        )
        schedule = schedule_of(subscription)
    respond(**blocks.digest_subscribed(schedule, next_run(schedule, now), request.only_this_channel))


def _can_post_in(client: WebClient, channel: str, logger: Logger) -> str | None:
    """Joins a public channel the bot is not in; a private one needs an invitation, said plainly."""
    if channel.startswith("D"):
        return "Digests go to channels: run `/idea digest here` in the channel that should get it."
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as error:
        logger.info("conversations.info %s: %s", channel, error.response.get("error"))
        return blocks.INVITE_ME
    if info.get("is_member"):
        return None
    if info.get("is_private"):
        return blocks.INVITE_ME
    try:
        client.conversations_join(channel=channel)
    except SlackApiError as error:
        logger.warning("conversations.join %s: %s", channel, error.response.get("error"))
        return blocks.INVITE_ME
    return None


def export_command(
    parsed: IdeaCommand, command: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    """A CSV of every idea, sent by DM to the product manager who asked."""
    d = deps(context)
    if not is_pm(client, d, context.team_id, context.user_id, logger):
        respond(text=blocks.EXPORT_FOR_PMS)
        return
    with d.sessions() as session:
        rows = export_rows(session, context.team_id)
    dm = client.conversations_open(users=context.user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=dm,
        content=to_csv(rows),
        filename=f"outcome-bot-ideas-{utcnow():%Y-%m-%d}.csv",
        title="Ideas, stages, supporters and decisions",
        initial_comment=f"Here are all {len(rows)} ideas, with their stages, supporters and decisions.",
    )
    respond(text=f"Sent you a CSV of {len(rows)} ideas in a direct message.")


SUBCOMMANDS = {
    Verb.INTAKE: intake_command,
    Verb.LIST: list_command,
    Verb.NUDGES_ON: nudges_command,
    Verb.NUDGES_OFF: nudges_command,
    Verb.STATS: stats_command,
    Verb.SETTINGS: settings_command,
    Verb.OKR: okr_command,
    Verb.EXPORT: export_command,
}
