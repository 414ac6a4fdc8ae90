"""The feedback inbox and customer evidence as PMs and stakeholders meet them, end to end: what each place
says about an idea's evidence, and what a PM's press does when the inbox or the idea changed meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.feedback import corrections
from models import Idea, WithdrawnMessage, make_sessions
from runtime import outbox
from runtime.sender import Sender
from tests.flows import ideas, open_modal, share_idea, submit_keeping_my_words, wait_until
from tests.handlers.test_feedback import (
    CSV_IDEA,
    csv_idea,
    inbox_group,
    insights,
    integration_post,
    listen_here,
    open_home,
    settled,
)
from tests.handlers.test_triage import decide
from tests.slack_requests import buttons

SAID = "+1 person, 1 customer mention"
SURFACES = {
    "card": lambda bot, slack: str(slack.calls("chat.update")[-1].args["blocks"]),
    "home line": lambda bot, slack: str(open_home(bot, slack, "U1")["blocks"]),
    "/idea list": lambda bot, slack: str(bot.slack.command("list", user="U1").json()["blocks"]),
    "digest item": lambda bot, slack: str(bot.slack.command("digest preview", user="UPM").json()["blocks"]),
}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_every_place_that_shows_an_idea_counts_its_supporters_and_customers_alike(bot, slack, engine, surface):
    """README: the card, the Home line, the digest item and the export say "+3 people, 7 customer mentions"."""
    card = csv_idea(bot, slack)
    listen_here(bot, slack)
    bot.slack.event(integration_post())
    settled(bot, engine, 1)
    opened = len(slack.calls("views.open"))
    bot.slack.press(buttons(card["blocks"])["support_idea"], user="U2", channel="CTRIAGE")
    bot.slack.submit_view(slack.wait_for("views.open", opened + 1)[-1].args["view"], {"evidence": "me too"}, user="U2")
    wait_until(lambda: SAID in str(slack.calls("chat.update")[-1].args["blocks"]))
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""  # so the digest has it
    wait_until(lambda: ideas(engine)[0].stage == "discovery")
    bot.deliver()
    assert SAID in SURFACES[surface](bot, slack)


def merge(engine, source_id: int, target_id: int) -> None:
    from bot.merge import merge as merge_ideas

    with Session(engine) as session, session.begin():
        source = session.get(Idea, source_id)
        merge_ideas(session, team_id="T1", source_id=source_id, shown_stage=source.stage, target_id=target_id,
                    reason="same need", decided_by="UPM")


def test_attaching_to_an_idea_merged_meanwhile_attaches_to_the_idea_it_went_into(bot, slack, engine):
    """A PM's Home still offers #1 after another PM merged it into #2: the request follows the merge (as a +1
    pressed on the old card does), rather than the PM being told #1 is closed and left to find #2."""
    csv_idea(bot, slack)
    share_idea(bot, slack, outcome="Finance stops copying numbers by hand every month")
    listen_here(bot, slack)
    bot.slack.event(integration_post("Would love a calendar view of all bookings in the admin panel."))
    waiting = settled(bot, engine, 1)[0]
    group = inbox_group(open_home(bot, slack))
    menu = {**next(e for e in group["elements"] if e["type"] == "static_select"), "block_id": group["block_id"]}
    merged, target = (i.id for i in ideas(engine))
    merge(engine, merged, target)
    updates = len(slack.calls("chat.update"))
    bot.slack.select(menu, str(merged), user="UPM")
    wait_until(lambda: insights(engine)[0].state != "inbox")
    assert [(i.id, i.state, i.idea_id) for i in insights(engine)] == [(waiting.id, "attached", target)]
    assert [i.customer_mentions for i in ideas(engine)] == [0, 1]
    redrawn = slack.wait_for("chat.update", updates + 1)[-1].args
    assert "1 customer mention" in str(redrawn["blocks"]) and f"#{target}" in redrawn["text"]


