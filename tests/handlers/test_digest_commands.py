"""`/idea digest ...`, `/idea stats` and `/idea export` through signed slash commands against the fake Slack."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.digests.schedule import Schedule, in_words, next_run
from models import Decision, Delivery, DigestNowClaim, DigestRun, DigestSubscription, Idea, Person, utcnow
from tests.flows import share_idea, together, wait_until
from tests.handlers.test_close_the_loop import merge_via_card, ship
from tests.handlers.test_triage import REASON, decide


def subscriptions(engine):
    with Session(engine) as session:
        return list(session.scalars(select(DigestSubscription)))


def reply(slack, n=1):
    return slack.wait_for("response_url", n)[n - 1].args


def test_a_pm_subscribes_a_channel_in_their_own_time_zone(bot, slack, engine):
    slack.users["UPM"] = {"tz": "Europe/London"}
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    text = reply(slack)["text"]
    [subscription] = subscriptions(engine)
    assert (subscription.channel_id, subscription.weekday, subscription.minute_of_day, subscription.timezone) == (
        "CPRODUCT", 0, 540, "Europe/London")
    schedule = Schedule(0, 540, "Europe/London")
    assert f"Next digest: {in_words(next_run(schedule, utcnow()), schedule)}" in text


def test_saying_it_again_changes_the_schedule_and_scope(bot, slack, engine):
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    reply(slack)
    bot.slack.command("digest here weekly friday 16:30 only-this-channel", user="UPM", channel="CPRODUCT")
    assert "Friday at 16:30" in reply(slack, 2)["text"]
    [subscription] = subscriptions(engine)
    assert (subscription.weekday, subscription.minute_of_day, subscription.only_this_channel) == (4, 990, True)


def test_bad_day_or_time_gets_an_example(bot, slack, engine):
    bot.slack.command("digest here someday 9am", user="UPM", channel="CPRODUCT")
    assert "/idea digest here weekly monday 09:00" in reply(slack)["text"]
    assert subscriptions(engine) == []


@pytest.mark.parametrize(
    "options, said",
    [
        ("weekly funday 25:61", "\u201cfunday\u201d"),
        ("friday 16:30pm", "\u201c16:30pm\u201d"),
        ("monthly", "\u201cmonthly\u201d"),
        ("friday monday 10:00", "two days, \u201cfriday\u201d and \u201cmonday\u201d"),
        ("fri 10:00 11:30", "two times, \u201c10:00\u201d and \u201c11:30\u201d"),
        ("&lt;!channel&gt; *now*", "\u201c&lt;!channel&gt;\u201d"),  # typed by hand: Slack sends entities
        ("friday <@U2>", "\u201c&lt;@u2&gt;\u201d"),
        ("x" * 4000, "\u201c" + "x" * 39 + "\u2026\u201d"),
    ],
    ids=["bad-day-and-time", "am-pm-on-24h", "monthly", "two-days", "two-times", "mention", "user", "long"],
)
def test_options_that_are_not_one_day_and_one_time_are_refused_and_quoted_back_inert(bot, slack, engine, options,
                                                                                     said):
    bot.slack.command(f"digest here {options}", user="UPM", channel="CPRODUCT")
    text = reply(slack)["text"]
    assert said in text and "/idea digest here weekly monday 09:00" in text
    assert "<!" not in text and "<@" not in text and len(text) < 400
    assert subscriptions(engine) == []


@pytest.mark.parametrize("options, only_here", [
    ("friday Friday 16:30.", False), ("weekly, fri, 16:30!", False), ("16:30 fri weekly weekly", False),
    ("fri 16:30 only this channel", True), ("Only this channel, fri 16:30", True),
    ("fri 16:30 this channel only.", True), ("fri 16:30 in this channel only", True),
    ("just this channel, fri 16:30", True), ("fri 16:30 for this channel only", True),
])
def test_the_same_day_or_time_said_twice_or_with_a_full_stop_is_understood(bot, slack, engine, options, only_here):
    bot.slack.command(f"digest here {options}", user="UPM", channel="CPRODUCT")
    assert "Friday at 16:30" in reply(slack)["text"]
    [subscription] = subscriptions(engine)
    assert (subscription.weekday, subscription.minute_of_day, subscription.only_this_channel) == (4, 990, only_here)


@pytest.mark.parametrize("options, weekday, minute", [
    ("weekly friday 4:30pm", 4, 16 * 60 + 30), ("fri 9am", 4, 9 * 60), ("fri 9 am", 4, 9 * 60),
    ("fri 12pm", 4, 12 * 60), ("fri 12am", 4, 0), ("fri 4.30pm", 4, 16 * 60 + 30), ("Fri 4:30 P.M.", 4, 16 * 60 + 30),
    ("every friday at 9 a.m.", 4, 9 * 60), ("fridays at noon", 4, 12 * 60), ("on tuesdays at 8:15am", 1, 8 * 60 + 15),
    ("\uff46\uff52\uff49 \uff11\uff16\uff1a\uff13\uff10", 4, 16 * 60 + 30),  # an input method's full-width
])
def test_a_time_as_people_type_it_is_understood(bot, slack, engine, options, weekday, minute):
    """12-hour times (with or without a space, dots or capitals), "every … at …", plural days, full width."""
    bot.slack.command(f"digest here {options}", user="UPM", channel="CPRODUCT")
    hours, minutes = divmod(minute, 60)
    assert f"at {hours:02d}:{minutes:02d}" in reply(slack)["text"]
    [subscription] = subscriptions(engine)
    assert (subscription.weekday, subscription.minute_of_day) == (weekday, minute)


@pytest.mark.parametrize("options, said", [
    ("fri 13pm", "\u201c13pm\u201d is not on a 12-hour clock: say `1pm` or `13:00`"),
    ("fri 0am", "I didn't understand \u201c0am\u201d"),
    ("fri 16:30pm", "say `4:30pm` or `16:30`"),
    ("friday at 10", "\u201c10\u201d could be morning or evening: say `10am`, `10pm` or `10:00`"),
])
def test_a_time_that_is_none_or_a_guess_is_refused_with_the_example(bot, slack, engine, options, said):
    bot.slack.command(f"digest here {options}", user="UPM", channel="CPRODUCT")
    text = reply(slack)["text"]
    assert said in text and "/idea digest here weekly monday 09:00" in text
    assert subscriptions(engine) == []


def test_only_pms_set_up_digests(bot, slack, engine):
    for words in ("digest here", "digest off", "digest now"):
        bot.slack.command(words, user="U2", channel="CPRODUCT")
    bot.finish_work()
    assert all("Only product managers" in c.args["text"] for c in slack.calls("response_url"))
    assert subscriptions(engine) == [] and slack.calls("chat.postMessage") == []


def test_the_bot_joins_a_public_channel_and_asks_to_be_invited_to_a_private_one(bot, slack, engine):
    slack.channels["CPUBLIC"] = {"is_member": False}
    slack.channels["CSECRET"] = {"exists": False}  # private and the bot is not in it: Slack says not found
    bot.slack.command("digest here", user="UPM", channel="CPUBLIC")
    reply(slack)
    assert [c.args["channel"] for c in slack.calls("conversations.join")] == ["CPUBLIC"]
    bot.slack.command("digest here", user="UPM", channel="CSECRET")
    assert "/invite @outcome-bot" in reply(slack, 2)["text"]
    assert [s.channel_id for s in subscriptions(engine)] == ["CPUBLIC"]


def test_a_channel_shared_with_another_organisation_gets_only_its_own_ideas(bot, slack, engine):
    """Slack Connect: the workspace's week (ideas from private channels and DMs, and the PMs' reasons) is not
    posted where another organisation reads; the channel's own ideas are."""
    slack.channels["CSHARED"] = {"is_ext_shared": True}
    share_idea(bot, slack, channel="CPRIVATE", outcome="Payroll closes two days sooner")
    bot.slack.command("digest here", user="UPM", channel="CSHARED")
    assert "shared with another organisation" in reply(slack)["text"]
    bot.slack.command("digest now", user="UPM", channel="CSHARED")
    assert "shared with another organisation" in reply(slack, 2)["text"]
    assert subscriptions(engine) == []
    bot.slack.command("digest here only-this-channel", user="UPM", channel="CSHARED")
    reply(slack, 3)
    assert [(s.channel_id, s.only_this_channel) for s in subscriptions(engine)] == [("CSHARED", True)]
    bot.slack.command("digest now", user="UPM", channel="CSHARED")
    posted = slack.wait_for("chat.postMessage", 2)
    bot.finish_work()
    shown = str([c.args for c in slack.calls("chat.postMessage") if c.args["channel"] == "CSHARED"])
    assert shown != "[]" and "Payroll" not in shown, posted


