"""Listening in channels: notice feature requests and invite their authors, privately, to share the
outcome (a nudge), with Share, Not a request and Don't ask me again; `/idea nudges on|off`."""

from __future__ import annotations

from logging import Logger
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.command import IdeaCommand, Verb
from bot.feedback import is_feedback_channel
from bot.ideas import Source
from bot.listening.detect import detect
from bot.listening.rules import (
    ChannelMessage,
    get_nudge,
    may_nudge,
    opt_in,
    opt_out,
    opted_out,
    record_nudge,
    worth_reading,
)
from bot.team_settings import team_config
from handlers.access import Deps, answer, changing, deps, guarded
from handlers.feedback import forget_deleted, read_feedback
from handlers.intake import as_shown, open_intake
from models import utcnow
from runtime import outbox
from runtime.sender import Job
from ui.feedback import read_deleted, read_feedback_message
from ui.ids import NUDGE_DISMISS, NUDGE_OPT_OUT, NUDGE_SHARE
from ui.kit import read_id, unescape
from ui.listening import OPTED_OUT, nudges_setting
from ui.listening import nudge as nudge_message

EXPIRED = "That invitation has expired. Type `/idea` to share an idea."
SHARE_FAILED = "Slack could not open the form just now (it took too long, or said no), so nothing changed. " \
               "Please press *Share the outcome* again."


def register(app: App, d: Deps) -> None:
    app.event("message")(guarded(message_callback))
    app.action(NUDGE_SHARE)(guarded(nudge_share_callback))
    app.action(NUDGE_DISMISS)(guarded(nudge_dismiss_callback))
    app.action(NUDGE_OPT_OUT)(guarded(nudge_opt_out_callback))
    d.sender.register("confirm_request", lambda job: confirm_request(d, job), waits_on_model=d.coach is not None)


def message_callback(event: dict, context: BoltContext) -> None:
    """A feedback channel's messages are read for customer requests (never nudged); elsewhere a person's
    request may earn them a nudge."""
    d = deps(context)
    with d.sessions() as session:
        config = team_config(session, context.team_id, d.settings)
        in_feedback = is_feedback_channel(session, context.team_id, event.get("channel") or "")
    if (deleted := read_deleted(event)) is not None:
        # Wherever it was: a channel that has stopped being a feedback channel still has its messages' requests
        # waiting in the inbox, and they go with the message.
        forget_deleted(d, context.team_id, *deleted, remember=in_feedback)
        return
    if in_feedback:
        said = read_feedback_message(event, bot_user_id=context.bot_user_id, bot_id=context.bot_id)
        if said is not None:
            read_feedback(d, context.client, context.team_id, said, context.logger)
        return
    message = ChannelMessage(
        team_id=context.team_id,
        channel_id=event.get("channel", ""),
        channel_type=event.get("channel_type"),
        user_id=event.get("user"),
        ts=event.get("ts", ""),
        text=unescape(event.get("text") or "").replace("\x00", ""),
        as_sent=(event.get("text") or "").replace("\x00", ""),
        thread_ts=event.get("thread_ts"),
        subtype=event.get("subtype"),
        bot_id=event.get("bot_id"),
    )
    if not worth_reading(message, bot_user_id=context.bot_user_id, triage_channel=config.triage_channel):
        return
    detection = detect(message.text)
    if d.coach is not None and detection.is_borderline:
        # Only the unsure middle costs a model call, made by the sender: clear requests and chatter never do.
        # Once per message: Slack delivers an event again when the ack was slow.
        key = _confirming(message)
        with changing(d) as session:
            if may_nudge(session, message, utcnow()) and not outbox.sent_or_pending(session, key):
                outbox.owe(session, message.team_id, outbox.job("confirm_request", {
                    "message": _fields(message), "trigger": detection.trigger, "is_request": detection.is_request,
                }, key=key))
        return
    if detection.is_request:
        nudge_if_allowed(d, message, detection.trigger)


def _fields(message: ChannelMessage) -> dict[str, Any]:
    return {"channel_id": message.channel_id, "channel_type": message.channel_type, "user_id": message.user_id,
            "ts": message.ts, "text": message.text, "as_sent": message.as_sent}


