"""Support with evidence, and asking whether a shipped idea's outcome happened, end to end."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.digests.compose import compose
from models import CheckIn, Support, make_sessions, utcnow
from runtime.scheduled import owe_due_check_ins
from tests.flows import decisions, share_idea, together, wait_until
from tests.handlers.test_triage import decide
from tests.slack_requests import buttons


def supports(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Support))


def dms(slack, user):
    return [c.args for c in slack.calls("chat.postMessage") if c.args["channel"] == user]


def test_support_counts_once_with_evidence_and_shows_on_the_card(bot, slack, engine):
    card = share_idea(bot, slack, user="U1")
    for attempt, evidence in enumerate(["3 calls a week & <!here> it costs us", "now 5 calls a week"], start=1):
        opened = len(slack.calls("views.open"))
        bot.slack.press(buttons(card["blocks"])["support_idea"], user="U2", channel="CTRIAGE")
        view = slack.wait_for("views.open", opened + 1)[-1].args["view"]
        thanks = bot.slack.submit_view(view, {"evidence": evidence}, user="U2").json()
        assert thanks["response_action"] == "update"
        assert ("is counted" if attempt == 1 else "already supported") in str(thanks["view"])
    assert supports(engine) == 1
    redrawn = str(slack.wait_for("chat.update", 2)[-1].args["blocks"])
    assert "1 person has this problem too" in redrawn and "<@U2>: now 5 calls a week" in redrawn

    bot.slack.press(buttons(card["blocks"])["support_idea"], user="U1", channel="CTRIAGE")
    assert "your idea" in slack.wait_for("response_url")[0].args["text"]
    assert supports(engine) == 1


def test_supporters_hear_the_decision_too(bot, slack, engine):
    card = share_idea(bot, slack, user="U1")
    bot.slack.press(buttons(card["blocks"])["support_idea"], user="U2", channel="CTRIAGE")
    bot.slack.submit_view(slack.wait_for("views.open", 2)[-1].args["view"], {"evidence": "me too"}, user="U2")
    wait_until(lambda: supports(engine) == 1)
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""
    wait_until(lambda: dms(slack, "U2"))
    notice = dms(slack, "U2")[-1]
    assert "The idea you supported" in str(notice["blocks"])
    # It is not theirs: neither the notification nor the message says it is, nor thanks them for sharing it.
    assert notice["text"].startswith("The idea you supported #1 is now in discovery")
    assert "Your" not in str(notice["blocks"]) + notice["text"] and "for sharing" not in str(notice["blocks"])


@pytest.mark.parametrize(("requester", "supporter", "told"), [
    ("UPM", "U2", "U2"),  # a PM deciding their own idea: the supporter hears, the PM is not told what they did
    ("U1", "UPM", "U1"),  # a PM who supported an idea and then decided it: the requester hears, the PM is not told
])
def test_nobody_is_told_of_a_decision_they_made_themselves(bot, slack, engine, requester, supporter, told):
    card = share_idea(bot, slack, user=requester)
    bot.slack.press(buttons(card["blocks"])["support_idea"], user=supporter, channel="CTRIAGE")
    bot.slack.submit_view(slack.wait_for("views.open", 2)[-1].args["view"], {"evidence": "me too"}, user=supporter)
    wait_until(lambda: supports(engine) == 1)
    before = len(dms(slack, "UPM"))
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""
    wait_until(lambda: any("now in discovery" in dm["text"] for dm in dms(slack, told)))
    bot.deliver()
    assert len(dms(slack, "UPM")) == before, "the PM was DMed about their own decision"
    assert "In discovery" in str(slack.wait_for("chat.update")[-1].args["blocks"])


def ship(bot, slack, card):
    blocks = card["blocks"]
    for step, action in enumerate(["idea_move_discovery", "idea_move_delivery", "idea_move_shipped"], start=1):
        assert decide(bot, slack, blocks, action).body == ""
        blocks = slack.wait_for("chat.update", step)[-1].args["blocks"]
    return blocks


def ask_due_check_ins(bot, now):
    """The scheduler's check-in job at `now`, then the sender's delivery of what it owed; how many it asked."""
    asked = owe_due_check_ins(make_sessions(bot.engine), bot.settings, now, bot.sender.wake)
    bot.deliver()
    return asked


def test_shipped_check_in_met_is_a_decision_and_reaches_the_digest(bot, slack, engine):
    card = share_idea(bot, slack, user="U1", measure="Close takes four days instead of five")
    ship(bot, slack, card)
    due = utcnow() + timedelta(weeks=4)
    assert ask_due_check_ins(bot, due - timedelta(days=1)) == 0
    assert ask_due_check_ins(bot, due) == 1
    assert ask_due_check_ins(bot, due + timedelta(days=1)) == 0
    question, pm_question = dms(slack, "U1")[-1], dms(slack, "UPM")[-1]
    assert "Did this happen?" in str(question["blocks"]) and "Did this happen?" in str(pm_question["blocks"])
    bot.slack.press(buttons(question["blocks"])["review_met"], user="U1", channel="DU1")
    view = slack.wait_for("views.open", 5)[-1].args["view"]
    recorded = bot.slack.submit_view(view, {"measured": "close took 3.5 days in October",
                                            "learning": "Automating the export removed the manual day"},
                                     user="U1").json()
    # The form says it was recorded (and both check-in messages are redrawn to say so) ...
    assert recorded["response_action"] == "update" and "Recorded: the outcome of #1 was *met*" in str(recorded["view"])
    # ... and the PM, pressing a button before the redraw reached them, hears who answered, and what.
    # (Taken before the answer: the PM's latest DM may by now be the note that U1 recorded it.)
    bot.slack.press(buttons(pm_question["blocks"])["review_missed"], user="UPM", channel="DUPM")
    assert "already recorded by <@U1>: *met*" in slack.wait_for("response_url")[-1].args["text"]
    [*_, review] = decisions(engine)
    assert (review.from_stage, review.to_stage, review.result, review.measured) == (
        "shipped", "reviewed", "met", "close took 3.5 days in October")
    with Session(engine) as session:
        assert session.scalar(select(CheckIn.answered_at)) is not None
        digest = compose(session, "T1", utcnow() - timedelta(days=1), utcnow() + timedelta(days=1))
    assert [d.result for _, d in digest.reviewed] == ["met"]


def test_not_yet_asks_again_two_weeks_later_once(bot, slack, engine):
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    due = utcnow() + timedelta(weeks=4)
    ask_due_check_ins(bot, due)
    question = dms(slack, "UPM")[-1]
    bot.slack.press(buttons(question["blocks"])["review_not_yet"], user="UPM", channel="DUPM")
    assert "ask again" in slack.wait_for("response_url")[0].args["text"]
    wait_until(lambda: len(_check_ins(engine)) == 2)
    again = due + timedelta(weeks=2)  # pressed before the due date here: two weeks after that date
    assert max(c.due_on for c in _check_ins(engine)) == again.date()
    assert ask_due_check_ins(bot, again - timedelta(days=1)) == 0
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(
        ask_due_check_ins(bot, again))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 1]


@pytest.mark.parametrize("presser", ["UPM", "U1"])
def test_not_yet_asks_the_pm_and_the_requester_again_whoever_pressed_it(bot, slack, engine, presser):
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    due = utcnow() + timedelta(weeks=4)
    ask_due_check_ins(bot, due)
    question = dms(slack, presser)[-1]
    bot.slack.press(buttons(question["blocks"])["review_not_yet"], user=presser, channel=f"D{presser}")
    wait_until(lambda: len(_check_ins(engine)) == 2)
    asked_before = {user: len(dms(slack, user)) for user in ("UPM", "U1")}
    assert ask_due_check_ins(bot, due + timedelta(weeks=2)) == 1
    for user in ("UPM", "U1"):
        assert len(dms(slack, user)) == asked_before[user] + 1, user
        assert "Did this happen?" in str(dms(slack, user)[-1]["blocks"])


def _check_ins(engine):
    with Session(engine) as session:
        return list(session.scalars(select(CheckIn)))


def test_only_pms_and_the_requester_record_a_review(bot, slack, engine):
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
    question = dms(slack, "U1")[-1]
    bot.slack.press(buttons(question["blocks"])["review_missed"], user="U9", channel="DU9")
    assert "Only product managers and the person who asked" in slack.wait_for("response_url")[0].args["text"]
    assert [d.to_stage for d in decisions(engine)][-1] == "shipped"


def merge_via_card(bot, slack, card, values, user="UPM"):
    opened = len(slack.calls("views.open"))
    bot.slack.press(buttons(card["blocks"])["merge_idea"], user=user, channel="CTRIAGE")
    view = slack.wait_for("views.open", opened + 1)[-1].args["view"]
    return bot.slack.submit_view(view, values, user=user)


def test_merging_moves_requester_supporters_and_evidence_and_tells_them(bot, slack, engine):
    keep = share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner")
    dupe = share_idea(bot, slack, user="U3", outcome="Month end close takes one day less")
    bot.slack.press(buttons(dupe["blocks"])["support_idea"], user="U2", channel="CTRIAGE")
    bot.slack.submit_view(slack.wait_for("views.open", 3)[-1].args["view"], {"evidence": "weekly pain"}, user="U2")
    wait_until(lambda: supports(engine) == 1)

    for target, message in (("2", "itself"), ("99", "not an open idea"), ("", "number")):
        reply = merge_via_card(bot, slack, dupe, {"target": target, "reason": "Both ask for a faster close"}).json()
        assert message in reply["errors"]["target"]
    bot.slack.press(buttons(dupe["blocks"])["merge_idea"], user="U2", channel="CTRIAGE")
    assert slack.wait_for("response_url")[0].args["text"].startswith("Only product managers")
    why = "Both ask for a faster month end close"
    assert merge_via_card(bot, slack, dupe, {"target": "#1", "reason": why}).body == ""

    [merged] = [d for d in decisions(engine) if d.to_stage == "merged"]
    assert (merged.idea_id, merged.from_stage, merged.reason) == (2, "candidate", why)
    with Session(engine) as session:
        moved = {(s.user_id, s.evidence) for s in session.scalars(select(Support).where(Support.idea_id == 1))}
    assert moved == {("U3", "Month end close takes one day less"), ("U2", "weekly pain")}
    wait_until(lambda: any("merged" in str(m["blocks"]) for m in dms(slack, "U3")))
    assert "into idea #1" in str(dms(slack, "U3")[-1]["blocks"])

    assert decide(bot, slack, keep["blocks"], "idea_move_discovery").body == ""
    for supporter in ("U2", "U3"):
        wait_until(lambda s=supporter: "The idea you supported #1" in str(dms(slack, s)[-1]["blocks"]))


def test_a_merge_names_the_idea_it_went_into_and_tells_its_own_requester_it_is_theirs(bot, slack, engine):
    share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner & <!here>")
    dupe = share_idea(bot, slack, user="U1", outcome="Month end close takes one day less")
    bot.slack.press(buttons(dupe["blocks"])["support_idea"], user="U2", channel="CTRIAGE")
    bot.slack.submit_view(slack.wait_for("views.open", 3)[-1].args["view"], {"evidence": "weekly pain"}, user="U2")
    wait_until(lambda: supports(engine) == 1)
    assert merge_via_card(bot, slack, dupe, {"target": "1", "reason": "Both ask for a faster close"}).body == ""
    bot.finish_work()
    for user, whose in (("U1", "It is your idea too"), ("U2", "You are now among its supporters")):
        news = dms(slack, user)[-1]["blocks"][0]["text"]["text"]
        assert "merged* into idea #1" in news and "Finance closes the month a day sooner &amp; &lt;!here&gt;" in news
        assert whose in news and ("among its supporters" not in news if user == "U1" else True), news


def test_a_plus_one_on_a_merged_idea_counts_on_the_idea_it_went_into(bot, slack, engine):
    """An old card or digest still shows +1 on an idea since merged: the need lives on in the other idea."""
    share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner")
    dupe = share_idea(bot, slack, user="U3", outcome="Month end close takes one day less")
    opened = len(slack.calls("views.open"))
    bot.slack.press(buttons(dupe["blocks"])["support_idea"], user="U4", channel="CTRIAGE")
    opened_before_merge = slack.wait_for("views.open", opened + 1)[-1].args["view"]  # merged while it is open
    assert merge_via_card(bot, slack, dupe, {"target": "1", "reason": "Both ask for a faster close"}).body == ""

    opened = len(slack.calls("views.open"))
    bot.slack.press(buttons(dupe["blocks"])["support_idea"], user="U5", channel="CTRIAGE")
    view = slack.wait_for("views.open", opened + 1)[-1].args["view"]
    assert "#2 was merged into #1" in str(view["blocks"]) and "Finance closes the month" in str(view["blocks"])
    for form, user in ((view, "U5"), (opened_before_merge, "U4")):
        thanks = bot.slack.submit_view(form, {"evidence": "every month end"}, user=user).json()
        assert "your +1 on #1 is counted" in str(thanks["view"])
    with Session(engine) as session:
        on_target = {s.user_id for s in session.scalars(select(Support).where(Support.idea_id == 1))}
    assert on_target == {"U3", "U4", "U5"}  # the merged idea's requester, and the two +1s

    # The merged idea's requester is among the other's supporters already; its own requester counts already.
    bot.slack.press(buttons(dupe["blocks"])["support_idea"], user="U1", channel="CTRIAGE")
    assert "It's your idea" in slack.wait_for("response_url")[0].args["text"]


def test_two_pms_merging_two_ideas_into_each_other_at_once_merge_one(make_bot, slack, engine):
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    for round_number in range(4):
        first = share_idea(bot, slack, user="U1", outcome=f"Finance closes the month sooner, round {round_number}")
        second = share_idea(bot, slack, user="U3", outcome=f"Month end close takes less time, round {round_number}")
        by_outcome = {i.outcome: i.id for i in _ideas(engine)}
        a, b = by_outcome[first_outcome(first)], by_outcome[first_outcome(second)]
        forms = []
        for card, user in ((first, "UPM"), (second, "UPM2")):
            opened = len(slack.calls("views.open"))
            bot.slack.press(buttons(card["blocks"])["merge_idea"], user=user, channel="CTRIAGE")
            forms.append((slack.wait_for("views.open", opened + 1)[-1].args["view"], user))
        replies = at_once(bot, [(*forms[0], b), (*forms[1], a)])
        stages = {i.id: i.stage for i in _ideas(engine)}
        assert sorted([stages[a], stages[b]]) == ["candidate", "merged"], stages
        refused = [r for r in replies if r.body]
        assert len(refused) == 1 and "not an open idea" in refused[0].json()["errors"]["target"]


def at_once(bot, merges):
    """Submits merge forms (view, user, target) at the same moment; their replies, in order."""
    return together(*(lambda view=view, user=user, target=target: bot.slack.submit_view(
        view, {"target": str(target), "reason": "Both ask for the same"}, user=user) for view, user, target in merges))


def first_outcome(card) -> str:
    return next(b["text"]["text"].split("\n", 1)[1] for b in card["blocks"] if "*Outcome*" in str(b))


def _ideas(engine):
    from models import Idea

    with Session(engine) as session:
        return list(session.scalars(select(Idea)))


def test_not_yet_pressed_by_both_asked_or_twice_asks_again_once(bot, slack, engine):
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    due = utcnow() + timedelta(weeks=4)
    ask_due_check_ins(bot, due)
    for user in ("UPM", "U1", "U1"):  # the PM and the requester were both asked; a double click
        bot.slack.press(buttons(dms(slack, user)[-1]["blocks"])["review_not_yet"], user=user, channel="D" + user)
    wait_until(lambda: len(slack.calls("response_url")) == 3)
    said = {c.args["text"] for c in slack.calls("response_url")}
    assert len(said) == 1, said  # everyone hears the same date
    bot.finish_work()
    assert len([c for c in _check_ins(engine) if c.answered_at is None]) == 1
    again = due + timedelta(weeks=2)
    assert ask_due_check_ins(bot, again) == 1
    assert ask_due_check_ins(bot, again + timedelta(weeks=8)) == 0


def opened_form(bot, slack, card, action, user):
    """The form a card's button opens (opened now, to be submitted later)."""
    opened = len(slack.calls("views.open"))
    bot.slack.press(buttons(card["blocks"])[action], user=user, channel="CTRIAGE")
    return slack.wait_for("views.open", opened + 1)[opened].args["view"]