def test_a_digest_channel_shared_later_with_another_organisation_keeps_to_its_own_ideas(bot, slack, engine):
    """The channel is shared (Slack Connect) after its workspace-wide digest was set up: from then on it tells only
    the channel's own ideas, and whoever set it up hears so, once however often Slack delivers the event."""
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    reply(slack)
    shared = {"type": "channel_shared", "connected_team_id": "T0OTHER", "channel": "CPRODUCT",
              "event_ts": "1700000000.000100"}
    retried = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    together(lambda: bot.slack.event(shared, event_id="EvSHARED"),  # a retry arriving while the first is read
             lambda: bot.slack.event(shared, event_id="EvSHARED", headers=retried))
    bot.slack.event(shared, event_id="EvSHARED", headers={**retried, "X-Slack-Retry-Num": "2"})
    bot.finish_work()
    assert [(s.channel_id, s.only_this_channel) for s in subscriptions(engine)] == [("CPRODUCT", True)]
    told = [c.args["text"] for c in slack.calls("chat.postMessage") if c.args["channel"] == "UPM"]
    assert len([t for t in told if "shared with another organisation" in t]) == 1, told


def test_off_stops_it(bot, slack, engine):
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    reply(slack)
    bot.slack.command("digest off", user="UPM", channel="CPRODUCT")
    assert "no more digests" in reply(slack, 2)["text"]
    assert subscriptions(engine) == []


