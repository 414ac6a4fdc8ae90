"""Delivery trackers (GitHub Issues, Jira Cloud) behind one small interface, so a third is one module.

An adapter creates and reads issues over the tracker's REST API and turns its webhooks into `Event`s.
Failures come in two kinds: `Unavailable` (a timeout, a 5xx, a rate limit: try again later, as the
sender does for Slack) and `Refused` (a token the tracker rejects, a project that does not exist:
trying again will not help, and someone must be told).
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.settings import Settings
from bot.trackers import Markup

# What became of an issue, in the tracker's words turned into ours.
OPEN, COMPLETED, NOT_PLANNED, REOPENED, DELETED = "open", "completed", "not_planned", "reopened", "deleted"
DUPLICATE = "duplicate"  # GitHub's third close reason: closed, and not done
# Not to be seen: Jira answers 404 alike for an issue deleted and one the account may not see.
UNSEEN = "unseen"


class Unavailable(Exception):
    """`uncertain`: the request may have been done before the answer was lost (a timeout, a dropped line, a
    5xx), so a creation must be looked for before it is tried again."""

    def __init__(self, message: str, retry_after: float | None = None, *, uncertain: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.uncertain = uncertain


class Refused(Exception):
    """The tracker said no in a way that will not change by waiting; the message is for a person.
    `token`: the tracker refused the credentials themselves (401, 403), so nothing else will work either."""

    def __init__(self, message: str, *, token: bool = False) -> None:
        super().__init__(message)
        self.token = token


def refused(message: str, status: int) -> Refused:
    """A refusal, of the token itself when the status says so (a rate limit's 403 never gets this far)."""
    return Refused(message, token=status in (401, 403))


@dataclass(frozen=True)
class Issue:
    tracker: str  # "github" or "jira"
    key: str  # "acme/roadmap#57", "OPS-142"
    url: str
    title: str
    state: str  # OPEN, COMPLETED, NOT_PLANNED, DUPLICATE
    closed_by: str | None = None
    updated: str | None = None  # when the tracker last changed it, as the tracker writes it


@dataclass(frozen=True)
class Event:
    """One webhook delivery, as far as outcome-bot cares."""

    delivery_id: str
    kind: str  # COMPLETED, NOT_PLANNED, DUPLICATE, REOPENED, DELETED, "ping", or "other" (ignored)
    key: str | None = None
    actor: str | None = None
    title: str | None = None
    url: str | None = None
    updated: str | None = None  # when the issue last changed, as the webhook says
    was: str | None = None  # the key it had until this event: moved to another project or repository


class Tracker(Protocol):
    name: str  # "github", "jira"
    label: str  # "GitHub", "Jira"
    where: str  # "acme/roadmap", "OPS": where new issues go
    body_limit: int  # the longest issue body the tracker takes, in characters, with a margin
    markup: Markup  # how its issue bodies are written (GitHub's Markdown, Jira's wiki markup)
    missing: str  # what an issue the tracker answers 404 for has become: DELETED, or UNSEEN when it cannot say

    @property
    def settle(self) -> float:
        """Seconds a new issue may take to be found by `filed` (a search that is eventually consistent)."""

    def create(self, title: str, body: str) -> Issue: ...

    def find(self, key: str, *, timeout: float | None = None) -> Issue | None: ...

    def parse(self, reference: str) -> str | None:
        """The issue key a URL or a short reference ("#57", "OPS-142") names here, or None."""

    def filed(self, mark: str) -> Issue | None:
        """The issue among the newest where new issues go whose body holds `mark`, or None: after a creation
        whose answer was lost, whether it happened."""

    def verify(self, raw: bytes, headers: Mapping[str, str]) -> bool: ...

    def event(self, raw: bytes, headers: Mapping[str, str]) -> Event: ...


def configured(settings: Settings) -> dict[str, Tracker]:
    from runtime.trackers.github import GitHub
    from runtime.trackers.jira import Jira

    found: dict[str, Tracker] = {}
    if settings.github is not None:
        found["github"] = GitHub(settings.github)
    if settings.jira is not None:
        found["jira"] = Jira(settings.jira)
    return found


def signed(secret: str | None, raw: bytes, signature: str | None) -> bool:
    """`sha256=<hex HMAC of the raw body>`, as GitHub (X-Hub-Signature-256) and Jira (X-Hub-Signature) send it."""
    if not secret or not signature or not signature.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    # As bytes: a header with a non-ASCII character (anyone can send one) is a wrong signature, not a 500.
    return hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace"))


def delivery(headers: Mapping[str, str], name: str, raw: bytes) -> str:
    """The id the tracker gave this delivery (the same on a redelivery), or the body's digest when it gave none."""
    return header(headers, name) or "sha256:" + hashlib.sha256(raw).hexdigest()


def later(then: str | None, than: str | None) -> bool:
    """Whether one tracker timestamp ("2026-12-01T09:00:00Z", Jira's "…T09:00:00.000+0000") is after
    another; False when either is missing or unreadable, so that nothing is decided on a guess."""
    try:
        return bool(then and than) and datetime.fromisoformat(then) > datetime.fromisoformat(than)
    except (TypeError, ValueError):
        return False


def text_of(value: Any) -> str | None:
    """A webhook's field when it is the text it should be, else None: a signed body is still not trusted to
    put a number where a key goes (the database refuses it) or a dict where a name goes."""
    return value if isinstance(value, str) and value else None


def marked(body: Any, mark: str) -> bool:
    """Whether an issue's body holds `mark` as a whole: idea 1's mark is the start of idea 12's."""
    return re.search(re.escape(mark) + r"(?![0-9A-Za-z])", str(body or "")) is not None


def header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


DEFAULT_TIMEOUT = 10.0


def call(method: str, url: str, *, headers: Mapping[str, str], body: dict[str, Any] | None = None,
         timeout: float | None = None, redirected: bool = False) -> tuple[int, Any]:
    """One JSON request; (status, parsed body) for answers below 500 but 429, Unavailable otherwise. A
    307 or 308 (GitHub's answer to a POST to a renamed repository) is repeated once, verbatim, at its
    Location on the same host; redirects of a GET are followed by urllib."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Accept": "application/json", "Content-Type": "application/json",
                                              **headers})
    try:
        with _OPENER.open(request, timeout=timeout or DEFAULT_TIMEOUT) as answer:
            return answer.status, _json(answer.read())
    except urllib.error.HTTPError as error:
        payload = _json(error.read())
        retry = error.headers.get("Retry-After") if error.headers else None
        if error.code == 429:  # told when to come back by Retry-After, or by when the limit resets
            limited = _rate_limited(error.headers, retry, payload)
            raise Unavailable("HTTP 429", limited if isinstance(limited, float) else None) from None
        if error.code >= 500:
            raise Unavailable(f"HTTP {error.code}", _seconds(retry), uncertain=True) from None
        if error.code == 403 and (limited := _rate_limited(error.headers, retry, payload)) is not False:
            raise Unavailable("HTTP 403 (rate limited)", limited) from None
        location = error.headers.get("Location") if error.headers and error.code in (307, 308) else None
        if location and not redirected and _same_origin(url, location := urllib.parse.urljoin(url, location)):
            return call(method, location, headers=headers, body=body, timeout=timeout, redirected=True)
        return error.code, payload
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        # Refused or unresolvable: nothing reached the tracker. Anything else may have been done.
        unreached = isinstance(reason, (ConnectionRefusedError, socket.gaierror))
        raise Unavailable(type(reason).__name__, uncertain=not unreached) from None


class _CredentialsStayHome(urllib.request.HTTPRedirectHandler):
    """urllib follows a GET's redirect with every header of the request, the token included: one that
    leaves the tracker's origin (a proxy's login page, a moved site) goes without it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201 - urllib's hook
        follow = super().redirect_request(req, fp, code, msg, headers, newurl)
        if follow is not None and not _same_origin(req.full_url, follow.full_url):
            for name in [key for key in follow.headers if key.lower() in _CREDENTIALS]:
                del follow.headers[name]
        return follow


