"""Closing the loop with GitHub and Jira, end to end: signed Slack requests, local trackers that speak
their REST APIs and sign their webhooks, and the fake Slack."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CheckIn, Idea, utcnow
from tests.fake_trackers import DONE, GITHUB_REPO, IN_PROGRESS
from tests.flows import GOOD, cards, decisions, ideas, share_idea, wait_until
from tests.handlers.test_close_the_loop import ask_due_check_ins
from tests.handlers.test_triage import REASON, opened_modal, press
from tests.slack_requests import buttons


def dms(slack, user):
    return slack.messages("D" + user)


def to_delivery(bot, slack, card, values=None, *, user="UPM"):
    """Discovery, then the delivery form, submitted with `values` (the tracker choice as the form offers it)."""
    blocks = card["blocks"]
    view = opened_modal(slack, press(bot, slack, blocks, "idea_move_discovery", user=user))
    assert bot.slack.submit_view(view, {"reason": REASON}, user=user).body == ""
    def redrawn():
        return [c.args["blocks"] for c in slack.calls("chat.update")
                if c.args["ts"] == card["ts"] and "idea_move_delivery" in str(c.args["blocks"])]

    wait_until(redrawn)
    blocks = redrawn()[-1]
    view = opened_modal(slack, press(bot, slack, blocks, "idea_move_delivery", user=user))
    return view, bot.slack.submit_view(view, {"reason": "Three teams asked and the evidence holds", **(values or {})},
                                       user=user)


def idea_row(engine) -> Idea:
    return ideas(engine)[0]


def reads_naturally(bot, slack, move: str) -> None:
    """A move made in the tracker reads as what was done there, and by whom, wherever it is shown: the
    requester's notice, the card, the digest (not "octocat in GitHub decided, and said why")."""
    bot.deliver()
    card = str(slack.messages("CTRIAGE")[0]["blocks"])
    shown = {"notice": str(dms(slack, "U1")[-1]["blocks"]), "card": card,
             "digest": bot.slack.command("digest preview", user="UPM").body}
    lower = move[0].lower() + move[1:]
    for where, words in shown.items():
        assert "decided, and said why" not in words and " decided by " not in words, (where, words)
        expected = f"{move}:" if where != "card" else f"Shipped*, {lower} on"
        assert expected in words, (where, [piece for piece in words.split("{") if "hipped" in piece])


def test_delivery_files_a_github_issue_and_closing_it_ships_the_idea(tracked_bot, slack, engine, trackers):
    bot = tracked_bot
    card = share_idea(bot, slack, user="U1", evidence="Three finance leads asked & it costs a day a month")
    bot.slack.press(buttons(card["blocks"])["support_idea"], user="U2", channel="CTRIAGE")
    bot.slack.submit_view(slack.wait_for("views.open", 2)[-1].args["view"], {"evidence": "weekly pain"}, user="U2")
    view, reply = to_delivery(bot, slack, card)
    radio = next(b for b in view["blocks"] if b.get("block_id") == "tracker")["element"]
    assert radio["initial_option"]["value"] == "create:github"
    assert [o["value"] for o in radio["options"]] == ["create:github", "create:jira", "link", "none"]
    assert reply.body == ""

    wait_until(lambda: idea_row(engine).tracker_key == f"{GITHUB_REPO}#57", timeout=10)
    [created] = trackers.made("POST", r"/github/repos/acme/roadmap/issues$")
    assert created.body["title"] == "Finance closes the month a day sooner"
    for expected in ("Finance rebuilds the monthly report", "Three finance leads asked & it costs a day a month",
                     "Close takes four days instead of five", "People who asked:** 2", "Three teams asked",
                     "https://acme.slack.com/archives/CTRIAGE/"):
        assert expected in created.body["body"], expected
    wait_until(lambda: "acme/roadmap#57" in str(slack.messages("CTRIAGE")[0]["blocks"]))
    assert "https://github.com/acme/roadmap/issues/57|acme/roadmap#57" in str(slack.messages("CTRIAGE")[0]["blocks"])
    wait_until(lambda: "acme/roadmap#57" in str(dms(slack, "U1")[-1]["blocks"]))  # the notice, redrawn

    status, _, _ = trackers.close_github(bot.url, 57, by="octocat")
    assert status == 200
    wait_until(lambda: idea_row(engine).stage == "shipped", timeout=10)
    shipped = decisions(engine)[-1]
    assert (shipped.from_stage, shipped.to_stage, shipped.via, shipped.decided_by) == (
        "delivery", "shipped", "github", "@octocat")
    assert "Closed as done in GitHub by @octocat (acme/roadmap#57)" in shipped.reason
    wait_until(lambda: "has *shipped*" in str(dms(slack, "U1")[-1]["blocks"]))
    wait_until(lambda: "shipped" in str(dms(slack, "U2")[-1]["blocks"]))
    reads_naturally(bot, slack, "Closed in GitHub by @octocat")
    with Session(engine) as session:
        check_in = session.scalar(select(CheckIn))
    assert (check_in.due_on, check_in.ask_user_id) == (shipped.revisit_on, "UPM")
    assert check_in.due_on == utcnow().date() + timedelta(weeks=4)
    assert ask_due_check_ins(bot, utcnow() + timedelta(weeks=4)) == 1
    assert "Did this happen?" in str(dms(slack, "UPM")[-1]["blocks"])


