"""Customer feedback channels end to end: signed commands and events in, the fake Slack's calls out."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.export import export_rows
from bot.feedback import EVIDENCE
from models import FeedbackChannel, Insight, Nudge, utcnow
from tests.flows import cards, ideas, share_idea, submit_keeping_my_words, wait_until
from tests.slack_requests import buttons

ROOT = Path(__file__).resolve().parents[2]
FEED = "CFEED"
_ts = itertools.count(1)
CSV_IDEA = {"outcome": "Finance closes the month a day sooner",
            "problem": "Finance rebuilds the monthly report by hand from three exports"}
CSV_ASK = "Add a CSV export to the reports page"
REVIEW = ("Score 3: Love the app, the team uses it every day. The reports page should let me export a CSV file "
          "though, I copy numbers by hand every month. Also crashes when I rotate my phone.")


def integration_post(text: str = REVIEW, **extra: object) -> dict:
    """A review feed's post, as an integration sends it: a bot_message with a username and no user."""
    event = {"type": "message", "subtype": "bot_message", "channel": FEED, "channel_type": "channel",
             "bot_id": "BREVIEWS", "username": "AppFollow", "text": text,
             "ts": f"1700002000.{next(_ts):06d}", "event_ts": "1700002000.000001"}
    return {**event, **extra}


def listen_here(bot, slack, channel: str = FEED, user: str = "UPM"):
    """`/idea feedback here`, and its answer (the channel is a feedback channel once it is said)."""
    before = len(slack.calls("response_url"))
    assert bot.slack.command("feedback here", user=user, channel=channel).status == 200
    return said(slack, before + 1)


def said(slack, count: int = 1) -> dict:
    """The latest reply through a response_url, once there are `count`."""
    return slack.wait_for("response_url", count)[-1].args


def insights(engine) -> list[Insight]:
    with Session(engine) as session:
        return list(session.scalars(select(Insight).order_by(Insight.id)))


def settled(bot, engine, count: int) -> list[Insight]:
    """The insights, once `count` of them are matched (to an idea or to the inbox) and their news sent."""
    wait_until(lambda: len(found := insights(engine)) >= count and all(i.state != "new" for i in found))
    bot.deliver()
    return insights(engine)


def csv_idea(bot, slack) -> dict:
    reply = bot.slack.command(CSV_ASK, user="U1")
    assert reply.status == 200
    view = slack.wait_for("views.open")[-1].args["view"]
    assert submit_keeping_my_words(bot, view, CSV_IDEA, user="U1").body == ""
    wait_until(lambda: cards(slack))
    bot.deliver()
    return cards(slack)[-1]


def open_home(bot, slack, user: str = "UPM") -> dict:
    published = len(slack.calls("views.publish"))
    bot.slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    return slack.wait_for("views.publish", published + 1)[-1].args["view"]


def inbox_group(home: dict) -> dict:
    return next(b for b in home["blocks"] if b.get("block_id", "").startswith("inbox:"))


# --- the command -----------------------------------------------------------------------------------------


def test_a_pm_makes_a_channel_a_feedback_channel_and_the_bot_joins_it(bot, slack, engine):
    slack.channels[FEED] = {"is_member": False}
    reply = listen_here(bot, slack)
    assert "is now a feedback channel" in reply["text"] and reply["response_type"] == "ephemeral"
    assert [c.args["channel"] for c in slack.calls("conversations.join")] == [FEED]
    with Session(engine) as session:
        assert [c.channel_id for c in session.scalars(select(FeedbackChannel))] == [FEED]
    bot.slack.command("feedback off", user="UPM", channel=FEED)
    assert "no longer read" in said(slack, 2)["text"]
    with Session(engine) as session:
        assert session.scalars(select(FeedbackChannel)).all() == []