def submitted_together(bot, *submissions):
    """Submits forms (view, values, user) at the same moment; their replies, in order."""
    return together(*(lambda view=view, values=values, user=user: bot.slack.submit_view(view, values, user=user)
                      for view, values, user in submissions))


@pytest.mark.parametrize(("decision", "button"), [("merged", "merge_idea"), ("declined", "idea_move_declined")])
def test_a_plus_one_at_the_moment_the_idea_is_merged_or_decided_counts_where_it_hears_the_news(
        bot, slack, engine, decision, button):
    """A +1 submitted while a PM merges or declines the same idea: either it is refused as closed, or it counts,
    on the idea the need lives in (the merge's target), and its supporter hears the decision like any other."""
    from tests.handlers.test_triage import REASON

    for round_number in range(6):
        card = share_idea(bot, slack, user="U1", outcome=f"Finance closes the month sooner, round {round_number}")
        share_idea(bot, slack, user="U3", outcome=f"Month end close takes less time, round {round_number}")
        source_id, target_id = sorted(i.id for i in _ideas(engine))[-2:]
        supporter = f"US{round_number}"
        plus_one = opened_form(bot, slack, card, "support_idea", supporter)
        pm_form = opened_form(bot, slack, card, button, "UPM")
        values = {"reason": REASON, **({"target": str(target_id)} if decision == "merged" else {})}
        supported, decided = submitted_together(bot, (plus_one, {"evidence": "every month end"}, supporter),
                                                (pm_form, values, "UPM"))
        assert decided.body == ""
        counted = "is counted" in supported.body
        assert counted or "no longer open" in supported.body, supported.body
        bot.deliver()
        with Session(engine) as session:
            backing = {s.idea_id for s in session.scalars(select(Support).where(Support.user_id == supporter))}
        if decision == "merged":
            assert counted and backing >= {target_id}, (round_number, supported.body, backing)
        elif counted:
            assert backing == {source_id}
            wait_until(lambda who=supporter: any("declined" in m["text"] for m in dms(slack, who)))


