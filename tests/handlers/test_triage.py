"""PM triage end to end: buttons, the why-modal, the recorded decision, the card, the requester's notice."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.ideas import IdeaDraft, submit_idea
from handlers.home import QUEUE_LIMIT
from models import Decision, Idea, Stage, utcnow
from tests.flows import GOOD, decisions, ideas, share_idea, wait_until
from tests.slack_requests import buttons

REASON = "Three teams lose a day every month & the evidence is strong"


def press(bot, slack, card_blocks, action, *, user="UPM"):
    """Presses a button on a card; returns how many modals were open before, for `opened_modal`."""
    opened = len(slack.calls("views.open"))
    reply = bot.slack.press(buttons(card_blocks)[action], user=user, channel="CTRIAGE")
    assert reply.status == 200
    return opened


def opened_modal(slack, opened_before):
    return slack.wait_for("views.open", opened_before + 1)[-1].args["view"]


def decide(bot, slack, card_blocks, action, *, user="UPM", reason=REASON, revisit=None):
    before = press(bot, slack, card_blocks, action, user=user)
    view = opened_modal(slack, before)
    values = {"reason": reason} if revisit is None else {"reason": reason, "revisit": revisit}
    return bot.slack.submit_view(view, values, user=user)


def card_updates(slack):
    return [c.args for c in slack.calls("chat.update")]


def dms_to(slack, user):
    return [c.args for c in slack.calls("chat.postMessage") if c.args["channel"] == user]


def test_a_pm_moves_a_candidate_to_discovery_and_everyone_hears_why(bot, slack, engine):
    card = share_idea(bot, slack, user="U1")
    reason = "<!channel> " + REASON
    before = press(bot, slack, card["blocks"], "idea_move_discovery")
    view = opened_modal(slack, before)
    assert view["callback_id"] == "idea_decision"
    assert "the requester and the channel digest will read this" in str(view).lower()
    assert bot.slack.submit_view(view, {"reason": reason}, user="UPM").body == ""

    [decision] = decisions(engine)
    assert (decision.from_stage, decision.to_stage, decision.reason, decision.decided_by) == (
        "candidate", "discovery", reason, "UPM",
    )
    assert ideas(engine)[0].stage == "discovery"

    update_call = slack.wait_for("chat.update")[0].args
    assert (update_call["channel"], update_call["ts"]) == ("CTRIAGE", card["ts"])
    shown = str(update_call["blocks"])
    assert "In discovery" in shown and "<@UPM>" in shown and "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert set(buttons(update_call["blocks"])) == {"idea_move_delivery", "idea_move_parked", "idea_move_declined",
                                                   "support_idea", "merge_idea"}

    wait_until(lambda: len(dms_to(slack, "U1")) == 2)
    notice = dms_to(slack, "U1")[-1]
    said = str(notice["blocks"]) + notice["text"]
    assert "discovery" in said and "<@UPM>" in said
    assert "&lt;!channel&gt; Three teams lose a day every month &amp; the evidence is strong" in said
    assert "<!channel>" not in said


def test_a_long_reason_full_of_symbols_reaches_the_card_and_the_requester_whole(bot, slack, engine):
    """2,000 characters as typed can be twice as long once `<`, `>` and `&` are escaped: more than one
    section holds, so the reason is split across sections rather than cut."""
    card = share_idea(bot, slack, user="U1")
    reason = "Sales and support agree: " + ("<> && " * 400)[:1970].strip()
    assert decide(bot, slack, card["blocks"], "idea_move_discovery", reason=reason).body == ""
    wait_until(lambda: len(dms_to(slack, "U1")) == 2)
    redrawn = slack.wait_for("chat.update")[-1].args["blocks"]
    for blocks in (dms_to(slack, "U1")[-1]["blocks"], redrawn):
        shown = "".join(b["text"]["text"] for b in blocks if b["type"] == "section")
        assert "…" not in shown
        assert (shown.count("&amp;"), shown.count("&lt;")) == (reason.count("&"), reason.count("<"))


def new_idea(engine, stage: Stage, team: str = "T1") -> int:
    with Session(engine) as session, session.begin():
        idea, _ = submit_idea(session, team_id=team, submitter_id="U1", draft=IdeaDraft(**GOOD))
        idea.stage = stage
        session.flush()
        return idea.id


ALLOWED = {("candidate", "discovery"), ("candidate", "parked"), ("candidate", "declined"),
           ("discovery", "delivery"), ("discovery", "parked"), ("discovery", "declined"),
           ("delivery", "shipped"), ("parked", "discovery")}  # reviews and merges have their own buttons


@pytest.mark.parametrize("from_stage, to_stage", list(itertools.product(Stage, Stage)))
def test_only_moves_in_the_stage_graph_open_the_why_modal(bot, slack, engine, from_stage, to_stage):
    idea_id = new_idea(engine, from_stage)
    button = {"action_id": f"idea_move_{to_stage}", "value": f"{idea_id}:{from_stage}", "block_id": "b"}
    assert bot.slack.press(button, user="UPM").status == 200
    if (from_stage, to_stage) in ALLOWED:
        assert slack.wait_for("views.open")[0].args["view"]["callback_id"] == "idea_decision"
    else:
        assert "cannot move" in slack.wait_for("response_url")[0].args["text"]
        assert slack.calls("views.open") == []


def test_someone_who_is_not_a_pm_is_told_who_decides_and_nothing_changes(bot, slack, engine):
    card = share_idea(bot, slack)
    press(bot, slack, card["blocks"], "idea_move_discovery", user="U2")
    reply = slack.wait_for("response_url")[0].args
    assert reply["text"] == "Only product managers can move ideas; ask in <#CTRIAGE>."
    assert reply.get("response_type") == "ephemeral"
    assert len(slack.calls("views.open")) == 1  # the intake modal only
    assert decisions(engine) == [] and ideas(engine)[0].stage == "candidate"


def test_a_submission_from_someone_who_is_not_a_pm_is_refused(bot, slack, engine):
    card = share_idea(bot, slack)
    view = opened_modal(slack, press(bot, slack, card["blocks"], "idea_move_parked"))
    reply = bot.slack.submit_view(view, {"reason": REASON}, user="U2")
    assert "Only product managers" in reply.json()["errors"]["reason"]
    assert decisions(engine) == []


def test_without_a_pm_list_workspace_admins_and_owners_decide(make_bot, slack, engine):
    bot = make_bot(pm_user_ids=frozenset())
    slack.users.update({"UADMIN": {"is_admin": True}, "UOWNER": {"is_owner": True}})
    card = share_idea(bot, slack)
    for user in ("UADMIN", "UOWNER"):
        opened_modal(slack, press(bot, slack, card["blocks"], "idea_move_discovery", user=user))
    press(bot, slack, card["blocks"], "idea_move_discovery", user="U2")
    assert "Only product managers" in slack.wait_for("response_url")[0].args["text"]
    assert {c.args["user"] for c in slack.calls("users.info")} == {"UADMIN", "UOWNER", "U2"}


@pytest.mark.parametrize("reason, message", [("", "sentence"), ("   ", "sentence"), ("because", "sentence"),
                                             ("no.", "sentence"), ("word " * 401, "2,000")])
def test_a_reason_must_say_something(bot, slack, engine, reason, message):
    card = share_idea(bot, slack)
    reply = decide(bot, slack, card["blocks"], "idea_move_declined", reason=reason)
    assert message in reply.json()["errors"]["reason"]
    assert decisions(engine) == [] and slack.calls("chat.update") == []


def test_parking_asks_when_to_look_again(bot, slack, engine):
    card = share_idea(bot, slack)
    view = opened_modal(slack, press(bot, slack, card["blocks"], "idea_move_parked"))
    picker = next(b for b in view["blocks"] if b.get("block_id") == "revisit")["element"]
    default = date.fromisoformat(picker["initial_date"])
    assert default == utcnow().date() + timedelta(weeks=6)

    past = (utcnow().date() - timedelta(days=1)).isoformat()
    assert "after today" in bot.slack.submit_view(view, {"reason": REASON, "revisit": past}, user="UPM").json()[
        "errors"]["revisit"]
    assert bot.slack.submit_view(view, {"reason": REASON}, user="UPM").body == ""
    [decision] = decisions(engine)
    assert (decision.to_stage, decision.revisit_on) == ("parked", default)
    wait_until(lambda: len(dms_to(slack, "U1")) == 2)
    assert f"{default:%d %B %Y}" in str(dms_to(slack, "U1")[-1]["blocks"])


@pytest.mark.parametrize("action", ["idea_move_parked", "idea_move_shipped"])
@pytest.mark.parametrize("days, error", [(1, None), (731, None), (732, "within the next two years"),
                                         (365 * 80, "within the next two years"), (None, "within the next two years")])
def test_a_date_to_look_again_is_within_two_years(bot, slack, engine, action, days, error):
    """A revisit or check-in decades away (a slip of the picker, or a forged 9999-12-31) would never come back."""
    card = share_idea(bot, slack)
    blocks = card["blocks"]
    if action == "idea_move_shipped":
        for step, move in enumerate(["idea_move_discovery", "idea_move_delivery"], start=1):
            assert decide(bot, slack, blocks, move).body == ""
            blocks = slack.wait_for("chat.update", step)[-1].args["blocks"]
    moved = len(decisions(engine))
    on = "9999-12-31" if days is None else (utcnow().date() + timedelta(days=days)).isoformat()
    reply = decide(bot, slack, blocks, action, revisit=on)
    if error is None:
        assert reply.body == "" and str(decisions(engine)[-1].revisit_on) == on
    else:
        assert error in reply.json()["errors"]["revisit"]
        assert len(decisions(engine)) == moved


def test_two_pms_deciding_at_once_record_one_decision(make_bot, slack, engine):
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    card = share_idea(bot, slack)
    first = opened_modal(slack, press(bot, slack, card["blocks"], "idea_move_discovery", user="UPM"))
    second = opened_modal(slack, press(bot, slack, card["blocks"], "idea_move_declined", user="UPM2"))
    assert bot.slack.submit_view(first, {"reason": REASON}, user="UPM").body == ""
    late = bot.slack.submit_view(second, {"reason": "We will not build this one now"}, user="UPM2").json()
    assert "already moved" in late["errors"]["reason"] and "discovery" in late["errors"]["reason"]
    assert [d.to_stage for d in decisions(engine)] == ["discovery"]

    # Pressing on the stale card says so, and redraws the card from what is stored.
    updates = len(slack.wait_for("chat.update"))
    press(bot, slack, card["blocks"], "idea_move_declined", user="UPM2")
    assert "already moved" in slack.wait_for("response_url")[0].args["text"]
    redrawn = slack.wait_for("chat.update", updates + 1)[-1].args
    assert "In discovery" in str(redrawn["blocks"]) and REASON.replace("&", "&amp;") in str(redrawn["blocks"])
    assert [d.to_stage for d in decisions(engine)] == ["discovery"]


@pytest.mark.parametrize("value, team", [("999:candidate", "T1"), ("1:candidate", "T2"), ("garbled", "T1"),
                                         (None, "T1")])
def test_buttons_for_ideas_that_do_not_exist_here_change_nothing(bot, slack, engine, value, team):
    new_idea(engine, Stage.CANDIDATE, team="T1")
    button = {"action_id": "idea_move_discovery", "value": value, "block_id": "b"}
    assert bot.slack.press(button, user="UPM", team=team).status == 200
    assert "no longer exists" in slack.wait_for("response_url")[0].args["text"]
    assert slack.calls("views.open") == [] and decisions(engine) == []


def test_slack_failing_after_the_decision_loses_nothing(bot, slack, engine):
    card = share_idea(bot, slack)
    slack.fail("chat.update", error="message_not_found", times=1)
    slack.fail("chat.postMessage", error="channel_not_found", times=None)
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""
    assert [d.to_stage for d in decisions(engine)] == ["discovery"]
    slack.wait_for("chat.postEphemeral")  # the requester hears it in the channel instead of a DM

    # The next press on the card refreshes it.
    press(bot, slack, card["blocks"], "idea_move_parked")
    assert "In discovery" in str(slack.wait_for("chat.update", 2)[-1].args["blocks"])


def test_an_idea_travels_to_shipped_and_declined_ideas_stop(bot, slack, engine):
    card = share_idea(bot, slack)
    blocks = card["blocks"]
    for step, action in enumerate(["idea_move_discovery", "idea_move_delivery", "idea_move_shipped"], start=1):
        assert decide(bot, slack, blocks, action).body == ""
        blocks = slack.wait_for("chat.update", step)[-1].args["blocks"]
    assert [d.to_stage for d in decisions(engine)] == ["discovery", "delivery", "shipped"]
    # Shipped: no more moves, only the question whether the outcome happened.
    assert set(buttons(blocks)) == {"review_met", "review_partly", "review_not_yet", "review_missed"}

    declined = share_idea(bot, slack)
    assert decide(bot, slack, declined["blocks"], "idea_move_declined").body == ""
    assert buttons(slack.wait_for("chat.update", 4)[-1].args["blocks"]) == {}


def open_home(bot, slack, user, timeout: float = 5.0):
    published = len(slack.calls("views.publish"))
    bot.slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    return slack.wait_for("views.publish", published + 1, timeout=timeout)[-1].args["view"]


def test_home_gives_pms_the_queue_oldest_first_and_parked_ideas_due(bot, slack, engine):
    for n in range(3):
        share_idea(bot, slack, user=f"U{n + 1}", outcome=f"Outcome number {n} for the queue")
    parked_card = share_idea(bot, slack, outcome="A parked outcome that is due again")
    decide(bot, slack, parked_card["blocks"], "idea_move_parked")
    with Session(engine) as session, session.begin():
        session.execute(update(Decision).values(revisit_on=utcnow().date() - timedelta(days=1)))

    home = open_home(bot, slack, "UPM")
    text = str(home["blocks"])
    assert text.index("Triage queue") < text.index("Outcome number 0") < text.index("Outcome number 1") < text.index(
        "Outcome number 2") < text.index("Parked ideas due for revisit") < text.index("A parked outcome")
    assert "idea_move_discovery" in text and "Your ideas" in text

    assert "Triage queue" not in str(open_home(bot, slack, "U1")["blocks"])


def test_deciding_from_home_refreshes_it(bot, slack, engine):
    share_idea(bot, slack)
    home = open_home(bot, slack, "UPM")
    button = buttons(home["blocks"])["idea_move_discovery"]
    opened = len(slack.calls("views.open"))
    bot.slack.press(button, user="UPM", view={**home, "id": "VHOME"})
    view = opened_modal(slack, opened)
    assert bot.slack.submit_view(view, {"reason": REASON}, user="UPM").body == ""
    refreshed = slack.wait_for("views.publish", 2)[-1].args["view"]
    assert "No candidates waiting" in str(refreshed["blocks"])
    assert [i.stage for i in ideas(engine)] == ["discovery"]


def test_a_stale_home_pressed_after_another_pm_decided_says_so_and_is_refreshed(make_bot, slack, engine):
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    card = share_idea(bot, slack)
    home = open_home(bot, slack, "UPM2")
    assert decide(bot, slack, card["blocks"], "idea_move_discovery", user="UPM").body == ""
    published = len(slack.calls("views.publish"))
    bot.slack.press(buttons(home["blocks"])["idea_move_declined"], user="UPM2", view={**home, "id": "VHOME"})
    assert "already moved" in slack.wait_for("response_url")[0].args["text"]
    refreshed = slack.wait_for("views.publish", published + 1)[-1].args
    assert refreshed["user_id"] == "UPM2" and "No candidates waiting" in str(refreshed["view"]["blocks"])
    assert [d.to_stage for d in decisions(engine)] == ["discovery"]


def test_home_stays_within_slacks_limits_with_a_long_queue(bot, slack, engine):
    for _ in range(40):
        new_idea(engine, Stage.CANDIDATE)
    with Session(engine) as session, session.begin():
        session.execute(update(Idea).values(requester_id="UPM"))
    home = open_home(bot, slack, "UPM")
    assert len(home["blocks"]) <= 100
    assert f"{40 - QUEUE_LIMIT} more waiting" in str(home["blocks"])


def test_who_is_a_pm_is_known_without_asking_slack_while_a_form_waits(make_bot, slack, engine):
    """users.info is asked when the button is pressed (after its ack), and remembered in the database:
    the submission, answered while Slack rate-limits users.info, even by another process, asks nothing."""
    pressing = make_bot(pm_user_ids=frozenset())
    slack.users["UADMIN"] = {"is_admin": True}
    card = share_idea(pressing, slack)
    view = opened_modal(slack, press(pressing, slack, card["blocks"], "idea_move_discovery", user="UADMIN"))
    asked = len(slack.calls("users.info"))
    slack.fail("users.info", "ratelimited", status=429, headers={"Retry-After": "30"}, times=None)
    submitting = make_bot(pm_user_ids=frozenset())  # another worker: nothing in its memory
    reply = submitting.slack.submit_view(view, {"reason": REASON}, user="UADMIN")
    assert reply.status == 200 and reply.body == ""
    assert [d.to_stage for d in decisions(engine)] == ["discovery"]
    assert len(slack.calls("users.info")) == asked


def test_a_pms_busiest_home_still_ends_with_their_own_ideas_and_how_many_more(bot, slack, engine):
    """Everything App Home shows at its fullest: undelivered messages, a long queue, parked ideas due, the
    inbox, a dozen objectives and many of the PM's own ideas; Slack takes 100 blocks, and the PM still
    sees their ideas and how many more there are."""
    from models import Delivery, FeedbackChannel, Insight, Objective

    words = ["invoices", "payroll", "calendar", "exports", "mobile", "reports", "badges", "audits"]
    with Session(engine) as session, session.begin():
        for _ in range(QUEUE_LIMIT + 10):
            submit_idea(session, team_id="T1", submitter_id="U1", draft=IdeaDraft(**GOOD))
            parked, _ = submit_idea(session, team_id="T1", submitter_id="U1", draft=IdeaDraft(**GOOD))
            parked.stage = Stage.PARKED
            session.add(Decision(team_id="T1", idea_id=parked.id, from_stage="candidate", to_stage="parked",
                                 reason=REASON, decided_by="UPM", revisit_on=utcnow().date() - timedelta(days=1)))
            mine, _ = submit_idea(session, team_id="T1", submitter_id="UPM", draft=IdeaDraft(**GOOD))
            mine.stage = Stage.DISCOVERY
        for n in range(12):
            session.add(Objective(team_id="T1", created_by="UPM", title=f"Objective {n}"))
        session.add(FeedbackChannel(team_id="T1", channel_id="CFEED", created_by="UPM"))
        for n, word in enumerate(words):
            session.add(Insight(team_id="T1", channel_id="CFEED", message_ts=f"1700000000.{n:06d}",
                                text=f"Please add {word} sync to {word} {n}", author="UZ", state="inbox"))
        session.add(Delivery(team_id="T1", method="chat.postMessage", payload={"channel": "CTRIAGE", "idea": 1},
                             state="failed", error="is_archived"))
    home = open_home(bot, slack, "UPM")
    assert len(home["blocks"]) <= 100
    shown = str(home["blocks"])
    assert "could not be delivered" in shown and "Customer feedback inbox" in shown
    header = next(i for i, b in enumerate(home["blocks"]) if b.get("text", {}).get("text") == "Your ideas")
    *lines, hint = home["blocks"][header + 1:]
    more = re.search(r"and (\d+) more\. Only the newest", hint["elements"][0]["text"])
    assert lines and more and len(lines) + int(more.group(1)) == QUEUE_LIMIT + 10