@pytest.mark.parametrize(("user", "channel", "words"), [
    ("U1", FEED, "Only product managers"),
    ("UPM", "DUPM", "Feedback channels are channels"),
    ("UPM", "GMPIM", "Feedback channels are channels"),  # a group DM: the bot is sent none of its messages
])
def test_only_pms_and_only_in_channels(bot, slack, engine, user, channel, words):
    slack.channels["GMPIM"] = {"is_mpim": True, "is_private": True, "is_channel": False}
    listen_here(bot, slack, channel=channel, user=user)
    assert words in said(slack)["text"]
    with Session(engine) as session:
        assert session.scalars(select(FeedbackChannel)).all() == []


def test_a_private_channel_needs_an_invitation(bot, slack, engine):
    slack.channels[FEED] = {"is_member": False, "is_private": True}
    listen_here(bot, slack)
    assert "invite me" in said(slack)["text"]


# --- reading ---------------------------------------------------------------------------------------------


def test_an_integrations_review_becomes_evidence_on_the_idea_that_asks_the_same(bot, slack, engine):
    csv_idea(bot, slack)
    listen_here(bot, slack)
    bot.slack.event(integration_post())
    found = settled(bot, engine, 1)
    assert len(found) == 1 and found[0].state == "attached" and found[0].idea_id == ideas(engine)[0].id
    assert "export a CSV" in found[0].text and "Love the app" not in found[0].text and "crashes" not in found[0].text
    assert found[0].author == "AppFollow" and found[0].permalink.startswith("https://acme.slack.com/archives/CFEED/")
    assert ideas(engine)[0].customer_mentions == 1
    redrawn = slack.calls("chat.update")[-1].args
    assert "1 customer mention" in str(redrawn["blocks"]) and "export a CSV" in str(redrawn["blocks"])
    assert slack.calls("chat.postEphemeral") == []  # nobody is nudged in a feedback channel


@pytest.mark.parametrize("text", [
    "Five stars, this app is brilliant and the new reports page is exactly what we needed!",
    "App crashes every time I open the reports page since the last update, please fix it",
    "How do I export my data to CSV? Can't find the button anywhere",
    "Is the site down? Getting 502 errors since 9am",
    "I was charged twice this month, please refund me",
    "lol same here, have a good weekend all",
])
def test_praise_bugs_questions_outages_and_chatter_are_not_insights(bot, slack, engine, text):
    listen_here(bot, slack)
    bot.slack.event(integration_post(text))
    bot.finish_work()
    assert insights(engine) == []


def test_a_message_with_two_requests_makes_two_insights_and_a_retry_adds_nothing(bot, slack, engine):
    listen_here(bot, slack)
    post = integration_post("Great app overall. Please add a dark mode for night shifts. Crashes a lot on "
                            "Android 14. I wish I could export my workout history as a spreadsheet.")
    bot.slack.event(post, event_id="EvFEED1")
    first = settled(bot, engine, 2)
    bot.slack.event(post, event_id="EvFEED1", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})
    bot.finish_work()
    assert [i.id for i in insights(engine)] == [i.id for i in first]
    assert ["dark mode" in first[0].text, "export my workout" in first[1].text] == [True, True]
    assert {i.state for i in first} == {"inbox"}


def test_a_message_that_asks_for_the_same_thing_twice_is_one_customer_mention(bot, slack, engine):
    """Two sentences of one review asking for the CSV export are one customer's mention, not two."""
    csv_idea(bot, slack)
    listen_here(bot, slack)
    bot.slack.event(integration_post("Score 2: Please add a CSV export to the reports page. The reports page should "
                                     "let me export a CSV file, I copy numbers by hand every month."))
    found = settled(bot, engine, 2)
    assert [(i.state, i.idea_id) for i in found] == [("attached", ideas(engine)[0].id)] * 2
    assert ideas(engine)[0].customer_mentions == 1
    assert "1 customer mention" in str(slack.calls("chat.update")[-1].args["blocks"])
    bot.slack.event(integration_post("Please add a CSV export to the reports page, month end is painful."))
    settled(bot, engine, 3)
    assert ideas(engine)[0].customer_mentions == 2  # another message counts