def test_not_yet_pressed_while_the_outcome_is_recorded_leaves_nothing_to_ask(bot, slack, engine):
    """The requester presses Not yet at the moment the PM records Met: whichever comes second finds the other
    done. Once the review is recorded no check-in is left waiting to be asked."""
    from tests.flows import together

    for round_number in range(5):
        card = share_idea(bot, slack, user="U1", outcome=f"Finance closes sooner, round {round_number}")
        blocks = card["blocks"]
        for action in ("idea_move_discovery", "idea_move_delivery", "idea_move_shipped"):
            updated = len(slack.calls("chat.update"))
            assert decide(bot, slack, blocks, action).body == ""
            blocks = slack.wait_for("chat.update", updated + 1)[updated].args["blocks"]
        ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
        met = opened_form_from(bot, slack, buttons(dms(slack, "UPM")[-1]["blocks"])["review_met"], "UPM")
        not_yet = buttons(dms(slack, "U1")[-1]["blocks"])["review_not_yet"]
        told = len(slack.calls("response_url"))
        reviewed, _ = together(
            lambda met=met: bot.slack.submit_view(met, {"learning": "Close took four days, down from five",
                                                        "measured": "Days to close"}, user="UPM"),
            lambda not_yet=not_yet: bot.slack.press(not_yet, user="U1", channel="DU1"))
        answer = slack.wait_for("response_url", told + 1)[told].args["text"]
        assert "Recorded" in reviewed.body
        bot.finish_work() if round_number == 4 else bot.deliver()
        waiting = [c for c in _check_ins(engine) if c.answered_at is None]
        assert waiting == [], (round_number, answer, waiting)


