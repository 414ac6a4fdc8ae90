"""`/idea digest here|off|now|preview`: channel digests; all but a subscribed channel's preview are for product
managers."""

from __future__ import annotations

import http.client
from dataclasses import replace
from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.command import IdeaCommand, Verb
from bot.digests.runs import (
    claim_now,
    digest_now,
    find_subscription,
    narrowed_to_channel,
    release_now,
    schedule_of,
    subscribe,
    unsubscribe,
)
from bot.digests.schedule import ScheduleError, next_run, valid_timezone
from bot.digests.schedule import parse as parse_schedule
from bot.people import ZONE_KEPT, recall
from handlers.access import (
    Deps,
    Standing,
    answer,
    changing,
    deps,
    guarded,
    refusal,
    refused_for,
    standing_stored,
    team,
    tell,
)
from models import utcnow
from runtime import calls, outbox
from runtime.scheduled import digest_just_owed, digest_owed, digest_withdrawn, owe_now, write_intro
from ui.digests import (
    ARCHIVED,
    DIGEST_FOR_PMS,
    DIGEST_JUST_POSTED,
    DIGEST_OFF,
    DIGEST_WAS_OFF,
    INVITE_ME,
    PREVIEW_FOR_PMS,
    SHARED_OUTSIDE,
    SLACK_BUSY,
    digest_help,
    digest_messages,
    digest_subscribed,
    narrowed_notice,
)
from ui.kit import context, escape


def register(app: App, d: Deps) -> None:
    app.event("channel_shared")(guarded(channel_shared_callback))


def channel_shared_callback(event: dict, context: BoltContext) -> None:
    """A digest channel shared with another organisation (Slack Connect) keeps to its own ideas from then on, and
    whoever set it up hears so: the workspace's week, private channels' ideas and the PMs' reasons, stays home."""
    channel = event.get("channel")
    if not isinstance(channel, str):
        return
    d = deps(context)
    with changing(d) as session:
        narrowed = narrowed_to_channel(session, context.team_id, channel)
        if narrowed is not None:  # a retried event finds it narrow already, and says nothing twice
            outbox.owe(session, context.team_id, outbox.post(narrowed.created_by, {"text": narrowed_notice(channel)}))


def digest_command(ack: Ack, parsed: IdeaCommand, command: dict, client: WebClient, context: BoltContext,
                   logger: Logger) -> None:
    d = deps(context)
    team_id, channel, user, now = context.team_id, command["channel_id"], context.user_id, utcnow()
    if parsed.verb is Verb.DIGEST_HELP:
        ack(**digest_help(), response_type="ephemeral")
        return
    if parsed.verb is Verb.DIGEST_PREVIEW:
        preview(ack, d, command, client, team_id, channel, user, logger)
        return
    ack()
    config = team(d, team_id)
    if (refused := refusal(client, d, config, team_id, user, logger, DIGEST_FOR_PMS)) is not None:
        tell(d, command, team_id, user, refused)
        return
    if parsed.verb is Verb.DIGEST_OFF:
        with changing(d) as session:
            was_on = unsubscribe(session, team_id, channel)
            if was_on:
                digest_withdrawn(session, team_id, channel, now)
        tell(d, command, team_id, user, DIGEST_OFF if was_on else DIGEST_WAS_OFF)
        return
    try:  # the words first, in UTC until the PM's zone is known: a typo is said before Slack is asked anything
        request = parse_schedule(parsed.text.split(), "UTC", weekday=config.digest_weekday,
                                 minute=config.digest_minute) if parsed.verb is not Verb.DIGEST_NOW else None
    except ScheduleError as error:
        tell(d, command, team_id, user, escape(str(error)))  # it quotes what was typed
        return
    if request is not None:
        only_here = request.only_this_channel
    else:
        with d.sessions() as session:
            subscription = find_subscription(session, team_id, channel)
        only_here = subscription is not None and subscription.only_this_channel
    problem = can_post_in(client, channel, logger, shared=None if only_here else SHARED_OUTSIDE)
    if problem is not None:
        tell(d, command, team_id, user, problem)
        return
    if parsed.verb is Verb.DIGEST_NOW:
        post_now(d, command, team_id, channel, now)
        return
    tz = zone_of(d, client, team_id, channel, user, logger)
    if tz is None:
        tell(d, command, team_id, user, SLACK_BUSY)
        return
    with changing(d) as session:
        subscription = subscribe(session, team_id=team_id, channel_id=channel,
                                 schedule=replace(request.schedule, timezone=valid_timezone(tz)),
                                 only_this_channel=request.only_this_channel, created_by=user, now=now)
        schedule = schedule_of(subscription)
        said = digest_subscribed(schedule, next_run(schedule, now), request.only_this_channel)
    d.sender.soon(team_id, answer(command, {**said, "response_type": "ephemeral"}))


def zone_of(d: Deps, client: WebClient, team_id: str, channel: str, user: str, logger: Logger) -> str | None:
    """The time zone `digest here` means: the PM's, as Slack says it ("" when Slack gives none: UTC). When
    Slack does not answer, the channel's own when it has a digest (saying it again to change its scope
    keeps its hours), else what Slack said of the PM this week; None when nothing says it, rather than UTC
    that nobody chose."""
    known = d.roles.user(client, team_id, user, logger)
    if known is not None:
        return known.tz or ""
    with d.sessions() as session:
        subscription = find_subscription(session, team_id, channel)
        if subscription is not None:
            return subscription.timezone
        known = recall(session, team_id, user, utcnow(), ZONE_KEPT)
    return None if known is None else known.tz or ""