@pytest.mark.parametrize("event", [
    integration_post(bot_id="BBOT"),
    integration_post(user="UBOT", subtype=None),
    integration_post(subtype="message_changed"),
    integration_post(thread_ts="1700001999.000001"),
    integration_post(subtype="channel_join"),
], ids=["own-bot", "own-user", "edit", "thread-reply", "join"])
def test_the_bots_own_posts_edits_and_thread_replies_are_never_read(bot, slack, engine, event):
    listen_here(bot, slack)
    bot.slack.event(event)
    bot.finish_work()
    assert insights(engine) == []


def test_a_workflows_words_in_attachments_and_blocks_are_read(bot, slack, engine):
    listen_here(bot, slack)
    ticket = integration_post("", attachments=[{"fallback": "New ticket", "title": "Ticket #4411 from Dana",
                                                "text": "Please add an option to export invoices as PDF."}])
    form = integration_post("", blocks=[{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "text", "text": "NPS 6: would give 10 if the calendar synced with Outlook."}]}]}])
    bot.slack.event(ticket)
    bot.slack.event(form)
    found = settled(bot, engine, 2)
    assert {("PDF" in i.text) or ("Outlook" in i.text) for i in found} == {True}


def rich_text(*elements: dict) -> list[dict]:
    """A message's blocks as Slack sends them for what a person typed: rich text, its words unescaped."""
    section = {"type": "rich_text_section", "elements": [*elements]}
    return [{"type": "rich_text", "block_id": "r1", "elements": [section]}]


def test_a_persons_message_is_one_mention_however_slack_encodes_its_text(bot, slack, engine):
    """Slack sends a person's words twice (`text`, with `&` as `&amp;` and mentions as `<@U…>`, and rich-text
    blocks as typed): one request, one mention, its words as typed, escaped once where shown."""
    csv_idea(bot, slack)
    listen_here(bot, slack)
    typed = "they'd love it if the reports page let them export a CSV file for R&D, they copy numbers by hand"
    bot.slack.event(integration_post(
        f"Call with Acme, <@U9> &amp; me: {typed.replace('&', '&amp;')} every month.", subtype=None, user="U7",
        bot_id=None, blocks=rich_text({"type": "text", "text": "Call with Acme, "}, {"type": "user", "user_id": "U9"},
                                      {"type": "text", "text": f" & me: {typed} every month."})))
    found = settled(bot, engine, 1)
    assert [(i.state, "R&D" in i.text, "&amp;" in i.text) for i in found] == [("attached", True, False)]
    assert ideas(engine)[0].customer_mentions == 1
    card = str(slack.calls("chat.update")[-1].args["blocks"])
    assert "R&amp;D" in card and "&amp;amp;" not in card


def test_the_people_and_channels_a_persons_message_names_are_kept_by_name(bot, slack, engine):
    """A person's words come as rich text, whose people and channels are elements of their own: the request keeps
    them by name, as the channel showed them, rather than as blanks ("as  asked in ")."""
    slack.users["U9"] = {"profile": {"display_name": "ana"}}
    slack.channels["C123"] = {"name": "finance"}
    listen_here(bot, slack)
    said_here = "customer call: they really need SSO with Okta for the admin console, as "
    bot.slack.event(integration_post(
        f"{said_here}<@U9> heard in <#C123>", subtype=None, user="U7", bot_id=None,
        blocks=rich_text({"type": "text", "text": said_here}, {"type": "user", "user_id": "U9"},
                         {"type": "text", "text": " heard in "}, {"type": "channel", "channel_id": "C123"})))
    found = settled(bot, engine, 1)
    assert [i.text for i in found] == [f"{said_here}@ana heard in #finance"]


