"""When something dated (an outcome check-in) is due for a person: at 09:00 on its date where they are.

A date means a working day to the person who reads it, not midnight UTC, which is the evening before in
the Americas and the middle of the night in Asia. A date already past is due at once (after downtime, or a
row another tool wrote); a time zone nobody told us is UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HOUR = time(9)
# The earliest zone (UTC+14) reaches 09:00 on a date at 19:00 UTC the day before: a date further ahead
# than this in UTC is due for nobody yet.
AHEAD = timedelta(days=1)


def zone(tz: str | None) -> ZoneInfo:
    """The person's zone, or UTC when Slack gave none we know."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_at(day: date, tz: str | None) -> datetime:
    """09:00 on `day` in the person's zone, in UTC (09:00 exists on every day, whatever daylight saving does)."""
    return datetime.combine(day, HOUR, zone(tz)).astimezone(UTC)


def is_due(day: date, tz: str | None, now: datetime) -> bool:
    return due_at(day, tz) <= now


def today_for(tz: str | None, now: datetime) -> date:
    """The date it is where the person is (UTC when unknown)."""
    return now.astimezone(zone(tz)).date()
