"""A database the app did not write itself (by hand, by another tool, by an older version): rows the schema
allows but our own code never writes are read, shown, moved and asked about like ours, end to end."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import CheckIn, Decision, Idea, KeyResult, Objective, Person, Support, TeamSettings, utcnow
from tests.flows import GOOD, share_idea, wait_until
from tests.handlers.test_close_the_loop import ask_due_check_ins
from tests.handlers.test_triage import REASON, decide

WENT_WRONG = "went wrong"


def written_by_hand(engine, *, stage: str, requester: str = "U1", **columns) -> int:
    """An idea row as another tool writes it, bypassing our models; its id."""
    now = utcnow()
    with Session(engine) as session:
        idea = Idea(team_id="T1", requester_id=requester, ask="Add a CSV export", outcome=GOOD["outcome"],
                    problem=GOOD["problem"], created_at=now - timedelta(days=2), **columns)
        session.add(idea)
        session.flush()
        session.execute(text("UPDATE ideas SET stage = :stage WHERE id = :id"), {"stage": stage, "id": idea.id})
        session.commit()
        return idea.id


def said_went_wrong(slack) -> list:
    return [c for c in slack.calls() if WENT_WRONG in str(c.args)]


def home_of(bot, slack, user):
    published = len(slack.calls("views.publish"))
    assert bot.slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}).status == 200
    wait_until(lambda: [c for c in slack.calls("views.publish")[published:] if c.args["user_id"] == user])
    return str([c for c in slack.calls("views.publish")[published:] if c.args["user_id"] == user][-1].args["view"])


@pytest.mark.parametrize(("stored", "shown"), [
    ("Shipped", "Shipped"),
    ("CANDIDATE", "Candidate"),
    (" parked ", "Parked"),
    ("archived", "archived"),  # a stage we have never had: shown as written, offered no moves
])
def test_a_stage_spelled_otherwise_shows_on_home_and_in_the_digest(bot, slack, engine, stored, shown):
    idea_id = written_by_hand(engine, stage=stored)
    with Session(engine) as session:
        session.add(Decision(team_id="T1", idea_id=idea_id, from_stage="Candidate", to_stage=stored,
                             reason=REASON, decided_by="UPM", decided_at=utcnow() - timedelta(hours=1)))
        session.commit()
    assert f"{shown} · submitted" in home_of(bot, slack, "U1")
    home_of(bot, slack, "UPM")
    preview = bot.slack.command("digest preview", user="UPM")
    assert preview.status == 200 and "Product digest" in preview.body
    bot.finish_work()
    assert said_went_wrong(slack) == []


def test_an_idea_whose_stage_was_written_capitalised_moves_on_from_its_card(bot, slack, engine):
    idea_id = written_by_hand(engine, stage="Discovery", triage_channel_id="CTRIAGE",
                              triage_message_ts="1700000000.000100")
    card = [{"type": "actions", "elements": [
        {"type": "button", "action_id": "idea_move_delivery", "value": f"{idea_id}:discovery"}]}]
    assert decide(bot, slack, card, "idea_move_delivery").body == ""
    bot.finish_work()
    with Session(engine) as session:
        assert session.scalar(text("SELECT stage FROM ideas")) == "delivery"
        assert [(d.from_stage, d.to_stage) for d in session.query(Decision)] == [("discovery", "delivery")]
    assert said_went_wrong(slack) == []


def dms(slack, user) -> list[dict]:
    return [c.args for c in slack.calls("chat.postMessage") if c.args["channel"] == user]


@pytest.mark.parametrize(("decisions", "asked"), [
    # (to_stage, decided_by, via) in order; who is asked "Did this happen?"
    ([("delivery", "UPM", None), ("shipped", "UPM", None)], {"UPM", "U1"}),
    ([("delivery", "UPM2", None), ("shipped", "octocat", "github")], {"UPM2", "U1"}),
    ([("shipped", "", None)], {"U1"}),  # a decision nobody is named on: the requester is asked
    ([("Delivery", "UPM", None), (" Shipped", "UPM", None)], {"UPM", "U1"}),  # stages spelled otherwise
    ([("shipped", "UPM", None), ("declined", "UPM", None)], set()),  # reopened and declined since: nobody
])
def test_a_shipped_idea_written_without_its_check_in_is_asked_on_its_date(bot, slack, engine, decisions, asked):
    idea_id = written_by_hand(engine, stage=decisions[-1][0])
    with Session(engine) as session:
        for n, (to_stage, decided_by, via) in enumerate(decisions):
            session.add(Decision(team_id="T1", idea_id=idea_id, from_stage="candidate", to_stage=to_stage,
                                 reason=REASON, decided_by=decided_by, via=via,
                                 decided_at=utcnow() - timedelta(days=9 - n),
                                 revisit_on=(utcnow() - timedelta(days=2)).date()
                                 if to_stage.strip().lower() == "shipped" else None))
        session.commit()
    assert ask_due_check_ins(bot, utcnow()) == (1 if asked else 0)
    assert ask_due_check_ins(bot, utcnow() + timedelta(days=1)) == 0  # once
    bot.finish_work()
    questions = {c.args["channel"] for c in slack.calls("chat.postMessage") if "Did this happen?" in str(c.args)}
    assert questions == asked


PINGS = ("<!channel", "<!here", "<!everyone", "<@>", "<#>")


@pytest.mark.parametrize("stored_id", ["U1><!channel", "W2><!here><@U3", "", "alice from finance"])
def test_ids_written_by_hand_never_ping_or_break_a_message(bot, slack, engine, stored_id):
    """A user or channel id column holding something other than a Slack id is shown as text, not as markup."""
    with Session(engine) as session:
        for stage in ("candidate", "discovery"):
            idea_id = written_by_hand(engine, stage=stage, requester=stored_id, source_channel_id=stored_id[:32],
                                      submitted_by=stored_id)
            session.add(Support(idea_id=idea_id, user_id=stored_id or "U9", team_id="T1", evidence="same here"))
            session.add(Decision(team_id="T1", idea_id=idea_id, from_stage="candidate", to_stage=stage, reason=REASON,
                                 decided_by=stored_id, decided_at=utcnow() - timedelta(hours=1)))
        session.commit()
    home = home_of(bot, slack, "UPM")
    preview = bot.slack.command("digest preview", user="UPM").body
    bot.slack.command("digest now", user="UPM", channel="CDIGEST")
    bot.finish_work()
    said = [home, preview, *(str(c.args) for c in slack.calls("chat.postMessage"))]
    assert [ping for text in said for ping in PINGS if ping in text] == []
    marked_up = [found for text in said for found in re.findall(r"<[@#]([^>|]*)", text)]
    assert [found for found in marked_up if not re.fullmatch(r"[UWC][A-Z0-9]+", found)] == []
    assert "Product digest" in preview and len(slack.calls("chat.postMessage")) >= 1


@pytest.mark.parametrize(("date_as", "time_as"), [
    ("{today} 00:00:00", "1700000000"),  # a date written with its time; a Unix time
    ("{today}T00:00:00Z", "'2023-11-14T22:13:20Z'"),
    ("{compact}", "'2023-11-14 23:13:20+01:00'"),  # YYYYMMDD; an offset
])
def test_dates_and_times_written_in_other_forms_are_read_as_meant(bot, slack, engine, date_as, time_as):
    """On SQLite a column holds whatever was written: one such row stopped every workspace's check-ins."""
    if engine.dialect.name != "sqlite" and time_as.isdigit():
        pytest.skip("PostgreSQL refuses a number in a timestamp column: such a row cannot be written there")
    today = utcnow().date()

    def stored(day):
        return date_as.format(today=day.isoformat(), compact=day.strftime("%Y%m%d"))

    odd, fine, parked = (written_by_hand(engine, stage=s, requester=u)
                         for s, u in (("shipped", "U1"), ("shipped", "U2"), ("parked", "U3")))
    with Session(engine) as session:
        session.add_all([CheckIn(team_id="T1", idea_id=odd, due_on=today, ask_user_id="UPM"),
                         CheckIn(team_id="T1", idea_id=fine, due_on=today, ask_user_id="UPM"),
                         Decision(team_id="T1", idea_id=parked, from_stage="candidate", to_stage="parked",
                                  reason=REASON, decided_by="UPM", revisit_on=today)])
        session.commit()
        session.execute(text("UPDATE check_ins SET due_on = :d WHERE idea_id = :i"), {"d": stored(today), "i": odd})
        # A day past (compared as text on SQLite, the same date in another form is not "today or before").
        session.execute(text("UPDATE decisions SET revisit_on = :d"), {"d": stored(today - timedelta(days=1))})
        session.execute(text(f"UPDATE ideas SET created_at = {time_as} WHERE id = :i"), {"i": parked})
        session.commit()
    assert ask_due_check_ins(bot, utcnow()) == 2
    assert "submitted 3" in home_of(bot, slack, "U3")  # "3 years ago" in months: 14 Nov 2023
    assert f"#{parked}" in home_of(bot, slack, "UPM").split("due for revisit", 1)[-1]
    bot.finish_work()
    assert {c.args["channel"] for c in slack.calls("chat.postMessage") if "Did this happen?" in str(c.args)} == {
        "UPM", "U1", "U2"}
    assert said_went_wrong(slack) == []