def test_a_persons_request_in_a_feedback_channel_is_read_not_nudged(bot, slack, engine):
    listen_here(bot, slack)
    bot.slack.event(integration_post("customer on the call today: they really need SSO with Okta for the "
                                     "admin console", subtype=None, user="U7", bot_id=None))
    found = settled(bot, engine, 1)
    assert found[0].author == "U7"
    with Session(engine) as session:
        assert session.scalars(select(Nudge)).all() == []
    assert slack.calls("chat.postEphemeral") == []


# --- the inbox -------------------------------------------------------------------------------------------


def test_the_inbox_groups_alike_requests_and_only_pms_see_it(bot, slack, engine):
    listen_here(bot, slack)
    for text in ("Please add a dark mode, my eyes hurt at night.", "I wish the app had a dark mode for the night.",
                 "Needs an Apple Watch app so I can log runs."):
        bot.slack.event(integration_post(text))
    settled(bot, engine, 3)
    home = open_home(bot, slack)
    inbox = str(home["blocks"])
    assert "Customer feedback inbox (3)" in inbox and "2 say this" in inbox
    assert set(buttons(home["blocks"])) >= {"inbox_make_idea", "inbox_not_a_request"}
    assert "Customer feedback inbox" not in str(open_home(bot, slack, "U1")["blocks"])


def test_one_message_asking_twice_is_not_shown_as_several_voices(bot, slack, engine):
    listen_here(bot, slack)
    bot.slack.event(integration_post("Please add a dark mode. A dark mode would be great for night shifts!"))
    settled(bot, engine, 2)
    inbox = str(open_home(bot, slack)["blocks"])
    assert "say this" not in inbox and "great for night shifts" in inbox


@pytest.mark.parametrize(("author", "shown"), [
    ({"username": "UserVoice"}, "— UserVoice in"),  # an integration whose name merely starts with a U
    ({"username": "Usersnap <!channel>"}, "— Usersnap &lt;!channel&gt; in"),
    ({"user": "U7", "subtype": None, "bot_id": None}, "— <@U7> in"),  # a person is mentioned
])
def test_the_inbox_credits_a_person_by_mention_and_an_integration_by_name(bot, slack, engine, author, shown):
    listen_here(bot, slack)
    bot.slack.event(integration_post("Please add a dark mode to the mobile app.", **author))
    settled(bot, engine, 1)
    assert shown in str(open_home(bot, slack)["blocks"])


def test_make_it_an_idea_prefills_the_form_and_links_the_request(bot, slack, engine):
    listen_here(bot, slack)
    bot.slack.event(integration_post("Please bring back the weekly summary email, my boss only read that."))
    settled(bot, engine, 1)
    make = buttons(open_home(bot, slack)["blocks"])["inbox_make_idea"]
    bot.slack.press(make, user="UPM", channel=None, message_ts=None)
    view = slack.wait_for("views.open")[-1].args["view"]
    assert "weekly summary email" in str(view["blocks"]) and "Customer feedback" in str(view["blocks"])
    published = len(slack.calls("views.publish"))
    assert submit_keeping_my_words(bot, view, CSV_IDEA, user="UPM").body == ""
    refreshed = slack.wait_for("views.publish", published + 1)[-1].args["view"]
    assert "Customer feedback inbox (0)" in str(refreshed["blocks"])
    bot.finish_work()
    idea, insight = ideas(engine)[0], insights(engine)[0]
    assert (idea.requester_id, idea.customer_mentions, idea.source_permalink) == ("UPM", 1, insight.permalink)
    assert (insight.state, insight.idea_id) == ("idea", idea.id)