def opened_form_from(bot, slack, button, user):
    opened = len(slack.calls("views.open"))
    bot.slack.press(button, user=user, channel="D" + user)
    return slack.wait_for("views.open", opened + 1)[opened].args["view"]


def questions(slack, user):
    """The check-in questions in the bot's DM with `user` (or a channel), as they read now (redraws included)."""
    return [m for m in slack.messages(user) if "Did this happen?" in str(m["blocks"])]


def answered_for_everyone(slack, asked, says):
    """Every question asked now says `says` and has no buttons left to press."""
    for user in asked:
        for question in questions(slack, user):
            shown = str(question["blocks"]) + question["text"]
            assert not [b for b in question["blocks"] if b["type"] == "actions"], (user, question)
            assert all(words in shown for words in says), (user, says, question)


@pytest.mark.parametrize("answerer", ["U1", "UPM"])
def test_once_the_outcome_is_recorded_every_question_says_so_without_buttons(bot, slack, engine, answerer):
    """The PM and the requester were both asked; whoever answers, both questions (the answerer's own too) are
    redrawn with what was recorded and by whom, so nobody is left with buttons that no longer do anything."""
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
    [question] = questions(slack, answerer)
    view = opened_form_from(bot, slack, buttons(question["blocks"])["review_partly"], answerer)
    assert "Recorded" in bot.slack.submit_view(view, {"learning": "Close took four days, down from five"},
                                               user=answerer).body
    bot.finish_work()
    answered_for_everyone(slack, ("U1", "UPM"), (f"<@{answerer}>", "partly met", "Close took four days"))
    assert [len(questions(slack, user)) for user in ("U1", "UPM")] == [1, 1]  # redrawn in place, not posted again
    assert not slack.refused()


