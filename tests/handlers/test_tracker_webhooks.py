"""The trackers' webhooks and sweep as the trackers would meet them: signed (or not) HTTP requests to the
real server, odd but signed bodies, and local GitHub and Jira servers that answer in ways the bot must
not mistake."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Delivery, Idea
from tests.fake_trackers import DONE, GITHUB_SECRET, JIRA_SECRET
from tests.flows import GOOD, decisions, ideas, share_idea, wait_until


def linked_idea(engine, tracker: str, key: str, url: str = "https://tracker.test/x", *, team: str = "T1") -> int:
    """An idea in delivery linking `key`, as the delivery form leaves it."""
    from bot.ideas import IdeaDraft, submit_idea
    from bot.trackers import link

    with Session(engine) as session, session.begin():
        idea, _ = submit_idea(session, team_id=team, submitter_id="U1", draft=IdeaDraft(**GOOD))
        idea.stage = "delivery"
        link(session, idea, tracker, key, url, "open")
        return idea.id


def stage(engine, idea_id: int) -> str:
    with Session(engine) as session:
        return session.get(Idea, idea_id).stage


def jobs_that_failed(engine) -> list[tuple[str, str]]:
    """Work the sender could not do (a bug, or a refusal), as (method, error)."""
    with Session(engine) as session:
        rows = session.scalars(select(Delivery).where(Delivery.method.like("job:%"))).all()
        return [(r.method, r.error) for r in rows if r.error]


def raw_post(url: str, raw: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=raw, headers={"Content-Type": "application/json", **headers},
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(("path", "header"), [("github", "X-Hub-Signature-256"), ("jira", "X-Hub-Signature")])
@pytest.mark.parametrize("signature", [None, "", "sha256=", "sha256=" + "0" * 64, "sha1=abc", "sha256=\u00e9t\u00e9",
                                       "sha256=\u00ff" * 3])
def test_an_unsigned_or_wrongly_signed_webhook_is_refused_without_effect(tracked_bot, engine, trackers, path,
                                                                          header, signature):
    key = "acme/roadmap#57" if path == "github" else "OPS-7"
    idea_id = linked_idea(engine, path, key)
    body = (json.dumps({"action": "closed", "issue": {"number": 57, "state": "closed", "state_reason": "completed"},
                        "repository": {"full_name": "acme/roadmap"}}) if path == "github" else
            json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-7", "fields": {"status": DONE}},
                        "changelog": {"items": [{"field": "status", "fromString": "To Do"}]}})).encode()
    headers = {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d1"} if path == "github" else {}
    if signature is not None:
        headers[header] = signature
    assert raw_post(f"{tracked_bot.url}/{path}/events", body, headers) == 401
    tracked_bot.finish_work()
    assert stage(engine, idea_id) == "delivery" and jobs_that_failed(engine) == []


def _jira_done(**issue_and_user):
    issue = {"key": "OPS-7", "fields": {"summary": "An issue", "status": DONE, "resolution": {"name": "Done"}}}
    body = {"webhookEvent": "jira:issue_updated", "user": {"displayName": "Jane Doe"}, "issue": issue,
            "changelog": {"items": [{"field": "status", "fromString": "In Progress", "toString": "Done"}]}}
    for name, value in issue_and_user.items():
        if name == "displayName":
            body["user"] = {"displayName": value}
        elif name == "user":
            body["user"] = value
        else:
            issue[name] = value
    return body


def _github_closed(number=57, sender=None, **extra):
    body = {"action": "closed", "issue": {"number": number, "title": "An issue", "state": "closed",
                                          "state_reason": "completed"},
            "repository": {"full_name": "acme/roadmap"}, "sender": sender if sender is not None else {"login": "octo"}}
    return body | extra


@pytest.mark.parametrize(("path", "body", "statuses", "ships"), [
    ("github", b"{not json", {400}, False),
    ("github", b"\xff\xfe", {400}, False),
    ("github", b"[" * 100_000 + b"]" * 100_000, {400}, False),  # nested deeper than the parser goes
    ("jira", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, {400}, False),
    ("github", b"null", {200, 400}, False),
    ("github", b"[]", {200, 400}, False),
    ("github", {"action": "closed", "issue": None}, {200, 400}, False),
    ("github", _github_closed(number="57"), {200, 400}, False),
    ("github", _github_closed(number=None), {200, 400}, False),
    ("github", _github_closed(number={"n": 57}), {200, 400}, False),
    ("github", _github_closed(repository="acme/roadmap"), {200, 400}, False),
    ("github", _github_closed(sender="octo"), {200, 400}, None),
    ("github", _github_closed(sender={"login": ["octo"]}), {200, 400}, None),
    ("jira", b"{not json", {400}, False),
    ("jira", b"null", {200, 400}, False),
    ("jira", {"webhookEvent": "jira:issue_updated", "issue": {"key": 7}}, {200, 400}, False),
    ("jira", _jira_done(key=7), {200, 400}, False),
    ("jira", _jira_done(key={"k": "OPS-7"}), {200, 400}, False),
    ("jira", _jira_done(key=None), {200, 400}, False),
    ("jira", _jira_done(fields=None), {200, 400}, None),  # a status change: the issue, read, says done
    ("jira", _jira_done(displayName=42), {200, 400}, None),
    ("jira", _jira_done(displayName={"name": "Jane"}), {200, 400}, None),
    ("jira", _jira_done(user="Jane"), {200, 400}, None),
    ("jira", _jira_done(displayName="<!channel> & <@UEVIL>"), {200}, True),
])
def test_a_signed_webhook_with_an_odd_body_is_answered_cleanly_and_breaks_nothing(tracked_bot, slack, engine,
                                                                                  trackers, path, body, statuses,
                                                                                  ships):
    """Never a 500 (the tracker would retry it for days), never a 503 for a body the database cannot take,
    and never work the sender fails at: it ships the idea (True), leaves it (False), or either (None)."""
    import hashlib
    import hmac

    key = "acme/roadmap#57" if path == "github" else "OPS-7"
    idea_id = linked_idea(engine, path, key)
    trackers.github_issue(57).update(state="closed", state_reason="completed")  # as the tracker says now
    trackers.jira_issue("OPS-7", status=DONE)["fields"]["resolution"] = {"name": "Done"}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    secret, header = (GITHUB_SECRET, "X-Hub-Signature-256") if path == "github" else (JIRA_SECRET, "X-Hub-Signature")
    headers = {header: "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest(),
               "X-GitHub-Event": "issues", "X-GitHub-Delivery": "d1", "X-Atlassian-Webhook-Identifier": "d1"}
    assert raw_post(f"{tracked_bot.url}/{path}/events", raw, headers) in statuses
    tracked_bot.finish_work()
    assert jobs_that_failed(engine) == []
    if ships is not None:
        assert (stage(engine, idea_id) == "shipped") is ships
    if ships:
        [shipped] = [d for d in decisions(engine) if d.to_stage == "shipped"]
        assert "<!channel>" in shipped.reason  # as typed; escaped wherever it is shown
        posted = str([c.args for c in slack.calls("chat.postMessage") + slack.calls("chat.update")])
        assert "&lt;!channel&gt; &amp; &lt;@UEVIL&gt;" in posted
        assert "<!channel>" not in posted and "<@UEVIL>" not in posted


@pytest.mark.parametrize("path", ["github", "jira"])
def test_a_webhook_for_an_issue_with_a_long_history_still_ships_the_idea(tracked_bot, engine, trackers, path):
    """Jira sends the whole issue, comments included, and GitHub an issue's whole body: a webhook of a few
    megabytes is a real issue's, taken (not a 413 that leaves the idea waiting a day for the sweep)."""
    import hashlib
    import hmac

    key = "acme/roadmap#57" if path == "github" else "OPS-7"
    idea_id = linked_idea(engine, path, key)
    trackers.github_issue(57).update(state="closed", state_reason="completed")
    trackers.jira_issue("OPS-7", status=DONE)["fields"]["resolution"] = {"name": "Done"}
    comments = [{"body": f"comment {n}: " + "x" * 2000} for n in range(1200)]  # about 2.5 MB
    body = _github_closed(comments=comments) if path == "github" else _jira_done(comments=comments)
    raw = json.dumps(body).encode()
    secret, header = (GITHUB_SECRET, "X-Hub-Signature-256") if path == "github" else (JIRA_SECRET, "X-Hub-Signature")
    headers = {header: "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest(),
               "X-GitHub-Event": "issues", "X-GitHub-Delivery": "big", "X-Atlassian-Webhook-Identifier": "big"}
    assert raw_post(f"{tracked_bot.url}/{path}/events", raw, headers) == 200
    tracked_bot.finish_work()
    assert stage(engine, idea_id) == "shipped"