def test_make_it_an_idea_from_long_reviews_quotes_each_within_the_evidence_field(bot, slack, engine):
    """The evidence field holds 2,000 characters: each review is shortened (visibly) so every one keeps its link,
    rather than the field cutting the last ones off."""
    listen_here(bot, slack)
    for n in range(3):  # one after another: events are read in parallel, and the newest is quoted first
        bot.slack.event(integration_post(f"Review {n}: please add a dark mode to the app because " + ", ".join(
            f"the white screen burns my eyes on night shift number {n}{k}" for k in range(14)) + "."))
        found = settled(bot, engine, n + 1)
    bot.slack.press(buttons(open_home(bot, slack)["blocks"])["inbox_make_idea"], user="UPM", channel=None,
                    message_ts=None)
    view = slack.wait_for("views.open")[-1].args["view"]
    evidence = next(b for b in view["blocks"] if b.get("block_id") == "evidence")["element"]["initial_value"]
    assert len(evidence) <= 2000 and all(f"({i.permalink})" in evidence for i in found)
    assert [line.startswith(f'Customer feedback: "Review {n}') for n, line in
            zip((2, 1, 0), evidence.splitlines(), strict=True)] == [True] * 3 and "…\"" in evidence


def test_attach_and_not_a_request_are_for_pms_and_corrections_are_kept(bot, slack, engine, database_url, tmp_path):
    csv_idea(bot, slack)
    listen_here(bot, slack)
    bot.slack.event(integration_post("Would love a calendar view of all bookings in the admin panel."))
    settled(bot, engine, 1)  # one after the other, so the newest (first on Home) is the second by id too
    bot.slack.event(integration_post("Please add a PDF export to the invoices page."))
    first, second = settled(bot, engine, 2)
    assert {first.state, second.state} == {"inbox"}
    group = inbox_group(open_home(bot, slack))
    select_menu = {**next(e for e in group["elements"] if e["type"] == "static_select"), "block_id": group["block_id"]}
    idea_id = str(ideas(engine)[0].id)
    refused = len(slack.calls("response_url"))
    bot.slack.select(select_menu, idea_id, user="U1")  # not a PM: told so, and nothing changes
    assert "Only product managers" in said(slack, refused + 1)["text"]
    assert insights(engine)[1].state == "inbox"
    bot.slack.select(select_menu, idea_id, user="UPM")
    wait_until(lambda: insights(engine)[1].state == "attached")
    assert ideas(engine)[0].customer_mentions == 1
    group = inbox_group(open_home(bot, slack))
    dismiss = next(e for e in group["elements"] if e["action_id"] == "inbox_not_a_request")
    bot.slack.press(dismiss, user="U1")
    assert "Only product managers" in said(slack, refused + 2)["text"]
    assert insights(engine)[0].state == "inbox"
    bot.slack.press(dismiss, user="UPM")
    wait_until(lambda: insights(engine)[0].state == "not_a_request")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "bot", "labels"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    labelled = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["text"], row["label"]) for row in labelled] == [(first.text, False)]


def test_a_large_group_with_long_ids_is_sorted_whole_ids_only(bot, slack, engine):
    """Thirty alike requests with eight-digit ids: the select's block id (255 characters at most) carries only
    whole ids, the same ones the buttons carry, so Attach never sorts a request that was not in the group."""
    csv_idea(bot, slack)
    listen_here(bot, slack)
    with Session(engine) as session, session.begin():
        session.add(Insight(id=123_456, team_id="T1", channel_id=FEED, message_ts="1.000012", author="AppFollow",
                            text="Please add a widget.", state="inbox", created_at=utcnow() - timedelta(days=9)))
        session.add_all(Insight(id=12_345_670 + n, team_id="T1", channel_id=FEED, message_ts=f"2.{n:06d}",
                                text="Please add a dark mode to the app.", author="AppFollow", state="inbox",
                                created_at=utcnow() - timedelta(minutes=n)) for n in range(30))
    group = inbox_group(open_home(bot, slack))
    select_menu = {**next(e for e in group["elements"] if e["type"] == "static_select"), "block_id": group["block_id"]}
    carried = next(e for e in group["elements"] if e["action_id"] == "inbox_not_a_request")["value"]
    assert len(group["block_id"]) <= 255 and group["block_id"] == f"inbox:{carried}"
    bot.slack.select(select_menu, str(ideas(engine)[0].id), user="UPM")
    wait_until(lambda: any(i.state == "attached" for i in insights(engine)))
    attached = {i.id for i in insights(engine) if i.state == "attached"}
    assert 123_456 not in attached and attached == {int(i) for i in carried.split(",")}