def test_a_request_dismissed_while_a_pm_made_it_an_idea_becomes_that_idea_and_no_correction(make_bot, slack, engine):
    """PM A opens Make it an idea; PM B calls the same request not a request; A submits. A read it and made an idea
    of it: it is the idea's first customer mention, and not a "not a request" label for the detector's corpora."""
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    listen_here(bot, slack)
    bot.slack.event(integration_post("Please bring back the weekly summary email, my boss only read that."))
    waiting = settled(bot, engine, 1)[0]
    make = buttons(open_home(bot, slack)["blocks"])["inbox_make_idea"]
    bot.slack.press(make, user="UPM", channel=None, message_ts=None)
    form = slack.wait_for("views.open")[-1].args["view"]
    bot.slack.press({"action_id": "inbox_not_a_request", "value": str(waiting.id)}, user="UPM2", channel=None,
                    message_ts=None)
    wait_until(lambda: insights(engine)[0].state == "not_a_request")
    assert submit_keeping_my_words(bot, form, CSV_IDEA, user="UPM").body == ""
    wait_until(lambda: ideas(engine))
    bot.finish_work()
    idea = ideas(engine)[0]
    assert [(i.state, i.idea_id) for i in insights(engine)] == [("idea", idea.id)]
    assert (idea.customer_mentions, idea.source_permalink) == (1, waiting.permalink)
    with Session(engine) as session:
        assert corrections(session, "T1") == []


@pytest.mark.parametrize(("posts", "pulse"), [
    (["Score 2: Please add a CSV export to the reports page. The reports page should let me export a CSV file, I "
      "copy numbers by hand every month."], "1 customer mention received, 1 on ideas in discovery or delivery"),
    (["Please add a CSV export to the reports page, month end is painful.",
      "Please add a dark mode to the app. Also please add a CSV export to the reports page."],
     "2 customer mentions received, 2 on ideas in discovery or delivery"),
], ids=["one review asking twice", "two reviews, one also asking for something else"])
def test_the_digests_pulse_counts_customer_mentions_as_the_idea_does(bot, slack, engine, posts, pulse):
    """A message that asks twice is one customer mention on the idea, so the pulse counts it once too."""
    card = csv_idea(bot, slack)
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""
    listen_here(bot, slack)
    for post in posts:
        bot.slack.event(integration_post(post))
    found = settled(bot, engine, len(posts) + 1)
    assert ideas(engine)[0].customer_mentions == len(posts), [(i.text, i.state) for i in found]
    assert pulse in bot.slack.command("digest preview", user="UPM").body


def test_a_request_matched_to_an_idea_merged_while_it_was_being_matched_follows_the_merge(bot, slack, engine):
    """The matching job chose #1 from the open ideas; #1 was merged into #2 before it stored its choice (Slack
    was slow with the permalink): the request is #2's customer mention, not left in the inbox."""
    csv_idea(bot, slack)  # #1, which the review asks for in its words
    view = open_modal(bot, slack, "Month-end close from one screen", user="UPM")  # #2, which it does not
    closing = {"outcome": "Finance closes the month from one screen", "problem": "Closing means visiting five screens"}
    assert submit_keeping_my_words(bot, view, closing).body == ""
    wait_until(lambda: len(ideas(engine)) == 2)
    listen_here(bot, slack)
    slack.set_latency(1.5, "chat.getPermalink")
    asked = len(slack.calls("chat.getPermalink"))
    bot.slack.event(integration_post())
    slack.wait_for("chat.getPermalink", asked + 1)  # the job has read the open ideas, and waits for Slack
    chosen, target = (i.id for i in ideas(engine))
    merge(engine, chosen, target)
    found = settled(bot, engine, 1)
    assert [(i.state, i.idea_id) for i in found] == [("attached", target)]
    assert [i.customer_mentions for i in ideas(engine)] == [0, 1]


def test_not_a_request_on_a_request_another_pm_sorted_says_so(make_bot, slack, engine):
    """PM B's Home is stale: PM A attached the request to an idea. B's Not a request must not let B believe the
    detector was corrected (nothing changed): B is told, as Attach and Make it an idea tell."""
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    csv_idea(bot, slack)
    listen_here(bot, slack)
    bot.slack.event(integration_post("Would love a calendar view of all bookings in the admin panel."))
    waiting = settled(bot, engine, 1)[0]
    group = inbox_group(open_home(bot, slack, "UPM2"))
    dismiss = next(e for e in group["elements"] if e["action_id"] == "inbox_not_a_request")
    menu = {**next(e for e in group["elements"] if e["type"] == "static_select"), "block_id": group["block_id"]}
    bot.slack.select(menu, str(ideas(engine)[0].id), user="UPM")
    wait_until(lambda: insights(engine)[0].state == "attached")
    told = len(slack.calls("response_url"))
    bot.slack.press(dismiss, user="UPM2")
    assert "Someone has dealt with that feedback already" in slack.wait_for("response_url", told + 1)[-1].args["text"]
    assert [(i.id, i.state) for i in insights(engine)] == [(waiting.id, "attached")]