@pytest.mark.parametrize("presser", ["U1", "UPM"])
def test_not_yet_redraws_both_questions_with_when_it_will_ask_again(bot, slack, engine, presser):
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    due = utcnow() + timedelta(weeks=4)
    ask_due_check_ins(bot, due)
    [question] = questions(slack, presser)
    bot.slack.press(buttons(question["blocks"])["review_not_yet"], user=presser, channel="D" + presser)
    bot.finish_work()
    again = due + timedelta(weeks=2)
    answered_for_everyone(slack, ("U1", "UPM"), (f"<@{presser}>", "not yet", f"{again:%A %d %B}"))


def test_a_question_rerouted_to_another_pm_is_redrawn_too(make_bot, slack, engine):
    """The PM who shipped it is deactivated: another PM was asked in their place, and hears it was answered."""
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    slack.users["UPM"] = {"deleted": True}
    ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
    assert questions(slack, "UPM2") and not questions(slack, "UPM")
    view = opened_form_from(bot, slack, buttons(questions(slack, "U1")[0]["blocks"])["review_met"], "U1")
    bot.slack.submit_view(view, {"learning": "Close took four days, down from five"}, user="U1")
    bot.finish_work()
    answered_for_everyone(slack, ("U1", "UPM2"), ("<@U1>", "*met*"))


