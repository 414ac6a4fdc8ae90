"""Every surface at its largest: hundreds of open ideas, objectives with many key results, text that is all
`&<>`, pings and emoji at every field's length, 500 supporters, 1,000 customer quotes and a digest of 300
decisions. Slack (the fake) must take everything the app sends, and where the app summarises, it says so."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select, update

from models import Decision, FeedbackChannel, Idea, Insight, KeyResult, Objective, Stage, Support, utcnow
from tests.flows import GOOD, cards, open_modal, share_idea, submit_keeping_my_words, wait_until
from tests.handlers.test_close_the_loop import ask_due_check_ins, dms
from tests.handlers.test_triage import decide, open_home
from tests.slack_requests import buttons
from ui.kit import unescape
from ui.tokens import as_read

HOSTILE = "&<>&amp; <!channel> <@U1> 😀👩‍👩‍👧 e\u0301 *bold* _it_ ~s~ `c` > quote\n"


def hostile(n: int) -> str:
    return (HOSTILE * (n // len(HOSTILE) + 1))[:n]


def _insert(db, model, rows) -> None:  # noqa: ANN001 - a connection, a model
    if rows:
        db.execute(insert(model), rows)


def seed(engine, *, ideas: int = 200, objectives: int = 150, key_results: int = 20, decisions: int = 300,
         supporters: int = 500, quotes: int = 1000) -> int:
    """The hostile workspace; returns the id of the idea with every supporter and customer quote."""
    now = utcnow()
    with engine.begin() as db:
        _insert(db, Objective, [{"team_id": "T1", "title": hostile(300), "created_by": "UPM",
                                        "created_at": now - timedelta(minutes=n)} for n in range(objectives)])
        objective_ids = list(db.scalars(select(Objective.id)))
        _insert(db, KeyResult, [
            {"objective_id": o, "position": p, "metric": hostile(300), "baseline": hostile(200),
             "target": hostile(200), "due_on": date(2027, 1, 1)} for o in objective_ids for p in range(key_results)])
        _insert(db, Idea, [
            {"team_id": "T1", "requester_id": "U1" if n % 2 else "UPM", "ask": hostile(3500),
             "outcome": hostile(3500), "problem": hostile(3500), "evidence": hostile(3500),
             "measure": hostile(3500), "stage": Stage.CANDIDATE, "source_channel_id": "C1",
             "objective_id": objective_ids[n % len(objective_ids)], "customer_mentions": 0,
             "tracker_key": hostile(200), "tracker_url": "https://tracker.example/" + "i" * 476,
             "source_permalink": "https://acme.slack.com/archives/C1/p" + "1" * 464,
             "created_at": now - timedelta(hours=ideas - n)} for n in range(ideas)])
        idea_ids = list(db.scalars(select(Idea.id).order_by(Idea.id)))
        if not idea_ids:
            return 0
        busy = idea_ids[0]  # the oldest: first in the triage queue
        db.execute(update(Idea).where(Idea.id == busy).values(customer_mentions=quotes, triage_channel_id="CTRIAGE",
                                                              triage_message_ts="1700000000.000100"))
        moved = idea_ids[1:decisions + 1]
        stages = [Stage.DISCOVERY, Stage.PARKED, Stage.DECLINED, Stage.DELIVERY, Stage.SHIPPED, Stage.REVIEWED]
        _insert(db, Decision, [
            {"team_id": "T1", "idea_id": i, "from_stage": Stage.CANDIDATE, "to_stage": stages[n % 6],
             "reason": hostile(2000), "decided_by": "UPM", "decided_at": now - timedelta(hours=1),
             "revisit_on": now.date() - timedelta(days=1) if stages[n % 6] == Stage.PARKED else None,
             "result": "met" if stages[n % 6] == Stage.REVIEWED else None, "measured": hostile(1000)}
            for n, i in enumerate(moved)])
        for n, i in enumerate(moved):
            db.execute(update(Idea).where(Idea.id == i).values(stage=stages[n % 6]))
        _insert(db, Support, [{"idea_id": busy, "user_id": f"US{n:04d}", "team_id": "T1", "evidence": hostile(500)}
                              for n in range(supporters)])
        _insert(db, FeedbackChannel, [{"team_id": "T1", "channel_id": "CFEED", "created_by": "UPM"}])
        _insert(db, Insight, [
            {"team_id": "T1", "channel_id": "CFEED", "message_ts": f"{1700000000 + n}.000100", "part": 0,
             "text": hostile(2000), "author": hostile(100), "permalink": f"https://acme.slack.com/p{n}",
             "state": "attached" if n % 2 else "inbox", "idea_id": busy if n % 2 else None,
             "created_at": now - timedelta(minutes=n)} for n in range(quotes)])
    return busy


SENT = ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url", "views.open", "views.update",
        "views.push", "views.publish")


def mrkdwn_texts(value) -> list[str]:  # noqa: ANN001 - blocks, a view, any part of them
    if isinstance(value, list):
        return [text for item in value for text in mrkdwn_texts(item)]
    if not isinstance(value, dict):
        return []
    own = [value["text"]] if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str) else []
    return own + [text for key, item in value.items() if key != "text" for text in mrkdwn_texts(item)]


@pytest.fixture(autouse=True)
def no_token_or_entity_cut_in_half(slack):
    """Whatever was summarised or clipped, no Slack token (a mention, a channel, a link, a date) is cut in half:
    people's `<` and `>` are escaped, so every `<` left opens a token that a `>` closes; and outside tokens
    every `&` starts a whole `&amp;`, `&lt;` or `&gt;`."""
    yield
    for call in slack.calls():
        if call.method in SENT:
            for text in mrkdwn_texts([call.args.get("blocks"), call.args.get("view")]):
                assert re.fullmatch(r"[^<>]*(<[^<>]*>[^<>]*)*", text), (call.method, text[-300:])
                words = re.sub(r"<[^<>]*>", "", text)
                assert re.fullmatch(r"([^&]|&(amp|lt|gt);)*", words), (call.method, text[-300:])


def test_a_pms_home_at_its_fullest(bot, slack, engine):
    seed(engine)
    home = open_home(bot, slack, "UPM")
    shown = str(home["blocks"])
    assert "more waiting" in shown and "more due" in shown and "older" in shown
    assert "Only the newest are shown here." in shown


def test_everyones_home_at_its_fullest(bot, slack, engine):
    seed(engine)
    shown = str(open_home(bot, slack, "U1")["blocks"])
    assert "older" in shown and "Only the newest are shown here." in shown


@pytest.mark.parametrize("command", ["list", "stats", "help", "digest preview", "okr"])
def test_commands_answer_within_slacks_limits(bot, slack, engine, command):
    seed(engine)
    reply = bot.slack.command(command, user="UPM", channel="CPRODUCT")
    assert reply.status == 200
    bot.finish_work()


def test_a_digest_of_300_decisions_is_taken_whole_and_its_thread_reads_in_order(bot, slack, engine):
    """300 decisions, each reason 2,000 characters that escaping makes longer: the digest is split over a
    hundred and more replies in its thread, and they go out, and read, in order (a reason split over two
    replies, a section's items, an objective's group)."""
    seed(engine, ideas=320, supporters=0, quotes=0)
    bot.slack.command("digest now", user="UPM", channel="CPRODUCT")
    wait_until(lambda: len(slack.calls("chat.postMessage")) > 1, timeout=20)
    bot.finish_work()
    [head, *thread] = slack.messages("CPRODUCT")
    said = " ".join(str(m["blocks"]) for m in [head, *thread])
    assert said.count("said why") + said.count("said what we learned") == 300
    assert "Every decision and its reason is in the thread below." in said
    assert len(thread) > 100 and {m["thread_ts"] for m in thread} == {head["ts"]}
    assert [re.search(r"\((\d+) of (\d+)\)$", m["text"]).groups() for m in thread] == [
        (str(n), str(len(thread))) for n in range(1, len(thread) + 1)]


def test_deciding_on_the_busiest_idea(bot, slack, engine):
    busy = seed(engine, decisions=0)
    home = open_home(bot, slack, "UPM")
    opened = len(slack.calls("views.open"))
    [moves] = [b for b in home["blocks"] if b.get("block_id") == f"moves_{busy}"]
    bot.slack.press(buttons([moves])["idea_move_discovery"], user="UPM", channel=None, message_ts=None, view=home)
    form = slack.wait_for("views.open", opened + 1)[-1].args["view"]
    too_long = bot.slack.submit_view(form, {"reason": hostile(3000)}, user="UPM").json()
    assert too_long["response_action"] == "errors"
    assert bot.slack.submit_view(form, {"reason": hostile(2000)}, user="UPM").body == ""
    bot.finish_work()
    [card] = [c.args for c in slack.calls("chat.update") if c.args["channel"] == "CTRIAGE"]
    assert f"*Idea #{busy}*" in str(card["blocks"]) and "500 people have this problem too" in str(card["blocks"])
    told = {c.args["channel"] for c in slack.calls("chat.postMessage") if c.ok}
    assert {f"US{n:04d}" for n in range(500)} <= told


def test_the_intake_form_with_150_objectives(bot, slack, engine):
    seed(engine, ideas=0, decisions=0, supporters=0, quotes=0)
    form = open_modal(bot, slack, hostile(3900))
    [select_block] = [b for b in form["blocks"] if b.get("block_id", "").startswith("objective")]
    assert select_block["element"]["type"] == "external_select"  # any of them found as it is typed
    assert "Type a word of its title to find any of the 150 objectives." in select_block["hint"]["text"]
    offered = bot.slack.suggest(select_block["element"], "", block_id=select_block["block_id"], view=form).json()
    assert len(offered["options"]) == 100  # hostile titles: the fake checks each option as Slack does
    assert "longer than the 3,000 characters" in str(form["blocks"])


def test_a_pms_home_with_hundreds_of_feedback_channels_names_some_and_counts_the_rest(bot, slack, engine):
    with engine.begin() as db:
        _insert(db, FeedbackChannel, [{"team_id": "T1", "channel_id": f"C{n:010d}", "created_by": "UPM"}
                                      for n in range(300)])
    shown = str(open_home(bot, slack, "UPM")["blocks"])
    assert "<#C0000000000>" in shown and "and 280 more" in shown


def test_one_ideas_whole_life_with_every_field_at_its_longest(bot, slack, engine):
    """Shared with every field as long as the form takes and full of `&<>`, pings and emoji, supported,
    shipped, asked about, reviewed with the longest words, and told in a digest: all of it is taken."""
    seed(engine, ideas=0, decisions=0, supporters=0, quotes=0)
    limits = {"outcome": 1000, "problem": 2000, "evidence": 2000, "measure": 1000}
    card = share_idea(bot, slack, user="U1", **{name: "Finance " + hostile(most - 8) for name, most in limits.items()})
    opened = len(slack.calls("views.open"))
    bot.slack.press(buttons(card["blocks"])["support_idea"], user="U2", channel="CTRIAGE")
    support = slack.wait_for("views.open", opened + 1)[-1].args["view"]
    assert bot.slack.submit_view(support, {"evidence": hostile(500)}, user="U2").json()["response_action"] == "update"
    blocks = slack.wait_for("chat.update")[-1].args["blocks"]
    for action in ("idea_move_discovery", "idea_move_delivery", "idea_move_shipped"):
        redrawn = len(slack.calls("chat.update"))
        assert decide(bot, slack, blocks, action, reason="Finance " + hostile(1990)).body == ""
        blocks = slack.wait_for("chat.update", redrawn + 1)[-1].args["blocks"]
    assert ask_due_check_ins(bot, utcnow() + timedelta(weeks=4)) == 1
    opened = len(slack.calls("views.open"))
    bot.slack.press(buttons(dms(slack, "U1")[-1]["blocks"])["review_met"], user="U1", channel="DU1")
    review = slack.wait_for("views.open", opened + 1)[-1].args["view"]
    answer = bot.slack.submit_view(review, {"measured": hostile(1000), "learning": "Finance " + hostile(1990)},
                                   user="U1").json()
    assert answer["response_action"] == "update"
    preview = bot.slack.command("digest preview", user="UPM", channel="CPRODUCT").json()
    assert "Outcomes reviewed" in str(preview["blocks"])
    bot.finish_work()
    assert len(slack.calls("chat.update")) >= 4 and len(dms(slack, "U2")) == 4  # the card redrawn, U2 told


def test_a_page_long_message_turned_into_an_idea(bot, slack, engine):
    """A message of 40,000 characters (Slack's most) made an idea with the message shortcut: the form holds
    its start and says so, the idea keeps all of it (its one person looked up once), and its card and
    confirmation are taken."""
    text = hostile(40_000)
    opened = len(slack.calls("views.open"))
    bot.slack.message_shortcut({"ts": "1700000000.000200", "user": "U2", "text": text}, user="U1")
    form = slack.wait_for("views.open", opened + 1)[-1].args["view"]
    assert "longer than the 3,000 characters" in str(form["blocks"])
    assert [c.args["user"] for c in slack.calls("users.info")] == ["U1"]
    assert submit_keeping_my_words(bot, form, GOOD, user="U1").body == ""
    wait_until(lambda: cards(slack))
    bot.finish_work()
    with engine.connect() as db:
        # Slack sends `&` as `&amp;`, and people by id: the ask reads as the message did
        assert db.scalar(select(Idea.ask)).strip() == as_read(unescape(text), {"U1": "u1"}).strip()


def plain_words(n: int) -> str:
    return ("Finance closes the month a day sooner with fewer manual steps. " * (n // 60 + 1))[:n].strip()


def test_a_busy_cards_latest_reason_is_shown_whole(bot, slack, engine):
    """A card with every field long, supporters' evidence, customer quotes and an objective select is over
    Slack's total for a message's text, so something is clipped: the original ask, the evidence, the quotes;
    never the reason for the latest decision, which the card is there to show."""
    card = share_idea(bot, slack, user="U1", outcome=plain_words(1000), problem=plain_words(2000),
                      evidence=plain_words(2000), measure=plain_words(1000))
    with engine.begin() as db:
        idea_id = db.scalar(select(Idea.id))
        _insert(db, Objective, [{"team_id": "T1", "title": plain_words(75), "created_by": "UPM"} for _ in range(30)])
        _insert(db, Support, [{"idea_id": idea_id, "user_id": f"US{n:04d}", "team_id": "T1",
                               "evidence": plain_words(500)} for n in range(50)])
        _insert(db, Insight, [{"team_id": "T1", "channel_id": "CFEED", "message_ts": f"{1700000000 + n}.000100",
                               "part": 0, "text": plain_words(2000), "author": "Zendesk", "state": "attached",
                               "idea_id": idea_id} for n in range(3)])
        db.execute(update(Idea).values(customer_mentions=3))
    reason = f"Finance {plain_words(1960)} and that is why."
    redrawn = len(slack.calls("chat.update"))
    assert decide(bot, slack, card["blocks"], "idea_move_discovery", reason=reason).body == ""
    blocks = slack.wait_for("chat.update", redrawn + 1)[-1].args["blocks"]
    shown = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "and that is why." in shown and "50 people have this problem too" in shown
    assert "…" in shown  # something else was clipped, and says so
