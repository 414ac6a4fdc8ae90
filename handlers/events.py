"""Channel messages: notice feature requests and invite their authors, privately, to share the outcome."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.detect import detect
from bot.listening import ChannelMessage, may_nudge, record_nudge, worth_reading
from handlers.deps import deps
from handlers.people import team
from models import utcnow


def register(app: App) -> None:
    app.event("message")(message_callback)


def message_callback(event: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    d = deps(context)
    message = ChannelMessage(
        team_id=context.team_id,
        channel_id=event.get("channel", ""),
        channel_type=event.get("channel_type"),
        user_id=event.get("user"),
        ts=event.get("ts", ""),
        text=event.get("text") or "",
        thread_ts=event.get("thread_ts"),
        subtype=event.get("subtype"),
        bot_id=event.get("bot_id"),
    )
    triage_channel = team(d, context.team_id).triage_channel
    if not worth_reading(message, bot_user_id=context.bot_user_id, triage_channel=triage_channel):
        return
    detection = detect(message.text)
    is_request = detection.is_request
    if d.coach is not None and detection.is_borderline:
        # Only the unsure middle costs a model call; clear requests and chatter never do.
        with d.sessions() as session:
            worth_asking = may_nudge(session, message, utcnow())
        verdict = d.coach.confirm_request(message.team_id, message.text) if worth_asking else None
        is_request = is_request if verdict is None else verdict
    if not is_request:
        return
    with d.sessions.begin() as session:
        nudge = record_nudge(session, message, detection.trigger, utcnow())
    if nudge is None:
        return
    try:
        client.chat_postEphemeral(
            channel=message.channel_id, user=message.user_id, thread_ts=message.ts, **blocks.nudge(nudge.id)
        )
    except SlackApiError as error:
        logger.warning("nudge %s not sent: %s", nudge.id, error.response.get("error"))