_CREDENTIALS = {"authorization", "cookie", "proxy-authorization"}
_OPENER = urllib.request.build_opener(_CredentialsStayHome())


def _same_origin(url: str, other: str) -> bool:
    """Whether a redirect stays where the token was meant to go (it is sent again with the request)."""
    one, two = urllib.parse.urlsplit(url), urllib.parse.urlsplit(other)
    return (one.scheme, one.netloc) == (two.scheme, two.netloc)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None


# GitHub's secondary rate limit may come as a bare 403 that says so in words: "otherwise wait at least one
# minute", its documentation says.
SECONDARY_WAIT = 60.0


def _rate_limited(headers: Any, retry_after: str | None, payload: Any = None) -> float | None | bool:
    """A 403 that is GitHub's rate limit (a Retry-After, no requests left until X-RateLimit-Reset, or the
    secondary limit said in words), not a token without permission: the seconds to wait (None: unsaid),
    or False when it is a real refusal."""
    if retry_after:
        return _seconds(retry_after)
    if headers is not None and headers.get("X-RateLimit-Remaining") == "0":
        try:
            return max(1.0, min(3600.0, float(headers.get("X-RateLimit-Reset") or "") - time.time()))
        except ValueError:
            return None
    message = payload.get("message") if isinstance(payload, dict) else None
    if isinstance(message, str) and "rate limit" in message.lower():
        return SECONDARY_WAIT
    return False


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds, or as an HTTP date (both are allowed)."""
    if not value:
        return None
    try:
        return max(1.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(1.0, min(3600.0, when.timestamp() - time.time()))
