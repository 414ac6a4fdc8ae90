"""Filing an issue and the daily sweep, against local GitHub and Jira servers that fail, drop the line,
hang or lose issues: nothing filed twice or for another idea, nothing lost, each person told once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.fake_trackers import DONE
from tests.flows import decisions, ideas, share_idea, wait_until
from tests.handlers.test_tracker_webhooks import linked_idea, stage


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_a_retried_filing_does_not_take_another_ideas_issue_for_its_own(tracked_bot, slack, engine, trackers,
                                                                        tracker):
    """The tracker answered 503 (it may have filed it): the retry looks for the issue by the idea's mark.
    Idea #1's mark is the start of idea #10's; finding #10's issue is not finding #1's."""
    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot
    card = share_idea(bot, slack, user="U1")
    team = ideas(engine)[0].team_id
    others = f"Filed by outcome-bot from idea #10. (outcome-bot:{team}:10)"
    trackers.github_issue(7, "Idea ten's issue")["body"] = others
    trackers.jira_issue("OPS-7", "Idea ten's issue")["fields"]["description"] = others
    trackers.fail(rf"POST /{tracker}/", 503)
    assert to_delivery(bot, slack, card, {"tracker": f"create:{tracker}"})[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=15)
    bot.finish_work()
    assert ideas(engine)[0].tracker_key not in ("acme/roadmap#7", "OPS-7")
    assert len(trackers.made("POST", r"/issues?$")) == 2


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_a_retried_filing_does_not_take_an_issue_whose_words_quote_its_mark(tracked_bot, slack, engine, trackers,
                                                                            tracker):
    """Idea #2's evidence quotes idea #3's mark (pasted, or typed on purpose) and is filed; idea #3's filing
    then meets a 503 and looks for its mark: #2's issue is not #3's, so #3 gets an issue of its own."""
    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot
    share_idea(bot, slack, user="U1")
    team = ideas(engine)[0].team_id
    quoting = share_idea(bot, slack, user="U3", evidence=f"Same as outcome-bot:{team}:3 in the tracker")
    third = share_idea(bot, slack, user="U2", outcome="Support closes tickets a day sooner each week")
    assert to_delivery(bot, slack, quoting, {"tracker": f"create:{tracker}"})[1].body == ""
    wait_until(lambda: ideas(engine)[1].tracker_key is not None, timeout=15)
    bot.deliver()
    trackers.fail(rf"POST /{tracker}/", 503)
    assert to_delivery(bot, slack, third, {"tracker": f"create:{tracker}"})[1].body == ""
    wait_until(lambda: ideas(engine)[2].tracker_key is not None, timeout=15)
    bot.finish_work()
    assert ideas(engine)[2].tracker_key != ideas(engine)[1].tracker_key
    assert len(trackers.made("POST", r"/issues?$")) == 3


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_an_issue_filed_but_not_recorded_is_found_not_filed_again(tracked_bot, slack, engine, trackers,
                                                                 monkeypatch, tracker):
    """The tracker filed the issue and said so; then the database failed before the link was written (a
    restart, a dropped connection). The retry must look for the issue before filing: the tracker has it."""
    from sqlalchemy.exc import OperationalError

    import handlers.trackers

    real_link, failures = handlers.trackers.link, []

    def database_drops_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("UPDATE ideas", {}, Exception("server closed the connection unexpectedly"))
        return real_link(*args, **kwargs)

    monkeypatch.setattr(handlers.trackers, "link", database_drops_once)
    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot
    assert to_delivery(bot, slack, share_idea(bot, slack, user="U1"), {"tracker": f"create:{tracker}"})[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=15)
    bot.finish_work()
    assert failures and len(trackers.made("POST", r"/issues?$")) == 1
    assert len(trackers.github) + len(trackers.jira) == 1


