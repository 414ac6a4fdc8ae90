from datetime import UTC, datetime

import pytest

from bot.digests.schedule import Schedule, ScheduleError, in_words, latest_run, next_run, parse


@pytest.mark.parametrize(
    "words, weekday, minute, only_here",
    [
        ([], 0, 540, False),
        (["weekly"], 0, 540, False),
        (["weekly", "friday", "16:30"], 4, 990, False),
        (["wed", "7:05", "only-this-channel"], 2, 425, True),
        (["08.15", "Tuesday"], 1, 495, False),
    ],
)
def test_parse(words, weekday, minute, only_here):
    request = parse(words, "Europe/London")
    assert (request.schedule.weekday, request.schedule.minute_of_day, request.only_this_channel) == (
        weekday, minute, only_here)
    assert request.schedule.timezone == "Europe/London"


@pytest.mark.parametrize("words", [["someday"], ["monday", "25:00"], ["t"], ["13pm"], ["0am"], ["10"], ["fri", "mon"],
                                   ["9:00", "10:00"]])
def test_bad_words_get_one_line_with_an_example(words):
    with pytest.raises(ScheduleError) as raised:
        parse(words, "UTC")
    assert "/idea digest here weekly monday 09:00" in str(raised.value) and "\n" not in str(raised.value)


def test_unknown_timezones_fall_back_to_utc():
    assert parse([], "Mars/Olympus").schedule.timezone == "UTC"
    assert parse([], None).schedule.timezone == "UTC"


LONDON_MONDAY_9 = Schedule(0, 540, "Europe/London")


@pytest.mark.parametrize(
    "now, latest, following",
    [
        # Tuesday 24 Nov 2026 (GMT): last Monday 23 Nov 09:00, next Monday 30 Nov 09:00.
        (datetime(2026, 11, 24, 12, tzinfo=UTC), datetime(2026, 11, 23, 9, tzinfo=UTC),
         datetime(2026, 11, 30, 9, tzinfo=UTC)),
        # Exactly at the run time: it is the latest, the next one is a week later.
        (datetime(2026, 11, 30, 9, tzinfo=UTC), datetime(2026, 11, 30, 9, tzinfo=UTC),
         datetime(2026, 12, 7, 9, tzinfo=UTC)),
        # Summer time: 09:00 in London is 08:00 UTC.
        (datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 6, 29, 8, tzinfo=UTC), datetime(2026, 7, 6, 8, tzinfo=UTC)),
        # Across the change back to GMT on 25 Oct 2026.
        (datetime(2026, 10, 27, tzinfo=UTC), datetime(2026, 10, 26, 9, tzinfo=UTC),
         datetime(2026, 11, 2, 9, tzinfo=UTC)),
    ],
)
def test_run_times_around_now(now, latest, following):
    assert latest_run(LONDON_MONDAY_9, now) == latest
    assert next_run(LONDON_MONDAY_9, now) == following


def test_next_run_in_words():
    assert in_words(datetime(2026, 11, 30, 9, tzinfo=UTC), LONDON_MONDAY_9) == "Monday 30 Nov, 09:00 Europe/London"
