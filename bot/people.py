"""What we know about people from Slack (admin or owner, time zone), and for how long it holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from bot.due import known_zone, today_for
from models import Person, dialect_insert

FRESH = timedelta(minutes=10)
# How long a time zone Slack gave is trusted for timing a message (people travel; a week-old one still
# beats UTC while it is looked up again).
ZONE_KEPT = timedelta(days=7)
# While someone waits for an answer (a form submitted), what Slack said earlier today will do.
GOOD_ENOUGH = timedelta(hours=24)


@dataclass(frozen=True)
class Known:
    is_admin: bool
    tz: str | None
    checked_at: datetime


def recall(session: Session, team_id: str, user_id: str, now: datetime, within: timedelta = FRESH) -> Known | None:
    row = session.execute(
        select(Person.is_admin, Person.tz, Person.checked_at)
        .where(Person.team_id == team_id, Person.user_id == user_id)
    ).first()
    # Checked far "in the future" (a row written by hand, or by a process whose clock ran ahead) is not fresh:
    # it would be trusted until that date, an admin's rights outliving their demotion. Checked on no date at all
    # (garbage written there) is not fresh either.
    if row is None or row.checked_at is None or abs(now - row.checked_at) > within:
        return None
    return Known(row.is_admin, row.tz, row.checked_at)


def remember(session: Session, team_id: str, user_id: str, *, is_admin: bool, tz: str | None, now: datetime) -> None:
    table = Person.__table__
    values = {"is_admin": is_admin, "tz": (tz or None) and tz[:64], "checked_at": now}
    session.execute(
        dialect_insert(session)(table).values(team_id=team_id, user_id=user_id, **values)
        .on_conflict_do_update(index_elements=[table.c.team_id, table.c.user_id], set_=values)
    )


# How long Slack's word that someone is one of this workspace's admins is trusted for telling them something
# (never for letting them decide: that is FRESH).
ADMIN_KEPT = timedelta(days=30)
ADMINS_TOLD = 3


def known_admins(session: Session, team_id: str, now: datetime, limit: int = ADMINS_TOLD) -> list[str]:
    """This workspace's own admins and owners as Slack last described them within ADMIN_KEPT (another
    organisation's and guests never are), most recently seen first: with no PM list and no triage channel,
    who hears what is owed to the PMs."""
    return list(session.scalars(
        select(Person.user_id).where(Person.team_id == team_id, Person.is_admin.is_(true()),
                                     Person.checked_at.between(now - ADMIN_KEPT, now + ADMIN_KEPT))
        .order_by(Person.checked_at.desc(), Person.user_id).limit(limit)
    ))


EARLIEST_ZONE = timedelta(hours=12)  # UTC-12: where on Earth the date changes last


def their_today(session: Session, team_id: str, user_id: str, now: datetime) -> date:
    """The date it is for this person: in their time zone when Slack has told us it, else the earliest date
    anywhere, so a PM in California picking tomorrow at 5 pm (already tomorrow in UTC) is not told to pick
    a date after today."""
    known = known_zone(time_zones(session, team_id, {user_id}).get(user_id))
    return now.astimezone(known).date() if known is not None else (now - EARLIEST_ZONE).date()


def time_zones(session: Session, team_id: str, user_ids: set[str]) -> dict[str, str | None]:
    """The time zone Slack last gave for each person we have asked about (however long ago)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Person.user_id, Person.tz).where(Person.team_id == team_id, Person.user_id.in_(sorted(user_ids)))
    )
    return {user_id: tz for user_id, tz in rows}


def to_look_up(session: Session, team_id: str, user_ids: set[str], now: datetime) -> list[str]:
    """Of these people, those whose time zone Slack has not told us in the last ZONE_KEPT."""
    if not user_ids:
        return []
    known = set(session.scalars(
        select(Person.user_id).where(Person.team_id == team_id, Person.user_id.in_(sorted(user_ids)),
                                     Person.checked_at.between(now - ZONE_KEPT, now + ZONE_KEPT))
    ))
    return sorted(user_ids - known)


def local_today(session: Session, team_id: str, user_id: str, now: datetime) -> date:
    """The date it is where the person is, for what falls due on a date (UTC when Slack has not said)."""
    return today_for(time_zones(session, team_id, {user_id}).get(user_id), now)