@pytest.mark.parametrize(("alike", "first_id"), [(60, 1_000), (30, 12_345_670)])
def test_a_group_says_it_speaks_for_only_the_requests_its_buttons_sort(bot, slack, engine, alike, first_id):
    """A control carries at most 30 ids, and only as many as its block id's 255 characters hold: more alike
    requests than that are shown as further groups, each sorted whole by its buttons, rather than one group
    saying "60 say this" whose Not a request sorts half of them and leaves the rest to come back."""
    listen_here(bot, slack)
    with Session(engine) as session, session.begin():
        session.add_all(Insight(id=first_id + n, team_id="T1", channel_id=FEED, message_ts=f"2.{n:06d}",
                                text="Please add a dark mode to the app.", author="AppFollow", state="inbox",
                                created_at=utcnow() - timedelta(minutes=n)) for n in range(alike))
    home = open_home(bot, slack)
    groups = [b for b in home["blocks"] if b.get("block_id", "").startswith("inbox:")]
    words = [home["blocks"][home["blocks"].index(g) - 1]["text"]["text"] for g in groups]
    carried = [g["block_id"].removeprefix("inbox:").split(",") for g in groups]
    assert len(groups) >= 2 and sum(map(len, carried)) == alike
    for said, ids in zip(words, carried, strict=True):
        assert f"*{len(ids)} say this*" in said


def test_a_forged_attach_to_a_closed_or_foreign_idea_changes_nothing(bot, slack, engine):
    listen_here(bot, slack)
    bot.slack.event(integration_post("Please add a dark mode to the mobile app."))
    settled(bot, engine, 1)
    insight = insights(engine)[0]
    forged = {"action_id": "inbox_attach", "block_id": f"inbox:{insight.id}",
              "options": [{"text": {"type": "plain_text", "text": "x"}, "value": "999"}]}
    bot.slack.select(forged, "999", user="UPM")
    bot.finish_work()
    assert insights(engine)[0].state == "inbox"


# --- where the evidence shows ----------------------------------------------------------------------------


def test_merge_moves_customer_evidence_and_the_digest_counts_it(bot, slack, engine):
    csv_idea(bot, slack)
    listen_here(bot, slack)
    bot.slack.event(integration_post())
    settled(bot, engine, 1)
    share_idea(bot, slack, outcome="Finance stops copying numbers by hand every month")
    source, target = ideas(engine)
    with Session(engine) as session, session.begin():
        from bot.merge import merge

        merge(session, team_id="T1", source_id=source.id, shown_stage=source.stage, target_id=target.id,
              reason="same need", decided_by="UPM")
    assert [i.customer_mentions for i in ideas(engine)] == [0, 1]
    with Session(engine) as session:
        exported = {row["id"]: row for row in export_rows(session, "T1")}
    assert exported[target.id]["customer_mentions"] == 1 and "export a CSV" in exported[target.id]["customer_quotes"]
    preview = bot.slack.command("digest preview", user="UPM")
    assert "1 customer mention received, 0 on ideas in discovery or delivery" in preview.body


def test_with_a_model_the_model_says_which_idea_a_request_belongs_to(make_bot, slack, engine):
    from tests.fake_openai import FakeOpenAI

    model = FakeOpenAI()
    try:
        coached = make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=1.0)
        csv_idea(coached, slack)
        listen_here(coached, slack)
        model.answers["SameNeed"] = {"same_need": [ideas(engine)[0].id]}
        coached.slack.event(integration_post("Month end is a nightmare, I rebuild the numbers every time. "
                                             "Would be great to get them out of the app in one go."))
        found = settled(coached, engine, 1)
        assert (found[0].state, found[0].idea_id) == ("attached", ideas(engine)[0].id)
        asked = [r for r in model.requests if r.get("response_format", {}).get("json_schema", {}).get("name")
                 == "SameNeed"]
        assert asked and "Would be great to get them out" in str(asked[-1]["messages"])
    finally:
        model.close()


