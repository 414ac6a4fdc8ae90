"""Logging: one line per Slack request (who, what, how long until Slack was answered, how it went),
as text or JSON. Never the text people typed, and never a token or secret: only ids, names of
commands and actions.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

logger = logging.getLogger("outcome_bot.requests")
# /slack/oauth_redirect carries a one-time code and state, and an access log is read by many.
_SECRET_PARAMETER = re.compile(r"\b(code|state)=[^&\s\"]*")


def redact_secrets(line: str) -> str:
    """An access log line with OAuth's `code=` and `state=` values replaced."""
    return _SECRET_PARAMETER.sub(r"\1=[redacted]", line)


def log_request(request: BoltRequest, response: BoltResponse, latency_ms: float) -> None:
    context = request.context
    logger.info(
        "slack request",
        extra={
            "team": context.team_id,
            "user": context.user_id,
            "what": what(request.body),
            "latency_ms": round(latency_ms, 1),
            "status": response.status,
        },
    )


def what(body: dict) -> str:
    """"command /idea list", "block_actions idea_move_discovery", "event app_home_opened"..."""
    if "command" in body:
        verb = (body.get("text") or "").split(" ", 1)[0].lower()
        return f"command {body['command']} {verb if verb in _VERBS else ''}".strip()
    kind = body.get("type")
    if kind == "event_callback":
        return f"event {body.get('event', {}).get('type')}"
    if kind == "block_actions":
        return f"block_actions {(body.get('actions') or [{}])[0].get('action_id')}"
    if kind == "block_suggestion":
        return f"block_suggestion {body.get('action_id')}"
    if kind in ("view_submission", "view_closed"):
        return f"{kind} {body.get('view', {}).get('callback_id')}"
    if kind in ("shortcut", "message_action"):
        return f"{kind} {body.get('callback_id')}"
    return str(kind)


_VERBS = {"list", "help", "digest", "nudges", "stats", "export", "okr"}


class JsonFormatter(logging.Formatter):
    """LOG_FORMAT=json: one JSON object per line, with the request fields when there are some."""

    FIELDS = ("team", "user", "what", "latency_ms", "status")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({field: getattr(record, field) for field in self.FIELDS if hasattr(record, field)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = [f"{field}={getattr(record, field)}" for field in JsonFormatter.FIELDS if hasattr(record, field)]
        return f"{text} {' '.join(fields)}" if fields else text


def configure(log_format: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json"
        else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