@pytest.mark.parametrize("stored", ["UPM2, UPM3", " UPM3 ", "UPM2,,UPM3,\n"])
def test_product_managers_written_by_hand_with_spaces_may_decide(make_bot, slack, engine, stored):
    bot = make_bot(pm_user_ids=frozenset())
    with Session(engine) as session:
        session.add(TeamSettings(team_id="T1", pm_user_ids=stored, triage_channel=" CTRIAGE ", updated_by="UADMIN"))
        session.commit()
    card = share_idea(bot, slack, user="U1")
    assert decide(bot, slack, card["blocks"], "idea_move_discovery", user="UPM3").body == ""
    bot.finish_work()
    with Session(engine) as session:
        assert session.scalar(text("SELECT stage FROM ideas")) == "discovery"


@pytest.mark.parametrize("count", [0, 5, 19])
def test_an_objective_written_with_more_key_results_keeps_them_when_edited(make_bot, slack, engine, count):
    bot = make_bot(pm_user_ids=frozenset({"UPM"}))
    with Session(engine) as session:
        session.add(Objective(team_id="T1", title="Finance closes faster", created_by="UPM", key_results=[
            KeyResult(position=n, metric=f"Metric {n}", target=str(n)) for n in range(1, count + 1)]))
        session.commit()
    opened = len(slack.calls("views.open"))
    bot.slack.press({"action_id": "edit_objective", "value": "1"}, user="UPM", channel=None, message_ts=None)
    view = slack.wait_for("views.open", opened + 1)[opened].args["view"]
    assert bot.slack.submit_view(view, {"title": "Finance closes the month faster"}, user="UPM").body == ""
    with Session(engine) as session:
        [objective] = session.scalars(select(Objective)).all()
        assert [(kr.metric, kr.target) for kr in objective.key_results] == [
            (f"Metric {n}", str(n)) for n in range(1, count + 1)]


