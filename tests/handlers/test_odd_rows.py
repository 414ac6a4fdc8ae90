"""Rows written by something other than the bot, continued: check-ins answered elsewhere, timestamps in other ISO
forms, results spelt otherwise, and garbage in date columns. Each row is written with SQL, as another tool
would, and the real flow (a signed request, the scheduler's job) is driven over it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from models import (
    CheckIn,
    Decision,
    DigestRun,
    DigestSubscription,
    KeyResult,
    NudgeWindow,
    Objective,
    Person,
    Support,
    make_sessions,
    utcnow,
)
from runtime.scheduled import owe_due_check_ins, owe_due_digests
from tests.handlers.test_close_the_loop import ask_due_check_ins
from tests.handlers.test_coach import BORDERLINE
from tests.handlers.test_data_written_by_others import home_of, said_went_wrong, written_by_hand
from tests.handlers.test_listening import message as listening_message
from tests.handlers.test_listening import nudges
from tests.handlers.test_triage import REASON, decide


def questions_to(slack) -> set[str]:
    return {c.args["channel"] for c in slack.calls("chat.postMessage") if "Did this happen?" in str(c.args)}


@pytest.mark.parametrize(("asked", "answered", "reviewed", "questioned"), [
    # (PM asked?, answered_at written?, a review decision written?) -> who hears "Did this happen?"
    (False, False, False, {"UPM", "U1"}),  # nothing says it was answered: both are asked
    (False, True, False, set()),  # answered by another tool before anyone was asked
    (True, True, False, set()),  # the PM was asked and it was answered: the requester is not asked after all
    (False, False, True, set()),  # the outcome was recorded (a review with its result), stage left 'shipped'
])
def test_a_check_in_marked_answered_is_never_asked(bot, slack, engine, asked, answered, reviewed, questioned):
    idea_id = written_by_hand(engine, stage="shipped")
    yesterday = utcnow() - timedelta(days=1)
    with Session(engine) as session:
        session.add(CheckIn(team_id="T1", idea_id=idea_id, due_on=yesterday.date(), ask_user_id="UPM"))
        if reviewed:
            session.add(Decision(team_id="T1", idea_id=idea_id, from_stage="shipped", to_stage="reviewed",
                                 reason=REASON, decided_by="UPM", result="met", decided_at=yesterday))
        session.commit()
        if asked:
            session.execute(text("UPDATE check_ins SET asked_at = :t"), {"t": yesterday})
        if answered:
            session.execute(text("UPDATE check_ins SET answered_at = :t"), {"t": yesterday})
        session.commit()
    assert ask_due_check_ins(bot, utcnow()) == (1 if questioned else 0)
    bot.finish_work()
    assert questions_to(slack) == questioned
    assert said_went_wrong(slack) == []


def reviewed_with(engine, results: list[str | None]) -> list[int]:
    """Reviewed ideas whose review decisions another tool wrote with these results; their ids."""
    ids = [written_by_hand(engine, stage="reviewed", requester=f"U{n}") for n in range(1, len(results) + 1)]
    with Session(engine) as session:
        for idea_id in ids:
            session.add(Decision(team_id="T1", idea_id=idea_id, from_stage="shipped", to_stage="reviewed",
                                 reason=REASON, decided_by="UPM", decided_at=utcnow() - timedelta(hours=1)))
        session.commit()
        for idea_id, result in zip(ids, results, strict=True):
            session.execute(text("UPDATE decisions SET result = :r WHERE idea_id = :i"), {"r": result, "i": idea_id})
        session.commit()
    return ids


@pytest.mark.parametrize(("results", "hit_rate"), [
    (["met", "partly", "missed"], "33% met (1 of 3), 1 partly, 1 missed"),
    (["Met", "MET", " met ", "Partly met", "not met", "Not Met"], "50% met (3 of 6), 1 partly, 2 missed"),
    (["partially met", "Missed", "partly-met", "NOT_MET"], "0% met (0 of 4), 2 partly, 2 missed"),
    # A result no form gives, and none at all: reviewed, but no hit or miss to count.
    (["exceeded", "met", None], "100% met (1 of 1), 0 partly, 0 missed"),
])
def test_results_spelt_otherwise_count_in_stats_as_meant(bot, slack, engine, results, hit_rate):
    reviewed_with(engine, results)
    lines = bot.slack.command("stats", user="U2").json()["blocks"][0]["text"]["text"].splitlines()
    assert f"• Outcome hit rate: {hit_rate}" in lines
    assert f"• Shipped ideas whose outcome was reviewed: 100% ({len(results)} of {len(results)})" in lines


@pytest.mark.parametrize(("result", "said"), [
    (" MET ", "outcome *met*"),
    ("Partly met", "outcome *partly met*"),
    ("Not Met", "outcome *missed*"),
    ("exceeded", "outcome *exceeded*"),  # unknown: shown as written
    ("<!channel> wow", "outcome *&lt;!channel&gt; wow*"),  # ... escaped, never markup
])
def test_a_result_spelt_otherwise_reads_as_meant_in_the_digest(bot, slack, engine, result, said):
    reviewed_with(engine, [result])
    preview = bot.slack.command("digest preview", user="UPM").body
    assert said in preview and "<!channel" not in preview


def minute(bot) -> None:
    """The scheduler's minute, which puts right what it can of rows written elsewhere."""
    ask_due_check_ins(bot, utcnow())


