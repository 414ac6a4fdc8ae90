"""Dated questions reach people on their own date: an outcome check-in is asked from the start of its date
where each person is (Slack's users.info tz, UTC when unknown), never the evening before, a past one at the
next tick, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import CheckIn, Decision, Person, make_sessions, utcnow
from runtime.scheduled import owe_due_check_ins
from tests.flows import share_idea, wait_until
from tests.handlers.test_close_the_loop import ship

MINUTE = timedelta(minutes=1)


def tick(bot, now: datetime) -> int:
    """The scheduler's check-in job at `now`, then the sender's delivery of what it owed (users.info
    lookups included)."""
    asked = owe_due_check_ins(make_sessions(bot.engine), bot.settings, now, bot.sender.wake)
    bot.deliver()
    return asked


def questions(slack, user: str) -> int:
    return sum(1 for c in slack.calls("chat.postMessage")
               if c.args["channel"] == user and "Did this happen?" in str(c.args.get("blocks")))


def due_on(engine) -> date:
    with Session(engine) as session:
        return session.scalar(select(CheckIn.due_on).order_by(CheckIn.id.desc()).limit(1))


def starts(day: date, tz: str | None) -> datetime:
    """When `day` begins where the person is."""
    return datetime.combine(day, time(0), ZoneInfo(tz or "UTC")).astimezone(UTC)


@pytest.mark.parametrize(("pm_tz", "requester_tz"), [
    ("Asia/Tokyo", "America/New_York"),         # Tokyo's starts 15:00 UTC the day before; New York's 04:00-05:00
    ("Europe/London", "Pacific/Honolulu"),      # UTC-10: 10:00 UTC
    ("Pacific/Tongatapu", "America/Los_Angeles"),  # UTC+13: 11:00 UTC the day before
    (None, "Asia/Kolkata"),                     # Slack gives no tz: midnight UTC
])
def test_a_check_in_is_asked_when_its_date_begins_where_each_person_is(bot, slack, engine, pm_tz, requester_tz):
    slack.users["UPM"] = {"tz": pm_tz}
    slack.users["U1"] = {"tz": requester_tz}
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    day = due_on(engine)
    tick(bot, starts(day, None) - timedelta(days=2))  # two days before: nothing asked, time zones looked up
    assert questions(slack, "UPM") == questions(slack, "U1") == 0
    moments = sorted([(starts(day, pm_tz), "UPM"), (starts(day, requester_tz), "U1")])
    for at, person in moments:
        tick(bot, at - MINUTE)
        assert questions(slack, person) == 0, f"{person} asked before their date began"
        tick(bot, at)
        assert questions(slack, person) == 1, f"{person} not asked when their date began"
    tick(bot, starts(day, None) + timedelta(days=2))
    assert questions(slack, "UPM") == questions(slack, "U1") == 1


def test_a_check_in_whose_date_has_passed_is_asked_at_the_next_tick(bot, slack, engine):
    """After downtime, or a row written by another tool: asked now."""
    slack.users["UPM"] = {"tz": "Pacific/Honolulu"}
    slack.users["U1"] = {"tz": "America/Los_Angeles"}
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    now = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)  # 05:00 in Honolulu, 08:00 in California
    with Session(engine) as session, session.begin():
        session.execute(update(CheckIn).values(due_on=date(2027, 3, 8)))
    assert tick(bot, now) == 1
    assert questions(slack, "UPM") == questions(slack, "U1") == 1
    assert tick(bot, now + MINUTE) == 0


@pytest.mark.parametrize(("refusal", "zones"), [
    (None, ("Asia/Tokyo", "UTC")),
    ("user_not_found", (None, None)),  # Slack will never say: remembered as unknown (UTC), not asked every minute
])
def test_time_zones_are_looked_up_once_and_kept(bot, slack, engine, refusal, zones):
    slack.users["UPM"] = {"tz": "Asia/Tokyo"}
    if refusal is not None:
        slack.fail("users.info", refusal, times=None)
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    tomorrow = (utcnow() + timedelta(days=1)).date()
    with Session(engine) as session, session.begin():
        session.execute(update(CheckIn).values(due_on=tomorrow + timedelta(days=1)))
    looked = len(slack.calls("users.info"))
    for _ in range(4):
        tick(bot, utcnow())
    assert len(slack.calls("users.info")) - looked <= 2  # the PM and the requester, at most once each
    with Session(engine) as session:
        known = dict(session.execute(select(Person.user_id, Person.tz)).all())
    assert (known["UPM"], known["U1"]) == zones
    assert questions(slack, "UPM") == questions(slack, "U1") == 0


@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14 and UTC-11
def test_parked_ideas_are_due_on_the_pms_own_date(bot, slack, engine, tz):
    """The Home tab lists a parked idea as due from its date where the PM is: not a day early in the
    Americas (already tomorrow in UTC), nor a day late in the Pacific (still yesterday in UTC)."""
    from tests.handlers.test_triage import decide, open_home

    slack.users["UPM"] = {"tz": tz}
    due, later = (share_idea(bot, slack, outcome=f"Parked outcome {name} for later") for name in ("alpha", "beta"))
    for card in (due, later):
        assert decide(bot, slack, card["blocks"], "idea_move_parked").body == ""
    theirs = utcnow().astimezone(ZoneInfo(tz)).date()
    with Session(engine) as session, session.begin():
        for n, revisit in ((1, theirs), (2, theirs + timedelta(days=1))):
            session.execute(update(Decision).where(Decision.idea_id == n).values(revisit_on=revisit))
    home = str(open_home(bot, slack, "UPM")["blocks"])
    assert "Parked outcome alpha" in home.partition("Parked ideas due for revisit")[2]
    assert "Parked outcome beta" not in home


def test_a_pm_picking_their_own_today_is_asked_for_a_date_after_it(bot, slack, engine):
    """The PM's time zone is learnt when they press the button (after the form opened), so the form they
    submit is judged by their today, not by the earliest date anywhere."""
    from tests.handlers.test_triage import REASON, opened_modal, press

    slack.users["UPM"] = {"tz": "Pacific/Kiritimati"}  # UTC+14: always ahead of the earliest date anywhere
    card = share_idea(bot, slack)
    theirs = utcnow().astimezone(ZoneInfo("Pacific/Kiritimati")).date()
    view = opened_modal(slack, press(bot, slack, card["blocks"], "idea_move_parked", user="UPM"))

    def learnt() -> bool:  # users.info is asked after the form opened: a person takes longer than that to pick
        with Session(engine) as session:
            return session.scalar(select(Person.tz).where(Person.user_id == "UPM")) == "Pacific/Kiritimati"

    wait_until(learnt)
    refused = bot.slack.submit_view(view, {"reason": REASON, "revisit": theirs.isoformat()}, user="UPM").json()
    assert refused["errors"] == {"revisit": "Pick a date after today."}


def test_a_card_dates_its_decision_for_each_reader(bot, slack, engine):
    """The triage channel is read in many time zones: a decision at 23:30 UTC happened 'tomorrow' in
    Tokyo and 'today' in California, so the card lets Slack show each reader their own date."""
    from tests.flows import decisions
    from tests.handlers.test_triage import decide

    card = share_idea(bot, slack)
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""
    redrawn = str(slack.wait_for("chat.update", 1)[-1].args["blocks"])
    [decision] = decisions(engine)
    stamp = int(decision.decided_at.timestamp())
    assert f"on <!date^{stamp}^{{date_short}}|{decision.decided_at:%d %b %Y} UTC>" in redrawn
    assert "Submitted <!date^" in redrawn


@pytest.mark.parametrize("hours_ago", [2, 20, 40])
def test_how_old_an_idea_is_said_on_the_readers_own_date(bot, slack, engine, hours_ago):
    """An idea shared at 18:00 on Monday was not shared 'today' when read at 09:00 on Tuesday, and whether
    it was today or yesterday depends on where the reader is: `/idea list` lets Slack say it in their zone."""
    from models import Idea
    from tests.flows import ideas

    share_idea(bot, slack, user="U1")
    shared = utcnow() - timedelta(hours=hours_ago)
    with Session(engine) as session:
        session.execute(update(Idea).values(created_at=shared))
        session.commit()
    [idea] = ideas(engine)
    listed = str(bot.slack.command("list", user="U1").json()["blocks"])
    stamp = int(idea.created_at.timestamp())
    assert f"submitted <!date^{stamp}^{{date_pretty}}|{idea.created_at:%d %b %Y} UTC>" in listed
    assert "submitted today" not in listed and "submitted yesterday" not in listed