def _confirming(message: ChannelMessage) -> str:
    return f"confirm:{message.team_id}:{message.channel_id}:{message.ts}"[:100]


def confirm_request(d: Deps, job: Job) -> None:
    fields = job.payload["message"]
    message = ChannelMessage(team_id=job.team_id, **fields)
    with d.sessions() as session:
        asked = outbox.done_before(session, _confirming(message), job.id)
    if asked:  # two deliveries of one event, both owed at once: the model was asked about it already
        with changing(d) as session:
            job.finish(session)
        return
    verdict = d.coach.confirm_request(job.team_id, message.text) if d.coach is not None else None
    is_request = bool(job.payload.get("is_request")) if verdict is None else verdict
    with changing(d) as session:
        invitation = _nudge(session, message, job.payload.get("trigger")) if is_request else None
        job.finish(session)
    if invitation is not None:
        d.sender.soon(job.team_id, invitation)


def nudge_if_allowed(d: Deps, message: ChannelMessage, trigger: str | None) -> None:
    with d.sessions.begin() as session:
        invitation = _nudge(session, message, trigger)
    if invitation is not None:
        d.sender.soon(message.team_id, invitation)


def _nudge(session: Any, message: ChannelMessage, trigger: str | None) -> outbox.Owed | None:
    """Records the nudge (once per message, once an hour per person and channel); the invitation to send,
    an ephemeral note that only matters now, or None."""
    nudge = record_nudge(session, message, trigger, utcnow())
    if nudge is None:
        return None
    return outbox.ephemeral(message.channel_id, message.user_id or "", nudge_message(nudge.id), thread_ts=message.ts)


def nudge_share_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                         logger: Logger) -> None:
    """Opens the intake form on the nudged message, linked to it. Only its author sees the nudge;
    the check below holds even for a forged press."""
    ack()
    d = deps(context)
    nudge_id = read_id(action.get("value"))
    with d.sessions() as session:
        nudge = get_nudge(session, context.team_id, nudge_id) if nudge_id is not None else None
    if nudge is None or nudge.user_id != context.user_id:
        _replace(d, body, context.team_id, {"text": EXPIRED, "replace_original": True})
        return
    source = Source(channel_id=nudge.channel_id, message_ts=nudge.message_ts, author_id=nudge.user_id)
    # A nudge keeps its message as Slack sent it (one from before it did was kept with its entities undone,
    # which reads the same but for a typed `&lt;`).
    if open_intake(client, d, body, ask=as_shown(client, d, context.team_id, nudge.text, logger), source=source,
                   team_id=context.team_id, user_id=context.user_id, logger=logger, failed=SHARE_FAILED):
        _replace(d, body, context.team_id, {"delete_original": True})  # until then, its button is pressed again


def _replace(d: Deps, body: dict, team_id: str, message: dict[str, Any]) -> None:
    """Changes the nudge itself (an ephemeral message: only its response_url reaches it)."""
    if body.get("response_url"):
        d.sender.soon(team_id, answer(body, message))


def nudge_dismiss_callback(ack: Ack, body: dict, context: BoltContext) -> None:
    ack()
    _replace(deps(context), body, context.team_id, {"delete_original": True})


def nudge_opt_out_callback(ack: Ack, body: dict, context: BoltContext) -> None:
    ack()
    d = deps(context)
    with d.sessions.begin() as session:
        opt_out(session, context.team_id, context.user_id)
    _replace(d, body, context.team_id, {"text": OPTED_OUT, "replace_original": True})


def nudges_command(ack: Ack, parsed: IdeaCommand, command: dict, client: WebClient, context: BoltContext,
                   logger: Logger) -> None:
    """`/idea nudges on|off` changes the person's own setting; `/idea nudges` alone says what it is."""
    with deps(context).sessions.begin() as session:
        if parsed.verb is Verb.NUDGES_OFF:
            opt_out(session, context.team_id, context.user_id)
        elif parsed.verb is Verb.NUDGES_ON:
            opt_in(session, context.team_id, context.user_id)
        on = parsed.verb is Verb.NUDGES_ON or (
            parsed.verb is Verb.NUDGES_HELP and not opted_out(session, context.team_id, context.user_id))
    ack(**nudges_setting(on=on, asked=parsed.verb is Verb.NUDGES_HELP), response_type="ephemeral")