def test_two_pms_saying_off_at_once_stop_it_once_and_the_other_hears_it_was_off(make_bot, slack, engine):
    from ui.digests import DIGEST_OFF, DIGEST_WAS_OFF

    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    for _ in range(3):  # a race: several rounds, each a fresh subscription
        before = len(slack.calls("response_url")) + 1
        bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
        slack.wait_for("response_url", before)  # its reply, before the two offs
        assert len(subscriptions(engine)) == 1
        together(*(lambda user=user: bot.slack.command("digest off", user=user, channel="CPRODUCT")
                   for user in ("UPM", "UPM2")))
        told = sorted(c.args["text"] for c in slack.wait_for("response_url", before + 2)[before:])
        assert told == sorted([DIGEST_OFF, DIGEST_WAS_OFF]) and subscriptions(engine) == []


def test_preview_shows_the_caller_what_would_be_posted_and_now_posts_it(bot, slack, engine):
    share_idea(bot, slack, outcome="Finance closes the month <!here> sooner")
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    reply(slack)
    preview = bot.slack.command("digest preview", user="U2", channel="CPRODUCT").json()  # answered at once
    assert preview["response_type"] == "ephemeral"
    assert "New candidates waiting" in str(preview["blocks"]) and "&lt;!here&gt;" in str(preview["blocks"])

    bot.slack.command("digest now", user="UPM", channel="CPRODUCT")
    posted = [c.args for c in slack.wait_for("chat.postMessage", 3) if c.args["channel"] == "CPRODUCT"]
    assert posted[0]["blocks"] == preview["blocks"]
    def recorded() -> bool:  # marked after the post returns: wait for it rather than race it
        with Session(engine) as session:
            return session.scalar(select(DigestRun.message_ts).where(DigestRun.posted_at.is_not(None))) is not None

    wait_until(recorded)


@pytest.mark.parametrize("subscribed", [False, True], ids=["one-off", "subscribed"])
@pytest.mark.parametrize("at_once", [False, True], ids=["one-after-the-other", "at-once"])
def test_digest_now_typed_twice_posts_one_digest_and_says_so(bot, slack, engine, subscribed, at_once):
    from ui.digests import DIGEST_JUST_POSTED

    share_idea(bot, slack)
    if subscribed:
        bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
        reply(slack)
    told = len(slack.calls("response_url"))
    now = lambda: bot.slack.command("digest now", user="UPM", channel="CPRODUCT")  # noqa: E731
    together(now, now) if at_once else (now(), now())
    bot.deliver()
    wait_until(lambda: len(slack.calls("response_url")) > told)
    bot.finish_work()
    posted = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == "CPRODUCT"]
    assert len(posted) == 1
    assert [c.args["text"] for c in slack.calls("response_url")[told:]] == [DIGEST_JUST_POSTED]


