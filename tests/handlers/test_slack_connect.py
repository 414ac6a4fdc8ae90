"""With no PM list, this workspace's admins and owners decide. In a Slack Connect channel users.info answers for
people of other organisations too, and their `is_admin`/`is_owner` is about their own organisation: such a person,
a guest, or a stranger never decides here, whatever Slack says of their rank elsewhere. They are told who does."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bot.ideas import get_idea
from handlers.access import ADMINS_HERE
from models import Stage
from tests.handlers.test_slack_silent import BUTTONS, CANDIDATE, FORMS, SHIPPED, nothing_changed
from tests.handlers.test_triage import new_idea
from ui.settings import SETTINGS_FOR_ADMINS

# What users.info says of the person pressing (this workspace is T1): each an admin or owner somewhere, none here.
OUTSIDERS = {
    "admin of another workspace": {"is_admin": True, "team_id": "T9OTHER"},
    "owner of another organisation": {"is_owner": True, "is_primary_owner": True, "team_id": "T9OTHER",
                                       "enterprise_user": {"id": "U9", "enterprise_id": "E9", "teams": ["T9OTHER"]}},
    "stranger": {"is_admin": True, "is_stranger": True},
    "guest": {"is_admin": True, "is_restricted": True},
    "single-channel guest": {"is_owner": True, "is_ultra_restricted": True},
    "no workspace said": {"is_admin": True, "team_id": None},
}
# Admins Slack places in this workspace: one of its own, and one of its Enterprise Grid org whose home is another.
OWN_ADMINS = {
    "admin here": {"is_admin": True},
    "grid admin here": {"is_admin": True, "team_id": "T9ORG",
                        "enterprise_user": {"id": "W1", "enterprise_id": "E1", "teams": ["T9ORG", "T1"]}},
}


@pytest.fixture
def connected(make_bot, slack, engine, request):
    """The bot with no PM list, two ideas, and users.info describing UADMIN as `request.param`."""
    bot = make_bot(pm_user_ids=frozenset())
    assert new_idea(engine, Stage.CANDIDATE) == CANDIDATE and new_idea(engine, Stage.SHIPPED) == SHIPPED
    slack.users["UADMIN"] = {**OUTSIDERS, **OWN_ADMINS}[request.param]
    return bot


def told(text: str, only: str) -> None:
    assert text.startswith(only) and text.endswith(ADMINS_HERE), text


@pytest.mark.parametrize("connected", list(OUTSIDERS), indirect=True)
@pytest.mark.parametrize("button", ["move", "merge", "retry deliveries", "inbox attach"])
@pytest.mark.refusals_expected
def test_a_button_pressed_by_an_admin_of_elsewhere_or_a_guest_is_refused(connected, slack, engine, button):
    action, option = BUTTONS[button]
    if option is None:
        connected.slack.press(action, user="UADMIN", channel="CSHARED")
    else:
        element = {**action, "options": [{"text": {"type": "plain_text", "text": "x"}, "value": option}]}
        connected.slack.select(element, option, user="UADMIN", channel="CSHARED")
    told(slack.wait_for("response_url")[0].args["text"], "Only product managers")
    nothing_changed(connected, slack, engine)


@pytest.mark.parametrize("connected", list(OUTSIDERS), indirect=True)
@pytest.mark.parametrize("form", ["decision", "objective"])
@pytest.mark.refusals_expected
def test_a_form_submitted_by_an_admin_of_elsewhere_or_a_guest_is_refused(connected, slack, engine, form):
    view, typed, field = FORMS[form]
    reply = connected.slack.submit_view(view(engine), typed, user="UADMIN").json()
    assert reply["response_action"] == "errors"
    told(reply["errors"][field], "Only product managers")
    nothing_changed(connected, slack, engine)


@pytest.mark.parametrize("connected", list(OUTSIDERS), indirect=True)
@pytest.mark.refusals_expected
def test_the_settings_form_is_refused_to_an_admin_of_elsewhere_or_a_guest(connected, slack, engine):
    view, typed, field = FORMS["settings"]
    reply = connected.slack.submit_view(view(engine), typed, user="UADMIN").json()
    assert reply == {"response_action": "errors", "errors": {field: SETTINGS_FOR_ADMINS}}
    nothing_changed(connected, slack, engine)


@pytest.mark.parametrize("connected", list(OUTSIDERS), indirect=True)
@pytest.mark.parametrize(("command", "only"), [("settings", SETTINGS_FOR_ADMINS),
                                               ("digest here", "Only product managers")])
@pytest.mark.refusals_expected
def test_a_command_from_an_admin_of_elsewhere_or_a_guest_is_refused(connected, slack, engine, command, only):
    assert connected.slack.command(command, user="UADMIN", channel="CSHARED").status == 200
    said = slack.wait_for("response_url")[0].args["text"]
    if command == "settings":  # admins only, whatever the PM list: its note says who
        assert said == only
    else:
        told(said, only)
    nothing_changed(connected, slack, engine)


@pytest.mark.parametrize("connected", list(OWN_ADMINS), indirect=True)
def test_this_workspaces_own_admins_still_decide(connected, slack, engine):
    """The other side of the rule: an admin of this workspace, or of its Grid org, moves the idea and opens settings."""
    assert connected.slack.command("settings", user="UADMIN").status == 200
    assert slack.wait_for("views.open")
    view, typed, _ = FORMS["decision"]
    assert connected.slack.submit_view(view(engine), typed, user="UADMIN").body == ""
    connected.finish_work()
    with Session(engine) as session:
        assert get_idea(session, "T1", CANDIDATE).stage == "discovery"
