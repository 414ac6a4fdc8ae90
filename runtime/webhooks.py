"""The trackers' webhooks (POST /github/events, POST /jira/events), served next to Slack's endpoint.

A body is read only up to the cap and its signature checked before it is parsed; each delivery is
recorded by the tracker's own id for it, so a redelivery has no effect; what the event means for ideas
is work owed to the sender, so the answer goes back at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.trackers import linking
from models import WebhookDelivery, dialect_insert, utcnow
from runtime import outbox
from runtime.trackers import Tracker
from runtime.web import Routes, TooLarge, WSGIApp, read_body

logger = logging.getLogger("outcome_bot.webhooks")
# The team_id of work that may concern ideas in any workspace (an issue is not any one workspace's).
ANY_TEAM = ""


def routes(trackers: dict[str, Tracker], sessions: sessionmaker[Session], wake: Callable[[], None]) -> Routes:
    return {f"/{name}/events": endpoint(tracker, sessions, wake) for name, tracker in trackers.items()}


# A tracker sends a whole issue: Jira with its comments, GitHub with a body of up to 65,536 characters (and
# caps its own payloads at 25 MB). A few megabytes is a real issue with a long history, not an attack, and a
# 413 would leave its idea waiting a day for the sweep.
TRACKER_MAX_BODY = 10 * 1024 * 1024


def endpoint(tracker: Tracker, sessions: sessionmaker[Session], wake: Callable[[], None]) -> WSGIApp:
    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        def answer(status: str, body: dict) -> Iterable[bytes]:
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]

        if environ.get("REQUEST_METHOD") != "POST":
            return answer("405 Method Not Allowed", {"ok": False})
        try:
            raw = read_body(environ, TRACKER_MAX_BODY)
        except TooLarge:
            return answer("413 Payload Too Large", {"ok": False})
        except TimeoutError:  # the body stopped arriving (the server's socket timeout)
            return answer("408 Request Timeout", {"ok": False})
        headers = {key[5:].replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")}
        if not tracker.verify(raw, headers):
            return answer("401 Unauthorized", {"ok": False, "error": "signature"})
        try:
            event = tracker.event(raw, headers)
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError):  # nested past the parser's depth
            logger.warning("a signed %s webhook that would not parse was refused (400)", tracker.name)
            return answer("400 Bad Request", {"ok": False})
        if event.kind == "ping":
            return answer("200 OK", {"ok": True, "pong": True})
        try:
            with sessions.begin() as session:
                if record(session, tracker.name, event.delivery_id, utcnow()) and event.key and (
                        event.kind != "other" and linking(session, tracker.name, event.key)
                        or event.was and linking(session, tracker.name, event.was)):  # moved: followed there
                    outbox.owe(session, ANY_TEAM, outbox.job("tracker_event", {
                        "tracker": tracker.name, "kind": event.kind, "key": event.key, "actor": event.actor,
                        "updated": event.updated, "delivery": event.delivery_id, "was": event.was,
                        "url": event.url}))
        except SQLAlchemyError:
            logger.warning("%s webhook %s not recorded: the database is away", tracker.name, event.delivery_id)
            # Jira sends it again; GitHub does not on its own, and the daily sweep reads the issue instead.
            return answer("503 Service Unavailable", {"ok": False})
        wake()
        return answer("200 OK", {"ok": True})

    return app


def forget(session: Session, source: str, before: datetime) -> int:
    """Forgets deliveries received before `before` (a redelivery that late would find the idea as it
    left it anyway), so the table does not grow with every event the tracker ever sent."""
    table = WebhookDelivery.__table__
    return session.execute(table.delete().where(table.c.source == source, table.c.received_at < before)).rowcount


def record(session: Session, source: str, delivery_id: str, now: datetime) -> bool:
    """True the first time a delivery is seen."""
    table = WebhookDelivery.__table__
    inserted = session.scalar(
        dialect_insert(session)(table).values(source=source, delivery_id=delivery_id[:100], received_at=now)
        .on_conflict_do_nothing().returning(table.c.delivery_id)
    )
    return inserted is not None
