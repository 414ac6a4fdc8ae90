"""What a failed Slack call means for what was owed: try again later (and when), never, or elsewhere."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.digests.runs import stop_digest_of
from models import Delivery
from runtime import calls, outbox
from runtime.slack import NotInstalled
from ui.kit import CHANNEL_GONE, escape

TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                              "request_timeout", "team_added_to_org"})
# Refusals about the recipient, where the row's alternates (another person, another channel) may work.
RECIPIENT_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", "account_inactive",
                              "user_not_found", "user_disabled", "cannot_dm_bot", "messages_tab_disabled",
                              "user_not_in_channel", "restricted_action"})


class Transient(Exception):
    def __init__(self, error: str, *, retry_after: float | None = None, uncertain: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.retry_after = retry_after
        self.uncertain = uncertain


class Permanent(Exception):
    def __init__(self, error: str, state: str = outbox.FAILED) -> None:
        super().__init__(error)
        self.error = error
        self.state = state


def classify(error: BaseException) -> Transient | Permanent:
    """What an exception from a Slack call means for the row."""
    if isinstance(error, (Transient, Permanent)):
        return error
    if isinstance(error, SlackApiError):
        status, code = error.response.status_code, str(error.response.get("error") or "unknown")
        if status == 429:
            return Transient(outbox.RATE_LIMITED, retry_after=_retry_after(error.response.headers))
        if status >= 500 or code in TRANSIENT_ERRORS:
            return Transient(code if status < 500 else f"http_{status}")
        return Permanent(code)
    if isinstance(error, calls.ResponseUrlError):
        if error.status == 429 or error.status >= 500:
            return Transient(f"http_{error.status}")
        if error.status in (404, 410):
            return Permanent("expired_url", state=outbox.EXPIRED)
        return Permanent(error.body.strip()[:60] or f"http_{error.status}")
    if isinstance(error, NotInstalled):
        return Permanent("not_installed")
    if isinstance(error, URLError) and isinstance(error.reason, (ConnectionRefusedError, socket.gaierror)):
        return Transient("unreachable")  # nothing reached Slack
    if isinstance(error, (TimeoutError, socket.timeout)) or (
            isinstance(error, URLError) and isinstance(error.reason, (TimeoutError, socket.timeout))):
        return Transient("timeout", uncertain=True)
    if isinstance(error, (http.client.HTTPException, ConnectionError, OSError)):
        return Transient("dropped", uncertain=True)  # it may have reached Slack before the line went
    return Transient(f"bug:{type(error).__name__}")


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(1.0, float(value))
            except (TypeError, ValueError):
                break
    return 30.0


def alternate(row: Delivery, error: str) -> outbox.Owed | None:
    """The same message to the next place on its list, when Slack's refusal was about the place."""
    alternates = list(row.payload.get("alternates") or [])
    if error not in RECIPIENT_ERRORS or not alternates:
        return None
    route, rest = alternates[0], alternates[1:]
    payload = {key: value for key, value in row.payload.items() if key not in ("alternates", "thread_ts", "user")}
    payload.update({key: value for key, value in route.items() if key != "method"})
    if rest:
        payload["alternates"] = rest
    # The rows tried before this one, the original first: if every place refuses, the original is what
    # failed (and what Try again sends), rather than a message that "went elsewhere" and reached nobody.
    payload["chain"] = [*row.payload.get("chain", []), row.id]
    method = route.get("method", "chat.postMessage")
    # Under the original's key: a revision owed later (a notice that now knows its issue, a question since
    # answered) finds the message where it went, and goes after it.
    return outbox.Owed(method, payload, key=row.key,
                       expires_in=outbox.SHORT_LIVED if method == "chat.postEphemeral" else None)