def preview(ack: Ack, d: Deps, command: dict, client: WebClient, team_id: str, channel: str, user: str,
            logger: Logger) -> None:
    """A channel's digest, to whoever asks there (its members read it once posted); where none is set up (a
    channel without one, a DM), the whole workspace's week, with ideas from private channels and DMs and the
    PMs' reasons: for product managers only, never a guest. Answered in the ack when the database can say
    who may see it and no model writes its paragraph; else after it, once Slack has said."""
    with d.sessions() as session:
        subscribed = find_subscription(session, team_id, channel) is not None
    config = None if subscribed else team(d, team_id)
    said = Standing.YES if config is None else standing_stored(d, config, team_id, user)
    if said is Standing.YES and d.digest_intro is None:
        with d.sessions() as session:
            first, *rest = digest_messages(digest_now(session, team_id, channel, utcnow()))
        ack(**_preview(first, rest), response_type="ephemeral")
        return
    if said is not None and said.refused:
        ack(text=refused_for(said, PREVIEW_FOR_PMS), response_type="ephemeral")
        return
    ack()
    if said is None and (refused := refusal(client, d, config, team_id, user, logger, PREVIEW_FOR_PMS)) is not None:
        tell(d, command, team_id, user, refused)
        return
    with d.sessions() as session:
        digest = digest_now(session, team_id, channel, utcnow())
    first, *rest = digest_messages(digest, write_intro(d.digest_intro, team_id, digest))  # may take seconds
    _say(d, command, team_id, _preview(first, rest))


def _preview(first: dict, rest: list[dict]) -> dict:
    """The digest as it would be posted, in one ephemeral message: its first part, and how many more follow."""
    if not rest:
        return first
    more = context(f"…and {len(rest)} more message{'s' if len(rest) > 1 else ''} in its thread, with every "
                         "decision and its reason.")
    return {**first, "blocks": [*first["blocks"], more]}


def _say(d: Deps, command: dict, team_id: str, message: dict) -> None:
    d.sender.soon(team_id, answer(command, {**message, "response_type": "ephemeral"}))


def post_now(d: Deps, command: dict, team_id: str, channel: str, now) -> None:  # noqa: ANN001 - a datetime
    """A run of the channel's schedule, or, for a channel with none, a one-off that no schedule counts.
    Typed twice (a digest still on its way, or sent a minute ago; at once, in two processes), it posts one,
    and says so: the channel's turn is claimed in the database first."""
    with changing(d) as session:
        claimed = claim_now(session, team_id, channel, now)
    if not claimed:
        tell(d, command, team_id, command["user_id"], DIGEST_JUST_POSTED)
        return
    owed = False
    try:
        with d.sessions() as session:
            if digest_just_owed(session, team_id, channel, now):
                tell(d, command, team_id, command["user_id"], DIGEST_JUST_POSTED)
                return
            subscription = find_subscription(session, team_id, channel)
            digest = digest_now(session, team_id, channel, now) if subscription is None else None
        if subscription is not None:
            owed = owe_now(d.sessions, d.digest_intro, subscription.id, now)
            if not owed:  # the scheduled digest was owed while this one was being written: it says the same
                tell(d, command, team_id, command["user_id"], DIGEST_JUST_POSTED)
            d.sender.wake()
            return
        paragraph = write_intro(d.digest_intro, team_id, digest)
        with changing(d) as session:
            outbox.owe(session, team_id, digest_owed(channel, digest, paragraph))
        owed = True
    finally:
        if not owed:  # nothing posted: typing it again should post, not be told it just was
            with changing(d) as session:
                release_now(session, team_id, channel, now)


def can_post_in(client: WebClient, channel: str, logger: Logger, *, group_dm: str | None = None,
                shared: str | None = None) -> str | None:
    """Joins a public channel the bot is not in; a private one needs an invitation, said plainly. Slack
    rate-limited, down or silent is said as that: an invitation would not help. (Feedback channels use
    it too: the bot reads only where it is a member, and never a group DM, said as `group_dm`.) `shared`: what
    to say in a channel shared with another organisation (Slack Connect), where the workspace's own week, its
    private channels' ideas and the PMs' reasons, must not go."""
    if channel.startswith("D"):
        return "Digests go to channels: run `/idea digest here` in the channel that should get it."
    try:
        info = client.conversations_info(channel=channel)["channel"]
        if info.get("is_archived"):
            return ARCHIVED
        if group_dm is not None and info.get("is_mpim"):
            return group_dm
        if shared is not None and (info.get("is_ext_shared") or info.get("is_pending_ext_shared")):
            return shared
        if info.get("is_member"):
            return None
        if info.get("is_private"):
            return INVITE_ME
        client.conversations_join(channel=channel)
    except SlackApiError as error:
        logger.warning("checking or joining %s: %s", channel, error.response.get("error"))
        return SLACK_BUSY if calls.passing(error) else INVITE_ME
    except (OSError, http.client.HTTPException) as error:  # no answer: that says nothing about the channel
        logger.warning("checking or joining %s: %s", channel, type(error).__name__)
        return SLACK_BUSY
    return None
