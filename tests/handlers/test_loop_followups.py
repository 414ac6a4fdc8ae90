"""Closing the loop, where a merge or a check-in has been round more than once: a +1 given again, a merge into an
idea since merged itself or closed, "Not yet" said across a year's end or a time zone, and a PM who is gone."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import CheckIn, Delivery, Idea, Person, Stage, Support, utcnow
from runtime.outbox import FAILED, REROUTED
from tests.flows import share_idea, wait_until
from tests.handlers.test_close_the_loop import (
    ask_due_check_ins,
    dms,
    merge_via_card,
    opened_form,
    questions,
    supports,
)
from tests.handlers.test_triage import decide, open_home
from tests.slack_requests import buttons


def support_form(bot, slack, card, user):
    opened = len(slack.calls("views.open"))
    bot.slack.press(buttons(card["blocks"])["support_idea"], user=user, channel="CTRIAGE")
    return slack.wait_for("views.open", opened + 1)[-1].args["view"]


def evidence_of(engine, user):
    with Session(engine) as session:
        return session.scalar(select(Support.evidence).where(Support.user_id == user))


def test_a_plus_one_given_again_without_evidence_says_the_evidence_stays(bot, slack, engine):
    card = share_idea(bot, slack, user="U1")
    said = []
    for evidence in ("3 calls a week", "", "now 5 calls a week", "now 5 calls a week"):
        thanks = bot.slack.submit_view(support_form(bot, slack, card, "U2"), {"evidence": evidence}, user="U2").json()
        said.append(str(thanks["view"]))
    assert supports(engine) == 1 and evidence_of(engine, "U2") == "now 5 calls a week"
    first, empty, changed, same = said
    assert "is counted" in first
    assert "evidence is updated" not in empty and "3 calls a week" in empty and "stays" in empty, empty
    assert "evidence is updated" in changed
    assert "evidence is updated" not in same and "nothing changed" in same.lower(), same

    # Someone who gave none, twice: nothing to update, nor anything kept.
    bot.slack.submit_view(support_form(bot, slack, card, "U3"), {"evidence": ""}, user="U3")
    again = str(bot.slack.submit_view(support_form(bot, slack, card, "U3"), {"evidence": ""}, user="U3").json()["view"])
    assert "evidence is updated" not in again and "nothing changed" in again.lower(), again


def merge_chain(bot, slack):
    """#3 merged into #2, then #2 into #1: #3's people now count on #1."""
    share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner")
    middle = share_idea(bot, slack, user="U2", outcome="Month end close takes one day less")
    first = share_idea(bot, slack, user="U3", outcome="The close of each month is quicker by a day")
    assert merge_via_card(bot, slack, first, {"target": "2", "reason": "Both ask for a faster close"}).body == ""
    assert merge_via_card(bot, slack, middle, {"target": "1", "reason": "Both ask for a faster close"}).body == ""
    bot.deliver()
    return first, middle


def test_an_idea_merged_into_one_merged_since_shows_where_it_ended_up(bot, slack, engine):
    first, _ = merge_chain(bot, slack)
    with Session(engine) as session:
        assert {s.user_id for s in session.scalars(select(Support).where(Support.idea_id == 1))} >= {"U2", "U3"}
    listed = str(bot.slack.command("list", user="U3").json()["blocks"])
    assert "*#3* · :link: Merged into #1 (via #2) ·" in listed, listed
    home = str(open_home(bot, slack, "U3"))
    assert "*#3* · :link: Merged into #1 (via #2) ·" in home
    digest = str(bot.slack.command("digest preview", user="UPM", channel="C1").json()["blocks"])
    assert "merged into #1 (via #2), where its requester and supporters now count" in digest, digest
    first_card = [c.args for c in slack.calls("chat.update") if c.args["ts"] == first["ts"]]
    assert "Merged into idea #1 (via #2)" in str(first_card[-1]["blocks"])  # redrawn when #2 was merged on
    assert "merged into #1, where its requester" in digest  # #2's own item: one step, said as before

    # A chain written wrong elsewhere, round in a circle: each is still listed, and nothing hangs.
    with Session(engine) as session, session.begin():
        session.execute(update(Idea).where(Idea.id == 1).values(stage=Stage.MERGED, merged_into_id=3))
    listed = bot.slack.command("list", user="U3").json()
    assert "*#3* · :link: Merged" in str(listed["blocks"])


