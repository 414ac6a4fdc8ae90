"""With no PM list, workspace admins and owners decide, and only Slack (users.info) knows who they are. When
Slack does not answer, every PM button and form says so and asks to try again, rather than a false "only
product managers"; when it answers "not an admin", the person hears who may. Either way nothing changes,
and what a button or form carried grants nothing."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.ideas import get_idea
from bot.team_settings import TeamConfig
from handlers.access import SLACK_UNSURE
from models import Decision, Idea, Insight, Objective, Stage, TeamSettings
from tests.flows import GOOD
from tests.handlers.test_triage import new_idea
from ui.decisions import decision_modal, merge_modal
from ui.intake import IntakeState, intake_modal
from ui.loop import review_modal
from ui.objectives import okr_modal
from ui.settings import settings_modal
from ui.trackers import link_issue_modal

CANDIDATE, SHIPPED = 1, 2  # the ideas every case starts with: one waiting for triage, one shipped (asked by U1)

# Buttons and selects on a card, a check-in message or the Home tab: (action, selected option or None).
BUTTONS = {
    "move": ({"action_id": "idea_move_discovery", "value": f"{CANDIDATE}:candidate"}, None),
    "merge": ({"action_id": "merge_idea", "value": f"{CANDIDATE}:candidate"}, None),
    "set objective": ({"action_id": "set_objective", "block_id": f"objective_{CANDIDATE}"}, "none"),
    "add objective": ({"action_id": "add_objective"}, None),
    "edit objective": ({"action_id": "edit_objective", "value": "1"}, None),
    "retry deliveries": ({"action_id": "deliveries_retry"}, None),
    "dismiss deliveries": ({"action_id": "deliveries_dismiss"}, None),
    "review met": ({"action_id": "review_met", "value": str(SHIPPED)}, None),
    "review not yet": ({"action_id": "review_not_yet", "value": str(SHIPPED)}, None),
    "link issue": ({"action_id": "link_issue", "value": str(CANDIDATE)}, None),
    "inbox make idea": ({"action_id": "inbox_make_idea", "value": "inbox:1"}, None),
    "inbox attach": ({"action_id": "inbox_attach", "block_id": "inbox:1"}, str(CANDIDATE)),
    "inbox not a request": ({"action_id": "inbox_not_a_request", "value": "inbox:1"}, None),
}


def _idea(engine, idea_id: int) -> Idea:
    with Session(engine) as session:
        return get_idea(session, "T1", idea_id)


# Forms as the bot draws them, submitted with good values: (the view, what is typed, the field the error is under).
FORMS = {
    "decision": (lambda e: decision_modal(_idea(e, CANDIDATE), "discovery", date.today(), origin="card"),
                 {"reason": "Customers keep asking for this every week"}, "reason"),
    "merge": (lambda e: merge_modal(_idea(e, CANDIDATE)), {"target": str(SHIPPED), "reason": "They ask the same"},
              "reason"),
    "review": (lambda e: review_modal(_idea(e, SHIPPED), "met"),
               {"measured": "Close takes four days", "learning": "Finance closes a day sooner now"}, "learning"),
    "objective": (lambda e: okr_modal(), {"title": "Finance closes faster", "kr1_metric": "Days to close"}, "title"),
    "link issue": (lambda e: link_issue_modal(_idea(e, CANDIDATE)), {"issue": "octo/repo#12"}, "issue"),
    "settings": (lambda e: settings_modal(TeamConfig(None, frozenset(), 0, 540)), {"triage_channel": "CNEW"},
                 "triage_channel"),
}


@pytest.fixture
def silent(make_bot, slack, engine, request):
    """The bot with no PM list, two ideas, and Slack either silent on users.info or saying "not an admin"."""
    bot = make_bot(pm_user_ids=frozenset())
    assert new_idea(engine, Stage.CANDIDATE) == CANDIDATE and new_idea(engine, Stage.SHIPPED) == SHIPPED
    if request.param == "nothing":
        slack.fail("users.info", "internal_error", status=503, times=None)
    else:
        slack.users["UADMIN"] = {"is_admin": False}
    return bot, request.param


def nothing_changed(bot, slack, engine) -> None:
    bot.finish_work()
    assert slack.calls("views.open") == [] and slack.calls("chat.postMessage") == []
    with Session(engine) as session:
        assert [(i.id, i.stage) for i in session.scalars(select(Idea).order_by(Idea.id))] == [
            (CANDIDATE, "candidate"), (SHIPPED, "shipped")]
        for model in (Decision, Objective, TeamSettings, Insight):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model


# What each says to someone Slack says is no admin: what they pressed, not another button's words.
ONLY = {"link issue": "Only product managers can link a tracker issue to an idea",
        "review": "Only product managers and the person who asked can record whether the outcome happened"}


def assert_said(text: str, slack_says: str, pressed: str) -> None:
    if slack_says == "nothing":
        assert text == SLACK_UNSURE
    else:
        assert text.startswith(ONLY.get(pressed, "Only")), text


@pytest.mark.parametrize("silent", ["nothing", "not an admin"], indirect=True)
@pytest.mark.parametrize("button", list(BUTTONS))
@pytest.mark.refusals_expected
def test_a_button_says_slack_did_not_answer_rather_than_only_pms(silent, slack, engine, button):
    bot, slack_says = silent
    action, option = BUTTONS[button]
    if option is None:
        bot.slack.press(action, user="UADMIN", channel="CTRIAGE")
    else:
        element = {**action, "options": [{"text": {"type": "plain_text", "text": "x"}, "value": option}]}
        bot.slack.select(element, option, user="UADMIN", channel="CTRIAGE")
    said = slack.wait_for("response_url")[0].args
    assert said["response_type"] == "ephemeral"
    assert_said(said["text"], slack_says, button)
    nothing_changed(bot, slack, engine)


@pytest.mark.parametrize("silent", ["nothing", "not an admin"], indirect=True)
@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.refusals_expected
def test_a_form_says_slack_did_not_answer_rather_than_only_pms(silent, slack, engine, form):
    bot, slack_says = silent
    view, typed, field = FORMS[form]
    reply = bot.slack.submit_view(view(engine), typed, user="UADMIN").json()
    assert reply["response_action"] == "errors"
    assert_said(reply["errors"][field], slack_says, form)
    nothing_changed(bot, slack, engine)


@pytest.mark.parametrize("silent", ["nothing"], indirect=True)
def test_an_idea_made_from_the_inbox_while_slack_is_silent_is_kept_open_not_stripped_of_its_feedback(
        silent, slack, engine):
    """The inbox's "Make it an idea" form carries its requests; only a PM's links them. Slack silent about the
    person is not taken as "not a PM" (an idea stored without its customer evidence): the form stays open."""
    bot, _ = silent
    view = intake_modal(state=IntakeState(values={"ask": "Dark mode"}, insights=(1,)))
    reply = bot.slack.submit_view(view, GOOD, user="UADMIN").json()
    assert reply == {"response_action": "errors", "errors": {"outcome": SLACK_UNSURE}}
    nothing_changed(bot, slack, engine)


@pytest.mark.parametrize("silent", ["nothing", "not an admin"], indirect=True)
def test_the_home_tab_says_why_the_triage_queue_is_missing_when_slack_is_silent(silent, slack, engine):
    """An admin opening the Home tab while Slack is silent sees their own ideas, and why the queue is not there,
    rather than a tab that looks as if they were never a PM."""
    bot, slack_says = silent
    bot.slack.event({"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"})
    shown = str(slack.wait_for("views.publish")[0].args["view"]["blocks"])
    assert ("Slack did not say just now" in shown) is (slack_says == "nothing")
    if slack_says == "nothing":  # all a PM's Home holds is named, and nothing promised to someone who is no admin
        for held_back in ("triage queue", "feedback inbox", "tracker alerts", "undelivered messages", "metrics"):
            assert held_back in shown
        assert "If you are" in shown
    assert "Triage queue" not in shown and "Your ideas" in shown


@pytest.mark.parametrize("form", ["decision", "settings"])
@pytest.mark.refusals_expected
def test_a_form_is_answered_in_time_while_slack_trickles_its_answer_about_the_person(make_bot, slack, engine, form):
    """A form is answered within Slack's 3 s: users.info, asked while it waits, has a deadline kept by the clock,
    not only the client's timeout, which an answer arriving a piece at a time (each within it) never trips."""
    bot = make_bot(pm_user_ids=frozenset())
    assert new_idea(engine, Stage.CANDIDATE) == CANDIDATE and new_idea(engine, Stage.SHIPPED) == SHIPPED
    slack.users["UADMIN"] = {"is_admin": True}
    slack.set_trickle(4.0, "users.info")
    view, typed, field = FORMS[form]
    started = time.monotonic()
    reply = bot.slack.submit_view(view(engine), typed, user="UADMIN").json()
    assert time.monotonic() - started < 2.5
    assert reply == {"response_action": "errors", "errors": {field: SLACK_UNSURE}}
    nothing_changed(bot, slack, engine)
