"""A tracker that refuses the bot's token (revoked, expired, its permission taken away) fails every read:
the PMs hear it once, not from every check of every sweep, App Home says so meanwhile, and they hear once
more when the token works again."""

from __future__ import annotations

import pytest

from tests.fake_trackers import DONE
from tests.handlers.test_feedback import open_home
from tests.handlers.test_tracker_webhooks import linked_idea, stage

REFUSED, WORKS = "refuses outcome-bot's token", "takes outcome-bot's token again"


def told(slack, words: str) -> int:
    return sum(words in str(m.get("blocks")) for m in slack.messages("CTRIAGE"))


def sweep(bot, engine, tracker: str) -> None:
    from models import make_sessions
    from runtime.scheduled import owe_sweeps

    owe_sweeps(make_sessions(engine), (tracker,), bot.sender.wake)
    bot.sender.drain(20, retries_too=True)


def webhook(bot, trackers, tracker: str) -> None:
    """A webhook for the first linked issue: its job reads the issue again before acting."""
    if tracker == "github":
        trackers.close_github(bot.url, 12, reason="not_planned")
    else:
        trackers.move_jira(bot.url, "OPS-12", status=DONE, resolution="Won't Do")
    bot.sender.drain(20, retries_too=True)


@pytest.mark.parametrize(("tracker", "status", "reason"), [
    ("github", 401, "Bad credentials"),
    ("github", 403, "Resource not accessible by personal access token"),
    ("jira", 401, "Client must be authenticated to access this resource."),
    ("jira", 403, "Basic authentication with passwords is deprecated."),
])
@pytest.mark.parametrize("reads", ["sweep", "webhook"])
def test_a_refused_token_is_told_once_shown_on_home_and_its_return_told_once(tracked_bot, slack, engine, trackers,
                                                                            tracker, status, reason, reads):
    bot = tracked_bot
    keys = ("acme/roadmap#12", "acme/roadmap#13") if tracker == "github" else ("OPS-12", "OPS-13")
    ideas = [linked_idea(engine, tracker, key) for key in keys]
    if tracker == "github":
        trackers.github_issue(12), trackers.github_issue(13)
    else:
        trackers.jira_issue("OPS-12"), trackers.jira_issue("OPS-13")
    trackers.fail(rf"GET /{tracker}/", status, times=None, message=reason)
    for _ in range(2):
        sweep(bot, engine, tracker) if reads == "sweep" else webhook(bot, trackers, tracker)
    assert told(slack, REFUSED) == 1
    [message] = [m for m in slack.messages("CTRIAGE") if REFUSED in str(m.get("blocks"))]
    assert reason in str(message["blocks"])
    assert REFUSED in str(open_home(bot, slack)["blocks"])
    assert REFUSED not in str(open_home(bot, slack, user="U1")["blocks"])  # PMs' business

    trackers.reset()
    if tracker == "github":
        trackers.github_issue(12), trackers.github_issue(13)
    else:
        trackers.jira_issue("OPS-12"), trackers.jira_issue("OPS-13")
    for _ in range(2):
        sweep(bot, engine, tracker)
    assert (told(slack, REFUSED), told(slack, WORKS)) == (1, 1)
    assert REFUSED not in str(open_home(bot, slack)["blocks"])
    assert [stage(engine, idea) for idea in ideas] == ["delivery", "delivery"]


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_a_filing_refused_for_the_token_is_told_once_beyond_the_deciding_pm(tracked_bot, slack, engine, trackers,
                                                                           tracker):
    from tests.flows import share_idea
    from tests.handlers.test_trackers import dms, to_delivery

    bot = tracked_bot
    trackers.fail(rf"POST /{tracker}/", 401, times=None, message="Bad credentials")
    for requester in ("U1", "U2"):
        card = share_idea(bot, slack, user=requester)
        assert to_delivery(bot, slack, card, {"tracker": f"create:{tracker}"})[1].body == ""
        bot.sender.drain(20, retries_too=True)
    assert sum("could not file" in str(m.get("text")) for m in dms(slack, "UPM")) == 2  # each decision's own
    assert told(slack, REFUSED) == 1 and REFUSED in str(open_home(bot, slack)["blocks"])

    trackers.reset()  # the token is put right: the next filing works, and says so to the workspace told
    card = share_idea(bot, slack, user="U3")
    assert to_delivery(bot, slack, card, {"tracker": f"create:{tracker}"})[1].body == ""
    bot.sender.drain(20, retries_too=True)
    assert (told(slack, REFUSED), told(slack, WORKS)) == (1, 1)
    assert REFUSED not in str(open_home(bot, slack)["blocks"])


def test_a_rate_limit_or_a_missing_repository_is_not_a_refused_token(tracked_bot, slack, engine, trackers):
    """GitHub's 403 with X-RateLimit-Remaining: 0 is a wait; a repository out of sight is not the token."""
    bot = tracked_bot
    linked_idea(engine, "github", "acme/roadmap#12")
    linked_idea(engine, "github", "acme/other#5")
    trackers.github_issue(12)
    trackers.repos.discard("acme/other")
    trackers.fail(r"GET /github/repos/acme/roadmap/issues/12", 403, headers={
        "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"}, message="API rate limit exceeded")
    sweep(bot, engine, "github")
    assert told(slack, REFUSED) == 0 and told(slack, WORKS) == 0


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_with_no_pm_list_nor_triage_channel_the_workspaces_own_admins_hear_a_refused_token(
        make_bot, trackers, slack, engine, tracker):
    """Recorded once as told, so told to someone: the admins Slack has described as this workspace's own (not an
    admin of another organisation met in a shared channel, nor a plain member), in their DMs."""
    from bot.settings import GitHubSettings, JiraSettings
    from tests import fake_trackers as t
    bot = make_bot(pm_user_ids=frozenset(), triage_channel=None,
                   github=GitHubSettings(t.GITHUB_TOKEN, t.GITHUB_REPO, f"{trackers.url}/github", t.GITHUB_SECRET),
                   jira=JiraSettings(f"{trackers.url}/jira", t.JIRA_EMAIL, t.JIRA_TOKEN, t.JIRA_PROJECT, t.JIRA_SECRET))
    slack.users.update({"UADMIN": {"is_admin": True}, "UOUT": {"is_admin": True, "team_id": "T9OTHER"}})
    for person in ("UADMIN", "UOUT", "U1"):  # Slack describes each as they open the Home tab
        open_home(bot, slack, user=person)
    linked_idea(engine, tracker, "acme/roadmap#12" if tracker == "github" else "OPS-12")
    trackers.fail(rf"GET /{tracker}/", 401, times=None, message="Bad credentials")
    for _ in range(2):
        sweep(bot, engine, tracker)
    assert [sum(REFUSED in str(m.get("blocks")) for m in slack.messages("D" + person))
            for person in ("UADMIN", "UOUT", "U1")] == [1, 0, 0]
    assert REFUSED in str(open_home(bot, slack, user="UADMIN")["blocks"])
