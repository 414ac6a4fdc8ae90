"""When something dated (an outcome check-in) is due for a person: when its date begins where they are.

A date is the person's date, not UTC's: midnight UTC on the 10th is the evening of the 9th in the Americas,
so a question dated the 10th reached people there the day before. It is due from the first moment of the
person's own date, never later: a date is a promise ("we'll ask on the 10th") and a row dated today, by us or
by another tool, is asked on today's tick, not hours on. Slack holds the notification while someone's
notifications are paused. A date already past is due at once; a time zone nobody told us is UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HOUR = time(0)
# The earliest zone (UTC+14) starts a date at 10:00 UTC the day before: a date further ahead than this in
# UTC is due for nobody yet.
AHEAD = timedelta(days=1)


def known_zone(tz: str | None) -> ZoneInfo | None:
    """The zone Slack named, or None when it named none we know."""
    if not tz:
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone(tz: str | None) -> ZoneInfo:
    """The person's zone, or UTC when Slack gave none we know."""
    return known_zone(tz) or ZoneInfo("UTC")


def due_at(day: date, tz: str | None) -> datetime:
    """The start of `day` in the person's zone, in UTC (where daylight saving skips midnight, as in a few
    zones, zoneinfo reads it as the hour after: still that date)."""
    return datetime.combine(day, HOUR, zone(tz)).astimezone(UTC)


def is_due(day: date, tz: str | None, now: datetime) -> bool:
    return due_at(day, tz) <= now


def today_for(tz: str | None, now: datetime) -> date:
    """The date it is where the person is (UTC when unknown)."""
    return now.astimezone(zone(tz)).date()