@pytest.mark.parametrize(("title", "saved"), [
    ("Finance closes faster", "Finance closes faster"),
    ("Finance closes faster " * 20, None),  # 440 characters: the form says so rather than cut it unseen
])
def test_an_objective_written_with_a_long_title_is_not_cut_short_unseen(make_bot, slack, engine, title, saved):
    bot = make_bot(pm_user_ids=frozenset({"UPM"}))
    with Session(engine) as session:
        session.add(Objective(team_id="T1", title=title, created_by="UPM"))
        session.commit()
    opened = len(slack.calls("views.open"))
    bot.slack.press({"action_id": "edit_objective", "value": "1"}, user="UPM", channel=None, message_ts=None)
    view = slack.wait_for("views.open", opened + 1)[opened].args["view"]
    reply = bot.slack.submit_view(view, {}, user="UPM")
    with Session(engine) as session:
        assert session.scalar(select(Objective.title)) == title
    if saved is None:
        assert "300 characters" in reply.json()["errors"]["title"]
    else:
        assert reply.body == ""


@pytest.mark.parametrize("stored", ["CANDIDATE", " candidate", "Candidate"])
def test_a_candidate_spelled_otherwise_joins_the_triage_queue_at_the_next_tick(bot, slack, engine, stored):
    idea_id = written_by_hand(engine, stage=stored)
    ask_due_check_ins(bot, utcnow())  # the scheduler's minute
    queue = home_of(bot, slack, "UPM").split("Triage queue", 1)[-1].split("Your ideas", 1)[0]
    assert f"#{idea_id}*" in queue
    with Session(engine) as session:
        assert session.scalar(text("SELECT stage FROM ideas")) == "candidate"