def test_a_long_review_read_with_a_slow_model_is_matched_whole(make_bot, slack, engine, model, monkeypatch):
    """A review asking for eight things, a model taking its time over each: the matching outlasts the sender's
    lease on its job, and another process's sender takes the job over. What was matched is kept as it goes, so
    an attempt finishes the rest, rather than every attempt starting over and losing its work to the next."""
    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=2))
    bot = make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_embedding_model="embed",
                   openai_timeout=5.0)
    csv_idea(bot, slack)
    listen_here(bot, slack)
    model.answers["SameNeed"] = {"same_need": [ideas(engine)[0].id]}
    model.delay = 1.0
    asks = ["a CSV export of the reports page", "a dark mode", "an Apple Watch app", "Outlook calendar sync",
            "SSO with Okta", "a PDF export of invoices", "bulk editing of bookings", "a weekly summary email"]
    other = Sender(make_sessions(engine), bot.deps.sender.clients, jobs=bot.deps.sender.jobs, poll_seconds=0.05)
    other.start()  # a second process's sender (web workers and the clock each run one)
    try:
        bot.slack.event(integration_post(" ".join(f"Please add {ask}." for ask in asks)))
        wait_until(lambda: any(i.state != "new" for i in insights(engine)), 4)  # a whole attempt takes 8 s
        wait_until(lambda: len(found := insights(engine)) == len(asks) and all(i.state != "new" for i in found), 30)
    finally:
        other.stop()
    assert ideas(engine)[0].customer_mentions == 1


CALENDAR = {"outcome": "Front desk sees the week's bookings at a glance",
            "problem": "Bookings are a long list, so double bookings are missed"}


def made_into_an_idea(bot, slack, waiting) -> dict:
    """A PM presses Make it an idea on a request waiting in the inbox: the form it opens."""
    opened = len(slack.calls("views.open"))
    bot.slack.press({"action_id": "inbox_make_idea", "value": str(waiting.id)}, user="UPM", channel=None,
                    message_ts=None)
    return slack.wait_for("views.open", opened + 1)[-1].args["view"]


def saved_and_told(bot, slack, engine, form, *, ideas_then: int) -> list[str]:
    """The PM submits the calendar idea: it is saved (`ideas_then` ideas in all), and what the PM was told."""
    assert submit_keeping_my_words(bot, form, CALENDAR, user="UPM").body == ""
    wait_until(lambda: len(ideas(engine)) == ideas_then)
    bot.finish_work()
    return [c.args["text"] for c in slack.calls("chat.postMessage") if c.args["channel"] == "UPM"]


def test_an_idea_made_from_a_request_another_pm_attached_meanwhile_says_where_the_request_went(make_bot, slack,
                                                                                              engine):
    """PM A writes the idea from a request; PM B attaches that request to #1 meanwhile. A's idea is saved without
    it, and A hears where it went (perhaps to merge the two), rather than finding the new idea has no customer."""
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    csv_idea(bot, slack)
    listen_here(bot, slack)
    bot.slack.event(integration_post("Would love a calendar view of all bookings in the admin panel."))
    waiting = settled(bot, engine, 1)[0]
    form = made_into_an_idea(bot, slack, waiting)
    attach_to_first = {"action_id": "inbox_attach", "block_id": f"inbox:{waiting.id}",
                       "options": [{"text": {"type": "plain_text", "text": "#1"}, "value": "1"}]}
    bot.slack.select(attach_to_first, "1", user="UPM2")
    wait_until(lambda: insights(engine)[0].state == "attached")
    told = saved_and_told(bot, slack, engine, form, ideas_then=2)
    assert any("attached to #1" in text for text in told), told
    assert [i.customer_mentions for i in ideas(engine)] == [1, 0]


def test_an_idea_made_from_a_request_whose_message_was_deleted_meanwhile_says_so(make_bot, slack, engine):
    """The review is withdrawn from the feed while the PM writes the idea from it: the idea is saved, and the
    PM hears that the message was deleted, not that someone else sorted it."""
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    listen_here(bot, slack)
    post = integration_post("Would love a calendar view of all bookings in the admin panel.")
    bot.slack.event(post)
    form = made_into_an_idea(bot, slack, settled(bot, engine, 1)[0])
    bot.slack.event(deleted(post))
    wait_until(lambda: insights(engine) == [])
    dm = saved_and_told(bot, slack, engine, form, ideas_then=1)
    assert any("was deleted from its channel meanwhile" in text for text in dm), dm
    assert not any("someone else" in text for text in dm), dm


