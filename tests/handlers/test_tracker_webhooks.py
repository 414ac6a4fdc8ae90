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
from tests.fake_trackers import DONE
from tests.flows import GOOD


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