@pytest.mark.parametrize(("merged_at", "ships"), [(None, False), ("2026-11-30T10:00:00Z", True)])
def test_a_linked_pull_request_ships_the_idea_only_when_merged(tracked_bot, slack, engine, trackers, merged_at,
                                                              ships):
    """The delivery form takes a pull request's link. GitHub's issues API reads a closed pull request as
    closed with no state_reason, whether it was merged or abandoned: only a merge is the work done."""
    from tests.handlers.test_trackers import dms, to_delivery

    bot = tracked_bot
    pull = trackers.github_issue(12, "Faster month end")
    pull.update(state="closed", state_reason=None, closed_by={"login": "octo"},
                html_url="https://github.com/acme/roadmap/pull/12",
                pull_request={"url": "https://api.github.com/repos/acme/roadmap/pulls/12", "merged_at": merged_at})
    card = share_idea(bot, slack, user="U1")
    reply = to_delivery(bot, slack, card, {"tracker": "link", "issue": "https://github.com/acme/roadmap/pull/12"})[1]
    assert reply.body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key == "acme/roadmap#12", timeout=10)
    bot.finish_work()
    assert (ideas(engine)[0].stage == "shipped") is ships
    told = [m for m in dms(slack, "UPM") if "acme/roadmap#12" in str(m["blocks"]) and "Nothing has moved" in
            str(m["blocks"])]
    assert len(told) == (0 if ships else 1)


