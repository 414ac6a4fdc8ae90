"""When a channel's weekly digest runs: parsing "monday 09:00", and finding the run times around now.

Times are kept as a weekday and a minute of the day in the subscriber's own time zone, so "Monday
09:00 Europe/London" stays 09:00 in London across daylight-saving changes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.due import zone_name

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEKDAY = 0
DEFAULT_MINUTE = 9 * 60
EXAMPLE = "`/idea digest here weekly monday 09:00` (add `only-this-channel` for ideas from this channel only)"
_ONLY_HERE = re.compile(r"\b(?:(?:only|just) (?:in |for |from )?this channel|(?:(?:in|for|from) )?this channel only)\b")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
_TWELVE_HOUR = re.compile(r"^(\d{1,2})(?:[:.h]([0-5]\d))?([ap])m$")  # 9am, 4:30pm, 4.30pm
# "9 am", "9 a.m.", "4:30 P.M.": one word, as the 12-hour pattern reads it
_AM_PM = re.compile(r"\b(\d{1,2}(?:[:.h]\d{2})?)\s*([ap])\.?\s?m\b\.?")
_SAID_AROUND = {"weekly", "every", "each", "on", "at", ""}  # "every friday at 4pm": words around a day and a time
_HOUR_ALONE = re.compile(r"^(?:[01]?\d|2[0-3])$")
_NAMED_TIMES = {"noon": 12 * 60, "midday": 12 * 60, "midnight": 0}


class ScheduleError(ValueError):
    """Words that are not a day and a time; the message shows the right form."""


@dataclass(frozen=True)
class Schedule:
    weekday: int
    minute_of_day: int
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        """The subscriber's zone; UTC for a name we do not know (a row written by hand or by another tool),
        as the digest's own dates already read it, rather than a digest that never runs."""
        return ZoneInfo(valid_timezone(self.timezone))


@dataclass(frozen=True)
class DigestRequest:
    schedule: Schedule
    only_this_channel: bool


def parse(
    words: list[str], timezone: str, *, weekday: int = DEFAULT_WEEKDAY, minute: int = DEFAULT_MINUTE
) -> DigestRequest:
    """`[weekly] [<day> <HH:MM>] [only-this-channel]`, in any order; the workspace's default day and
    time (Monday 09:00 unless an admin chose otherwise) when unsaid."""
    only_here = False
    said: dict[str, tuple[str, int]] = {}  # "day" or "time": the word that said it, and its value
    # NFKC: an input method's full-width digits and colon (１６：３０) are the same time
    typed = unicodedata.normalize("NFKC", " ".join(words)).lower()
    typed = _AM_PM.sub(r"\1\2m", _ONLY_HERE.sub("only-this-channel", typed))  # as people say it, with spaces
    for word in (w.strip(",").rstrip(".;!?") for w in typed.split()):
        if word in _SAID_AROUND:
            continue
        if word in ("only-this-channel", "this-channel-only", "here-only"):
            only_here = True
            continue
        if (day := _day(word)) is not None:
            kind, value = "day", day
        elif (minute_of_day := _time(word)) is not None:
            kind, value = "time", minute_of_day
        elif _HOUR_ALONE.match(word):  # "friday at 10": morning or evening is a guess
            raise ScheduleError(f"\u201c{word}\u201d could be morning or evening: say `{int(word)}am`, "
                                f"`{int(word)}pm` or `{int(word):02d}:00`. Try {EXAMPLE}.")
        elif (match := _TWELVE_HOUR.match(word)) and match.group(3) == "p" and 13 <= int(match.group(1)) <= 23:
            raise ScheduleError(f"\u201c{_clipped(word)}\u201d is not on a 12-hour clock: say "
                                f"`{int(match.group(1)) - 12}{':' + match.group(2) if match.group(2) else ''}pm` or "
                                f"`{match.group(1)}:{match.group(2) or '00'}`. "
                                f"Try {EXAMPLE}.")
        else:
            raise ScheduleError(f"I didn't understand \u201c{_clipped(word)}\u201d. Try {EXAMPLE}.")
        if kind in said and said[kind][1] != value:  # "friday monday": which one was meant is a guess
            raise ScheduleError(f"That is two {kind}s, \u201c{said[kind][0]}\u201d and \u201c{_clipped(word)}\u201d: "
                                f"a digest goes once a week. Try {EXAMPLE}.")
        said[kind] = (_clipped(word), value)
    weekday = said["day"][1] if "day" in said else weekday
    minute = said["time"][1] if "time" in said else minute
    return DigestRequest(Schedule(weekday, minute, valid_timezone(timezone)), only_here)


def _time(word: str) -> int | None:
    """The minute of the day a word says: 16:30, 4.30, 4:30pm, 9am, 12am (midnight), noon; None for none
    (13pm and 0am are no time on a 12-hour clock)."""
    if match := _TIME.match(word):
        return int(match.group(1)) * 60 + int(match.group(2))
    if match := _TWELVE_HOUR.match(word):
        hour = int(match.group(1))
        if not 1 <= hour <= 12:
            return None
        return (hour % 12 + (12 if match.group(3) == "p" else 0)) * 60 + int(match.group(2) or 0)
    return _NAMED_TIMES.get(word)


def _clipped(word: str) -> str:
    """A word quoted back, short: whatever was pasted after `digest here`."""
    return word if len(word) <= 40 else word[:39] + "\u2026"


def valid_timezone(name: str | None) -> str:
    """A Slack user's tz (its own spelling of one written otherwise), or UTC when Slack gave none we know."""
    return zone_name(name) or "UTC"


def _day(word: str) -> int | None:
    """monday, mon, Mondays."""
    word = word.removesuffix("s") if len(word) > 6 else word
    matches = [i for i, day in enumerate(DAYS) if len(word) >= 3 and day.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def latest_run(schedule: Schedule, now: datetime) -> datetime:
    """The most recent scheduled time at or before `now`, in UTC."""
    local = now.astimezone(schedule.zone)
    days_back = (local.weekday() - schedule.weekday) % 7
    for back in (days_back, days_back + 7):
        day = (local - timedelta(days=back)).date()
        run = _at(schedule, day)
        if run <= now:
            return run
    raise AssertionError("a weekly schedule always has a run in the last 14 days")


def next_run(schedule: Schedule, now: datetime) -> datetime:
    """The first scheduled time after `now`, in UTC."""
    local = now.astimezone(schedule.zone)
    days_ahead = (schedule.weekday - local.weekday()) % 7
    for ahead in (days_ahead, days_ahead + 7):
        run = _at(schedule, (local + timedelta(days=ahead)).date())
        if run > now:
            return run
    raise AssertionError("a weekly schedule always has a run in the next 14 days")


def _at(schedule: Schedule, day) -> datetime:  # noqa: ANN001 - a date
    hour, minute = divmod(schedule.minute_of_day, 60)
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=schedule.zone)
    return local.astimezone(UTC)


def in_words(when: datetime, schedule: Schedule) -> str:
    """"Monday 30 Nov, 09:00 Europe/London"."""
    local = when.astimezone(schedule.zone)
    return f"{local:%A} {local.day} {local:%b}, {local:%H:%M} {schedule.timezone}"
