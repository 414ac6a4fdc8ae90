"""What the trackers' news tells people, and how often: one event said once, whichever of the webhook and
the daily sweep brings it first."""

from __future__ import annotations

import pytest

from tests.fake_trackers import DONE
from tests.flows import share_idea, wait_until
from tests.handlers.test_tracker_webhooks import linked_idea, stage


def test_a_jira_issue_deleted_is_told_once_not_again_by_the_next_sweep(tracked_bot, slack, engine, trackers):
    """Jira's webhook says the issue was deleted and the PM hears it; the next day's sweep cannot find it
    (Jira's 404 says no more than "not to be seen"): that is the same news, not a second message."""
    from models import make_sessions
    from runtime.scheduled import owe_sweeps
    from tests.handlers.test_trackers import dms

    bot = tracked_bot
    idea_id = linked_idea(engine, "jira", "OPS-12")
    trackers.jira_issue("OPS-12")
    assert trackers.move_jira(bot.url, "OPS-12", status=DONE, event="jira:issue_deleted")[0] == 200
    bot.sender.drain(20, retries_too=True)
    for _ in range(2):
        owe_sweeps(make_sessions(engine), ("jira",), bot.sender.wake)
        bot.sender.drain(20, retries_too=True)
    assert stage(engine, idea_id) == "delivery"
    news = [str(m["blocks"]) for m in dms(slack, "UPM") if "OPS-12" in str(m["blocks"])]
    assert len(news) == 1 and "was *deleted*" in news[0], news


@pytest.mark.parametrize(("tracker", "send", "told"), [
    ("github", {"reason": "duplicate"}, "closed as a *duplicate*"),
    ("github", {"reason": "not_planned"}, "closed as *not planned*"),
    ("github", {"action": "deleted"}, "was *deleted*"),
    ("jira", {"status": DONE, "resolution": "Duplicate"}, "closed as a *duplicate*"),
    ("jira", {"status": DONE, "event": "jira:issue_deleted"}, "was *deleted*"),
])
def test_an_issue_closed_as_a_duplicate_or_deleted_can_be_replaced_by_the_one_with_the_work(
        tracked_bot, slack, engine, trackers, tracker, send, told):
    """The issue is closed as a duplicate of another (or not planned, or deleted, and filed again): the PM
    told so links the issue where the work now is, from their message or the card, and its close as done
    ships the idea. Without it the idea stays tied to a dead issue, and nothing ships it."""
    from tests.flows import ideas
    from tests.handlers.test_trackers import dms, to_delivery
    from tests.handlers.test_triage import opened_modal
    from tests.slack_requests import buttons

    bot = tracked_bot
    if tracker == "github":
        trackers.github_issue(12), trackers.github_issue(13)
        first, second = "#12", "https://github.com/acme/roadmap/issues/13"
    else:
        trackers.jira_issue("OPS-12"), trackers.jira_issue("OPS-13")
        first, second = "OPS-12", "OPS-13"
    card = share_idea(bot, slack, user="U1")
    assert to_delivery(bot, slack, card, {"tracker": "link", "issue": first})[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=10)
    if tracker == "github":
        assert trackers.close_github(bot.url, 12, **send)[0] == 200
    else:
        assert trackers.move_jira(bot.url, "OPS-12", **send)[0] == 200
    bot.sender.drain(20, retries_too=True)
    [news] = [m for m in dms(slack, "UPM") if told in str(m["blocks"])]
    assert "link_issue" in str(slack.messages("CTRIAGE")[0]["blocks"])  # the card, redrawn, offers it too
    opened = len(slack.calls("views.open"))
    assert bot.slack.press(buttons(news["blocks"])["link_issue"], user="UPM", channel="DUPM").status == 200
    assert bot.slack.submit_view(opened_modal(slack, opened), {"issue": second}, user="UPM").body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key in ("acme/roadmap#13", "OPS-13"), timeout=10)
    bot.sender.drain(20, retries_too=True)
    assert "link_issue" not in str(slack.messages("CTRIAGE")[0]["blocks"])
    if tracker == "github":
        assert trackers.close_github(bot.url, 13)[0] == 200
    else:
        assert trackers.move_jira(bot.url, "OPS-13", status=DONE, resolution="Done")[0] == 200
    bot.finish_work()
    assert ideas(engine)[0].stage == "shipped"


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_an_issue_moved_to_another_project_or_repository_is_followed_by_its_webhook(tracked_bot, slack, engine,
                                                                                    trackers, tracker):
    """Moved to another Jira project (its key changes: OPS-12 becomes NEW-3) or transferred to another
    repository, the issue is followed there at once, from the webhook that says so: its close as done the
    same afternoon ships the idea, rather than waiting for the next day's sweep."""
    from tests.fake_trackers import GITHUB_SECRET, JIRA_SECRET, post_webhook
    from tests.flows import ideas
    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot
    old = dict(trackers.github_issue(12))
    trackers.jira_issue("OPS-12")
    card = share_idea(bot, slack, user="U1")
    assert to_delivery(bot, slack, card, {"tracker": "link", "issue": "#12" if tracker == "github" else "OPS-12"}
                       )[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=10)
    idea_id = ideas(engine)[0].id
    if tracker == "github":
        new = trackers.transfer(12, "acme/roadmap", to="acme/other")
        body = {"action": "transferred", "issue": old, "repository": {"full_name": "acme/roadmap"},
                "changes": {"new_issue": new, "new_repository": {"full_name": "acme/other"}},
                "sender": {"login": "octo"}}
        sent = post_webhook(f"{bot.url}/github/events", body, {"X-GitHub-Event": "issues",
                                                                "X-GitHub-Delivery": "moved"},
                            GITHUB_SECRET, "X-Hub-Signature-256")
        now_key, now_url = f"acme/other#{new['number']}", new["html_url"]
    else:
        trackers.jira.pop("OPS-12")
        moved = trackers.jira_issue("NEW-3")
        body = {"webhookEvent": "jira:issue_updated", "issue_event_type_name": "issue_moved",
                "user": {"displayName": "Jane Doe"}, "issue": moved,
                "changelog": {"items": [{"field": "Key", "fieldtype": "jira", "fromString": "OPS-12",
                                         "toString": "NEW-3"},
                                        {"field": "project", "fieldtype": "jira", "fromString": "Operations",
                                         "toString": "New things"}]}}
        sent = post_webhook(f"{bot.url}/jira/events", body, {"X-Atlassian-Webhook-Identifier": "moved"},
                            JIRA_SECRET, "X-Hub-Signature")
        now_key, now_url = "NEW-3", f"{trackers.url}/jira/browse/NEW-3"
    assert sent[0] == 200
    bot.sender.drain(20, retries_too=True)
    [idea] = ideas(engine)
    assert (idea.tracker_key, idea.tracker_url) == (now_key, now_url)
    assert now_key in str(slack.messages("CTRIAGE")[0]["blocks"])  # the card shows where it is now
    if tracker == "github":
        assert trackers.close_github(bot.url, new["number"], repo="acme/other")[0] == 200
    else:
        assert trackers.move_jira(bot.url, "NEW-3", status=DONE, resolution="Done")[0] == 200
    bot.sender.drain(20, retries_too=True)
    assert stage(engine, idea_id) == "shipped"