@pytest.mark.parametrize("how", ["button", "form"])
def test_a_plus_one_on_an_idea_merged_into_one_since_shipped_says_where_it_went(bot, slack, engine, how):
    keep = share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner")
    dupe = share_idea(bot, slack, user="U3", outcome="Month end close takes one day less")
    form = opened_form(bot, slack, dupe, "support_idea", "U5")  # opened before the merge, sent after #1 shipped
    assert merge_via_card(bot, slack, dupe, {"target": "1", "reason": "Both ask for a faster close"}).body == ""
    blocks = keep["blocks"]
    for action, then in (("idea_move_discovery", "idea_move_delivery"), ("idea_move_delivery", "idea_move_shipped"),
                         ("idea_move_shipped", "review_met")):
        assert decide(bot, slack, blocks, action).body == ""
        wait_until(lambda then=then: then in buttons(slack.messages("CTRIAGE")[0]["blocks"]))
        blocks = slack.messages("CTRIAGE")[0]["blocks"]
    if how == "button":
        told = len(slack.calls("response_url"))
        bot.slack.press(buttons(dupe["blocks"])["support_idea"], user="U5", channel="CTRIAGE")
        said = slack.wait_for("response_url", told + 1)[told].args["text"]
    else:
        said = bot.slack.submit_view(form, {"evidence": "every month end"}, user="U5").json()["errors"]["evidence"]
    assert said == "Idea #2 was merged into #1, which has shipped since, so it is no longer open for support.", said
    assert supports(engine) == 1  # #2's requester, moved over by the merge; no +1 from U5


def test_not_yet_says_the_year_of_the_date_it_will_ask_again(bot, slack, engine):
    from tests.handlers.test_close_the_loop import ship

    ship(bot, slack, share_idea(bot, slack, user="U1"))
    due = utcnow() + timedelta(weeks=4)
    ask_due_check_ins(bot, due)
    told = len(slack.calls("response_url"))
    bot.slack.press(buttons(questions(slack, "U1")[-1]["blocks"])["review_not_yet"], user="U1", channel="DU1")
    again = (due + timedelta(weeks=2)).date()
    said = slack.wait_for("response_url", told + 1)[told].args["text"]
    assert f"on {again:%A %d %B %Y}" in said, said
    bot.finish_work()
    for user in ("U1", "UPM"):
        shown = str(questions(slack, user)[-1]["blocks"])
        assert f"I will ask again on {again:%A %d %B %Y}" in shown, shown


def test_not_yet_counts_two_weeks_from_the_pressers_own_today(bot, slack, engine):
    """A question answered late (its date long past) is asked again two weeks after the day the person said
    "Not yet", their day where they are: in Kiritimati it is already tomorrow for most of UTC's day, in Pago
    Pago still yesterday for the rest."""
    from tests.handlers.test_close_the_loop import ship

    now = utcnow()
    tz = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"
    slack.users["U1"] = {"tz": tz}
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    with Session(engine) as session, session.begin():
        session.execute(update(CheckIn).values(due_on=now.date() - timedelta(days=7)))
    ask_due_check_ins(bot, utcnow())

    def known() -> bool:
        with Session(engine) as session:
            return session.scalar(select(Person.tz).where(Person.user_id == "U1")) == tz

    wait_until(known)
    theirs = utcnow().astimezone(ZoneInfo(tz)).date()
    assert theirs != utcnow().date()
    told = len(slack.calls("response_url"))
    bot.slack.press(buttons(questions(slack, "U1")[-1]["blocks"])["review_not_yet"], user="U1", channel="DU1")
    said = slack.wait_for("response_url", told + 1)[told].args["text"]
    again = theirs + timedelta(weeks=2)
    with Session(engine) as session:
        assert session.scalar(select(CheckIn.due_on).where(CheckIn.answered_at.is_(None))) == again
    assert f"{again:%A %d %B %Y}" in said, said


