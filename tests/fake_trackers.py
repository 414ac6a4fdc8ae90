"""Local stand-ins for GitHub's and Jira Cloud's REST APIs (the parts outcome-bot uses: creating, reading
and listing issues), which check credentials as they do, keep the issues they are given, can be told to
fail (5xx, 401, 404, 429 with Retry-After, a hang) or to answer late what they did, and sign the webhooks
they send as GitHub (X-Hub-Signature-256) and Jira admin webhooks (X-Hub-Signature) do. GitHub is served
under /github, Jira under /jira."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.local_server import LocalServer

GITHUB_TOKEN, GITHUB_REPO, GITHUB_SECRET = "ghp_test", "acme/roadmap", "github-webhook-secret"
JIRA_EMAIL, JIRA_TOKEN, JIRA_PROJECT, JIRA_SECRET = "pm@acme.test", "jira-api-token", "OPS", "jira-webhook-secret"
# What each refuses in a new issue: GitHub's body, Jira's text fields (a summary is at most 255).
GITHUB_BODY_LIMIT, JIRA_TEXT_LIMIT = 65536, 32767
DONE = {"name": "Done", "statusCategory": {"key": "done", "name": "Done"}}
IN_PROGRESS = {"name": "In Progress", "statusCategory": {"key": "indeterminate", "name": "In Progress"}}
TO_DO = {"name": "To Do", "statusCategory": {"key": "new", "name": "To Do"}}
DROP = 0  # the status of a request answered by closing the connection


@dataclass
class Request:
    method: str
    path: str
    body: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    pattern: str
    status: int
    times: int | None
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0
    message: str = "injected failure"
    drop: bool = False  # close the connection without a word (after `hang`)
    then: Callable[[], Any] | None = None  # what else happens once the request is done (others' issues filed)


class FakeTrackers:
    def __init__(self) -> None:
        self.github: dict[tuple[str, int], dict[str, Any]] = {}
        self.jira: dict[str, dict[str, Any]] = {}
        self.repos = {GITHUB_REPO, "acme/other"}
        self.renamed: dict[str, str] = {}  # a repository's old name: its new one (GitHub redirects)
        self.requests: list[Request] = []
        self.moved: dict[tuple[str, int], tuple[str, int]] = {}  # transferred issues: where they went
        # What the trackers would make of the bodies they were given: GitHub's mentions (people notified) and
        # references (issues cross-linked), and Jira's description rendered from its wiki markup.
        self.notified: list[str] = []
        self.referenced: list[str] = []
        self.rendered: dict[str, str] = {}
        # Jira's search is eventually consistent: an issue created this many seconds ago is not found yet.
        self.search_lag = 0.0
        self._created: dict[str, float] = {}
        self._failures: list[Failure] = []
        self._slow: list[Failure] = []
        self._lock = threading.Lock()
        self._numbers = itertools.count(57)
        self._jira_ids = itertools.count(10000)
        self._server = LocalServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    # --- what tests set up and look at ---------------------------------------------------------------

    def fail(self, pattern: str, status: int = 503, *, times: int | None = 1, headers: dict | None = None,
             hang: float = 0.0, message: str = "injected failure", drop: bool = False) -> None:
        """Requests whose "METHOD /path" matches the regex `pattern` get `status` (or hang first), with
        `message` as the tracker's reason; or, with `drop`, the connection closed and no answer at all."""
        with self._lock:
            self._failures.append(Failure(pattern, status, times, dict(headers or {}), hang, message, drop))

    def slow(self, pattern: str, seconds: float, *, times: int | None = 1, drop: bool = False,
             then: Callable[[], Any] | None = None) -> None:
        """Requests matching `pattern` are done (an issue is created) but answered `seconds` late, or with
        `drop` not at all (the connection closed): a client cannot know whether they were. `then` runs once
        the request is done, before the answer (that is lost)."""
        with self._lock:
            self._slow.append(Failure(pattern, 0, times, hang=seconds, drop=drop, then=then))

    def reset(self) -> None:
        with self._lock:
            self.github.clear()
            self.moved.clear()
            self.notified.clear()
            self.referenced.clear()
            self.rendered.clear()
            self.repos = {GITHUB_REPO, "acme/other"}
            self.renamed.clear()
            self.search_lag = 0.0
            self._created.clear()
            self.jira.clear()
            self.requests.clear()
            self._failures.clear()
            self._slow.clear()
            self._numbers = itertools.count(57)
            self._jira_ids = itertools.count(10000)

    def made(self, method: str, path_pattern: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method and re.search(path_pattern, r.path)]

    def github_issue(self, number: int, title: str = "Filed by hand", repo: str = GITHUB_REPO) -> dict[str, Any]:
        with self._lock:
            issue = self._new_github(repo, number, title, "")
        return issue

    def rename(self, repo: str, to: str) -> None:
        """Renames a repository, its issues with it; its old name redirects, as GitHub's does."""
        with self._lock:
            self.repos = {to if r == repo else r for r in self.repos}
            self.renamed[repo.lower()] = to
            for (r, number) in [k for k in self.github if k[0] == repo]:
                issue = self.github.pop((r, number))
                issue["html_url"] = f"https://github.com/{to}/issues/{number}"
                self.github[(to, number)] = issue

    def transfer(self, number: int, repo: str, *, to: str = "acme/other") -> dict[str, Any]:
        """Moves an issue to another repository, under a new number there; its old address answers 301
        with the new one, as GitHub's does."""
        with self._lock:
            old = self.github.pop((repo, number))
            issue = self._new_github(to, next(self._numbers), old["title"], old["body"])
            self.moved[(repo, number)] = (to, issue["number"])
        return issue

    def jira_issue(self, key: str, summary: str = "Filed by hand", status: dict | None = None) -> dict[str, Any]:
        with self._lock:
            issue = {"id": str(next(self._jira_ids)), "key": key, "fields": {"summary": summary,
                                                                               "status": status or TO_DO,
                                                                               "resolution": None,
                                                                               "updated": stamp()}}
            self.jira[key] = issue
        return issue

    # --- webhooks, signed as the trackers sign them ----------------------------------------------------

    def close_github(self, bot_url: str, number: int, *, reason: str = "completed", by: str = "octocat",
                     repo: str = GITHUB_REPO, action: str = "closed", delivery: str | None = None,
                     secret: str = GITHUB_SECRET) -> tuple[int, str, str]:
        """Closes (or reopens, or deletes) the issue here and sends GitHub's `issues` webhook; (status, body,
        delivery id)."""
        with self._lock:
            issue = self.github.get((repo, number)) or self._new_github(repo, number, "An issue", "")
            if action == "closed":
                issue.update(state="closed", state_reason=reason, closed_by={"login": by}, updated_at=stamp())
            elif action == "reopened":
                issue.update(state="open", state_reason="reopened", closed_by=None, updated_at=stamp())
            elif action == "deleted":
                self.github.pop((repo, number), None)
        body = {"action": action, "issue": issue, "repository": {"full_name": repo, "name": repo.split("/")[1]},
                "sender": {"login": by, "type": "User"}}
        delivery = delivery or str(uuid.uuid4())
        status, text = post_webhook(f"{bot_url}/github/events", body, {
            "X-GitHub-Event": "issues", "X-GitHub-Delivery": delivery}, secret, "X-Hub-Signature-256")
        return status, text, delivery

    def move_jira(self, bot_url: str, key: str, *, status: dict, resolution: str | None = None, by: str = "Jane Doe",
                  event: str = "jira:issue_updated", delivery: str | None = None,
                  secret: str = JIRA_SECRET) -> tuple[int, str, str]:
        with self._lock:
            issue = self.jira.setdefault(key, {"id": str(next(self._jira_ids)), "key": key,
                                               "fields": {"summary": "An issue", "status": TO_DO}})
            before = issue["fields"]["status"]["name"]
            issue["fields"]["status"] = status
            issue["fields"]["resolution"] = {"name": resolution} if resolution else None
            issue["fields"]["updated"] = stamp()
            if event == "jira:issue_deleted":
                self.jira.pop(key, None)
        body = {"timestamp": int(time.time() * 1000), "webhookEvent": event, "issue_event_type_name": "issue_generic",
                "user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": by}, "issue": issue,
                "changelog": {"id": "10001", "items": [{"field": "status", "fieldtype": "jira", "fromString": before,
                                                        "toString": status["name"]}]}}
        delivery = delivery or str(uuid.uuid4())
        status_code, text = post_webhook(f"{bot_url}/jira/events", body, {
            "X-Atlassian-Webhook-Identifier": delivery}, secret, "X-Hub-Signature")
        return status_code, text, delivery

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- serving --------------------------------------------------------------------------------------

    def _new_github(self, repo: str, number: int, title: str, body: str) -> dict[str, Any]:
        issue = {"id": number * 1000, "node_id": f"I_{number}", "number": number, "title": title, "body": body,
                 "state": "open", "state_reason": None, "closed_by": None, "updated_at": stamp(),
                 "html_url": f"https://github.com/{repo}/issues/{number}", "user": {"login": "outcome-bot"}}
        self.github[(repo, number)] = issue
        return issue

    def _repo(self, name: str) -> str | None:
        """The repository a path names, as GitHub spells it: its owner and repository names ignore case."""
        return next((repo for repo in self.repos if repo.lower() == name.lower()), None)

    def _failure(self, method: str, path: str, among: list[Failure] | None = None) -> Failure | None:
        with self._lock:
            failures = self._failures if among is None else among
            for failure in failures:
                if re.search(failure.pattern, f"{method} {path}"):
                    if failure.times is not None:
                        failure.times -= 1
                        if failure.times <= 0:
                            failures.remove(failure)
                    return failure
        return None

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict]:
        body = json.loads(raw) if raw else None
        with self._lock:
            self.requests.append(Request(method, path, body, headers))
        failure = self._failure(method, path)
        if failure is not None:
            time.sleep(failure.hang)
            if failure.drop:
                return DROP, None, {}
            return failure.status, {"message": failure.message, "errorMessages": [failure.message]}, failure.headers
        late = self._failure(method, path, self._slow)
        if path.startswith("/github/"):
            answer = self._github(method, path.removeprefix("/github"), headers, body)
        elif path.startswith("/jira/"):
            answer = self._jira(method, path.removeprefix("/jira"), headers, body)
        else:
            answer = 404, {"message": "Not Found"}, {}
        if late is not None:
            if late.then is not None:
                late.then()
            time.sleep(late.hang)
            if late.drop:
                return DROP, None, {}
        return answer

    def _github(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        if headers.get("authorization") != f"Bearer {GITHUB_TOKEN}":
            return 401, {"message": "Bad credentials"}, {}
        if (match := re.match(r"/repos/([^/]+/[^/?]+)", path)) and match.group(1).lower() in self.renamed:
            # Renamed: a GET is sent on for good (301), anything else to be repeated as it was (307).
            moved = path.replace(match.group(1), self.renamed[match.group(1).lower()], 1)
            return (301 if method == "GET" else 307), {"message": "Moved Permanently"}, {
                "Location": f"{self.url}/github{moved}"}
        if match := re.fullmatch(r"/repos/([^/]+/[^/]+)", path):  # a repository, as far as the token sees
            repo = self._repo(match.group(1))
            return (200, {"full_name": repo}, {}) if repo is not None else (404, {"message": "Not Found"}, {})
        if match := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues(?:\?.*)?", path):
            repo = self._repo(match.group(1))
            if repo is None:
                return 404, {"message": "Not Found"}, {}
            if method == "GET":  # the repository's issues, newest first (pull requests too, as GitHub lists them)
                with self._lock:
                    listed = sorted((i for (r, _), i in self.github.items() if r == repo), key=lambda i: -i["number"])
                return 200, page(listed, path), {}
            if method != "POST":
                return 404, {"message": "Not Found"}, {}
            if not isinstance(body, dict) or not body.get("title"):
                return 422, {"message": "Validation Failed"}, {}
            if len(body.get("body") or "") > GITHUB_BODY_LIMIT:
                return 422, {"message": "Validation Failed", "errors": [{
                    "resource": "Issue", "code": "custom", "field": "body",
                    "message": f"body is too long (maximum is {GITHUB_BODY_LIMIT} characters)"}]}, {}
            with self._lock:
                issue = self._new_github(repo, next(self._numbers), body["title"], body.get("body") or "")
                self.notified += github_mentions(issue["body"])
                self.referenced += github_references(issue["body"])
            return 201, issue, {}
        if path.startswith("/search/issues?") and method == "GET":
            return self._search(path)
        if match := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)", path):
            where = (self._repo(match.group(1)) or "", int(match.group(2)))
            if where in self.moved:
                repo, number = self.moved[where]
                return 301, {"message": "Moved Permanently"}, {
                    "Location": f"{self.url}/github/repos/{repo}/issues/{number}"}
            issue = self.github.get(where)
            return (200, issue, {}) if issue is not None else (404, {"message": "Not Found"}, {})
        return 404, {"message": "Not Found"}, {}

    def _search(self, path: str) -> tuple[int, Any, dict]:
        """GitHub's issue search, the little outcome-bot asks of it: a quoted phrase `in:body`, in `repo:`."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).get("q", [""])[0]
        phrase = re.search(r'"([^"]+)"', query)
        named = re.search(r"\brepo:(\S+)", query)
        repo = self._repo(named.group(1)) if named else None
        if phrase is None or repo is None or "in:body" not in query:
            return 422, {"message": "Validation Failed"}, {}
        with self._lock:
            found = [i for (r, _), i in self.github.items()
                     if r == repo and phrase.group(1).lower() in (i.get("body") or "").lower()]
        found.sort(key=lambda i: -i["number"])
        return 200, {"total_count": len(found), "incomplete_results": False, "items": page(found, path)}, {}

    def _jira(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        expected = "Basic " + base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode()
        if headers.get("authorization") != expected:
            return 401, {"errorMessages": ["Client must be authenticated to access this resource."]}, {}
        if path == "/rest/api/2/issue" and method == "POST":
            fields = (body or {}).get("fields") or {}
            project = (fields.get("project") or {}).get("key")
            if project != JIRA_PROJECT:
                return 400, {"errorMessages": [], "errors": {"project": "valid project is required"}}, {}
            too_long = {name: f"The entered text is too long. It exceeds the allowed limit of {limit:,} characters."
                        for name, limit in (("summary", 255), ("description", JIRA_TEXT_LIMIT))
                        if len((fields.get(name) or "").encode("utf-16-le")) // 2 > limit}  # Java's length
            if too_long:
                return 400, {"errorMessages": [], "errors": too_long}, {}
            with self._lock:
                key = f"{JIRA_PROJECT}-{len([k for k in self.jira if k.startswith(JIRA_PROJECT)]) + 140}"
                number = str(next(self._jira_ids))
                self._created[key] = time.monotonic()
                self.rendered[key] = jira_rendered(fields.get("description") or "")
                self.jira[key] = {"id": number, "key": key, "fields": {"summary": fields.get("summary"),
                                                                        "description": fields.get("description"),
                                                                        "status": TO_DO, "resolution": None,
                                                                        "updated": stamp()}}
            return 201, {"id": number, "key": key, "self": f"{self.url}/jira/rest/api/2/issue/{number}"}, {}
        if path.split("?")[0] == "/rest/api/2/search/jql" and method == "GET":  # the project's issues, newest first
            with self._lock:
                settled = time.monotonic() - self.search_lag
                listed = sorted((i for k, i in self.jira.items() if self._created.get(k, 0) <= settled),
                                key=lambda i: -int(i["id"]))
            asked = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
            size, start = min(100, int(asked.get("maxResults", ["50"])[0])), int(asked.get("nextPageToken", ["0"])[0])
            more = start + size < len(listed)
            return 200, {"issues": listed[start:start + size], "isLast": not more,
                         **({"nextPageToken": str(start + size)} if more else {})}, {}
        if match := re.fullmatch(r"/rest/api/2/issue/([A-Z][A-Z0-9_]*-\d+)", path.split("?")[0]):
            issue = self.jira.get(match.group(1))
            if issue is None:
                return 404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                             "errors": {}}, {}
            return 200, issue, {}
        return 404, {"errorMessages": ["Not found"]}, {}


# GitHub's @-mentions (a login after a non-word character) and its issue references (#12, GH-12, owner/repo#12),
# outside code spans, which GitHub leaves alone.
_MENTION = re.compile(r"(?<![0-9A-Za-z_`])@([0-9A-Za-z](?:[0-9A-Za-z-]{0,38}))")
_REFERENCE = re.compile(r"(?<![0-9A-Za-z_])((?:[\w.-]+/[\w.-]+)?#\d+|GH-\d+)\b", re.IGNORECASE)
_CODE_SPAN = re.compile(r"`[^`]*`")


def github_mentions(body: str) -> list[str]:
    return _MENTION.findall(_CODE_SPAN.sub("", body))


def github_references(body: str) -> list[str]:
    return _REFERENCE.findall(_CODE_SPAN.sub("", body))


# Jira's wiki markup, the little of it that matters here: a backslash makes the next character text;
# `*bold*`; `[~accountid:…]` and `[~name]` mention (and notify) someone; `[label|url]` links.
_JIRA_TOKEN = re.compile(r"\\(.)|\[~([^\]|]+)\]|\[([^\]|]+)\|([^\]]+)\]"
                         r"|(?<![\w*])\*(?=\S)((?:[^*\\]|\\.)+?)(?<=\S)\*(?![\w*])", re.DOTALL)


def jira_rendered(description: str) -> str:
    """The description as Jira shows it, roughly: <b>bold</b>, <mention>who</mention>, <a href>…</a>."""
    def render(match: re.Match[str]) -> str:
        escaped, mention, label, url, bold = match.groups()
        if escaped is not None:
            return escaped
        if mention is not None:
            return f"<mention>{mention}</mention>"
        if label is not None:
            return f'<a href="{url}">{label}</a>'
        return f"<b>{jira_rendered(bold)}</b>"

    return _JIRA_TOKEN.sub(render, description)


def page(listed: list[Any], path: str) -> list[Any]:
    """One page of a GitHub list, as `per_page` (30 unless said, at most 100) and `page` ask."""
    asked = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    size = min(100, int(asked.get("per_page", ["30"])[0]))
    start = (int(asked.get("page", ["1"])[0]) - 1) * size
    return listed[start:start + size]


def stamp() -> str:
    """Now, as GitHub writes `updated_at` (with the fraction Jira's `updated` carries, so two changes in one
    second are still in order)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def post_webhook(url: str, body: dict, headers: dict[str, str], secret: str | None, signature_header: str
                 ) -> tuple[int, str]:
    raw = json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", **headers}
    if secret is not None:
        all_headers[signature_header] = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    request = urllib.request.Request(url, data=raw, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _handler(fake: FakeTrackers) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body, extra = fake.handle(self.command, self.path, headers, raw)
            if status == DROP:
                self.close_connection = True
                return
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a hang on purpose)

        do_GET = do_POST = _serve  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