@pytest.mark.refusals_expected
def test_try_again_after_the_outcome_was_recorded_sends_the_question_as_it_reads_now(bot, slack, engine):
    """The requester's question never arrived (Slack refused it); the PM records the
    outcome, then presses Try again on Home: the requester gets what was recorded, not buttons to answer."""
    from tests.handlers.test_triage import open_home

    ship(bot, slack, share_idea(bot, slack, user="U1"))
    bot.deliver()
    slack.fail("chat.postMessage", "user_not_found", match={"channel": "U1"})
    ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
    bot.deliver()
    assert not questions(slack, "U1")
    view = opened_form_from(bot, slack, buttons(questions(slack, "UPM")[0]["blocks"])["review_met"], "UPM")
    assert "Recorded" in bot.slack.submit_view(view, {"learning": "Close took four days, down from five"},
                                               user="UPM").body
    bot.deliver()
    home = open_home(bot, slack, "UPM")
    bot.slack.press(buttons(home["blocks"])["deliveries_retry"], user="UPM", view={**home, "id": "VHOME"})
    wait_until(lambda: questions(slack, "U1"))
    bot.finish_work()
    answered_for_everyone(slack, ("U1", "UPM"), ("<@UPM>", "*met*", "Close took four days"))


@pytest.mark.parametrize(("keeper", "heard"), [
    ("U1", True),  # the requester of the idea merged into hears who now counts on theirs, and why
    ("UPM", False),  # a PM merging into their own idea is not told what they did
])
def test_the_requester_of_the_idea_merged_into_hears_it_with_the_reason(bot, slack, engine, keeper, heard):
    share_idea(bot, slack, user=keeper, outcome="Finance closes the month a day sooner")
    dupe = share_idea(bot, slack, user="U3", outcome="Month end close takes <one> day less & *sooner*")
    why = "Both ask for a faster month end close <!channel>"
    assert merge_via_card(bot, slack, dupe, {"target": "1", "reason": why}).body == ""
    bot.finish_work()
    told = [m for m in dms(slack, keeper) if "merged" in m["text"]]
    if not heard:
        assert told == []
        return
    [notice] = told
    words = str(notice["blocks"])
    assert notice["text"].startswith("Idea #2 was merged into your idea #1: Both ask for a faster month end close")
    assert "into your idea #1" in words and "<@U3>" in words and "&lt;!channel&gt;" in words
    assert "&lt;one&gt; day less &amp; *sooner*" in words and "<!channel>" not in str(notice)
    assert "You are now among its supporters" not in words and "Your idea #2" not in words
    assert len([m for m in dms(slack, "U3") if "merged" in m["text"]]) == 1, "its own requester hears it once"


