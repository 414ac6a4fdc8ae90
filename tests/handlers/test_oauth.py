"""Multi-workspace installs: Bolt's OAuth flow with slack_sdk's SQLAlchemy stores on our database."""

from __future__ import annotations

import re
import socket

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ideas import IdeaDraft, submit_idea
from bot.settings import BOT_SCOPES
from models import BOTS, Idea, make_engine
from tests.conftest import ROOT
from tests.flows import GOOD, open_modal, submit_keeping_my_words, wait_until


def oauth_bot(make_bot):
    return make_bot(slack_bot_token=None, slack_client_id="111.222", slack_client_secret="shh")


def install(bot, team: str) -> None:
    page = bot.slack.get("/slack/install")
    assert page.status == 200
    state = re.search(r"state=([\w-]+)", page.body).group(1)
    cookie = page.headers["set-cookie"].split(";")[0]
    done = bot.slack.get(f"/slack/oauth_redirect?code=code-{team}&state={state}", headers={"Cookie": cookie})
    assert done.status == 200, done.body


def bots(engine) -> dict[str, str]:
    with Session(engine) as session:
        return {row.team_id: row.bot_token for row in session.execute(select(BOTS))}


def test_two_workspaces_install_and_each_is_served_with_its_own_token(make_bot, slack, engine):
    bot = oauth_bot(make_bot)
    for team in ("T2", "T3"):
        install(bot, team)
    assert bots(engine) == {"T2": "xoxb-T2", "T3": "xoxb-T3"}
    assert [c.args["code"] for c in slack.calls("oauth.v2.access")] == ["code-T2", "code-T3"]

    bot.slack.command("Add a CSV export", team="T3", user="UX")
    assert slack.wait_for("views.open")[0].token == "xoxb-T3"


def test_a_workspace_that_did_not_install_is_not_served(make_bot, slack, engine):
    bot = oauth_bot(make_bot)
    assert bot.slack.command("Add a CSV export", team="T9").status == 200
    bot.finish_work()
    assert slack.calls("views.open") == []


def test_uninstalling_removes_the_installation(make_bot, slack, engine):
    bot = oauth_bot(make_bot)
    install(bot, "T2")
    bot.slack.event({"type": "app_uninstalled"}, team="T2")
    bot.finish_work()
    assert bots(engine) == {}


def test_revoking_the_bot_token_stops_work_for_that_workspace_only(make_bot, slack, engine):
    """Bolt's tokens_revoked listener deletes the bot row only; the installation row keeps the revoked token,
    and Bolt authorizes requests from it, so the bot went on calling Slack there with a dead token."""
    bot = oauth_bot(make_bot)
    for team in ("T2", "T3"):
        install(bot, team)
    assert bot.slack.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, team="T2").status == 200
    wait_until(lambda: bots(engine) == {"T3": "xoxb-T3"})
    slack.reset()

    bot.slack.command("Add a CSV export", team="T3", user="UX")
    assert slack.wait_for("views.open")[0].token == "xoxb-T3"
    bot.slack.command("Add a CSV export", team="T2", user="UX")
    bot.slack.event({"type": "app_home_opened", "user": "UX", "channel": "D1", "tab": "home"}, team="T2")
    bot.finish_work()
    assert {c.token for c in slack.calls() if c.token} == {"xoxb-T3"}


def test_what_was_owed_when_a_workspace_uninstalled_goes_out_once_it_reinstalls(make_bot, slack, engine):
    """Nothing is sent to a workspace that has no installation; reinstalling it delivers what it was owed,
    once, instead of leaving it as a failure."""
    bot = oauth_bot(make_bot)
    install(bot, "T2")
    slack.fail("chat.postMessage", "service_unavailable", status=503, times=None)  # Slack down: both wait
    view = open_modal(bot, slack, team="T2")
    assert submit_keeping_my_words(bot, view, GOOD, user="U1", team="T2").status == 200
    slack.wait_for("chat.postMessage", 2)
    bot.slack.event({"type": "app_uninstalled"}, team="T2")
    wait_until(lambda: bots(engine) == {})
    slack.reset()  # Slack is back, but the workspace is gone
    bot.sender.drain(20, retries_too=True)
    assert slack.calls("chat.postMessage") == []

    install(bot, "T2")
    wait_until(lambda: {c.args["channel"] for c in slack.calls("chat.postMessage")} == {"U1", "CTRIAGE"}, timeout=10)
    bot.finish_work()
    assert [c.token for c in slack.calls("chat.postMessage")] == ["xoxb-T2", "xoxb-T2"]


def test_the_oauth_install_asks_for_the_scopes_the_manifest_lists():
    manifest = (ROOT / "manifest.yml").read_text()
    listed = re.findall(r"^\s+- ([a-z]+:[a-z:]+|commands)\s", manifest.split("bot:")[1].split("settings:")[0], re.M)
    assert tuple(listed) == BOT_SCOPES


def test_the_manifest_subscribes_to_the_events_that_remove_an_installation():
    events = (ROOT / "manifest.yml").read_text().split("bot_events:")[1].split("interactivity:")[0]
    assert {"app_uninstalled", "tokens_revoked"} <= set(re.findall(r"^\s+- ([a-z_.]+)", events, re.M))


@pytest.mark.parametrize("event", [
    {"type": "app_uninstalled"},
    {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}},
    {"type": "member_joined_channel", "user": "U2", "channel": "C1"},
])
def test_an_event_the_bot_does_nothing_with_is_still_answered_200(bot, slack, event):
    """Slack retries an event answered with anything else, and turns off an app's events when most fail."""
    assert bot.slack.event(event).status == 200
    bot.finish_work()
    assert [c.method for c in slack.calls() if c.method != "auth.test"] == []


def test_two_installed_workspaces_cannot_touch_each_others_ideas(make_bot, slack, engine):
    bot = oauth_bot(make_bot)
    for team in ("T2", "T3"):
        install(bot, team)
    with Session(engine) as session, session.begin():
        idea, _ = submit_idea(session, team_id="T2", submitter_id="U1", draft=IdeaDraft(**GOOD))
        idea_id = idea.id
    button = {"action_id": "idea_move_discovery", "value": f"{idea_id}:candidate", "block_id": "b"}
    assert bot.slack.press(button, user="UPM", team="T3").status == 200
    assert "no longer exists" in slack.wait_for("response_url")[0].args["text"]
    assert slack.calls("views.open") == []
    with Session(engine) as session:
        assert session.get(Idea, idea_id).stage == "candidate"


def test_installing_while_the_database_is_away_says_so_rather_than_fail(make_bot, slack):
    """The install page and Slack's redirect back both need the database (the OAuth state, the installation):
    with it away, the person who installs hears it and to try again, not "A server error occurred" (a 500, with a
    traceback logged) nor that their link was not valid (a state the database could not look up)."""
    with socket.socket() as listener:  # a PostgreSQL that refuses every connection
        listener.bind(("127.0.0.1", 0))
        engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{listener.getsockname()[1]}/test")
        bot = make_bot(on_engine=engine, slack_bot_token=None, slack_client_id="111.222", slack_client_secret="shh")
        pages = [bot.slack.get("/slack/install"),
                 bot.slack.get("/slack/oauth_redirect?code=code-T2&state=s1",
                               headers={"Cookie": "slack-app-oauth-state=s1"})]
    for page in pages:
        assert page.status == 503 and "can't reach its database" in page.body and "/slack/install" in page.body
    assert slack.calls("oauth.v2.access") == []
