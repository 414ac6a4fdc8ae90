"""The decision rules against a real database: compare-and-set under concurrency, revisit dates."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot.decisions import Refusal, Refused, decide, due_for_revisit, may_decide, reason_error, triage
from bot.ideas import IdeaDraft, submit_idea
from models import make_sessions, utcnow
from tests.flows import GOOD

WHY = "The evidence from finance is strong enough"


@pytest.fixture
def sessions(engine):
    return make_sessions(engine)


def new_idea(sessions, team="T1") -> int:
    with sessions.begin() as session:
        return submit_idea(session, team_id=team, submitter_id="U1", draft=IdeaDraft(**GOOD))[0].id


def move(session: Session, idea_id, shown, to, **kwargs):
    return decide(session, team_id="T1", idea_id=idea_id, shown_stage=shown, to_stage=to, reason=WHY,
                  decided_by="UPM", **kwargs)


def test_two_deciders_at_once_make_one_decision(sessions):
    idea_id = new_idea(sessions)
    outcome: list[object] = []
    first = sessions()
    first.begin()
    move(first, idea_id, "candidate", "discovery")

    def second() -> None:
        try:
            with sessions.begin() as session:
                move(session, idea_id, "candidate", "declined")
            outcome.append("moved")
        except Refused as refused:
            outcome.append(refused.refusal)

    racer = threading.Thread(target=second)
    racer.start()
    racer.join(0.3)  # the second waits on the first's write (a row lock, or SQLite's busy wait)
    first.commit()
    first.close()
    racer.join(10)
    assert outcome == [Refusal.ALREADY_MOVED]
    with sessions() as session:
        assert [d.to_stage for d in triage(session, "T1", utcnow().date(), 10).waiting] == []


@pytest.mark.parametrize(
    "shown, to, refusal",
    [("discovery", "delivery", Refusal.ALREADY_MOVED), ("candidate", "delivery", Refusal.NOT_ALLOWED),
     ("candidate", "nonsense", Refusal.NOT_ALLOWED)],
)
def test_refusals(sessions, shown, to, refusal):
    idea_id = new_idea(sessions)
    with pytest.raises(Refused) as raised, sessions.begin() as session:
        move(session, idea_id, shown, to)
    assert (raised.value.refusal, raised.value.stage) == (refusal, "candidate")


def test_another_teams_idea_is_not_found(sessions):
    idea_id = new_idea(sessions, team="T2")
    with pytest.raises(Refused) as raised, sessions.begin() as session:
        move(session, idea_id, "candidate", "discovery")
    assert raised.value.refusal is Refusal.NOT_FOUND


def test_only_the_latest_parking_counts_for_revisit(sessions):
    today = utcnow().date()
    due, later = new_idea(sessions), new_idea(sessions)
    with sessions.begin() as session:
        move(session, due, "candidate", "parked", revisit_on=today)
        move(session, later, "candidate", "parked", revisit_on=today - timedelta(days=3))
        move(session, later, "parked", "discovery")
        move(session, later, "discovery", "parked", revisit_on=today + timedelta(days=3))
    with sessions() as session:
        assert [idea.id for idea, _ in due_for_revisit(session, "T1", today, 10)] == [due]


def test_pm_list_wins_over_workspace_roles():
    asked: list[str] = []

    def admin(user: str) -> bool:
        asked.append(user)
        return True

    assert may_decide("U1", frozenset({"U1"}), admin) and not may_decide("U2", frozenset({"U1"}), admin)
    assert asked == []
    assert may_decide("U3", frozenset(), admin) and asked == ["U3"]


@pytest.mark.parametrize("reason, ok", [("Because finance asked twice", True), ("ok", False), ("a b c", False),
                                        ("x " * 1001, False), ("Too niche", False),
                                        ("Released in 4.2", True), ("Shipped in v2.1.0", True)])
def test_reason_must_be_a_sentence(reason, ok):
    assert (reason_error(reason) is None) == ok


@pytest.mark.parametrize(("tz", "now", "today"), [
    ("America/Los_Angeles", "2026-12-01T01:00:00+00:00", "2026-11-30"),  # 5 pm on the 30th in California
    ("Europe/Berlin", "2026-11-30T23:30:00+00:00", "2026-12-01"),        # already the 1st in Berlin
    ("Not/AZone", "2026-12-01T01:00:00+00:00", "2026-11-30"),            # unreadable: the earliest date anywhere
    (None, "2026-12-01T01:00:00+00:00", "2026-11-30"),                   # unknown: the same
    (None, "2026-12-01T13:00:00+00:00", "2026-12-01"),
])
def test_the_date_a_pm_means_by_today_is_theirs(sessions, tz, now, today):
    from datetime import date, datetime

    from bot.decisions import revisit_error
    from bot.people import remember, their_today

    at = datetime.fromisoformat(now)
    with sessions.begin() as session:
        if tz is not None:
            remember(session, "T1", "UPM", is_admin=False, tz=tz, now=at)
        theirs = their_today(session, "T1", "UPM", at)
    assert theirs == date.fromisoformat(today)
    tomorrow = theirs + timedelta(days=1)  # what the PM picks as tomorrow: never "pick a date after today"
    assert revisit_error(tomorrow, theirs, at.date()) is None
    assert revisit_error(theirs, theirs, at.date()) == "Pick a date after today."