def test_not_yet_redraws_the_card_with_the_date_it_will_be_asked_again(bot, slack, engine):
    """The card said "we ask whether the outcome happened on 29 Dec" long after a "Not yet" moved that to
    12 Jan: it is redrawn with the date the question will really be asked."""
    blocks = ship(bot, slack, share_idea(bot, slack, user="U1"))
    due = utcnow() + timedelta(weeks=4)
    assert f"we ask whether the outcome happened on {due:%d %b %Y}" in str(blocks)
    ask_due_check_ins(bot, due)
    updates = len(slack.calls("chat.update"))
    bot.slack.press(buttons(dms(slack, "U1")[-1]["blocks"])["review_not_yet"], user="U1", channel="DU1")
    bot.finish_work()
    again = due + timedelta(weeks=2)
    [card] = [c.args for c in slack.calls("chat.update")[updates:] if c.args["channel"] == "CTRIAGE"]
    assert f"we ask whether the outcome happened on {again:%d %b %Y}" in str(card["blocks"])
    assert f"{due:%d %b %Y}" not in str(card["blocks"])
    assert "review_not_yet" in buttons(card["blocks"]), "it is still to be reviewed"


def test_the_merged_ideas_requester_sees_where_it_went_in_their_list_and_home(bot, slack, engine):
    share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner")
    dupe = share_idea(bot, slack, user="U3", outcome="Month end close takes one day less")
    assert merge_via_card(bot, slack, dupe, {"target": "1", "reason": "Both ask for a faster close"}).body == ""
    listed = str(bot.slack.command("list", user="U3").json()["blocks"])
    assert "*#2* · :link: Merged into #1 ·" in listed
    bot.slack.event({"type": "app_home_opened", "user": "U3", "channel": "DU3", "tab": "home"})
    home = slack.wait_for("views.publish")[-1].args
    assert home["user_id"] == "U3" and "*#2* · :link: Merged into #1 ·" in str(home["view"])


def test_a_long_lesson_full_of_symbols_reaches_every_check_in_message_whole(bot, slack, engine):
    """2,000 characters of what was learned, escaped to twice that: the redrawn questions carry it all, in as
    many sections as it takes, rather than cut at one section's 3,000."""
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
    bot.slack.press(buttons(dms(slack, "U1")[-1]["blocks"])["review_met"], user="U1", channel="DU1")
    view = slack.wait_for("views.open", 5)[-1].args["view"]
    lesson = "Ops & QA <3 " * 166 + "the end"
    assert "Recorded" in bot.slack.submit_view(view, {"measured": "3.5 days", "learning": lesson}, user="U1").body
    bot.finish_work()
    redrawn = [c.args for c in slack.calls("chat.update") if c.args["channel"] in ("DU1", "DUPM")]
    assert {m["channel"] for m in redrawn} == {"DU1", "DUPM"}
    for message in redrawn:
        # Sections joined again as one text: a piece cut at a space goes on quoted ("&gt; ").
        said = " ".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section").replace(" &gt; ", " ")
        assert said.count("Ops &amp; QA &lt;3") == 166 and "the end" in said and "…" not in said, message["channel"]


@pytest.mark.parametrize(("answerer", "told", "words"), [
    ("U1", "UPM", "which you shipped"),  # the PM's own question is only edited, which Slack does not notify
    ("UPM", "U1", "Your idea"),  # the requester hears it as news of their idea
])
def test_whoever_did_not_record_the_outcome_is_told_once_by_dm(bot, slack, engine, answerer, told, words):
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
    before = {user: len(dms(slack, user)) for user in ("U1", "UPM")}
    [question] = questions(slack, answerer)
    view = opened_form_from(bot, slack, buttons(question["blocks"])["review_missed"], answerer)
    lesson = "Exports <still> fail & nobody noticed"
    assert "Recorded" in bot.slack.submit_view(view, {"learning": lesson}, user=answerer).body
    bot.finish_work()
    new = {user: dms(slack, user)[before[user]:] for user in ("U1", "UPM")}
    assert new[answerer] == []
    [notice] = new[told]
    shown = str(notice["blocks"])
    assert all(part in shown for part in (words, f"<@{answerer}>", "*missed*", "#1",
                                          "&gt; Exports &lt;still&gt; fail &amp; nobody noticed")), shown
    assert not slack.refused()


