"""Jira Cloud: REST v2 (descriptions in wiki markup, not Markdown) with basic auth (an account's email and
an API token), and admin webhooks signed with X-Hub-Signature (`sha256=...`). Done is the status category, not a
status name, since every workflow names its statuses its own way."""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from bot.settings import JiraSettings
from bot.trackers import JIRA_WIKI
from runtime.trackers import (
    COMPLETED,
    DELETED,
    DUPLICATE,
    NOT_PLANNED,
    OPEN,
    REOPENED,
    UNSEEN,
    Event,
    Issue,
    call,
    delivery,
    header,
    marked,
    refused,
    signed,
    text_of,
)

ISSUE_TYPE = "Task"
# Jira's search is eventually consistent: an issue just created may not be found for a while.
SEARCH_LAG = 30.0
# Done, but not done: resolutions that say the work will not happen.
NOT_DONE_RESOLUTIONS = frozenset({"won't do", "won't fix", "wont do", "wont fix", "declined", "duplicate",
                                  "cannot reproduce", "obsolete", "not a bug"})
# Where a filing whose answer was lost is looked for: created in the last days, at most this many pages.
LOOK_BACK_DAYS, PAGE, PAGES = 3, 100, 10
_KEY = re.compile(r"^([A-Z][A-Z0-9_]{0,9})-(\d+)$")
_URL = re.compile(r"^https?://[^/]+/(?:browse|jira/software/projects/[^/]+/issues)/([A-Z][A-Z0-9_]{0,9}-\d+)(?:[/?#].*)?$")
# Where else Jira Cloud's address bar shows an issue: its page under /jira/… (company-managed projects' /c/, a
# service desk's queue), and an issue opened beside a board, a backlog or a search (`selectedIssue=`).
_PATH_KEY = re.compile(r"^/(?:jira|projects)/.+/([A-Z][A-Z0-9_]{0,9}-\d+)/?$")