def test_jira_done_ships_and_wont_do_only_tells_the_pm(tracked_bot, slack, engine, trackers):
    bot = tracked_bot
    card = share_idea(bot, slack, user="U1")
    _, reply = to_delivery(bot, slack, card, {"tracker": "create:jira"})
    assert reply.body == ""
    wait_until(lambda: idea_row(engine).tracker_key == "OPS-140", timeout=10)
    assert "jira/browse/OPS-140" in idea_row(engine).tracker_url

    trackers.move_jira(bot.url, "OPS-140", status=DONE, resolution="Won't Do", by="Jane Doe")
    wait_until(lambda: any("not planned" in str(m["blocks"]) for m in dms(slack, "UPM")), timeout=10)
    assert idea_row(engine).stage == "delivery"  # nothing moves by itself
    news = next(m for m in dms(slack, "UPM") if "not planned" in str(m["blocks"]))
    assert "idea_move_shipped" in str(news["blocks"]) and "Jane Doe" in str(news["blocks"])

    trackers.move_jira(bot.url, "OPS-140", status=IN_PROGRESS, by="Jane Doe")  # reopened
    wait_until(lambda: any("reopened" in str(m["blocks"]) for m in dms(slack, "UPM")), timeout=10)
    trackers.move_jira(bot.url, "OPS-140", status=DONE, resolution="Done", by="Jane Doe")
    wait_until(lambda: idea_row(engine).stage == "shipped", timeout=10)
    assert "Moved to Done in Jira by Jane Doe (OPS-140)" in decisions(engine)[-1].reason
    wait_until(lambda: "has *shipped*" in str(dms(slack, "U1")[-1]["blocks"]))
    reads_naturally(bot, slack, "Moved to Done in Jira by Jane Doe")