def undelivered(engine) -> int:
    with Session(engine) as session:
        return len(session.scalars(select(Delivery.id).where(Delivery.state.in_((FAILED, REROUTED)))).all())


@pytest.mark.parametrize("presser", ["U1", "UPM2"])
def test_not_yet_asks_again_whoever_took_the_question_of_a_pm_slack_refused(make_bot, slack, engine, presser):
    """The PM who shipped it is deactivated: their question went to another PM. After "Not yet" the next question
    goes to that PM straight away, not to the deactivated one again (another "rerouted" line on Home each round)."""
    from tests.handlers.test_close_the_loop import ship

    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    slack.users["UPM"] = {"deleted": True}
    due = utcnow() + timedelta(weeks=4)
    ask_due_check_ins(bot, due)
    assert questions(slack, "UPM2") and not questions(slack, "UPM")
    rerouted = undelivered(engine)
    bot.slack.press(buttons(questions(slack, presser)[-1]["blocks"])["review_not_yet"], user=presser,
                    channel="D" + presser)
    bot.finish_work()
    refused = len([c for c in slack.calls("chat.postMessage") if c.args["channel"] == "UPM"])
    assert ask_due_check_ins(bot, due + timedelta(weeks=2)) == 1
    bot.finish_work()
    assert len(questions(slack, "UPM2")) == 2 and len(questions(slack, "U1")) == 2
    assert len([c for c in slack.calls("chat.postMessage") if c.args["channel"] == "UPM"]) == refused
    assert undelivered(engine) == rerouted, "a second rerouted line for PMs"
    with Session(engine) as session:
        assert session.scalar(select(CheckIn.ask_user_id).where(CheckIn.answered_at.is_(None))) == "UPM2"
    assert dms(slack, "UPM2")


def test_whoever_shared_a_message_merged_into_another_idea_keeps_hearing_its_news(bot, slack, engine):
    """U2 turned U1's message into #2, and was promised "You will both hear what a product manager decides". #2 is
    merged into #1: U1 moves over as a supporter, and U2, who has no +1 to give, hears #1's decisions too, told
    that it is where the idea they shared went."""
    from tests.flows import GOOD, cards

    share_idea(bot, slack, user="U3", outcome="Finance closes the month a day sooner")
    original = {"user": "U1", "ts": "1700002000.000900", "text": "we really need the month end close to be quicker"}
    opened = len(slack.calls("views.open"))
    bot.slack.message_shortcut(original, user="U2", channel="CSALES")
    view = slack.wait_for("views.open", opened + 1)[opened].args["view"]
    assert bot.slack.submit_view(view, {**GOOD, "outcome": "Month end close takes one day less"}, user="U2").body == ""
    wait_until(lambda: len(cards(slack)) == 2)
    bot.deliver()
    assert merge_via_card(bot, slack, cards(slack)[1], {"target": "1", "reason": "Both ask for a faster close"}
                          ).body == ""
    bot.deliver()
    [merged] = [m for m in dms(slack, "U2") if "merged" in m["text"]]
    assert "you will hear its news" in str(merged["blocks"]), merged
    with Session(engine) as session:
        assert "U2" not in {s.user_id for s in session.scalars(select(Support))}  # shared it; not counted as a +1
    assert decide(bot, slack, cards(slack)[0]["blocks"], "idea_move_discovery").body == ""
    bot.deliver()
    wait_until(lambda: any("now in discovery" in m["text"] for m in dms(slack, "U2")))
    [news] = [m for m in dms(slack, "U2") if "now in discovery" in m["text"]]
    shown = str(news["blocks"])
    assert "#1" in news["text"] and "the idea you shared, #2" in shown, shown
    assert "Your idea" not in shown
    assert len([m for m in dms(slack, "U1") if "now in discovery" in m["text"]]) == 1  # the author, as a supporter