def test_a_message_deleted_from_a_feedback_channel_leaves_the_inbox_but_not_the_ideas(bot, slack, engine):
    """A review feed withdraws a review (or a person deletes their note): its requests waiting in the inbox go,
    the one already counted on an idea stays that idea's evidence."""
    csv_idea(bot, slack)
    listen_here(bot, slack)
    post = integration_post("Please add a CSV export to the reports page. I wish I could pick a dark theme too.")
    bot.slack.event(post)
    assert sorted(i.state for i in settled(bot, engine, 2)) == ["attached", "inbox"]
    bot.slack.event({"type": "message", "subtype": "message_deleted", "channel": post["channel"], "hidden": True,
                     "deleted_ts": post["ts"], "ts": "1700009999.000001", "previous_message": post})
    bot.finish_work()
    assert [(i.state, i.idea_id) for i in insights(engine)] == [("attached", ideas(engine)[0].id)]
    assert ideas(engine)[0].customer_mentions == 1


def test_a_pasted_export_of_many_reviews_makes_at_most_twenty_insights(bot, slack, engine):
    listen_here(bot, slack)
    asks = [f"Please add a way to export report number {n} as a spreadsheet." for n in range(60)]
    bot.slack.event(integration_post(" ".join(asks)))
    found = settled(bot, engine, 20)
    assert len(found) == 20 and "report number 0 " in found[0].text and "number 19 " in found[-1].text


def deleted(post: dict) -> dict:
    return {"type": "message", "subtype": "message_deleted", "channel": post["channel"], "hidden": True,
            "deleted_ts": post["ts"], "ts": "1700009999.000001", "previous_message": post}


RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def test_a_deleted_message_slack_delivers_again_stays_out_of_the_inbox(bot, slack, engine):
    """Slack retries a message event whose ack was slow, minutes later, and events may arrive out of order: a
    message deleted meanwhile (or deleted before its own event was read) does not come back to the inbox."""
    listen_here(bot, slack)
    post = integration_post("Please add a dark mode to the mobile app.")
    bot.slack.event(post, event_id="EvGONE1")
    settled(bot, engine, 1)
    bot.slack.event(deleted(post))
    wait_until(lambda: insights(engine) == [])
    bot.slack.event(post, event_id="EvGONE1", headers=RETRY)
    later = integration_post("I wish I could export my workout history as a spreadsheet.")
    bot.slack.event(deleted(later))  # the deletion first, then the message's own event, retried
    wait_until(lambda: len(withdrawn(engine)) == 2)
    bot.slack.event(later, event_id="EvGONE2", headers=RETRY)
    bot.finish_work()
    assert insights(engine) == []


def test_a_message_deleted_after_its_channel_stopped_being_read_still_leaves_the_inbox(bot, slack, engine):
    """`/idea feedback off` stops reading the channel, not what it already brought: a review withdrawn from the
    feed afterwards takes its waiting request out of the inbox, and nothing is kept for that channel."""
    listen_here(bot, slack)
    post = integration_post("Please add a dark mode to the mobile app.")
    bot.slack.event(post)
    settled(bot, engine, 1)
    bot.slack.command("feedback off", user="UPM", channel=post["channel"])
    wait_until(lambda: "no longer read" in str(slack.calls("response_url")[-1].args))
    bot.slack.event(deleted(post))
    wait_until(lambda: insights(engine) == [])
    assert withdrawn(engine) == []


def withdrawn(engine) -> list[WithdrawnMessage]:
    with Session(engine) as session:
        return list(session.scalars(select(WithdrawnMessage)))


def test_a_deleted_message_with_replies_leaves_the_inbox_too(bot, slack, engine):
    """A message people replied to is not deleted but left as "This message was deleted.", which Slack sends as
    an edit of the message into a tombstone: its requests leave the inbox all the same."""
    listen_here(bot, slack)
    post = integration_post("Please add a dark mode to the mobile app.")
    bot.slack.event(post)
    settled(bot, engine, 1)
    bot.slack.event({"type": "message", "subtype": "message_changed", "channel": post["channel"], "hidden": True,
                     "ts": "1700009999.000002", "event_ts": "1700009999.000002", "previous_message": post,
                     "message": {"type": "message", "subtype": "tombstone", "hidden": True, "user": "USLACKBOT",
                                 "text": "This message was deleted.", "ts": post["ts"], "thread_ts": post["ts"],
                                 "reply_count": 2}})
    wait_until(lambda: insights(engine) == [])
    assert "Customer feedback inbox (0)" in str(open_home(bot, slack)["blocks"])