@pytest.mark.parametrize(("configured", "reference"), [
    ("Acme/Roadmap", None),  # GITHUB_REPO typed as the owner writes it, not as GitHub spells it
    ("acme/roadmap", "https://github.com/ACME/Roadmap/issues/12"),  # a link typed by hand
    ("acme/roadmap", "Acme/roadmap#12"),
])
def test_githubs_webhook_reaches_an_idea_whatever_the_case_of_the_repositorys_name(make_bot, slack, engine,
                                                                                    trackers, configured,
                                                                                    reference):
    """GitHub ignores case in owner and repository names, and its webhooks name the repository as GitHub
    spells it: the idea whose issue it is ships, however its repository was typed."""
    from bot.settings import GitHubSettings
    from tests import fake_trackers as t
    from tests.handlers.test_trackers import to_delivery

    bot = make_bot(github=GitHubSettings(t.GITHUB_TOKEN, configured, f"{trackers.url}/github", t.GITHUB_SECRET))
    trackers.github_issue(12)
    values = {"tracker": "link", "issue": reference} if reference else {"tracker": "create:github"}
    assert to_delivery(bot, slack, share_idea(bot, slack, user="U1"), values)[1].body == ""
    number = 12 if reference else 57
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=10)
    assert trackers.close_github(bot.url, number)[0] == 200
    bot.finish_work()
    assert ideas(engine)[0].stage == "shipped"


STALE = "2026-01-05T09:00:00Z"  # when a late delivery says the issue last changed: before the tracker's now


