"""Listening in channels: which messages the bot reads, and when it may invite someone to share an idea.

The invitation (a nudge) is private and rare: once per message however often Slack delivers the event,
at most once an hour per person and channel, and never again for someone who said no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from models import Nudge, NudgeOptOut, NudgeWindow, dialect_insert

NUDGE_INTERVAL = timedelta(hours=1)
_CHANNEL_TYPES = frozenset({"channel", "group"})
# A person's new message: plain, or with a file attached (a screenshot of what they want) and their words.
_PEOPLES_SUBTYPES = frozenset({None, "file_share"})
SLACKBOT = "USLACKBOT"  # Slackbot's reminders and custom responses come with no bot_id, as if a person's


@dataclass(frozen=True)
class ChannelMessage:
    """The parts of a message event the rules look at."""

    team_id: str
    channel_id: str
    channel_type: str | None
    user_id: str | None
    ts: str
    text: str
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    # The words as they came (`&lt;` and `<@U1>` and all), kept with a nudge to show back in the form; `text`
    # has the entities undone, for reading.
    as_sent: str | None = None


def worth_reading(message: ChannelMessage, *, bot_user_id: str | None, triage_channel: str | None) -> bool:
    """Only a person's own new top-level message in a channel (with a file or not): not bots (Slackbot
    included), edits, deletions, joins, thread replies, DMs, the bot itself, or the triage channel where PMs
    work."""
    return (
        message.subtype in _PEOPLES_SUBTYPES
        and message.bot_id is None
        and message.user_id is not None
        and message.user_id not in (bot_user_id, SLACKBOT)
        and message.channel_type in _CHANNEL_TYPES
        and message.channel_id != triage_channel
        and (message.thread_ts is None or message.thread_ts == message.ts)
        and bool(message.text.strip())
    )


def may_nudge(session: Session, message: ChannelMessage, now: datetime) -> bool:
    """A cheap look before asking a model: not opted out, not nudged here within the hour.
    `record_nudge` decides for real."""
    team, user, channel = message.team_id, message.user_id, message.channel_id
    if session.get(NudgeOptOut, (team, user)) is not None:
        return False
    window = session.get(NudgeWindow, (team, user, channel))
    last = None if window is None else window.last_nudged_at  # None too when stored as no date at all
    return last is None or not now - NUDGE_INTERVAL < last <= now + NUDGE_INTERVAL


def record_nudge(session: Session, message: ChannelMessage, trigger: str | None, now: datetime) -> Nudge | None:
    """Stores the nudge about to be sent and returns it, or None when none may be sent: the person
    opted out, was nudged in this channel within the hour, or this message was handled already."""
    team, user, channel = message.team_id, message.user_id, message.channel_id
    if session.get(NudgeOptOut, (team, user)) is not None:
        return None
    if not _claim_window(session, team, user, channel, now):
        return None
    nudge_id = _insert_once(
        session,
        Nudge.__table__,
        team_id=team,
        channel_id=channel,
        message_ts=message.ts,
        user_id=user,
        text=message.text if message.as_sent is None else message.as_sent,
        trigger=(trigger or "")[:200] or None,
        created_at=now,
    )
    return None if nudge_id is None else session.get(Nudge, nudge_id)


def _claim_window(session: Session, team_id: str, user_id: str, channel_id: str, now: datetime) -> bool:
    """One statement that the database runs atomically: start a window, or take over one that is
    an hour old; False when someone else holds it."""
    table = NudgeWindow.__table__
    statement = (
        dialect_insert(session)(table)
        .values(team_id=team_id, user_id=user_id, channel_id=channel_id, last_nudged_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.team_id, table.c.user_id, table.c.channel_id],
            set_={"last_nudged_at": now},
            # A window dated far ahead (written by hand, or by a process whose clock ran ahead) holds nobody
            # off; one a moment ahead is another message's, claimed while this one was on its way.
            where=or_(table.c.last_nudged_at <= now - NUDGE_INTERVAL, table.c.last_nudged_at > now + NUDGE_INTERVAL),
        )
        .returning(table.c.team_id)
    )
    return session.scalar(statement) is not None


def opt_out(session: Session, team_id: str, user_id: str) -> None:
    """Remembers "don't ask me again"; saying it twice is fine."""
    _insert_once(session, NudgeOptOut.__table__, team_id=team_id, user_id=user_id)


def opt_in(session: Session, team_id: str, user_id: str) -> bool:
    """Undoes an opt-out; True when there was one."""
    opted = session.get(NudgeOptOut, (team_id, user_id))
    if opted is not None:
        session.delete(opted)
    return opted is not None


def opted_out(session: Session, team_id: str, user_id: str) -> bool:
    return session.get(NudgeOptOut, (team_id, user_id)) is not None


def get_nudge(session: Session, team_id: str, nudge_id: int) -> Nudge | None:
    return session.scalar(select(Nudge).where(Nudge.id == nudge_id, Nudge.team_id == team_id))


def _insert_once(session: Session, table: Table, **values: object) -> object | None:
    """INSERT that does nothing when the row's unique key exists; returns the new primary key or None.

    The database decides, so two deliveries of one event racing each other still make one row.
    """
    key = list(table.primary_key.columns)[0]
    return session.scalar(dialect_insert(session)(table).values(**values).on_conflict_do_nothing().returning(key))
