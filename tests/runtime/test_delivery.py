"""What the bot owes people arrives once, whatever Slack does: rate limits, outages, dropped and hung
connections, restarts, and refusals that will never go away (which PMs then see)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.settings import Settings
from models import Delivery, make_sessions, utcnow
from runtime import outbox
from runtime.sender import Sender
from runtime.slack import sender_clients
from tests.flows import GOOD, cards, ideas, open_modal, share_idea, submit_keeping_my_words, wait_until
from tests.handlers.test_triage import decide, open_home
from tests.slack_requests import buttons


def dms(slack, user):
    return [m for m in slack.messages("D" + user)]


def share(bot, slack, user="U1", channel="C1"):
    """Submits an idea without waiting for its card (which may be held up on purpose)."""
    reply = submit_keeping_my_words(bot, open_modal(bot, slack, channel=channel), GOOD, user=user)
    assert reply.status == 200 and reply.body == ""


def test_a_rate_limit_holds_messages_back_without_holding_up_anyone(make_bot, slack):
    bot = make_bot()
    slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "2"}, times=3)
    share(bot, slack)
    slack.wait_for("chat.postMessage")  # the first attempt met the rate limit
    # Meanwhile twenty people use /idea: each is answered at once and gets the form.
    started = time.monotonic()
    replies = [bot.slack.command(f"Idea number {n}", user=f"U{n + 10}") for n in range(20)]
    assert all(r.status == 200 for r in replies) and time.monotonic() - started < 5
    slack.wait_for("views.open", 21, timeout=15)  # the forms: what is timed is the acks, above
    bot.deliver()
    wait_until(lambda: len(dms(slack, "U1")) == 1 and len(slack.messages("CTRIAGE")) == 1, timeout=15)
    bot.finish_work()
    limited = [c for c in slack.calls("chat.postMessage") if c.error == "ratelimited"]
    delivered = [c for c in slack.calls("chat.postMessage") if c.ok]
    assert len(delivered) == 2
    assert min(c.at for c in delivered) - min(c.at for c in limited) >= 2.0  # Retry-After was honoured
    # Nothing went out while a 429 already answered held messages back. (Two rows due together when the hold
    # ends go out together: one may meet the limit again in the same moment the other gets through.)
    assert not [(d.at, c.at) for d in delivered for c in limited if c.at + 0.05 < d.at < c.at + 2.0]
    assert len(dms(slack, "U1")) == 1 and len(slack.messages("CTRIAGE")) == 1


def test_acks_and_forms_stay_fast_when_slack_is_slow(make_bot, slack):
    bot = make_bot()
    slack.latency = 1.0  # every Slack call takes a second
    answered: list[float] = []

    def use_idea(n: int) -> None:
        started = time.monotonic()
        reply = bot.slack.command(f"Idea {n}", user=f"U{n + 10}")
        answered.append(time.monotonic() - started)
        assert reply.status == 200

    threads = [threading.Thread(target=use_idea, args=(n,)) for n in range(24)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    opened = slack.wait_for("views.open", 24, timeout=10)
    assert max(answered) < 3.0  # Slack's deadline for the ack
    assert max(call.at for call in opened) - started < 3.0  # every trigger still valid when used


@pytest.mark.parametrize("mode", ["drop", "drop_after", "hang_after"])
def test_a_dropped_or_unanswered_call_is_delivered_once(make_bot, slack, engine, mode):
    bot = make_bot(slack_timeout=1.0)
    slack.fail("chat.postMessage", mode=mode, match={"channel": "U1"}, times=1, hang_seconds=3)
    share(bot, slack)
    wait_until(lambda: len(dms(slack, "U1")) == 1 and cards(slack), timeout=15)
    bot.finish_work()
    assert len(dms(slack, "U1")) == 1  # posted once, even when Slack had it and we never heard
    assert len(slack.messages("CTRIAGE")) == 1
    assert ideas(engine)[0].triage_message_ts is not None


@pytest.mark.parametrize(("method", "mode"), [("files.completeUploadExternal", "drop_after"),
                                              ("files.completeUploadExternal", "hang_after"),
                                              ("files.completeUploadExternal", "drop"),
                                              ("files.getUploadURLExternal", "drop_after")])
def test_an_export_whose_upload_went_unanswered_reaches_the_pm_once(make_bot, slack, engine, method, mode):
    """A file carries no delivery id: the CSV already shared is found in the DM by its name and title."""
    bot = make_bot(slack_timeout=1.0)
    share_idea(bot, slack, user="U1")
    slack.fail(method, mode=mode, times=1, hang_seconds=3)
    bot.slack.command("export", user="UPM")
    wait_until(lambda: _states(engine) == {"sent"}, timeout=20)
    bot.finish_work()
    shared = [m for m in slack.messages("DUPM") if m["text"].startswith("Here is the 1 idea")]
    assert len(shared) == 1, shared
    shared_before_it_failed = method == "files.completeUploadExternal" and mode != "drop"
    assert len(slack.calls(method)) == (1 if shared_before_it_failed else 2)  # tried again only when it had to be


def test_a_dropped_card_redraw_after_a_decision_still_reaches_everyone(bot, slack, engine):
    card = share_idea(bot, slack, user="U1")
    slack.fail("chat.update", mode="drop", times=1)
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""
    wait_until(lambda: len(dms(slack, "U1")) == 2 and any(c.ok for c in slack.calls("chat.update")), timeout=15)
    assert "In discovery" in str(slack.messages("CTRIAGE")[0]["blocks"])


def test_messages_pending_when_the_process_stops_are_sent_once_by_the_next(make_bot, slack, engine):
    first = make_bot()
    slack.fail("chat.postMessage", "service_unavailable", status=503, times=None)
    share(first, slack)
    slack.wait_for("chat.postMessage")
    first.close()  # stopped while Slack was down: the messages wait in the database
    slack.reset()
    second = make_bot()
    wait_until(lambda: len(dms(slack, "U1")) == 1 and len(slack.messages("CTRIAGE")) == 1, timeout=15)
    second.finish_work()
    assert len(slack.calls("chat.postMessage")) == 2


def test_a_call_cut_short_by_a_dying_process_is_not_posted_twice(make_bot, slack, engine):
    """The first process posted the card and died before hearing back: the next finds the post by its
    delivery id and does not post it again."""
    first = make_bot()
    slack.fail("chat.postMessage", mode="hang_after", match={"channel": "CTRIAGE"}, times=1, hang_seconds=30)
    share(first, slack)
    wait_until(lambda: len(slack.messages("CTRIAGE")) == 1)
    first.server.shutdown()  # the process is gone; its sender's lease runs out (here: at once)
    with Session(engine) as session, session.begin():
        session.execute(update(Delivery).where(Delivery.state == "pending")
                        .values(lease_until=utcnow() - timedelta(seconds=1)))
    second = make_bot()
    wait_until(lambda: _states(engine) == {"sent"}, timeout=15)
    second.finish_work()
    assert len(slack.messages("CTRIAGE")) == 1
    assert ideas(engine)[0].triage_message_ts == slack.messages("CTRIAGE")[0]["ts"]
    slack.reset()  # ends the hang; the first sender's late answer changes nothing
    time.sleep(0.2)
    assert _states(engine) == {"sent"}


def _states(engine):
    with Session(engine) as session:
        return set(session.scalars(select(Delivery.state).where(Delivery.method != "job:announce")))


@pytest.mark.parametrize(
    ("channel_state", "words"),
    [
        ({"is_archived": True}, "<#CTRIAGE> is archived"),
        ({"is_member": False, "is_private": True}, "I am not in <#CTRIAGE>: invite me"),
        ({"exists": False}, "I can't see <#CTRIAGE>"),
    ],
)
@pytest.mark.refusals_expected
def test_a_card_slack_will_never_take_is_shown_to_pms_until_resolved(bot, slack, engine, channel_state, words):
    slack.channels["CTRIAGE"] = channel_state
    share(bot, slack)
    wait_until(lambda: dms(slack, "U1"))
    bot.deliver()
    home = open_home(bot, slack, "UPM")
    text = str(home["blocks"])
    assert "1 message could not be delivered" in text and words in text and "#1" in text
    assert "Triage queue" in text and GOOD["outcome"] in text  # the idea still waits for PMs on Home
    assert "could not be delivered" not in str(open_home(bot, slack, "U1")["blocks"])  # PMs only

    slack.channels.clear()  # the PM fixes it (unarchives, invites the bot) and tries again
    bot.slack.press(buttons(home["blocks"])["deliveries_retry"], user="UPM", view={**home, "id": "VHOME"})
    wait_until(lambda: len(slack.messages("CTRIAGE")) == 1, timeout=10)
    assert "could not be delivered" not in str(open_home(bot, slack, "UPM")["blocks"])


def test_a_public_channel_the_bot_is_not_in_is_joined_and_the_card_posted(bot, slack, engine):
    slack.channels["CTRIAGE"] = {"is_member": False}
    share(bot, slack)
    wait_until(lambda: len(slack.messages("CTRIAGE")) == 1)
    assert [c.args["channel"] for c in slack.calls("conversations.join")] == ["CTRIAGE"]


@pytest.mark.parametrize(("error", "status", "headers"), [
    ("ratelimited", 429, {"Retry-After": "1"}),
    ("internal_error", 500, {}),
    ("service_unavailable", 503, {}),
])
def test_a_join_slack_could_not_do_just_now_is_tried_again_not_given_up(bot, slack, engine, error, status, headers):
    """Slack busy or down while joining says nothing about the channel: the card still goes, and PMs
    are not told the bot must be invited."""
    slack.channels["CTRIAGE"] = {"is_member": False}
    slack.fail("conversations.join", error, status=status, headers=headers, times=1)
    share(bot, slack)
    wait_until(lambda: len(slack.messages("CTRIAGE")) == 1, timeout=15)
    assert [c.error for c in slack.calls("conversations.join")] == [error, None]
    assert "could not be delivered" not in str(open_home(bot, slack, "UPM")["blocks"])


def test_someone_who_is_not_a_pm_cannot_retry_or_dismiss(bot, slack, engine):
    button = {"action_id": "deliveries_dismiss", "block_id": "deliveries", "value": None}
    bot.slack.press(button, user="U2", view={"id": "VHOME", "blocks": []})
    assert "Only product managers" in slack.wait_for("response_url")[0].args["text"]


def test_a_dm_slack_refuses_reaches_the_person_in_the_channel_instead(bot, slack, engine):
    slack.fail("chat.postMessage", "restricted_action", match={"channel": "U1"}, times=None)  # no DMs from apps
    share(bot, slack, channel="CSALES")
    wait_until(lambda: cards(slack))
    bot.deliver()
    [ephemeral] = slack.calls("chat.postEphemeral")
    assert (ephemeral.args["channel"], ephemeral.args["user"], ephemeral.ok) == ("CSALES", "U1", True)
    text = str(open_home(bot, slack, "UPM")["blocks"])
    assert "could not be delivered" not in text and "went to its next recipient" in text


@pytest.mark.refusals_expected
def test_a_dm_refused_everywhere_it_could_go_is_shown_as_undelivered(bot, slack, engine):
    slack.users["U1"] = {"deleted": True}  # deactivated: no DMs, and no ephemeral either
    share(bot, slack, channel="CSALES")
    wait_until(lambda: cards(slack))
    bot.deliver()
    [ephemeral] = slack.calls("chat.postEphemeral")
    assert (ephemeral.args["channel"], ephemeral.error) == ("CSALES", "user_not_found")
    text = str(open_home(bot, slack, "UPM")["blocks"])
    assert "1 message could not be delivered" in text and "<@U1> is deactivated" in text
    assert "went to its next recipient" not in text


def test_a_check_in_whose_pm_is_deactivated_goes_to_another_pm_and_the_requester(make_bot, slack, engine):
    from tests.handlers.test_close_the_loop import ask_due_check_ins, ship

    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    slack.users["UPM"] = {"deleted": True}
    assert ask_due_check_ins(bot, utcnow() + timedelta(weeks=4)) == 1
    wait_until(lambda: dms(slack, "UPM2") and dms(slack, "U1"))
    assert "Did this happen?" in str(dms(slack, "UPM2")[-1]["blocks"])
    assert "Did this happen?" in str(dms(slack, "U1")[-1]["blocks"])
    assert ask_due_check_ins(bot, utcnow() + timedelta(weeks=4)) == 0  # asked once, and not lost
    assert "<@UPM> is deactivated" in str(open_home(bot, slack, "UPM2")["blocks"])


def test_a_busy_weeks_digest_is_posted_whole_once_in_the_channel_and_its_thread(bot, slack, engine):
    from bot.decisions import decide as record
    from bot.ideas import IdeaDraft, submit_idea

    reasons = [f"Reason {n:02d}: " + "finance loses a day every month & more " * 12 for n in range(60)]
    with Session(engine) as session, session.begin():
        for n, reason in enumerate(reasons):
            idea, _ = submit_idea(session, team_id="T1", submitter_id="U1",
                                  draft=IdeaDraft(**{**GOOD, "outcome": f"Outcome {n}: " + GOOD["outcome"]}))
            record(session, team_id="T1", idea_id=idea.id, shown_stage="candidate", to_stage="discovery",
                   reason=reason[:500], decided_by="UPM")
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    slack.wait_for("response_url")
    bot.slack.command("digest now", user="UPM", channel="CPRODUCT")
    wait_until(lambda: len(slack.messages("CPRODUCT")) > 2, timeout=10)
    bot.finish_work()
    head, *thread = slack.messages("CPRODUCT")
    assert head["thread_ts"] is None and thread and all(m["thread_ts"] == head["ts"] for m in thread)
    everything = str([m["blocks"] for m in slack.messages("CPRODUCT")])
    for reason in reasons:
        assert reason[:500].replace("&", "&amp;") in everything
    posts = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == "CPRODUCT"]
    assert len(posts) == len(thread) + 1  # each part once


def test_a_long_suggestion_in_any_script_still_reaches_the_form(make_bot, slack):
    from tests.fake_openai import FakeOpenAI

    model = FakeOpenAI()
    model.answers["OutcomeSuggestion"] = {"outcome": "Финансы закрывают месяц на день раньше " * 7,
                                          "problem": "Бухгалтерия вручную собирает отчёт из трёх выгрузок " * 6}
    try:
        bot = make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=2.0)
        bot.slack.command("Добавьте выгрузку в CSV на странице отчётов")
        update = slack.wait_for("views.update")[0]
        assert update.ok and len(update.args["view"]["private_metadata"]) < 300
        assert "Финансы закрывают месяц" in str(update.args["view"]["blocks"])
    finally:
        model.close()


def test_replies_in_memory_do_not_keep_the_sender_from_what_another_process_owes(sender, slack, engine):
    """Replies under buttons wake the sender without touching the outbox; a row another process committed
    (no wake here) still goes out at the next poll, however busy those replies keep it."""
    done = threading.Event()

    def replies() -> None:
        while not done.is_set():
            sender.soon("T1", outbox.reply(slack.response_url(), {"text": "noted"}))
            time.sleep(0.01)  # more often than the sender's poll (0.05 s in tests)

    busy = threading.Thread(target=replies)
    busy.start()
    try:
        slack.wait_for("response_url", 10)
        with make_sessions(engine).begin() as session:
            outbox.owe(session, "T1", outbox.post("C1", {"text": "owed by the scheduler"}))
        wait_until(lambda: any(call.args.get("text") == "owed by the scheduler"
                               for call in slack.calls("chat.postMessage")), timeout=2)
    finally:
        done.set()
        busy.join()


def rate_limit_recorded(engine) -> bool:
    """The sender has written down the 429 (Slack answered it a moment before)."""
    with make_sessions(engine)() as session:
        return session.scalar(select(Delivery.id).where(Delivery.error == outbox.RATE_LIMITED)) is not None


def test_what_is_owed_while_slack_says_wait_waits_too(make_bot, slack, engine):
    """After a 429 with Retry-After, a message owed meanwhile is not sent before Slack said: asking
    sooner would only be refused, and Slack throttles apps that keep asking."""
    bot = make_bot()
    slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "2"}, match={"channel": "U1"})
    share(bot, slack, user="U1")
    wait_until(lambda: rate_limit_recorded(engine))
    share(bot, slack, user="U2")
    wait_until(lambda: len(dms(slack, "U1")) == 1 and len(dms(slack, "U2")) == 1, timeout=15)
    bot.finish_work()
    [limited] = [c for c in slack.calls("chat.postMessage") if c.error == "ratelimited"]
    later = [c for c in slack.calls("chat.postMessage") if c.args.get("channel") in ("U1", "U2")]
    assert all(c.at - limited.at >= 1.9 for c in later if c is not limited), [(c.args["channel"], c.at - limited.at)
                                                                             for c in later]


def test_a_rate_limit_holds_back_what_other_processes_owe(sender, slack, engine):
    """A 429 one process met holds the method back for the workspace in every process: a web worker's
    sender does not ask Slack again while the clock's waits out the Retry-After."""
    other = Sender(make_sessions(engine), sender_clients(Settings(slack_bot_token="xoxb-test",
                                                                   slack_api_url=slack.url)), poll_seconds=0.05)
    slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "2"})
    with make_sessions(engine).begin() as session:
        outbox.owe(session, "T1", outbox.post("C1", {"text": "first"}))
    sender.wake()
    [limited] = slack.wait_for("chat.postMessage")
    wait_until(lambda: rate_limit_recorded(engine))
    other.start()
    try:
        with make_sessions(engine).begin() as session:
            outbox.owe(session, "T1", outbox.post("C2", {"text": "owed meanwhile, elsewhere"}))
        other.wake()
        wait_until(lambda: len([c for c in slack.calls("chat.postMessage") if c.ok]) == 2, timeout=10)
    finally:
        other.stop()
    later = [c for c in slack.calls("chat.postMessage") if c is not limited]
    assert [c.ok for c in later] == [True, True] and min(c.at for c in later) - limited.at >= 1.9