@pytest.mark.parametrize("tracker", ["github", "jira"])
@pytest.mark.parametrize("trouble", [
    {"status": 429, "headers": {"Retry-After": "1"}},
    {"status": 503},
    {"status": 502, "times": 3},
    {"drop": True},
    {"hang": 2.5},
])
def test_the_sweep_outlasts_a_tracker_in_trouble_and_tells_once(tracked_bot, slack, engine, trackers, monkeypatch,
                                                                tracker, trouble):
    """The daily sweep meets a rate limit, errors, a dropped line or a hang: the idea still ships, once,
    its requester hears it once, and a second sweep adds nothing."""
    import runtime.trackers
    from models import make_sessions
    from runtime.scheduled import owe_sweeps
    from tests.handlers.test_trackers import dms

    monkeypatch.setattr(runtime.trackers, "DEFAULT_TIMEOUT", 1.0)
    if tracker == "github":
        idea_id = linked_idea(engine, "github", "acme/roadmap#12")
        trackers.github_issue(12).update(state="closed", state_reason="completed", closed_by={"login": "octo"})
    else:
        idea_id = linked_idea(engine, "jira", "OPS-12")
        trackers.jira_issue("OPS-12", status=DONE)["fields"]["resolution"] = {"name": "Done"}
    trackers.fail(rf"GET /{tracker}/", **{"status": 503, **trouble})
    owe_sweeps(make_sessions(engine), (tracker,), tracked_bot.sender.wake)
    wait_until(lambda: stage(engine, idea_id) == "shipped", timeout=20)
    owe_sweeps(make_sessions(engine), (tracker,), tracked_bot.sender.wake)
    tracked_bot.finish_work()
    assert [d.to_stage for d in decisions(engine)].count("shipped") == 1
    assert sum("has *shipped*" in str(m["blocks"]) for m in dms(slack, "U1")) == 1
    assert len(trackers.made("GET", "")) == 1 + trouble.get("times", 1)  # each trouble, then the answer


@pytest.mark.parametrize(("tracker", "told"), [
    ("github", "was *deleted*"),  # GitHub's 404 in a repository the token sees: no such issue
    # Jira answers 404 alike for a deleted issue and one the account may not see: it cannot be called deleted.
    ("jira", "can *no longer be seen*: deleted, or hidden from the account outcome-bot uses"),
])
def test_the_sweep_tells_the_pm_once_that_an_issue_is_gone(tracked_bot, slack, engine, trackers, tracker, told):
    from models import make_sessions
    from runtime.scheduled import owe_sweeps
    from tests.handlers.test_trackers import dms

    idea_id = linked_idea(engine, tracker, "acme/roadmap#12" if tracker == "github" else "OPS-12")
    for _ in range(2):
        owe_sweeps(make_sessions(engine), (tracker,), tracked_bot.sender.wake)
        tracked_bot.finish_work()
    assert stage(engine, idea_id) == "delivery"
    news = [str(m["blocks"]) for m in dms(slack, "UPM")]
    assert sum(told in n for n in news) == 1 and not any("was *deleted*" in n for n in news if told not in n)
    assert tracker == "github" or not any("was *deleted*" in n for n in news)


@pytest.mark.parametrize("tracker", ["github", "jira"])
@pytest.mark.parametrize("lookup", [{}, {"status": 503}, {"status": 429, "headers": {"Retry-After": "1"}},
                                    {"drop": True}])