@pytest.mark.parametrize(("tracker", "word"), [("github", "word"), ("jira", "word"), ("jira", "🚀")])
def test_an_idea_with_a_very_long_ask_is_still_filed(tracked_bot, slack, engine, trackers, tracker, word):
    """The ask keeps all of a long message (40,000 characters); the issue's body fits what the tracker takes,
    counted as Jira counts (an emoji is two of Java's characters)."""
    from tests.fake_trackers import GITHUB_BODY_LIMIT, JIRA_TEXT_LIMIT
    from tests.flows import GOOD, cards, open_modal, submit_keeping_my_words

    bot = tracked_bot
    ask = " ".join(f"{word}{n}" for n in range(6000))[:40_000]
    assert submit_keeping_my_words(bot, open_modal(bot, slack, text=ask), GOOD, user="U1").body == ""
    wait_until(lambda: cards(slack))
    bot.deliver()
    assert ideas(engine)[0].ask == ask
    _, reply = to_delivery(bot, slack, cards(slack)[-1], {"tracker": f"create:{tracker}"})
    assert reply.body == ""
    wait_until(lambda: idea_row(engine).tracker_key is not None, timeout=10)
    [created] = trackers.made("POST", r"/issues?$")
    body = created.body["body"] if tracker == "github" else created.body["fields"]["description"]
    assert len(body.encode("utf-16-le")) // 2 <= (GITHUB_BODY_LIMIT if tracker == "github" else JIRA_TEXT_LIMIT)
    assert ask[:2000] in body and "Three teams asked" in body and "Filed by outcome-bot" in body
    assert not any("could not file" in str(m.get("text")) for m in dms(slack, "UPM"))


@pytest.mark.parametrize(("reason", "stage", "told"), [
    ("completed", "shipped", None),
    (None, "shipped", None),  # GitHub Enterprise Server before close reasons: closed is done
    ("not_planned", "delivery", "closed as *not planned*"),
    ("duplicate", "delivery", "closed as a *duplicate*"),
])
def test_only_an_issue_closed_as_completed_ships_the_idea(tracked_bot, slack, engine, trackers, reason, stage,
                                                          told):
    bot = tracked_bot
    to_delivery(bot, slack, share_idea(bot, slack, user="U1"))
    wait_until(lambda: idea_row(engine).tracker_key == f"{GITHUB_REPO}#57", timeout=10)
    assert trackers.close_github(bot.url, 57, reason=reason, by="octocat")[0] == 200
    bot.finish_work()
    assert idea_row(engine).stage == stage
    news = [m for m in dms(slack, "UPM") if "octocat" in str(m["blocks"])]
    if told is None:
        assert news == []
    else:
        [message] = news
        assert told in str(message["blocks"]) and "idea_move_shipped" in str(message["blocks"])


@pytest.mark.parametrize(("reference", "words"), [
    ("#999", "There is no issue acme/roadmap#999 in GitHub"),
    # Jira's 404 is also its answer for an issue the account may not see: "there is none" would be a guess.
    ("OPS-404", "Jira shows me no issue OPS-404: check the key, and that the account I use can see it"),
    ("nonsense reference", "not a link or key"),
    ("", "Paste the issue's link"),
])
def test_linking_an_issue_that_does_not_exist_is_a_field_error(tracked_bot, slack, engine, trackers, reference,
                                                             words):
    card = share_idea(tracked_bot, slack)
    _, reply = to_delivery(tracked_bot, slack, card, {"tracker": "link", "issue": reference})
    assert words in reply.json()["errors"]["issue"]
    assert idea_row(engine).stage == "discovery"  # nothing was decided


def test_a_slow_missing_issue_and_a_slow_repository_check_still_answer_the_form_in_time(tracked_bot, slack,
                                                                                         engine, trackers):
    """A GitHub 404 is checked against the repository itself (is it out of the token's sight?): the two
    calls share the time the form's answer has, not two seconds each."""
    card = share_idea(tracked_bot, slack)
    trackers.slow(r"GET /github/repos/acme/roadmap/issues/999$", 1.6)
    trackers.slow(r"GET /github/repos/acme/roadmap$", 1.6)
    started = time.monotonic()
    _, reply = to_delivery(tracked_bot, slack, card, {"tracker": "link", "issue": "#999"})
    assert time.monotonic() - started < 2.9  # Slack waits 3 s for a form's answer
    assert reply.status == 200 and idea_row(engine).stage == "discovery"


