"""What the trackers' news tells people, and how often: one event said once, whichever of the webhook and
the daily sweep brings it first."""

from __future__ import annotations

from tests.fake_trackers import DONE
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