def test_an_issue_created_but_whose_answer_was_dropped_is_filed_once(tracked_bot, slack, engine, trackers,
                                                                     tracker, lookup):
    """The tracker files the issue and the line drops before it answers; the look for it may fail too."""
    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot
    trackers.slow(rf"POST /{tracker}/", 0, drop=True)
    if lookup:
        trackers.fail(rf"GET /{tracker}/", **{"status": 503, **lookup})
    assert to_delivery(bot, slack, share_idea(bot, slack, user="U1"), {"tracker": f"create:{tracker}"})[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=20)
    bot.finish_work()
    assert len(trackers.made("POST", r"/issues?$")) == 1
    assert len(trackers.github) + len(trackers.jira) == 1
    assert ideas(engine)[0].tracker_key in {f"{r}#{n}" for r, n in trackers.github} | set(trackers.jira)


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_the_sweep_tells_a_reopening_whose_webhook_was_lost(tracked_bot, slack, engine, trackers, tracker):
    """Told the issue was closed as not planned, the PM hears from the sweep that it is open again (its
    webhook lost), once; an issue that was never closed is no news."""
    from models import make_sessions
    from runtime.scheduled import owe_sweeps
    from tests.fake_trackers import IN_PROGRESS
    from tests.handlers.test_trackers import dms

    bot = tracked_bot
    if tracker == "github":
        linked_idea(engine, "github", "acme/roadmap#12")
        linked_idea(engine, "github", "acme/roadmap#13")  # never closed
        trackers.github_issue(12), trackers.github_issue(13)
        trackers.close_github(bot.url, 12, reason="not_planned")
        bot.sender.drain(20, retries_too=True)
        trackers.github[("acme/roadmap", 12)].update(state="open", state_reason="reopened")  # webhook lost
    else:
        linked_idea(engine, "jira", "OPS-12")
        linked_idea(engine, "jira", "OPS-13")
        trackers.jira_issue("OPS-12"), trackers.jira_issue("OPS-13", status=IN_PROGRESS)
        trackers.move_jira(bot.url, "OPS-12", status=DONE, resolution="Won't Do")
        bot.sender.drain(20, retries_too=True)
        trackers.jira["OPS-12"]["fields"].update(status=IN_PROGRESS, resolution=None)  # webhook lost
    for _ in range(2):
        owe_sweeps(make_sessions(engine), (tracker,), bot.sender.wake)
        bot.sender.drain(20, retries_too=True)
    news = [str(m["blocks"]) for m in dms(slack, "UPM")]
    assert [("not planned" in n, "reopened" in n, "idea #1," in n) for n in news] == [(True, False, True),
                                                                              (False, True, True)]


def test_a_notice_that_went_to_dms_after_the_issue_was_filed_shows_the_issue(tracked_bot, slack, engine, trackers):
    """The requester's notice is for the thread of their message; Slack makes it wait (a rate limit), the
    issue is filed meanwhile, and then the thread turns out archived, so the notice goes to their DMs. It
    must show the issue, not say "being filed" for ever."""
    from tests.flows import GOOD, cards
    from tests.handlers.test_trackers import dms, to_delivery

    bot = tracked_bot
    original = {"user": "U1", "ts": "1700002000.000700", "text": "we need a faster month end close"}
    assert bot.slack.message_shortcut(original, user="U1", channel="CSALES").status == 200
    assert bot.slack.submit_view(slack.wait_for("views.open")[0].args["view"], GOOD, user="U1").body == ""
    wait_until(lambda: cards(slack))
    bot.deliver()
    slack.channels["CSALES"] = {"is_archived": True}
    slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "2"},
               match={"channel": "CSALES"})
    assert to_delivery(bot, slack, cards(slack)[-1])[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key == "acme/roadmap#57", timeout=10)
    bot.finish_work()
    [notice] = [m for m in dms(slack, "U1") if "moving to *delivery*" in str(m["blocks"])]
    assert "acme/roadmap#57" in str(notice["blocks"]) and "being filed" not in str(notice), notice
    assert "<@U1>" not in str(notice)  # DMs' words, not the thread's


def test_the_daily_sweep_forgets_webhook_deliveries_too_old_to_come_again(tracked_bot, engine, trackers):
    """Every event a repository sends is recorded by its id (most concern no idea): kept while a
    redelivery may come, then forgotten, so the table does not grow for ever."""
    from datetime import timedelta

    from sqlalchemy import update

    from models import WebhookDelivery, make_sessions, utcnow
    from runtime.scheduled import owe_sweeps

    for number in (1, 2):
        assert trackers.close_github(tracked_bot.url, number, delivery=f"d{number}")[0] == 200
    assert trackers.move_jira(tracked_bot.url, "OPS-1", status=DONE, delivery="j1")[0] == 200
    with Session(engine) as session, session.begin():
        session.execute(update(WebhookDelivery).where(WebhookDelivery.delivery_id.in_(("d1", "j1")))
                        .values(received_at=utcnow() - timedelta(days=30)))
    owe_sweeps(make_sessions(engine), ("github",), tracked_bot.sender.wake)
    tracked_bot.sender.drain(20, retries_too=True)
    with Session(engine) as session:
        kept = set(session.execute(select(WebhookDelivery.source, WebhookDelivery.delivery_id)).all())
    assert kept == {("github", "d2"), ("jira", "j1")}  # Jira's are forgotten by Jira's sweep