def test_a_delivery_form_left_open_while_the_idea_moved_is_refused_before_the_tracker_is_asked(
        tracked_bot, slack, engine, trackers):
    """Two PMs open the delivery form; the first moves the idea. The second's link is not looked up in the
    tracker (seconds of waiting, and a call, for a move that cannot happen): the form says the idea moved."""
    bot = tracked_bot
    trackers.github_issue(12)
    card = share_idea(bot, slack)
    view, reply = to_delivery(bot, slack, card, {"tracker": "none"})
    assert reply.body == ""
    late = bot.slack.submit_view(view, {"reason": "Three teams asked and the evidence holds", "tracker": "link",
                                        "issue": "#12"}, user="UPM").json()
    assert "already moved" in late["errors"]["reason"]
    assert trackers.made("GET", r"issues/12$") == [] and idea_row(engine).tracker_key is None


@pytest.mark.parametrize("reference", [
    "#12", "https://github.com/acme/roadmap/issues/12", "acme/roadmap#12", "OPS-12",
    "https://acme.atlassian.net/browse/OPS-12",
    # The address bar as Jira Cloud leaves it: an issue opened from a board, a backlog, a search or a queue.
    "https://acme.atlassian.net/jira/software/c/projects/OPS/boards/7?selectedIssue=OPS-12",
    "https://acme.atlassian.net/jira/software/c/projects/OPS/boards/7/backlog?selectedissue=OPS-12",
    "https://acme.atlassian.net/jira/software/c/projects/OPS/issues/OPS-12",
    "https://acme.atlassian.net/jira/software/projects/OPS/issues/OPS-12?jql=project%20%3D%20OPS",
    "https://acme.atlassian.net/issues/?jql=project%20%3D%20OPS&selectedIssue=OPS-12",
    "https://acme.atlassian.net/jira/servicedesk/projects/OPS/queues/custom/1/OPS-12",
])
def test_linking_an_existing_issue_shows_it_at_once(tracked_bot, slack, engine, trackers, reference):
    trackers.github_issue(12)
    trackers.jira_issue("OPS-12")
    card = share_idea(tracked_bot, slack, user="U1")
    _, reply = to_delivery(tracked_bot, slack, card, {"tracker": "link", "issue": reference})
    assert reply.body == ""
    stored = idea_row(engine)
    assert stored.tracker_key in ("acme/roadmap#12", "OPS-12") and stored.stage == "delivery"
    wait_until(lambda: stored.tracker_key in str(dms(slack, "U1")[-1]["blocks"]))
    assert trackers.made("POST", r"issues?$") == []


@pytest.mark.parametrize("how", ["delivery form", "link button"])
def test_linking_an_issue_already_closed_as_done_ships_the_idea(tracked_bot, slack, engine, trackers, how):
    bot = tracked_bot
    trackers.github_issue(12).update(state="closed", state_reason="completed", closed_by={"login": "hubot"})
    card = share_idea(bot, slack, user="U1")
    if how == "delivery form":
        assert to_delivery(bot, slack, card, {"tracker": "link", "issue": "#12"})[1].body == ""
    else:
        assert to_delivery(bot, slack, card, {"tracker": "none"})[1].body == ""
        wait_until(lambda: "link_issue" in str(slack.calls("chat.update")[-1].args["blocks"]))
        view = opened_modal(slack, press(bot, slack, slack.calls("chat.update")[-1].args["blocks"], "link_issue"))
        assert bot.slack.submit_view(view, {"issue": "#12"}, user="UPM").body == ""
    wait_until(lambda: idea_row(engine).stage == "shipped", timeout=10)
    assert decisions(engine)[-1].decided_by == "@hubot" and decisions(engine)[-1].via == "github"
    wait_until(lambda: "has *shipped*" in str(dms(slack, "U1")[-1]["blocks"]))