class Jira:
    name = "jira"
    label = "Jira"
    body_limit = 32_000  # Jira refuses a description over 32,767 characters
    markup = JIRA_WIKI
    missing = UNSEEN  # "Issue does not exist or you do not have permission to see it": Jira will not say which

    def __init__(self, settings: JiraSettings) -> None:
        self.settings = settings
        self.where = settings.project_key
        token = base64.b64encode(f"{settings.email}:{settings.api_token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "User-Agent": "outcome-bot"}

    def create(self, title: str, body: str) -> Issue:
        fields = {"project": {"key": self.settings.project_key}, "summary": title, "description": body,
                  "issuetype": {"name": ISSUE_TYPE}}
        status, answer = call("POST", f"{self.settings.base_url}/rest/api/2/issue", headers=self.headers,
                              body={"fields": fields})
        if status != 201 or not isinstance(answer, dict) or not answer.get("key"):
            raise refused(_refusal(status, answer, self.settings.project_key), status)
        return Issue("jira", answer["key"], self._url(answer["key"]), title, OPEN)

    def find(self, key: str, *, timeout: float | None = None) -> Issue | None:
        if not _KEY.match(key):
            return None
        status, answer = call("GET", f"{self.settings.base_url}/rest/api/2/issue/{key}?fields=summary,status,"
                              "resolution,updated", headers=self.headers, timeout=timeout)
        if status == 404:
            return None
        if status != 200 or not isinstance(answer, dict):
            raise refused(_refusal(status, answer, key), status)
        fields = answer.get("fields") or {}
        return Issue("jira", str(answer.get("key") or key), self._url(str(answer.get("key") or key)),
                     str(fields.get("summary") or ""), _state(fields), updated=text_of(fields.get("updated")))

    def filed(self, mark: str) -> Issue | None:
        """The project's issues created in the last days, newest first, page by page (a filing is given up
        after a day, so one whose answer was lost is younger), up to a bound."""
        jql = urllib.parse.quote(f'project = "{self.settings.project_key}" AND created >= -{LOOK_BACK_DAYS}d '
                                 "ORDER BY created DESC")
        after = ""
        for _ in range(PAGES):
            status, answer = call("GET", f"{self.settings.base_url}/rest/api/2/search/jql?jql={jql}&maxResults="
                                  f"{PAGE}&fields=summary,status,resolution,description{after}", headers=self.headers)
            if status != 200 or not isinstance(answer, dict):
                raise refused(_refusal(status, answer, self.settings.project_key), status)
            for issue in answer.get("issues") or []:
                fields = issue.get("fields") if isinstance(issue, dict) else None
                if isinstance(fields, dict) and marked(fields.get("description"), mark) and issue.get("key"):
                    key = str(issue["key"])
                    return Issue("jira", key, self._url(key), str(fields.get("summary") or ""), _state(fields))
            token = answer.get("nextPageToken")
            if answer.get("isLast") is not False or not isinstance(token, str) or not token:
                return None
            after = "&nextPageToken=" + urllib.parse.quote(token)
        return None

    @property
    def settle(self) -> float:
        return SEARCH_LAG

    def parse(self, reference: str) -> str | None:
        text = reference.strip().strip("<>")
        if match := _URL.match(text):
            return match.group(1)
        if text.lower().startswith(("https://", "http://")):
            return _key_in_address(text)
        text = text.upper()
        return text if _KEY.match(text) else None

    def verify(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        return signed(self.settings.webhook_secret, raw, header(headers, "X-Hub-Signature"))

    def event(self, raw: bytes, headers: Mapping[str, str]) -> Event:
        delivered = delivery(headers, "X-Atlassian-Webhook-Identifier", raw)
        body = json.loads(raw)
        if not isinstance(body, dict) or not isinstance(body.get("issue"), dict):
            return Event(delivered, "other")
        issue = body["issue"]
        key = text_of(issue.get("key"))
        user = body.get("user")
        actor = text_of(user.get("displayName")) if isinstance(user, dict) else None
        fields = issue.get("fields") if isinstance(issue.get("fields"), dict) else {}
        common = {"key": key, "actor": actor, "title": text_of(fields.get("summary")),
                  "url": self._url(key) if key else None, "updated": text_of(fields.get("updated"))}
        if body.get("webhookEvent") == "jira:issue_deleted":
            return Event(delivered, DELETED, **common)
        items = [item for item in (body.get("changelog") or {}).get("items") or [] if isinstance(item, dict)]
        status_change = next((item for item in items if item.get("field") == "status"), None)
        # Moved to another project: the issue has a new key, and the changelog names the one it had.
        rekeyed = next((item for item in items if str(item.get("field")).lower() == "key"), None)
        if rekeyed is not None and body.get("webhookEvent") == "jira:issue_updated":
            common["was"] = text_of(rekeyed.get("fromString"))
        if body.get("webhookEvent") != "jira:issue_updated" or status_change is None:
            return Event(delivered, "other", **common)
        now = _state(fields)
        # Back to a status not done. The changelog names the status it left, not its category, so whether
        # that was a close is for the idea's last known state to say (see handlers.trackers.news).
        return Event(delivered, now if now != OPEN else REOPENED, **common)

    def _url(self, key: str) -> str:
        return f"{self.settings.base_url}/browse/{key}"


def _key_in_address(url: str) -> str | None:
    """The issue a Jira address shows: the one opened beside a board or a search, else the page's own."""
    parts = urllib.parse.urlsplit(url)
    asked = {name.lower(): value for name, value in urllib.parse.parse_qsl(parts.query)}
    selected = asked.get("selectedissue", "").strip().upper()
    if _KEY.match(selected):
        return selected
    found = _PATH_KEY.match(parts.path)
    return found.group(1) if found else None


def _state(fields: dict[str, Any]) -> str:
    category = ((fields.get("status") or {}).get("statusCategory") or {}).get("key")
    if category != "done":
        return OPEN
    resolution = str((fields.get("resolution") or {}).get("name") or "").strip().lower()
    if resolution == "duplicate":
        return DUPLICATE  # as GitHub's "closed as duplicate", and told in those words
    return NOT_PLANNED if resolution in NOT_DONE_RESOLUTIONS else COMPLETED


def _refusal(status: int, answer: Any, where: str) -> str:
    messages = []
    if isinstance(answer, dict):
        messages = list(answer.get("errorMessages") or []) + [str(v) for v in (answer.get("errors") or {}).values()]
    reason = "; ".join(messages)[:200] or f"HTTP {status}"
    if status in (401, 403):
        return f"Jira refused JIRA_EMAIL and JIRA_API_TOKEN for {where} ({reason})."
    return f"Jira said no for {where}: {reason}."
