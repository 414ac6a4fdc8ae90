"""GitHub Issues (github.com or GitHub Enterprise Server): REST v3 with a token, and the `issues` webhook
(and `pull_request`, for a linked pull request) signed with X-Hub-Signature-256."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from bot.settings import GitHubSettings
from bot.trackers import GITHUB_MARKDOWN
from runtime.trackers import (
    COMPLETED,
    DELETED,
    DUPLICATE,
    NOT_PLANNED,
    OPEN,
    REOPENED,
    Event,
    Issue,
    Refused,
    Unavailable,
    call,
    delivery,
    header,
    marked,
    refused,
    signed,
    text_of,
)

_URL = re.compile(r"^https?://[^/]+/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/(?:issues|pull)/(\d+)/?(?:[?#].*)?$")
_KEY = re.compile(r"^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#(\d+)$")  # owner/repo#57, as ideas store it
_SHORT = re.compile(r"^#?(\d+)$")
LAST_CHECK = 0.5  # seconds the repository's check gets at least, when the issue's took nearly all the time
NEWEST = 100  # issues read from the newest (GitHub's largest page) before its search is asked


class GitHub:
    name = "github"
    label = "GitHub"
    body_limit = 65_000  # GitHub refuses a body over 65,536 characters
    markup = GITHUB_MARKDOWN
    missing = DELETED  # a 404 in a repository the token sees (`_hidden` says when it does not): no such issue
    settle = 0.0  # its list of a repository's issues shows a new one at once

    def __init__(self, settings: GitHubSettings) -> None:
        self.settings = settings
        self.where = settings.repo
        self.headers = {"Authorization": f"Bearer {settings.token}", "Accept": "application/vnd.github+json",
                        "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "outcome-bot"}

    def create(self, title: str, body: str) -> Issue:
        status, answer = call("POST", f"{self.settings.api_url}/repos/{self.settings.repo}/issues",
                              headers=self.headers, body={"title": title, "body": body})
        if status != 201 or not isinstance(answer, dict):
            raise refused(_refusal(status, answer, self.settings.repo), status)
        return self._issue(self.settings.repo, answer)

    def find(self, key: str, *, timeout: float | None = None) -> Issue | None:
        match = _KEY.match(key)
        if match is None:
            return None
        repo, number = match.groups()
        started = time.monotonic()
        status, answer = call("GET", f"{self.settings.api_url}/repos/{repo}/issues/{number}", headers=self.headers,
                              timeout=timeout)
        # The repository's own check shares the time someone waits for (a form's answer is due in 3 s).
        left = None if timeout is None else max(timeout - (time.monotonic() - started), LAST_CHECK)
        if status == 404 and self._hidden(repo, left):
            raise Refused(_refusal(404, answer, repo))  # not a deleted issue: a repository the token cannot see
        if status == 410 and _issues_off(answer):
            # 410 for every issue of a repository whose Issues were turned off: none was deleted.
            raise Refused(f"Issues are turned off in the GitHub repository {repo}.")
        if status in (404, 410):  # never was, or deleted
            return None
        if status != 200 or not isinstance(answer, dict):
            raise refused(_refusal(status, answer, repo), status)
        return self._issue(repo, answer)

    def _hidden(self, repo: str, timeout: float | None) -> bool:
        """Whether the repository itself is out of the token's sight (GitHub says 404 for its issues too)."""
        status, _ = call("GET", f"{self.settings.api_url}/repos/{repo}", headers=self.headers, timeout=timeout)
        return status == 404

    def filed(self, mark: str) -> Issue | None:
        """The newest hundred issues first (GitHub lists a new one at once); then, for a filing older than
        those (a busy repository, a long outage), GitHub's search for the mark, whose index has long caught
        up with an issue a hundred issues old."""
        repo = self.settings.repo
        status, answer = call("GET", f"{self.settings.api_url}/repos/{repo}/issues?state=all&sort=created"
                              f"&direction=desc&per_page={NEWEST}", headers=self.headers)
        if status != 200 or not isinstance(answer, list):
            raise refused(_refusal(status, answer, repo), status)
        found = _marked(answer, mark)
        if found is None and len(answer) >= NEWEST:
            query = urllib.parse.quote(f'"{mark}" in:body is:issue repo:{repo}')
            status, answer = call("GET", f"{self.settings.api_url}/search/issues?q={query}&per_page=20",
                                  headers=self.headers)
            if status != 200 or not isinstance(answer, dict):
                raise refused(_refusal(status, answer, repo), status)
            found = _marked(answer.get("items"), mark)
            if found is None and answer.get("incomplete_results"):
                # The search ran out of time: "not found" is not known, and filing again could file twice.
                raise Unavailable("GitHub's search was incomplete", 60.0, uncertain=True)
        return self._issue(repo, found) if found is not None else None

    def parse(self, reference: str) -> str | None:
        text = reference.strip().strip("<>")
        for pattern in (_URL, _KEY):
            if match := pattern.match(text):
                return f"{match.group(1)}#{int(match.group(2))}"
        if match := _SHORT.match(text):
            return f"{self.settings.repo}#{int(match.group(1))}"
        return None

    def verify(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        return signed(self.settings.webhook_secret, raw, header(headers, "X-Hub-Signature-256"))

    def event(self, raw: bytes, headers: Mapping[str, str]) -> Event:
        delivered = delivery(headers, "X-GitHub-Delivery", raw)
        kind = header(headers, "X-GitHub-Event")
        if kind == "ping":
            return Event(delivered, "ping")
        body = json.loads(_json_part(raw))
        field = {"issues": "issue", "pull_request": "pull_request"}.get(kind or "")
        if field is None or not isinstance(body, dict) or not isinstance(body.get(field), dict):
            return Event(delivered, "other")
        issue, action = body[field], body.get("action")
        repository, sender = body.get("repository"), body.get("sender")
        repo = text_of(repository.get("full_name")) if isinstance(repository, dict) else None
        if action == "transferred":  # to another repository, under a new number: news of where it is now
            return _transferred(delivered, body, repo, issue)
        what = {"reopened": REOPENED, "deleted": DELETED}.get(action)
        if action == "closed":  # a pull request (as its own event says it): done when merged
            what = _closed_as(issue) if field == "issue" else COMPLETED if issue.get("merged") else NOT_PLANNED
        actor = text_of(sender.get("login")) if isinstance(sender, dict) else None
        number = issue.get("number")
        number = number if isinstance(number, int) and not isinstance(number, bool) else None
        return Event(delivered, what or "other", key=f"{repo}#{number}" if repo and number is not None else None,
                     actor=f"@{actor}" if actor else None, title=text_of(issue.get("title")),
                     url=text_of(issue.get("html_url")), updated=text_of(issue.get("updated_at")))

    def _issue(self, repo: str, answer: dict[str, Any]) -> Issue:
        state = OPEN if answer.get("state") != "closed" else _closed_as(answer)
        closed_by = (answer.get("closed_by") or {}).get("login")
        # Where GitHub says the issue is, spelt as GitHub spells it (as its webhooks will name it): the
        # repository may have been typed in another case, or the issue transferred since.
        found = _URL.match(str(answer.get("html_url") or ""))
        key = f"{found.group(1)}#{int(found.group(2))}" if found else f"{repo}#{answer.get('number')}"
        return Issue("github", key, str(answer.get("html_url") or ""),
                     str(answer.get("title") or ""), state, f"@{closed_by}" if closed_by else None,
                     text_of(answer.get("updated_at")))


def _transferred(delivered: str, body: dict[str, Any], repo: str | None, issue: dict[str, Any]) -> Event:
    """An issue transferred out of `repo`: its new key (from its new address), and the key it had."""
    number = issue.get("number")
    new = (body.get("changes") or {}).get("new_issue") if isinstance(body.get("changes"), dict) else None
    found = _URL.match(text_of(new.get("html_url")) or "") if isinstance(new, dict) else None
    if found is None or not repo or not isinstance(number, int) or isinstance(number, bool):
        return Event(delivered, "other")
    return Event(delivered, "other", key=f"{found.group(1)}#{int(found.group(2))}", url=new["html_url"],
                 was=f"{repo}#{number}")


def _issues_off(answer: Any) -> bool:
    """GitHub's 410 for a repository with Issues turned off ("Issues are disabled for this repo"), not for
    a deleted issue ("This issue was deleted")."""
    message = answer.get("message") if isinstance(answer, dict) else None
    return isinstance(message, str) and "disabled" in message.lower()


def _marked(issues: Any, mark: str) -> dict[str, Any] | None:
    listed = issues if isinstance(issues, list) else []
    return next((issue for issue in listed if isinstance(issue, dict) and marked(issue.get("body"), mark)), None)


def _json_part(raw: bytes) -> bytes | str:
    """The event's JSON: the body itself, or its `payload` field when the webhook was made with GitHub's
    other content type, application/x-www-form-urlencoded (the first its form offers)."""
    if raw.startswith(b"payload="):
        return urllib.parse.parse_qs(raw.decode("utf-8"), strict_parsing=True).get("payload", [""])[0]
    return raw


def _closed_as(issue: dict[str, Any]) -> str:
    """Why a closed issue was closed: only "completed" (or no reason, as older GitHub Enterprise Servers
    send) is done; "not_planned" and "duplicate" are closed without the work; a pull request is done
    only when merged."""
    pull = issue.get("pull_request")
    if isinstance(pull, dict):  # a pull request, read as an issue: closed unmerged is abandoned, not done
        return COMPLETED if pull.get("merged_at") else NOT_PLANNED
    reason = issue.get("state_reason")
    return {"not_planned": NOT_PLANNED, "duplicate": DUPLICATE}.get(reason, COMPLETED) if isinstance(reason, str) \
        else COMPLETED


def _refusal(status: int, answer: Any, repo: str) -> str:
    message = answer.get("message") if isinstance(answer, dict) else None
    if status in (401, 403):
        return f"GitHub refused GITHUB_TOKEN for {repo} ({message or status}): it needs the Issues permission."
    if status == 404:
        return f"GitHub has no repository {repo} that GITHUB_TOKEN can see."
    return f"GitHub said {status}: {message or 'no reason given'}."