def _stale_github(number: int, reason: str) -> dict:
    return {"action": "closed", "issue": {"number": number, "title": "An issue", "state": "closed",
                                          "state_reason": reason, "updated_at": STALE},
            "repository": {"full_name": "acme/roadmap"}, "sender": {"login": "octo"}}


def _stale_jira(key: str, resolution: str) -> dict:
    return {"webhookEvent": "jira:issue_updated", "user": {"displayName": "Jane Doe"},
            "issue": {"key": key, "fields": {"summary": "An issue", "status": DONE, "resolution": {"name": resolution},
                                             "updated": "2026-01-05T09:00:00.000+0000"}},
            "changelog": {"items": [{"field": "status", "fromString": "In Progress", "toString": "Done"}]}}


@pytest.mark.parametrize(("tracker", "late"), [
    ("github", "completed"),  # closed as done, then reopened: the reopening arrives first
    ("github", "not_planned"),
    ("jira", "Done"),
    ("jira", "Won't Do"),
])
def test_a_webhook_that_arrives_after_the_issue_changed_again_does_not_undo_the_change(
        tracked_bot, slack, engine, trackers, tracker, late):
    """Trackers do not promise order. The issue was closed and then reopened, but the "closed" delivery
    arrives last (a retry, a slow queue): the issue is open, so the idea stays in delivery and the PM is
    not told it was closed."""
    from tests.fake_trackers import IN_PROGRESS, post_webhook
    from tests.handlers.test_trackers import dms

    bot = tracked_bot
    if tracker == "github":
        idea_id = linked_idea(engine, "github", "acme/roadmap#12")
        trackers.github_issue(12)
        assert trackers.close_github(bot.url, 12, action="reopened")[0] == 200
        stale = post_webhook(f"{bot.url}/github/events", _stale_github(12, late),
                             {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "late"}, GITHUB_SECRET,
                             "X-Hub-Signature-256")
    else:
        idea_id = linked_idea(engine, "jira", "OPS-12")
        trackers.jira_issue("OPS-12", status=DONE)
        assert trackers.move_jira(bot.url, "OPS-12", status=IN_PROGRESS)[0] == 200
        stale = post_webhook(f"{bot.url}/jira/events", _stale_jira("OPS-12", late),
                             {"X-Atlassian-Webhook-Identifier": "late"}, JIRA_SECRET, "X-Hub-Signature")
    assert stale[0] == 200
    bot.finish_work()
    assert stage(engine, idea_id) == "delivery"
    news = [str(m["blocks"]) for m in dms(slack, "UPM")]
    assert not any("closed as" in n or "has *shipped*" in n for n in news), news