TIMES_WRITTEN = [
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda t: (t + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+01:00"),
    lambda t: (t - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S-05:00"),  # what sqlite3 makes of a datetime
    lambda t: t.strftime("%Y-%m-%d %H:%M:%S"),
    lambda t: t.strftime("%Y-%m-%d %H:%M:%S.123456"),  # our own form: nothing to put right
    lambda t: int(t.timestamp()),  # a Unix time: SQLite only (PostgreSQL refuses a number in a timestamp)
]


@pytest.mark.parametrize("written", TIMES_WRITTEN)
def test_times_written_in_other_forms_fall_on_the_right_side_of_the_digest_week(bot, slack, engine, written):
    """SQLite compares what it holds as text: '…T09:00:00Z' sorted after every time of its day in our form, so a
    decision made a minute ago was not in this week's digest and one made a week and a minute ago was."""
    if engine.dialect.name != "sqlite" and isinstance(written(utcnow()), int):
        pytest.skip("PostgreSQL refuses a number in a timestamp column: such a row cannot be written there")
    now = utcnow().replace(microsecond=0)
    if now.hour == 0 and now.minute < 5:
        now -= timedelta(minutes=10)  # the edge is within a day: keep both times on the dates they test
    this_week, last_week = (written_by_hand(engine, stage="discovery", requester=u) for u in ("U1", "U2"))
    parked = written_by_hand(engine, stage="parked", requester="U3")
    with Session(engine) as session:
        for idea_id, stage in ((this_week, "discovery"), (last_week, "discovery"), (parked, "parked")):
            session.add(Decision(team_id="T1", idea_id=idea_id, from_stage="candidate", to_stage=stage,
                                 reason=REASON, decided_by="UPM", decided_at=now, revisit_on=now.date()))
        session.commit()
        for idea_id, at in ((this_week, now - timedelta(minutes=2)), (last_week, now - timedelta(days=7, minutes=2)),
                            (parked, now - timedelta(days=30))):
            session.execute(text("UPDATE decisions SET decided_at = :t WHERE idea_id = :i"),
                            {"t": written(at), "i": idea_id})
        # A revisit date written with its time, today: due today, not tomorrow.
        session.execute(text("UPDATE decisions SET revisit_on = :d WHERE idea_id = :i"),
                        {"d": now.strftime("%Y-%m-%dT00:00:00Z"), "i": parked})
        session.commit()
    minute(bot)
    preview = bot.slack.command("digest preview", user="UPM").json()
    said = str(preview["blocks"])
    assert "1 to discovery" in preview["text"] or "1 moved to discovery" in preview["text"], preview["text"]
    assert f"#{this_week}*" in said and f"#{last_week}*" not in said
    assert f"#{parked}" in home_of(bot, slack, "UPM").split("due for revisit", 1)[-1]


GARBAGE = ["yesterday", "", "31/02/2026"]
DATED = [  # (table, column) to hold garbage in a row of its own; the rows around it must work on
    ("ideas", "created_at"), ("ideas", "updated_at"), ("decisions", "decided_at"), ("decisions", "revisit_on"),
    ("check_ins", "due_on"), ("check_ins", "asked_at"), ("supports", "created_at"), ("key_results", "due_on"),
    ("people", "checked_at"), ("digest_runs", "period_end"), ("digest_subscriptions", "created_at"),
]


def world_with_one_bad_row(bot, engine, table: str, column: str, garbage: str) -> dict[str, int]:
    """Ideas in every stage a page or a job reads, each twice over: one row of `table` holds garbage in `column`."""
    now = utcnow()
    ideas = {name: written_by_hand(engine, stage=stage, requester=user) for name, stage, user in (
        ("asked", "shipped", "U1"), ("bad_shipped", "shipped", "U2"), ("candidate", "candidate", "U3"),
        ("discovery", "discovery", "U4"), ("parked", "parked", "U5"), ("reviewed", "reviewed", "U6"))}
    with Session(engine) as session:
        for name in ("asked", "bad_shipped"):
            session.add(CheckIn(team_id="T1", idea_id=ideas[name], due_on=(now - timedelta(days=1)).date(),
                                ask_user_id="UPM"))
            session.add(Support(idea_id=ideas[name], user_id="U9", team_id="T1", evidence="same"))
        for name, stage in (("discovery", "discovery"), ("parked", "parked"), ("reviewed", "reviewed")):
            session.add(Decision(team_id="T1", idea_id=ideas[name], from_stage="candidate", to_stage=stage,
                                 reason=REASON, decided_by="UPM", decided_at=now - timedelta(hours=1),
                                 result="met" if stage == "reviewed" else None,
                                 revisit_on=(now - timedelta(days=1)).date() if stage == "parked" else None))
        session.add(Objective(team_id="T1", title="Finance closes faster", created_by="UPM", key_results=[
            KeyResult(position=1, metric="Days to close", due_on=now.date()),
            KeyResult(position=2, metric="Errors", due_on=now.date())]))
        session.add(Person(team_id="T1", user_id="U1", is_admin=False, tz="UTC", checked_at=now))
        session.add(Person(team_id="T1", user_id="U2", is_admin=False, tz="UTC", checked_at=now))
        subscription = DigestSubscription(team_id="T1", channel_id="CDIGEST", weekday=now.weekday(),
                                          minute_of_day=now.hour * 60 + now.minute, timezone="UTC",
                                          created_by="UPM")
        session.add(subscription)
        session.flush()
        session.add(DigestRun(subscription_id=subscription.id, period_start=now - timedelta(days=14),
                              period_end=now - timedelta(days=7), claimed_at=now - timedelta(days=7),
                              posted_at=now - timedelta(days=7)))
        session.commit()
        # The last row of the table holds the garbage (for ideas and decisions: the discovery idea's, or its).
        row = session.scalar(text(f"SELECT max(rowid) FROM {table}"))
        if table == "ideas":
            row = ideas["discovery"]
        elif table in ("check_ins", "supports"):
            row = session.scalar(text(f"SELECT rowid FROM {table} WHERE idea_id = :i"), {"i": ideas["bad_shipped"]})
        elif table == "decisions" and column == "revisit_on":
            row = session.scalar(text("SELECT rowid FROM decisions WHERE idea_id = :i"), {"i": ideas["parked"]})
        session.execute(text(f"UPDATE {table} SET {column} = :g WHERE rowid = :r"), {"g": garbage, "r": row})
        session.commit()
    return ideas


@pytest.mark.parametrize("garbage", GARBAGE)
@pytest.mark.parametrize(("table", "column"), DATED)
def test_garbage_in_a_date_column_breaks_nothing_for_anyone_else(bot, slack, engine, table, column, garbage):
    """SQLite only: PostgreSQL refuses garbage in a date or timestamp column, so no such row can be written there."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses garbage in a date or timestamp column: such a row cannot be written there")
    ideas = world_with_one_bad_row(bot, engine, table, column, garbage)
    asked = owe_due_check_ins(make_sessions(engine), bot.settings, utcnow(), bot.sender.wake)
    digests = owe_due_digests(make_sessions(engine), None, utcnow(), bot.sender.wake)
    bot.deliver()
    assert asked >= 1 and "U1" in questions_to(slack)
    assert digests == 1 and [c for c in slack.calls("chat.postMessage") if c.args["channel"] == "CDIGEST"]
    pm_home = home_of(bot, slack, "UPM")
    assert f"#{ideas['candidate']}*" in pm_home and "Finance closes faster" in pm_home
    for user, name in (("U4", "discovery"), ("U3", "candidate"), ("U1", "asked")):
        assert f"#{ideas[name]}" in home_of(bot, slack, user)
    preview = bot.slack.command("digest preview", user="UPM", channel="COTHER")
    assert preview.status == 200 and "Product digest" in preview.body
    stats = bot.slack.command("stats", user="U2").json()
    assert "Outcome hit rate" in str(stats["blocks"])
    bot.slack.command("export", user="UPM")
    [upload] = slack.wait_for("files.completeUploadExternal")
    exported = list(csv.DictReader(io.StringIO(slack.uploads[upload.args["files"][0]["id"]].decode())))
    assert len(exported) == len(ideas)
    # The discovery idea (whose row, or whose decision, may be the bad one) moves on, and its card says so.
    card = [{"type": "actions", "elements": [
        {"type": "button", "action_id": "idea_move_delivery", "value": f"{ideas['discovery']}:discovery"}]}]
    assert decide(bot, slack, card, "idea_move_delivery").body == ""
    bot.finish_work()
    assert [c for c in slack.calls() if c.args.get("channel") == "CTRIAGE" and "In delivery" in str(c.args)]
    assert said_went_wrong(slack) == []


def test_stages_spelt_otherwise_count_once_in_stats_before_the_minute_puts_them_right(bot, slack, engine):
    """Grouped by the stored text, 'Shipped' and 'shipped' were two groups read as one name: one count was lost."""
    for stage in ("shipped", "Shipped", " shipped ", "candidate"):
        written_by_hand(engine, stage=stage)
    stats = bot.slack.command("stats", user="U2").json()
    said = str(stats["blocks"])
    assert "4 ideas" in said and "Shipped: 3" in said and "Candidate: 1" in said


@pytest.mark.parametrize(("stored", "admin"), [
    ("true", True), ("1", True), (" Yes ", True),
    ("false", False), ("FALSE", False), ("no", False), ("f", False),
    ("maybe", False),  # not a yes: nobody is an admin by a word we do not know
])
def test_an_admin_flag_written_as_a_word_is_read_as_meant(bot, slack, engine, stored, admin):
    """SQLite read any text as true: a person another tool stored as is_admin 'false' could change settings."""
    if engine.dialect.name != "sqlite" and stored.strip().lower() not in ("true", "1", "yes", "false", "no", "f"):
        pytest.skip("PostgreSQL refuses a word it does not know in a boolean column")
    with Session(engine) as session:
        session.add(Person(team_id="T1", user_id="UWHO", is_admin=False, tz="UTC", checked_at=utcnow()))
        session.commit()
        session.execute(text("UPDATE people SET is_admin = :a"), {"a": stored.strip() if engine.dialect.name !=
                                                                  "sqlite" else stored})
        session.commit()
    bot.slack.command("settings", user="UWHO")
    if admin:
        assert slack.wait_for("views.open")
    else:
        assert "Only workspace admins" in slack.wait_for("response_url")[0].args["text"]
        assert slack.calls("views.open") == []


@pytest.mark.parametrize(("stored", "only_here"), [("false", False), ("0", False), ("true", True), ("1", True)])
def test_a_digest_written_as_not_only_this_channel_covers_the_workspace(bot, slack, engine, stored, only_here):
    elsewhere = written_by_hand(engine, stage="discovery", source_channel_id="COTHER")
    with Session(engine) as session:
        session.add(Decision(team_id="T1", idea_id=elsewhere, from_stage="candidate", to_stage="discovery",
                             reason=REASON, decided_by="UPM", decided_at=utcnow() - timedelta(hours=1)))
        session.add(DigestSubscription(team_id="T1", channel_id="CDIGEST", weekday=0, minute_of_day=540,
                                       timezone="UTC", created_by="UPM"))
        session.commit()
        session.execute(text("UPDATE digest_subscriptions SET only_this_channel = :o"), {"o": stored})
        session.commit()
    preview = bot.slack.command("digest preview", user="UPM", channel="CDIGEST").json()
    assert (f"#{elsewhere}*" in str(preview["blocks"])) != only_here


@pytest.mark.parametrize("garbage", GARBAGE)
def test_a_person_checked_on_no_date_is_asked_of_slack_again(bot, slack, engine, garbage):
    """SQLite only (PostgreSQL refuses garbage in a timestamp): what Slack said 'on no date' is not trusted."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses garbage in a timestamp column: such a row cannot be written there")
    with Session(engine) as session:
        session.add(Person(team_id="T1", user_id="UFORMER", is_admin=True, tz="UTC", checked_at=utcnow()))
        session.commit()
        session.execute(text("UPDATE people SET checked_at = :g"), {"g": garbage})
        session.commit()
    bot.slack.command("settings", user="UFORMER")  # Slack, asked again, says not an admin
    assert "Only workspace admins" in slack.wait_for("response_url")[0].args["text"]
    assert said_went_wrong(slack) == []


@pytest.mark.parametrize("garbage", GARBAGE)
def test_a_nudge_window_dated_on_no_date_holds_nobody_off(make_bot, model, slack, engine, garbage):
    """A message the model is asked about (borderline) is looked at first against the window. SQLite only
    (PostgreSQL refuses garbage in a timestamp)."""
    bot = make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=1.0)
    model.answers["RequestVerdict"] = {"is_feature_request": True}
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses garbage in a timestamp column: such a row cannot be written there")
    with Session(engine) as session:
        session.add(NudgeWindow(team_id="T1", user_id="U1", channel_id="C1", last_nudged_at=utcnow()))
        session.commit()
        session.execute(text("UPDATE nudge_windows SET last_nudged_at = :g"), {"g": garbage})
        session.commit()
    assert bot.slack.event(listening_message(BORDERLINE)).status == 200
    slack.wait_for("chat.postEphemeral")
    assert nudges(engine) == 1