@pytest.mark.parametrize("metadata", ["", "not json", '{"idea": "²"}', '["a list"]'])
def test_a_link_form_with_garbled_metadata_says_so_and_links_nothing(tracked_bot, slack, engine, metadata):
    bot = tracked_bot
    card = share_idea(bot, slack, user="U1")
    assert to_delivery(bot, slack, card, {"tracker": "none"})[1].body == ""
    wait_until(lambda: "link_issue" in str(slack.calls("chat.update")[-1].args["blocks"]))
    view = opened_modal(slack, press(bot, slack, slack.calls("chat.update")[-1].args["blocks"], "link_issue"))
    reply = bot.slack.submit_view({**view, "private_metadata": metadata}, {"issue": "#12"}, user="UPM")
    assert "no longer in delivery" in reply.json()["errors"]["issue"]
    assert idea_row(engine).tracker_key is None


def test_a_tracker_that_does_not_answer_is_a_field_error_not_a_wait(tracked_bot, slack, engine, trackers):
    card = share_idea(tracked_bot, slack)
    trackers.fail(r"GET /github/", hang=5, times=None)
    _, reply = to_delivery(tracked_bot, slack, card, {"tracker": "link", "issue": "#57"})
    assert "did not answer just now" in reply.json()["errors"]["issue"]


def test_filing_survives_an_outage_and_a_refusal_reaches_the_pm(tracked_bot, slack, engine, trackers):
    bot = tracked_bot
    trackers.fail(r"POST /github/", 503, times=2)
    card = share_idea(bot, slack, user="U1")
    assert to_delivery(bot, slack, card)[1].body == ""
    wait_until(lambda: idea_row(engine).tracker_key is not None, timeout=15)
    assert len(trackers.made("POST", r"/issues$")) == 3  # two outages, then filed once

    trackers.fail(r"POST /jira/", 401, times=None)
    second = share_idea(bot, slack, user="U3", outcome="Warehouse pickers stop walking back to check bins")
    assert to_delivery(bot, slack, second, {"tracker": "create:jira"})[1].body == ""
    wait_until(lambda: any("could not file idea #2 in Jira" in str(m["text"]) for m in dms(slack, "UPM")), timeout=10)
    card_now = slack.messages("CTRIAGE")[1]
    assert "link_issue" in str(card_now["blocks"])  # a PM can link one filed by hand


@pytest.mark.parametrize(("status", "limited", "message", "waits"), [
    (403, {"Retry-After": "1"}, "You have exceeded a secondary rate limit", 0),
    (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "{reset}"}, "API rate limit exceeded", 0),
    # The secondary limit with no header at all: its words say it ("wait at least one minute").
    (403, {}, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", 0),
    # A 429 says when by the limit's reset, or by Retry-After as an HTTP date: waited for, not guessed at.
    (429, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "{reset}"}, "API rate limit exceeded", 1.5),
    (429, {"Retry-After": "{date}"}, "Too many requests", 1.5),
])
def test_githubs_rate_limit_is_waited_out_not_reported_as_a_bad_token(tracked_bot, slack, engine, trackers,
                                                                      monkeypatch, status, limited, message, waits):
    import time
    from email.utils import formatdate

    import runtime.trackers

    monkeypatch.setattr(runtime.trackers, "SECONDARY_WAIT", 1.0)
    bot = tracked_bot
    reset, date = int(time.time()) + 1 + (2 if waits else 0), int(time.time()) + 3
    headers = {name: value.format(reset=reset, date=formatdate(date, usegmt=True)) for name, value in limited.items()}
    trackers.fail(r"POST /github/", status, headers=headers, message=message)
    _, reply = to_delivery(bot, slack, share_idea(bot, slack, user="U1"))
    assert reply.body == ""
    wait_until(lambda: idea_row(engine).tracker_key == f"{GITHUB_REPO}#57", timeout=15)
    bot.finish_work()
    first, second = trackers.made("POST", r"/issues$")
    if waits:  # not before the time GitHub gave (a whole second), however long the first attempt took to come
        asked_again = time.time() - (time.monotonic() - second.at)
        assert asked_again >= (reset if "{reset}" in str(limited) else date) - 0.05
    else:
        assert second.at >= first.at
    assert not any("could not file" in str(m.get("text")) for m in dms(slack, "UPM"))


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_an_issue_created_but_answered_too_late_is_filed_once(tracked_bot, slack, engine, trackers, monkeypatch,
                                                              tracker):
    """The tracker creates the issue and answers after the bot gave up: the retry finds it, files no second."""
    import runtime.trackers

    monkeypatch.setattr(runtime.trackers, "DEFAULT_TIMEOUT", 1.0)
    bot = tracked_bot
    trackers.slow(rf"POST /{tracker}/", 2.5)
    trackers.jira_issue("OPS-7", "Someone else's issue")  # the project's other issues are not ours
    trackers.github_issue(7, "Someone else's issue")
    _, reply = to_delivery(bot, slack, share_idea(bot, slack, user="U1"), {"tracker": f"create:{tracker}"})
    assert reply.body == ""
    wait_until(lambda: idea_row(engine).tracker_key is not None, timeout=15)
    bot.finish_work()
    assert len(trackers.made("POST", r"/issues?$")) == 1
    filed = {f"{repo}#{number}" for repo, number in trackers.github if number != 7} | set(trackers.jira) - {"OPS-7"}
    assert {idea_row(engine).tracker_key} == filed and idea_row(engine).stage == "delivery"