def plus_one(bot, slack, card, user):
    opened, counted = len(slack.calls("views.open")), supports(bot.engine)
    bot.slack.press(buttons(card["blocks"])["support_idea"], user=user, channel="CTRIAGE")
    view = slack.wait_for("views.open", opened + 1)[-1].args["view"]
    bot.slack.submit_view(view, {"evidence": "same here"}, user=user)
    wait_until(lambda: supports(bot.engine) == counted + 1)


def test_a_merge_tells_who_already_supported_the_idea_it_went_into_that_they_already_do(bot, slack, engine):
    keep = share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner")
    dupe = share_idea(bot, slack, user="U3", outcome="Month end close takes one day less")
    for card, user in ((keep, "U2"), (keep, "U3"), (dupe, "U2"), (dupe, "U4")):
        plus_one(bot, slack, card, user)
    assert merge_via_card(bot, slack, dupe, {"target": "1", "reason": "Both ask for a faster close"}).body == ""
    bot.finish_work()
    for user, says in (("U2", "You already support it"), ("U3", "You already support it"),
                       ("U4", "You are now among its supporters")):
        [notice] = [m for m in dms(slack, user) if "merged" in m["text"]]
        words = str(notice["blocks"])
        assert says in words and "into idea #1" in words, (user, words)
        assert ("You are now among" in words) == (user == "U4"), (user, words)


def test_an_outcome_of_symbols_at_the_forms_limit_is_shown_whole_on_the_card_and_in_the_check_in(bot, slack, engine):
    """1,000 characters of `&` and `<` are 4,400 once escaped, past a section's 3,000: the card and both
    check-in questions carry it all, in further sections, rather than cut."""
    outcome = "Close faster " + "&<" * 491 + " end"
    assert len(outcome) == 999
    card = share_idea(bot, slack, user="U1", outcome=outcome)
    ship(bot, slack, card)
    ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
    shown = {"card": slack.messages("CTRIAGE")[0], "requester": questions(slack, "DU1")[-1],
             "pm": questions(slack, "DUPM")[-1]}
    for where, message in shown.items():
        said = "".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section").replace("&gt; ", "")
        assert "Close faster " + "&amp;&lt;" * 491 + " end" in said and "…" not in said, (where, said[-200:])


def test_a_pm_whose_question_slack_refused_is_not_dmed_the_outcome_either(make_bot, slack, engine):
    """The PM who shipped it is deactivated, so their question went to another PM: once the requester records the
    outcome, that question is redrawn, and no DM to the deactivated PM is tried and left failed for PMs to retry."""
    from models import Delivery
    from runtime.outbox import FAILED

    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    slack.users["UPM"] = {"deleted": True}
    ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
    refused_before = len([c for c in slack.calls("chat.postMessage") if c.error])
    view = opened_form_from(bot, slack, buttons(questions(slack, "U1")[0]["blocks"])["review_met"], "U1")
    assert "Recorded" in bot.slack.submit_view(view, {"learning": "Close took four days, down from five"},
                                               user="U1").body
    bot.finish_work()
    answered_for_everyone(slack, ("U1", "UPM2"), ("<@U1>", "*met*"))
    assert len([c for c in slack.calls("chat.postMessage") if c.error]) == refused_before
    with Session(engine) as session:
        assert session.scalars(select(Delivery.key).where(Delivery.state == FAILED)).all() == []


def test_a_review_form_submitted_after_the_other_recorded_it_says_what_was_recorded(bot, slack, engine):
    """The PM and the requester both opened the form; the second to press Record hears that the outcome was
    recorded, and what, as a button pressed late does, not that the idea "is now outcome reviewed"."""
    ship(bot, slack, share_idea(bot, slack, user="U1"))
    ask_due_check_ins(bot, utcnow() + timedelta(weeks=4))
    late = opened_form_from(bot, slack, buttons(questions(slack, "UPM")[0]["blocks"])["review_missed"], "UPM")
    first = opened_form_from(bot, slack, buttons(questions(slack, "U1")[0]["blocks"])["review_met"], "U1")
    assert "Recorded" in bot.slack.submit_view(first, {"learning": "Close took four days, down from five"},
                                               user="U1").body
    said = bot.slack.submit_view(late, {"learning": "Nobody uses the new export at all"}, user="UPM").json()
    assert said["response_action"] == "errors"
    # A form's error is plain text: no mention nor bold, which it would show as typed.
    assert said["errors"]["learning"].startswith("The outcome of #1 was already recorded: met."), said
    assert [d.result for d in decisions(engine) if d.to_stage == "reviewed"] == ["met"]