def test_an_idea_shipped_while_its_filing_waited_for_the_tracker_is_not_filed(tracked_bot, slack, engine, trackers):
    """The tracker is down when the idea moves to delivery; before it is back, a PM marks the idea shipped.
    Filing an issue for work already shipped would leave an open issue nobody will close."""
    from tests.handlers.test_trackers import to_delivery
    from tests.handlers.test_triage import decide

    bot = tracked_bot
    card = share_idea(bot, slack, user="U1")
    trackers.fail(r"POST /github/", 503, times=None)
    assert to_delivery(bot, slack, card)[1].body == ""
    wait_until(lambda: trackers.made("POST", r"/issues$"), timeout=10)

    def redrawn():
        return [c.args["blocks"] for c in slack.calls("chat.update")
                if c.args["ts"] == card["ts"] and "idea_move_shipped" in str(c.args["blocks"])]

    wait_until(redrawn)
    assert decide(bot, slack, redrawn()[-1], "idea_move_shipped").body == ""
    wait_until(lambda: ideas(engine)[0].stage == "shipped")
    trackers.reset()  # the tracker is back
    bot.finish_work()
    assert trackers.github == {} and ideas(engine)[0].tracker_key is None
    assert not any("could not file" in str(m.get("text")) for m in slack.messages("DUPM"))


def test_an_issue_transferred_to_another_repository_is_followed_there(tracked_bot, slack, engine, trackers):
    """Moved to another repository, the issue gets a new number there (its old address redirects): the
    sweep links the idea to where it is now, so the webhook of its close there ships the idea."""
    from models import make_sessions
    from runtime.scheduled import owe_sweeps

    idea_id = linked_idea(engine, "github", "acme/roadmap#12", "https://github.com/acme/roadmap/issues/12")
    trackers.github_issue(12)
    moved = trackers.transfer(12, "acme/roadmap", to="acme/other")
    owe_sweeps(make_sessions(engine), ("github",), tracked_bot.sender.wake)
    tracked_bot.sender.drain(20, retries_too=True)
    [idea] = ideas(engine)
    assert (idea.tracker_key, idea.tracker_url) == (f"acme/other#{moved['number']}", moved["html_url"])
    assert trackers.close_github(tracked_bot.url, moved["number"], repo="acme/other")[0] == 200
    tracked_bot.sender.drain(20, retries_too=True)
    assert stage(engine, idea_id) == "shipped"


def test_a_jira_issue_whose_answer_was_lost_is_looked_for_once_search_has_caught_up(
        tracked_bot, slack, engine, trackers, monkeypatch):
    """Jira's search finds a new issue only after a while (it is eventually consistent): a look right after
    the line dropped finds nothing, and files the issue a second time."""
    import runtime.trackers.jira
    from tests.handlers.test_trackers import to_delivery

    monkeypatch.setattr(runtime.trackers.jira, "SEARCH_LAG", 3.0)  # Atlassian's is longer; the test's is short
    trackers.search_lag = 2.0
    trackers.slow(r"POST /jira/", 0, drop=True)
    bot = tracked_bot
    assert to_delivery(bot, slack, share_idea(bot, slack, user="U1"), {"tracker": "create:jira"})[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=20)
    bot.finish_work()
    assert len(trackers.made("POST", r"/issue$")) == 1 and list(trackers.jira) == [ideas(engine)[0].tracker_key]