def test_digest_now_typed_while_the_scheduled_digest_is_owed_says_so_and_the_week_goes_out_once(make_bot, slack,
                                                                                                 model, engine):
    """The model writes the paragraph of the PM's `digest now` (it takes a while) when the scheduler's tick owes
    the channel's scheduled digest: that one goes out, the PM's does not repeat the week, and the PM hears so."""
    from models import make_sessions
    from runtime.scheduled import owe_due_digests
    from ui.digests import DIGEST_JUST_POSTED

    bot = make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=5.0, digest_summary=True)
    assert decide(bot, slack, share_idea(bot, slack)["blocks"], "idea_move_discovery").body == ""
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    reply(slack)
    due = utcnow() - timedelta(minutes=5)  # its time came five minutes ago, and the tick is only now
    with Session(engine) as session, session.begin():
        session.execute(update(DigestSubscription).values(
            weekday=due.weekday(), minute_of_day=due.hour * 60 + due.minute, timezone="UTC"))
    model.answers["DigestIntro"] = {"paragraph": "One idea is waiting."}
    model.delay, model.requests[:] = 2.5, []
    told = len(slack.calls("response_url"))
    bot.slack.command("digest now", user="UPM", channel="CPRODUCT")
    wait_until(lambda: model.requests)  # the PM's digest is being written
    assert owe_due_digests(make_sessions(engine), None, utcnow(), bot.sender.wake) == 1
    wait_until(lambda: len(slack.calls("response_url")) > told)
    bot.finish_work()
    assert [c.args["text"] for c in slack.calls("response_url")[told:]] == [DIGEST_JUST_POSTED]
    assert len([c for c in slack.calls("chat.postMessage") if c.args["channel"] == "CPRODUCT"]) == 1


def test_digest_now_a_minute_after_the_last_posts_again(bot, slack, engine):
    from models import Delivery

    bot.slack.command("digest now", user="UPM", channel="CPRODUCT")
    wait_until(lambda: slack.calls("chat.postMessage"))
    bot.deliver()
    with Session(engine) as session, session.begin():  # two minutes pass
        session.execute(update(Delivery).values(created_at=utcnow() - timedelta(minutes=2)))
        session.execute(update(DigestNowClaim).values(claimed_at=utcnow() - timedelta(minutes=2)))
    bot.slack.command("digest now", user="UPM", channel="CPRODUCT")
    wait_until(lambda: len(slack.calls("chat.postMessage")) == 2)


def test_an_idea_shipped_this_week_is_in_the_digest_not_a_quiet_week(bot, slack, engine):
    """Shipping is a decision like any other: the week it happens, the digest says so, with the reason."""
    ship(bot, slack, share_idea(bot, slack, outcome="Finance closes the month a day sooner"))
    with Session(engine) as session, session.begin():  # it arrived and went to delivery last month
        session.execute(update(Idea).values(created_at=utcnow() - timedelta(days=40)))
        session.execute(update(Decision).where(Decision.to_stage != "shipped")
                        .values(decided_at=utcnow() - timedelta(days=30)))
    preview = bot.slack.command("digest preview", user="UPM", channel="CPRODUCT").json()
    said = str(preview["blocks"])
    assert "quiet week" not in preview["text"] and "1 shipped" in preview["text"]
    assert "Shipped" in said and "Finance closes the month a day sooner" in said and REASON.split(" &")[0] in said


def test_a_merge_is_in_the_digest_with_its_reason_and_the_idea_it_went_into(bot, slack, engine):
    """A merge is a decision with a reason: the channel hears which idea now carries the need."""
    share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner")
    dupe = share_idea(bot, slack, user="U3", outcome="Month-end close takes a day less")
    assert merge_via_card(bot, slack, dupe, {"target": "1", "reason": "Both ask for a faster close"}).body == ""
    preview = bot.slack.command("digest preview", user="UPM", channel="CPRODUCT").json()
    said = str(preview["blocks"])
    assert "1 merged" in preview["text"]
    assert "Merged" in said and "Month-end close takes a day less" in said and "merged into #1" in said
    assert "Both ask for a faster close" in said