def test_webhooks_are_verified_idempotent_and_harmless_when_unlinked(tracked_bot, slack, engine, trackers):
    bot = tracked_bot
    card = share_idea(bot, slack, user="U1")
    to_delivery(bot, slack, card)
    wait_until(lambda: idea_row(engine).tracker_key is not None, timeout=10)
    assert trackers.close_github(bot.url, 57, secret="wrong")[0] == 401
    assert trackers.move_jira(bot.url, "OPS-1", status=DONE, secret="wrong")[0] == 401
    assert idea_row(engine).stage == "delivery"
    assert trackers.close_github(bot.url, 999)[0] == 200  # no idea links it: nothing happens
    status, _, delivery = trackers.close_github(bot.url, 57)
    assert status == 200
    assert trackers.close_github(bot.url, 57, delivery=delivery)[0] == 200  # redelivered
    bot.finish_work()
    assert [d.to_stage for d in decisions(engine)].count("shipped") == 1
    assert sum("has *shipped*" in str(m["blocks"]) for m in dms(slack, "U1")) == 1


def test_a_ping_and_an_oversized_body(tracked_bot, trackers):
    from runtime.webhooks import TRACKER_MAX_BODY
    from tests.fake_trackers import GITHUB_SECRET, post_webhook

    assert post_webhook(f"{tracked_bot.url}/github/events", {"zen": "Keep it logically awesome."},
                        {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "p1"}, GITHUB_SECRET,
                        "X-Hub-Signature-256")[0] == 200
    # Answered from the Content-Length alone (a client still sending may see its pipe closed, so the
    # body is announced, not sent).
    host, port = tracked_bot.server.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as connection:
        connection.sendall(b"POST /github/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           b"X-GitHub-Event: issues\r\nContent-Length: %d\r\n\r\n{\"padding\":"
                           % (TRACKER_MAX_BODY + 1))
        answer = connection.recv(200)
    assert b" 413 " in answer.split(b"\r\n")[0]


def test_the_daily_sweep_catches_what_webhooks_missed(tracked_bot, slack, engine, trackers):
    from models import make_sessions
    from runtime.scheduled import owe_sweeps

    bot = tracked_bot
    to_delivery(bot, slack, share_idea(bot, slack, user="U1"))
    wait_until(lambda: idea_row(engine).tracker_key is not None, timeout=10)
    trackers.github[(GITHUB_REPO, 57)].update(state="closed", state_reason="completed",
                                              closed_by={"login": "hubot"})  # and the webhook was lost
    owe_sweeps(make_sessions(engine), ("github", "jira"), bot.sender.wake)
    wait_until(lambda: idea_row(engine).stage == "shipped", timeout=10)
    assert decisions(engine)[-1].decided_by == "@hubot"
    owe_sweeps(make_sessions(engine), ("github", "jira"), bot.sender.wake)  # again: nothing new
    bot.finish_work()
    assert [d.to_stage for d in decisions(engine)].count("shipped") == 1


def test_an_idea_no_pm_moved_to_delivery_asks_a_pm_not_the_trackers_login_whether_it_worked(
        tracked_bot, slack, engine, trackers):
    """An idea in delivery with no decision that put it there (a row written by another tool): the check-in
    used to be addressed to the tracker's login ("@octocat"), which is no Slack user."""
    from bot.ideas import IdeaDraft, submit_idea
    from bot.trackers import link
    from tests.flows import GOOD

    with Session(engine) as session, session.begin():
        idea, _ = submit_idea(session, team_id="T1", submitter_id="U1", draft=IdeaDraft(**GOOD))
        idea.stage = "delivery"
        link(session, idea, "github", "acme/roadmap#57", "https://github.com/acme/roadmap/issues/57", "open")
    trackers.close_github(tracked_bot.url, 57, by="octocat")
    wait_until(lambda: idea_row(engine).stage == "shipped", timeout=10)
    with Session(engine) as session:
        assert session.scalars(select(CheckIn.ask_user_id)).all() == ["UPM"]
    slack.reset()
    assert ask_due_check_ins(tracked_bot, utcnow() + timedelta(weeks=4)) == 1
    tracked_bot.finish_work()
    assert "Did this happen?" in str(dms(slack, "UPM")[-1]["blocks"]) and dms(slack, "U1")
    assert slack.refused() == [] and all(c.ok for c in slack.calls("chat.postMessage"))


def test_an_event_moves_only_the_idea_that_links_that_exact_issue(tracked_bot, slack, engine, trackers):
    from bot.ideas import IdeaDraft, submit_idea
    from bot.trackers import link
    from tests.flows import GOOD

    with Session(engine) as session, session.begin():
        for team, key in (("T1", "acme/roadmap#57"), ("T2", "acme/roadmap#58"), ("T3", "acme/other#57")):
            idea, _ = submit_idea(session, team_id=team, submitter_id="U1", draft=IdeaDraft(**GOOD))
            idea.stage = "delivery"
            link(session, idea, "github", key, "https://github.com/x", "open")
    trackers.close_github(tracked_bot.url, 58)
    wait_until(lambda: any(i.stage == "shipped" for i in ideas(engine)), timeout=10)
    tracked_bot.finish_work()
    assert {(i.team_id, i.stage) for i in ideas(engine)} == {("T1", "delivery"), ("T2", "shipped"),
                                                             ("T3", "delivery")}


def test_someone_not_a_pm_submitting_the_delivery_form_is_told_so_and_no_tracker_is_asked(tracked_bot, slack,
                                                                                         engine, trackers):
    trackers.github_issue(12)
    card = share_idea(tracked_bot, slack)
    view, _ = to_delivery(tracked_bot, slack, card, {"reason": "x"})  # the PM opened it; a short reason keeps it open
    reply = tracked_bot.slack.submit_view(view, {"reason": "Three teams asked and the evidence holds",
                                                 "tracker": "link", "issue": "#12"}, user="U2").json()
    assert "Only product managers" in reply["errors"]["reason"]
    assert trackers.made("GET", "issues") == [] and idea_row(engine).stage == "discovery"


def test_a_trackers_reason_for_refusing_is_shown_to_the_pm_as_text(tracked_bot, slack, engine, trackers):
    trackers.fail(r"POST /github/", 422, times=None, message="<!channel> title <@U1> & <https://x.io|here>")
    card = share_idea(tracked_bot, slack, user="U1")
    assert to_delivery(tracked_bot, slack, card)[1].body == ""
    wait_until(lambda: any("could not file idea #1" in str(m["text"]) for m in dms(slack, "UPM")), timeout=10)
    [told] = [m["text"] for m in dms(slack, "UPM") if "could not file" in m["text"]]
    assert "&lt;!channel&gt; title &lt;@U1&gt; &amp; &lt;https://x.io|here&gt;" in told and "<!channel>" not in told


def test_without_a_webhook_secret_the_trackers_webhooks_are_refused(make_bot, slack, engine, trackers):
    """The README's promise: no secret, no webhooks (401); the daily sweep alone brings the news."""
    from bot.settings import GitHubSettings, JiraSettings
    from tests import fake_trackers as t

    bot = make_bot(github=GitHubSettings(t.GITHUB_TOKEN, t.GITHUB_REPO, f"{trackers.url}/github"),
                   jira=JiraSettings(f"{trackers.url}/jira", t.JIRA_EMAIL, t.JIRA_TOKEN, t.JIRA_PROJECT))
    to_delivery(bot, slack, share_idea(bot, slack, user="U1"))
    wait_until(lambda: idea_row(engine).tracker_key is not None, timeout=10)
    for secret in ("", t.GITHUB_SECRET):
        assert trackers.close_github(bot.url, 57, secret=secret)[0] == 401
        assert trackers.move_jira(bot.url, "OPS-1", status=DONE, secret=secret)[0] == 401
    bot.finish_work()
    assert idea_row(engine).stage == "delivery"


def _filing(message: dict) -> bool:
    return "being filed" in str(message["blocks"]) + str(message["text"])


@pytest.mark.parametrize(("thread", "presser"), [("open", "U1"), ("archived", "U1"), ("open", "U4")])
def test_everyone_told_of_delivery_reads_the_issue_once_it_is_filed(tracked_bot, slack, engine, trackers, thread,
                                                                    presser):
    """The notice in the thread of the message the idea came from (or, where that thread cannot be written to,
    in the requester's DMs instead), the one to whoever turned another's message into the idea, and every
    supporter's notice say "being filed" at first, then show the issue: none is left saying the work is still
    being filed."""
    bot = tracked_bot
    original = {"user": "U1", "ts": "1700002000.000700", "text": "we need a faster month end close"}
    assert bot.slack.message_shortcut(original, user=presser, channel="CSALES").status == 200
    assert bot.slack.submit_view(slack.wait_for("views.open")[0].args["view"], GOOD, user=presser).body == ""
    wait_until(lambda: cards(slack))
    bot.deliver()
    card = cards(slack)[-1]
    for n, supporter in enumerate(("U2", "U3"), start=2):
        bot.slack.press(buttons(card["blocks"])["support_idea"], user=supporter, channel="CTRIAGE")
        bot.slack.submit_view(slack.wait_for("views.open", n)[-1].args["view"], {"evidence": "weekly"}, user=supporter)
    if thread == "archived":
        slack.channels["CSALES"] = {"is_archived": True}
    _, reply = to_delivery(bot, slack, card)
    assert reply.body == ""
    wait_until(lambda: idea_row(engine).tracker_key == f"{GITHUB_REPO}#57", timeout=10)
    bot.finish_work()
    in_thread = [m for m in slack.messages("CSALES") if m["thread_ts"] == original["ts"]]
    told = {"thread": in_thread[-1]} if thread == "open" else {"U1": dms(slack, "U1")[-1]}
    told |= {user: dms(slack, user)[-1] for user in ("U2", "U3", *([presser] if presser != "U1" else []))}
    for who, notice in told.items():
        assert "moving to *delivery*" in str(notice["blocks"]), who
        assert "acme/roadmap#57" in str(notice["blocks"]) and not _filing(notice), (who, notice)
    assert not slack.refused()