@pytest.mark.parametrize("gone", ["access", "issues_off"])
def test_a_repository_the_token_can_no_longer_see_is_not_news_of_deleted_issues(tracked_bot, slack, engine,
                                                                                  trackers, gone):
    """GitHub answers 404 for an issue in a repository the token lost access to, as for a deleted one, and
    410 for every issue of a repository whose Issues were turned off, as for a deleted one: the sweep must
    not tell every PM that their issue was deleted."""
    from models import make_sessions
    from runtime.scheduled import owe_sweeps
    from tests.handlers.test_trackers import dms

    linked_idea(engine, "github", "acme/roadmap#12")
    trackers.github_issue(12)
    if gone == "access":
        trackers.repos.discard("acme/roadmap")  # the token's access to it was taken away
    else:
        trackers.fail(r"GET /github/repos/acme/roadmap/issues/", 410, times=None,
                      message="Issues are disabled for this repo")
    owe_sweeps(make_sessions(engine), ("github",), tracked_bot.sender.wake)
    tracked_bot.sender.drain(20, retries_too=True)
    assert not any("deleted" in str(m["blocks"]) for m in dms(slack, "UPM"))
    assert stage(engine, 1) == "delivery"


@pytest.mark.parametrize(("tracker", "newer"), [("github", 60), ("github", 150), ("jira", 250)])
def test_a_lost_filing_older_than_a_page_of_issues_is_found_not_filed_again(tracked_bot, slack, engine, trackers,
                                                                            tracker, newer):
    """The line drops as the tracker files the issue, and a busy project files `newer` issues before the bot
    looks. GitHub: the newest hundred are read, then its search for the mark finds one older than those.
    Jira: the issues created in the last days are read page by page."""
    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot

    def others() -> None:
        for n in range(1000, 1000 + newer):
            trackers.github_issue(n, "Someone else's") if tracker == "github" else trackers.jira_issue(f"OPS-{n}")

    trackers.slow(rf"POST /{tracker}/", 0, drop=True, then=others)
    assert to_delivery(bot, slack, share_idea(bot, slack, user="U1"), {"tracker": f"create:{tracker}"})[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=20)
    bot.finish_work()
    assert len(trackers.made("POST", r"/issues?$")) == 1 and len(trackers.github) + len(trackers.jira) == 1 + newer
    assert ideas(engine)[0].tracker_key == ("acme/roadmap#57" if tracker == "github" else "OPS-140")
    if tracker == "github":  # its search only past the first page
        assert bool(trackers.made("GET", r"/search/issues\?")) == (newer > 100)


def test_a_renamed_repository_is_filed_in_and_followed_under_its_new_name(tracked_bot, slack, engine, trackers):
    """GITHUB_REPO still names the repository as it was called: GitHub answers a POST there 307 (repeat it
    at the new address) and a GET 301. The issue is filed, once, and an idea linked under the old name is
    followed there."""
    from models import make_sessions
    from runtime.scheduled import owe_sweeps
    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot
    old = linked_idea(engine, "github", "acme/roadmap#12")
    trackers.github_issue(12)
    trackers.rename("acme/roadmap", "acme/roadmap-2026")
    trackers.github[("acme/roadmap-2026", 12)].update(state="closed", state_reason="completed")
    assert to_delivery(bot, slack, share_idea(bot, slack, user="U1"), {"tracker": "create:github"})[1].body == ""
    wait_until(lambda: ideas(engine)[-1].tracker_key is not None, timeout=15)
    owe_sweeps(make_sessions(engine), ("github",), bot.sender.wake)
    bot.finish_work()
    assert ideas(engine)[-1].tracker_key == "acme/roadmap-2026#57" and len(trackers.made("POST", r"/issues$")) == 2
    assert [key for (repo, key) in trackers.github if repo == "acme/roadmap-2026"] == [12, 57]
    assert stage(engine, old) == "shipped"
    assert not any("could not file" in str(m.get("text")) for m in slack.messages("DUPM"))