# --- two PMs at the same moment --------------------------------------------------------------------------


def at_once(*steps) -> None:
    """Runs each step on its own thread, released together."""
    start = threading.Barrier(len(steps))

    def run(step) -> None:
        start.wait()
        step()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def waiting_insight(engine, n: int) -> int:
    with Session(engine) as session, session.begin():
        insight = Insight(team_id="T1", channel_id=FEED, message_ts=f"3.{n:06d}", author="AppFollow",
                          text=f"Please add a dark mode to the app, request {n}.", state="inbox", created_at=utcnow())
        session.add(insight)
        session.flush()
        return insight.id


def attach_to(bot, insight_id: int, idea_id: int, user: str):
    menu = {"action_id": "inbox_attach", "block_id": f"inbox:{insight_id}",
            "options": [{"text": {"type": "plain_text", "text": f"#{idea_id}"}, "value": str(idea_id)}]}
    return lambda: bot.slack.select(menu, str(idea_id), user=user)


def not_a_request(bot, insight_id: int, user: str):
    return lambda: bot.slack.press({"action_id": "inbox_not_a_request", "value": str(insight_id)}, user=user)


def made_into_an_idea(bot, slack, insight_id: int, user: str):
    """The intake form Make it an idea opens (opened now), submitted when the step runs."""
    opened = len(slack.calls("views.open"))
    bot.slack.press({"action_id": "inbox_make_idea", "value": str(insight_id)}, user=user, channel=None,
                    message_ts=None)
    view = slack.wait_for("views.open", opened + 1)[opened].args["view"]
    values = {"outcome": "Night shift staff read the screen without strain",
              "problem": "Bright screens tire the eyes of people working at night"}
    return lambda: submit_keeping_my_words(bot, view, values, user=user)


SECOND_PM = {
    "attach elsewhere": lambda bot, slack, insight, other_idea: attach_to(bot, insight, other_idea, "UPM2"),
    "not a request": lambda bot, slack, insight, other_idea: not_a_request(bot, insight, "UPM2"),
    "made into an idea": lambda bot, slack, insight, other_idea: made_into_an_idea(bot, slack, insight, "UPM2"),
}


@pytest.mark.parametrize("second", list(SECOND_PM))
def test_two_pms_sorting_one_request_at_once_sort_it_once_and_counts_match(make_bot, slack, engine, second):
    """The inbox is shared: two PMs may attach the same request to two ideas, or one attach it while the other
    calls it not a request or makes it an idea, at the same moment. One of them sorts it, and each idea's count
    of customer mentions is the number of requests it holds (never one counted on an idea it is not on)."""
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner")
    share_idea(bot, slack, user="U3", outcome="Night shift nurses read the screen without eye strain")
    first_idea, second_idea = (i.id for i in ideas(engine))
    for n in range(6):
        insight_id = waiting_insight(engine, n)
        at_once(attach_to(bot, insight_id, first_idea, "UPM"), SECOND_PM[second](bot, slack, insight_id, second_idea))
        wait_until(lambda sorting=insight_id: next(i for i in insights(engine) if i.id == sorting).state != "inbox")
    bot.finish_work()
    found = insights(engine)
    rows = [(i.id, i.state, i.idea_id) for i in found]
    for idea in ideas(engine):
        on_it = {(i.channel_id, i.message_ts) for i in found if i.idea_id == idea.id and i.state in EVIDENCE}
        assert idea.customer_mentions == len(on_it), (idea.id, idea.customer_mentions, rows)
    assert all((state == "not_a_request") == (idea_id is None) for _, state, idea_id in rows), rows