def revised(original: Delivery | None, revision: dict[str, Any]) -> tuple[str, str] | None:
    """Where a message being redrawn (a question since answered, a notice that now knows its issue) is to
    be updated; None if it never went anywhere updatable. One that no place took is rewritten: Try
    again sends the message as it is now, not the one that failed, nor its live buttons. `revision`: the
    revision row's payload."""
    if original is None or original.method != "chat.postMessage":
        return None
    if original.state == outbox.FAILED:
        words = rerouted_words(revision)
        alternates = [{**route, **words} if "text" in route or "blocks" in route else route
                      for route in original.payload.get("alternates") or []]
        original.payload = {**original.payload, **revision_message(revision),
                            **({"alternates": alternates} if alternates else {})}
    sent = original.state == outbox.SENT and original.channel_id and original.message_ts
    return (original.channel_id, original.message_ts) if sent else None


def record_refusal(session: Session, row: Delivery, sender_id: str, outcome: Permanent, now: datetime) -> bool | None:
    """Records a row Slack will never take where it was meant to go: sent on to its alternate (True), or
    failed or expired (False), leaving what a refusal leaves to do; None when this sender's lease was lost."""
    alternative = alternate(row, outcome.error) if outcome.state == outbox.FAILED else None
    chain = row.payload.get("chain") if alternative is None and outcome.state == outbox.FAILED else None
    state = outbox.REROUTED if alternative is not None else outbox.SUPERSEDED if chain else outcome.state
    if not outbox.mark_failed(session, row.id, sender_id, now, outcome.error, state=state):
        return None
    if alternative is not None:
        alternative.payload.update(revised_since(session, row))
        outbox.owe(session, row.team_id, alternative, now=now)
    elif outcome.state == outbox.FAILED:
        after_refusal(session, row, outcome.error, now)
    return alternative is not None


def revision_message(payload: dict[str, Any]) -> dict[str, Any]:
    """A revision row's message for Slack, without what it carries for the sender: the row it redraws,
    and the words for where that row's message went instead (see revised_since)."""
    return {key: value for key, value in payload.items() if key not in ("original", "rerouted")}


def revised_since(session: Session, row: Delivery) -> dict[str, Any]:
    """The words of the newest revision owed for a message while it waited (a notice that learnt its issue
    meanwhile): its alternate says them, since that revision, owed before the alternate, finds nothing
    posted to redraw."""
    original = (row.payload.get("chain") or [row.id])[0]
    revisions = session.scalars(select(Delivery).where(
        Delivery.key == row.key, Delivery.method == "chat.revise", Delivery.state == outbox.PENDING,
        Delivery.id > row.id).order_by(Delivery.id.desc()))
    newest = next((r.payload for r in revisions if r.payload.get("original") in (original, row.id)), {})
    return rerouted_words(newest)


def rerouted_words(revision: dict[str, Any]) -> dict[str, Any]:
    """A revision's text and blocks for where its message went instead: a thread's words mention the
    reader, their DMs' need not (`rerouted`)."""
    words = revision.get("rerouted") or revision
    return {key: value for key, value in words.items() if key in ("text", "blocks")}


def after_refusal(session: Session, row: Delivery, error: str, now: datetime) -> None:
    """What a message Slack will never take (here, nor at any alternate) leaves to do, in the transaction
    that records it: the original of a chain of alternates is what failed; the notice it asked for (an
    export's, to its person) is owed; and a digest whose channel is gone stops there (PMs see why)."""
    if row.payload.get("chain"):
        outbox.chain_failed(session, row.payload["chain"], now)
    if row.payload.get("on_failure"):
        notice = dict(row.payload["on_failure"])
        # The reason may be a tracker's own words: text, never a ping or a link.
        notice["text"] = str(notice.get("text", "")).replace("{error}", escape(error))
        outbox.owe(session, row.team_id, outbox.post(notice.pop("channel"), notice), now=now)
    run_id = (row.payload.get("on_sent") or {}).get("digest_run")
    if run_id is not None and error in CHANNEL_GONE:
        stop_digest_of(session, int(run_id))