@pytest.mark.parametrize(("result", "said"), [
    ("partly", "outcome *partly met*"),
    (None, "1 reviewed"),  # nothing to say of it
    ("<!channel>", "outcome *&lt;!channel&gt;*"),  # a result no form gives: shown as written, never as markup
])
def test_a_review_written_with_a_result_we_do_not_know_reads_as_written(bot, slack, engine, result, said):
    idea_id = written_by_hand(engine, stage="reviewed")
    with Session(engine) as session:
        session.add(Decision(team_id="T1", idea_id=idea_id, from_stage="shipped", to_stage="reviewed", reason=REASON,
                             decided_by="UPM", result=result, decided_at=utcnow() - timedelta(hours=1)))
        session.commit()
    preview = bot.slack.command("digest preview", user="UPM").body
    assert said in preview and "<!channel" not in preview and "None" not in preview


@pytest.mark.parametrize(("checked", "admin"), [
    (timedelta(minutes=-1), True),  # Slack said so a minute ago: trusted
    (timedelta(days=365 * 70), False),  # "checked" in 2096: Slack is asked again, and says not an admin
])
def test_what_slack_said_of_someone_dated_in_the_future_is_asked_again(bot, slack, engine, checked, admin):
    with Session(engine) as session:
        session.add(Person(team_id="T1", user_id="UFORMER", is_admin=True, tz="UTC", checked_at=utcnow() + checked))
        session.commit()
    bot.slack.command("settings", user="UFORMER")
    if admin:
        assert slack.wait_for("views.open")
    else:
        assert "Only workspace admins" in slack.wait_for("response_url")[0].args["text"]


@pytest.mark.parametrize(("permalink", "linked"), [
    ("https://acme.slack.com/archives/C1/p1700000000000100", True),
    ("https://x.test|<!channel> look", False),
    ("<!channel>", False),
    ("see the thread in #general", False),
])
def test_a_source_link_written_by_hand_is_a_link_only_when_it_is_one(bot, slack, engine, permalink, linked):
    idea_id = written_by_hand(engine, stage="discovery", source_channel_id="C1", source_message_ts="1.2",
                              source_permalink=permalink)
    with Session(engine) as session:
        session.add(Decision(team_id="T1", idea_id=idea_id, from_stage="candidate", to_stage="discovery",
                             reason=REASON, decided_by="UPM", decided_at=utcnow() - timedelta(hours=1)))
        session.commit()
    preview = bot.slack.command("digest preview", user="UPM").body
    assert "<!channel" not in preview and (f"<{permalink}|original message>" in preview) == linked


def test_a_triage_channel_written_by_hand_is_never_markup_in_a_refusal(make_bot, slack, engine):
    bot = make_bot(pm_user_ids=frozenset({"UPM"}))
    with Session(engine) as session:
        session.add(TeamSettings(team_id="T1", triage_channel="C1><!channel", updated_by="UADMIN"))
        session.commit()
    idea_id = written_by_hand(engine, stage="candidate")
    bot.slack.press({"action_id": "idea_move_discovery", "value": f"{idea_id}:candidate"}, user="U2")
    said = slack.wait_for("response_url")[0].args["text"]
    assert "Only product managers" in said and "<!channel" not in said


def test_a_card_remembered_without_its_channel_is_posted_anew_not_updated_nowhere(bot, slack, engine):
    idea_id = written_by_hand(engine, stage="candidate", triage_message_ts="1700000000.000100")
    card = [{"type": "actions", "elements": [
        {"type": "button", "action_id": "idea_move_discovery", "value": f"{idea_id}:candidate"}]}]
    assert decide(bot, slack, card, "idea_move_discovery").body == ""
    bot.finish_work()
    assert slack.calls("chat.update") == []
    with Session(engine) as session:
        assert session.scalar(text("SELECT triage_channel_id FROM ideas")) == "CTRIAGE"