def test_stats_for_everyone_and_export_for_pms(bot, slack, engine):
    share_idea(bot, slack, outcome='Finance, "ops" close sooner\nünïcödé')
    stats = bot.slack.command("stats", user="U2").json()  # answered at once
    assert "Ideas with a stated outcome and problem: 100% (1 of 1)" in str(stats["blocks"])
    lines = stats["blocks"][0]["text"]["text"].splitlines()
    assert "• Outcome hit rate: n/a (no outcome reviewed yet)" in lines  # nothing reviewed: no dangling "met"

    bot.slack.command("export", user="U2")
    assert "Only product managers" in reply(slack)["text"]
    bot.slack.command("export", user="UPM")
    assert "Sending you a CSV of 1 idea in a direct message" in reply(slack, 2)["text"]
    [upload] = slack.wait_for("files.completeUploadExternal")
    assert upload.args["initial_comment"] == "Here is the 1 idea, with its stage, supporters and decisions."
    assert upload.args["channel_id"] == "DUPM"
    [row] = csv.DictReader(io.StringIO(slack.uploads[upload.args["files"][0]["id"]].decode()))
    assert row["outcome"] == 'Finance, "ops" close sooner\nünïcödé'


def test_two_pms_saying_digest_here_at_once_subscribe_the_channel_once_and_both_hear_when(make_bot, slack, engine):
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    for channel in ("CPRODUCT", "CDESIGN", "CSALES"):
        before = len(slack.calls("response_url"))
        together(*(lambda user=user, channel=channel: bot.slack.command("digest here", user=user, channel=channel)
                   for user in ("UPM", "UPM2")))
        said = [c.args["text"] for c in slack.wait_for("response_url", before + 2)[before:]]
        assert all("Next digest" in text for text in said), said
    assert sorted(s.channel_id for s in subscriptions(engine)) == ["CDESIGN", "CPRODUCT", "CSALES"]


def test_digest_here_while_slack_cannot_say_the_pms_time_zone_keeps_the_channels_else_asks_to_try_again(
        bot, slack, engine):
    slack.users["UPM"] = {"tz": "Europe/London"}
    bot.slack.command("digest here friday 9am", user="UPM", channel="CPRODUCT")
    assert "Next digest" in reply(slack)["text"]
    with Session(engine) as session, session.begin():  # what Slack said is an hour old: it is asked again
        session.execute(update(Person).values(checked_at=utcnow() - timedelta(hours=1)))
    slack.fail("users.info", "internal_error", status=503, times=None)
    bot.slack.command("digest here friday 9am only-this-channel", user="UPM", channel="CPRODUCT")
    assert "Europe/London" in reply(slack, 2)["text"]
    [subscription] = subscriptions(engine)
    assert (subscription.timezone, subscription.minute_of_day, subscription.only_this_channel) == (
        "Europe/London", 540, True)
    bot.slack.command("digest here", user="UPM", channel="CDESIGN")  # what Slack said this week will do
    assert "Europe/London" in reply(slack, 3)["text"]
    with Session(engine) as session, session.begin():
        session.execute(update(Person).values(checked_at=utcnow() - timedelta(days=8)))
    bot.slack.command("digest here", user="UPM", channel="CSALES")
    assert "Slack did not answer" in reply(slack, 4)["text"]
    assert sorted((s.channel_id, s.timezone) for s in subscriptions(engine)) == [
        ("CDESIGN", "Europe/London"), ("CPRODUCT", "Europe/London")]


def test_digest_off_while_the_digest_waits_on_slack_posts_it_no_more(bot, slack, engine):
    """The week's digest is being retried (Slack down) when a PM says off: "no more digests" holds for it too."""
    share_idea(bot, slack)
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    reply(slack)
    slack.fail("chat.postMessage", "internal_error", status=503, times=3, match={"channel": "CPRODUCT"})
    bot.slack.command("digest now", user="UPM", channel="CPRODUCT")

    def waiting_to_try_again() -> bool:
        with Session(engine) as session:
            return session.scalar(select(Delivery.id).where(
                Delivery.key == "digest:CPRODUCT", Delivery.state == "pending", Delivery.error.is_not(None),
                Delivery.lease_until.is_(None))) is not None

    wait_until(waiting_to_try_again)
    bot.slack.command("digest off", user="UPM", channel="CPRODUCT")
    assert "no more digests" in reply(slack, 2)["text"]
    bot.finish_work()
    assert [c for c in slack.calls("chat.postMessage") if c.args["channel"] == "CPRODUCT" and c.ok] == []