@pytest.mark.parametrize("tracker_says", ["open, with no time", "nothing (404)", "nothing (503)", "nothing (dropped)"])
@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_a_close_the_tracker_cannot_contradict_with_a_later_change_ships_the_idea(
        tracked_bot, slack, engine, trackers, tracker, tracker_says):
    """The webhook is the tracker's word: read again, the issue may still look open to a token or a mirror
    that lags, or not answer at all. Only a change the tracker dates after the webhook's overrules it."""
    from tests.fake_trackers import post_webhook

    key = "acme/roadmap#12" if tracker == "github" else "OPS-12"
    idea_id = linked_idea(engine, tracker, key)
    if tracker_says == "open, with no time":
        issue = trackers.github_issue(12) if tracker == "github" else trackers.jira_issue("OPS-12")
        (issue if tracker == "github" else issue["fields"]).pop("updated_at" if tracker == "github" else "updated")
    elif tracker_says != "nothing (404)":
        trackers.github_issue(12) if tracker == "github" else trackers.jira_issue("OPS-12")
        trackers.fail(r"^GET .*(issues/12|issue/OPS-12)", times=None, drop=tracker_says == "nothing (dropped)")
    if tracker == "github":
        sent = post_webhook(f"{tracked_bot.url}/github/events", _github_closed(number=12),
                            {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d1"}, GITHUB_SECRET,
                            "X-Hub-Signature-256")
    else:
        sent = post_webhook(f"{tracked_bot.url}/jira/events", _jira_done(key="OPS-12"),
                            {"X-Atlassian-Webhook-Identifier": "d1"}, JIRA_SECRET, "X-Hub-Signature")
    assert sent[0] == 200
    tracked_bot.sender.drain(20, retries_too=True)
    assert stage(engine, idea_id) == "shipped"


@pytest.mark.parametrize(("tracker", "send", "stage_after", "told"), [
    ("github", {"reason": "completed"}, "shipped", None),
    ("github", {"reason": "not_planned"}, "delivery", "closed as *not planned*"),
    ("github", {"reason": "duplicate"}, "delivery", "closed as a *duplicate*"),
    ("github", {"action": "deleted"}, "delivery", "was *deleted*"),
    ("jira", {"status": DONE, "resolution": "Done"}, "shipped", None),
    ("jira", {"status": DONE, "resolution": "Won't Do"}, "delivery", "closed as *not planned*"),
    ("jira", {"status": DONE, "resolution": "Duplicate"}, "delivery", "closed as a *duplicate*"),
    ("jira", {"status": DONE, "event": "jira:issue_deleted"}, "delivery", "was *deleted*"),
])
def test_each_webhook_has_its_effect_once_however_often_it_comes(tracked_bot, slack, engine, trackers, tracker,
                                                                 send, stage_after, told):
    """The same news three times (a redelivery with the same id, a retry with a new one): one move, one
    word to each person."""
    from tests.handlers.test_trackers import dms

    bot = tracked_bot
    if tracker == "github":
        idea_id = linked_idea(engine, "github", "acme/roadmap#12")
        trackers.github_issue(12)
        sent = [trackers.close_github(bot.url, 12, **send)]
        sent += [trackers.close_github(bot.url, 12, **send, delivery=sent[0][2]), trackers.close_github(bot.url, 12,
                                                                                                     **send)]
    else:
        idea_id = linked_idea(engine, "jira", "OPS-12")
        trackers.jira_issue("OPS-12", status=DONE if "event" in send else None)
        sent = [trackers.move_jira(bot.url, "OPS-12", **send)]
        sent += [trackers.move_jira(bot.url, "OPS-12", **send, delivery=sent[0][2]),
                 trackers.move_jira(bot.url, "OPS-12", **send)]
    assert [status for status, _, _ in sent] == [200, 200, 200]
    bot.finish_work()
    assert stage(engine, idea_id) == stage_after
    assert [d.to_stage for d in decisions(engine)].count("shipped") == (1 if stage_after == "shipped" else 0)
    assert sum("has *shipped*" in str(m["blocks"]) for m in dms(slack, "U1")) == (stage_after == "shipped")
    assert sum(bool(told) and told in str(m["blocks"]) for m in dms(slack, "UPM")) == (1 if told else 0)


CANCELLED = {"name": "Cancelled", "statusCategory": {"key": "done", "name": "Done"}}
SHIPPED_STATUS = {"name": "Live", "statusCategory": {"key": "done", "name": "Done"}}


@pytest.mark.parametrize(("steps", "told"), [
    # The workflow names its done statuses its own way: the category says done, the name says nothing.
    ([(CANCELLED, "Won't Do"), ("IN_PROGRESS", None)], ["closed as *not planned*", "was *reopened*"]),
    ([(DONE, "Won't Do"), ("IN_PROGRESS", None)], ["closed as *not planned*", "was *reopened*"]),
    ([(SHIPPED_STATUS, "Done"), ("TO_DO", None)], ["was *reopened*"]),
    # Work moving along before it was ever closed is no news.
    ([("IN_PROGRESS", None), ("TO_DO", None), ("IN_PROGRESS", None)], []),
])
def test_a_jira_issue_reopened_from_any_done_status_is_told_and_progress_is_not(tracked_bot, slack, engine,
                                                                                trackers, steps, told):
    from tests import fake_trackers
    from tests.handlers.test_trackers import dms

    bot = tracked_bot
    linked_idea(engine, "jira", "OPS-12")
    trackers.jira_issue("OPS-12")
    for status, resolution in steps:
        status = getattr(fake_trackers, status) if isinstance(status, str) else status
        assert trackers.move_jira(bot.url, "OPS-12", status=status, resolution=resolution)[0] == 200
        bot.sender.drain(20, retries_too=True)
    news = [str(m["blocks"]) for m in dms(slack, "UPM")]
    assert [next((w for w in told if w in n), n) for n in news] == told


def test_a_jira_resolution_set_after_the_move_to_done_is_what_counts(tracked_bot, slack, engine, trackers):
    """Some workflows move an issue to Done and set its resolution in a second step that sends no status
    change: by the time the bot reads the issue it says Won't Do, so the idea stays and its PM is told."""
    from tests.fake_trackers import post_webhook
    from tests.handlers.test_trackers import dms

    idea_id = linked_idea(engine, "jira", "OPS-12")
    trackers.jira_issue("OPS-12", status=DONE)["fields"]["resolution"] = {"name": "Won't Do"}
    moved = post_webhook(f"{tracked_bot.url}/jira/events", _stale_jira("OPS-12", ""),  # Done, no resolution yet
                         {"X-Atlassian-Webhook-Identifier": "d1"}, JIRA_SECRET, "X-Hub-Signature")
    assert moved[0] == 200
    tracked_bot.sender.drain(20, retries_too=True)
    assert stage(engine, idea_id) == "delivery"
    assert sum("closed as *not planned*" in str(m["blocks"]) for m in dms(slack, "UPM")) == 1


def test_a_github_webhook_sent_as_a_form_works_as_one_sent_as_json(tracked_bot, engine, trackers):
    """GitHub's form offers application/x-www-form-urlencoded first (the JSON in a `payload` field): a
    webhook made with it still ships the idea, rather than every delivery being refused."""
    import hashlib
    import hmac
    import urllib.parse

    idea_id = linked_idea(engine, "github", "acme/roadmap#57")
    trackers.github_issue(57).update(state="closed", state_reason="completed")
    raw = urllib.parse.urlencode({"payload": json.dumps(_github_closed())}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-GitHub-Event": "issues",
               "X-GitHub-Delivery": "form1",
               "X-Hub-Signature-256": "sha256=" + hmac.new(GITHUB_SECRET.encode(), raw, hashlib.sha256).hexdigest()}
    assert raw_post(f"{tracked_bot.url}/github/events", raw, headers) == 200
    tracked_bot.sender.drain(20, retries_too=True)
    assert stage(engine, idea_id) == "shipped"


@pytest.mark.parametrize(("merged", "after"), [(True, "shipped"), (False, "delivery")])
def test_a_linked_pull_request_merged_ships_the_idea_by_its_webhook(tracked_bot, engine, trackers, merged, after):
    """A pull request's close comes as a `pull_request` event, not an `issues` one."""
    from tests.fake_trackers import post_webhook

    idea_id = linked_idea(engine, "github", "acme/roadmap#12")
    trackers.github_issue(12).update(state="closed", state_reason=None, pull_request={
        "merged_at": "2026-11-30T10:00:00Z" if merged else None})
    body = {"action": "closed", "number": 12, "pull_request": {"number": 12, "state": "closed", "merged": merged},
            "repository": {"full_name": "acme/roadmap"}, "sender": {"login": "octo"}}
    assert post_webhook(f"{tracked_bot.url}/github/events", body, {"X-GitHub-Event": "pull_request",
                                                                   "X-GitHub-Delivery": "pr1"},
                        GITHUB_SECRET, "X-Hub-Signature-256")[0] == 200
    tracked_bot.sender.drain(20, retries_too=True)
    assert stage(engine, idea_id) == after
