"""When something dated (an outcome check-in) is due for a person: when its date begins where they are.

A date is the person's date, not UTC's: midnight UTC on the 10th is the evening of the 9th in the Americas,
so a question dated the 10th reached people there the day before. It is due from the first moment of the
person's own date, never later: a date is a promise ("we'll ask on the 10th") and a row dated today, by us or
by another tool, is asked on today's tick, not hours on. Slack holds the notification while someone's
notifications are paused. A date already past is due at once; a time zone nobody told us is UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

HOUR = time(0)
# The earliest zone (UTC+14) starts a date at 10:00 UTC the day before: a date further ahead than this in
# UTC is due for nobody yet.
AHEAD = timedelta(days=1)


def zone_name(tz: str | None) -> str | None:
    """The zone's own name for one Slack or another tool named ("Europe/London" for " europe/london"), or
    None when it names none we know."""
    if not isinstance(tz, str) or not tz.strip():
        return None
    try:
        ZoneInfo(tz)
        return tz
    except (ZoneInfoNotFoundError, ValueError):
        return _zones_by_lowercase().get(tz.strip().lower())


@cache
def _zones_by_lowercase() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def known_zone(tz: str | None) -> ZoneInfo | None:
    """The zone Slack named, or None when it named none we know."""
    name = zone_name(tz)
    return None if name is None else ZoneInfo(name)


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