def test_a_rate_limit_on_a_message_holds_back_cards_too(make_bot, slack, engine):
    """A card goes out through chat.postMessage (or chat.update) but is a row of its own: a 429 met by
    any message write holds the triage card back as well, instead of asking Slack again at once."""
    bot = make_bot()
    slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "2"}, times=1)
    with make_sessions(engine).begin() as session:
        outbox.owe(session, "T1", outbox.post("C9", {"text": "an announcement"}))
    bot.deliver()
    [limited] = slack.wait_for("chat.postMessage")
    wait_until(lambda: rate_limit_recorded(engine))
    share(bot, slack)
    wait_until(lambda: len(slack.messages("CTRIAGE")) == 1, timeout=15)
    [card] = [c for c in slack.calls("chat.postMessage") if c.ok and c.args.get("channel") == "CTRIAGE"]
    assert card.at - limited.at >= 1.9


def home(text: str) -> dict:
    return {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def published(slack) -> list[tuple[str, bool]]:
    return [(str(c.args["view"]["blocks"]), c.ok) for c in slack.calls("views.publish")]


def test_a_home_tab_held_up_never_lands_over_a_newer_one(sender, slack):
    """A Home tab whose publish failed is not tried again once a newer one was asked for: its retry would
    show what was true before (an inbox item already dismissed)."""
    slack.fail("views.publish", "internal_error", status=500)
    sender.soon("T1", outbox.home("U1", home("two waiting")))
    slack.wait_for("views.publish")
    sender.soon("T1", outbox.home("U1", home("one waiting")))
    wait_until(lambda: any(ok for _, ok in published(slack)))
    time.sleep(2.5)  # past the first one's retry
    assert [("one" in view, ok) for view, ok in published(slack)] == [(False, False), (True, True)]


def test_home_tabs_of_one_person_go_one_at_a_time(sender, slack):
    """Two publishes of one Home tab in flight together reach Slack in either order; the newer waits."""
    slack.set_latency(0.5, "views.publish")
    sender.soon("T1", outbox.home("U1", home("before")))
    slack.wait_for("views.publish")
    sender.soon("T1", outbox.home("U1", home("after")), outbox.home("U2", home("someone else")))
    calls = slack.wait_for("views.publish", 3)
    first, *others = calls
    [mine] = [c for c in others if c.args["user_id"] == "U1"]
    [theirs] = [c for c in others if c.args["user_id"] == "U2"]
    assert "after" in str(mine.args["view"]) and mine.at - first.at >= 0.45
    assert theirs.at - first.at < 0.4  # another person's Home does not wait
    wait_until(lambda: not sender.busy)


@pytest.mark.parametrize("replies", [3, 450])
def test_a_thread_reply_we_never_heard_back_from_is_found_in_a_long_thread(make_bot, slack, engine, replies):
    """A decision told in the thread of the message an idea came from, posted by Slack but its answer lost: the
    retry looks for it in the thread (oldest first, a page at a time) and finds it however long the thread is."""
    bot = make_bot(slack_timeout=1.0)
    poster = WebClient(token="xoxb-test", base_url=slack.url)
    ts = poster.chat_postMessage(channel="CSALES", text="Could we export the reports page as CSV?")["ts"]
    for n in range(replies):
        poster.chat_postMessage(channel="CSALES", thread_ts=ts, text=f"+1 from team {n}")
    bot.slack.message_shortcut({"type": "message", "user": "U1", "ts": ts, "text": "Could we export the reports "
                                "page as CSV?"}, user="U1", channel="CSALES")
    view = slack.wait_for("views.open")[-1].args["view"]
    assert submit_keeping_my_words(bot, view, GOOD, user="U1").body == ""
    wait_until(lambda: cards(slack))
    bot.deliver()
    slack.fail("chat.postMessage", mode="drop_after", match={"channel": "CSALES", "thread_ts": ts}, times=1)
    assert decide(bot, slack, cards(slack)[-1]["blocks"], "idea_move_discovery").body == ""
    wait_until(lambda: _states(engine) == {"sent"}, timeout=15)
    bot.finish_work()
    told = [m for m in slack.messages("CSALES") if m.get("thread_ts") == ts and "discovery" in str(m).lower()]
    assert len(told) == 1
