"""Sends requests to the app the way Slack does: signed, to /slack/events, as form posts or JSON."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret"
TEAM = "T1"
_counter = itertools.count(1)


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str] | None = None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackSender:
    def __init__(self, base_url: str, response_url: str, secret: str = SIGNING_SECRET, *,
                 replies: Any = None) -> None:
        """`replies`, the fake Slack: the app's answers to commands and view submissions go to its
        check_reply, so a reply Slack would refuse fails the test as a refused API call does."""
        self.url = base_url + "/slack/events"
        self.base_url = base_url
        self.response_url = response_url
        self.verifier = SignatureVerifier(secret)
        self.replies = replies

    def fresh_response_url(self) -> str:
        """A response_url of its own for each command or interaction, as Slack gives: each is good for 5 uses."""
        return f"{self.response_url}-{next(_counter)}"

    def _checked(self, kind: str, reply: Reply, submitted: dict[str, Any] | None = None) -> Reply:
        if self.replies is not None and reply.status == 200:
            self.replies.check_reply(kind, reply.body, submitted)
        return reply

    # --- transport -------------------------------------------------------------------------------

    def post(self, body: str, content_type: str, *, signed: bool = True, timestamp: int | None = None,
             headers: dict[str, str] | None = None) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
        if signed:
            all_headers["X-Slack-Signature"] = self.verifier.generate_signature(timestamp=ts, body=body)
        all_headers.update(headers or {})
        request = urllib.request.Request(self.url, data=body.encode(), headers=all_headers, method="POST")
        return _send(request)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return _send(urllib.request.Request(self.base_url + path, headers=headers or {}, method="GET"))

    def form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        return self.post(urllib.parse.urlencode(fields), "application/x-www-form-urlencoded", **kwargs)

    def interaction(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.form({"payload": json.dumps(payload)}, **kwargs)

    # --- what Slack sends ------------------------------------------------------------------------

    def command(self, text: str = "", *, user: str = "U1", channel: str = "C1", team: str = TEAM,
                command: str = "/idea", response_url: str | None = None, **kwargs: Any) -> Reply:
        return self._checked("command", self.form(
            {
                "token": "legacy-verification-token",
                "team_id": team,
                "team_domain": "acme",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": response_url or self.fresh_response_url(),
                "trigger_id": f"trigger-{next(_counter)}",
            },
            **kwargs,
        ))

    def submit_view(self, view: dict[str, Any], values: dict[str, Any], *, user: str = "U1",
                    team: str = TEAM, view_id: str | None = None) -> Reply:
        """Submits a view the app opened, with values typed or chosen in its input blocks."""
        state: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            value = values.get(block["block_id"], _initial(element))
            state[block["block_id"]] = {element["action_id"]: _state_value(element, value)}
        submitted = {**view, "id": view_id or f"V{next(_counter):06d}", "team_id": team,
                     "state": {"values": state}, "hash": "h", "app_id": "A1", "bot_id": "BBOT"}
        reply = self.interaction({**_from(user, team, "view_submission"), "view": submitted, "response_urls": []})
        return self._checked("view_submission", reply, submitted)

    def press(self, button: dict[str, Any], *, user: str = "U1", team: str = TEAM, channel: str | None = "C1",
              message_ts: str | None = "1700000000.000100", view: dict[str, Any] | None = None) -> Reply:
        """Presses a button the app rendered (a block element dict), on a message or in a view."""
        action = {"type": "button", "action_id": button["action_id"], "block_id": button.get("block_id", "b"),
                  "value": button.get("value"), "text": button.get("text")}
        where = _in_view(view) if view is not None else _on_message(channel, message_ts)
        return self._act(action, user, team, where)

    def select(self, element: dict[str, Any], value: str, *, user: str = "U1", team: str = TEAM,
               channel: str = "C1", message_ts: str = "1700000000.000100") -> Reply:
        """Chooses an option of a static select the app rendered (with its block_id) on a message."""
        option = next(o for o in element["options"] if o["value"] == value)
        action = {"type": "static_select", "action_id": element["action_id"], "block_id": element["block_id"],
                  "selected_option": option}
        return self._act(action, user, team, _on_message(channel, message_ts))

    def suggest(self, element: dict[str, Any], typed: str, *, block_id: str, user: str = "U1", team: str = TEAM,
                view: dict[str, Any] | None = None, channel: str = "C1",
                message_ts: str = "1700000000.000100") -> Reply:
        """What Slack sends when someone opens an external select the app rendered (in a view, or on a message)
        or types in it: a signed block_suggestion with the words typed. The app's answer is the options shown,
        checked as Slack checks them."""
        where = _in_view(view) if view is not None else _on_message(channel, message_ts)
        payload = {**_from(user, team, "block_suggestion"), **where, "action_id": element["action_id"],
                   "block_id": block_id, "value": typed}
        payload.pop("trigger_id")  # a menu being typed in opens nothing
        return self._checked("block_suggestion", self.interaction(payload))

    def choose(self, element: dict[str, Any], option: dict[str, Any], *, block_id: str, user: str = "U1",
               team: str = TEAM, view: dict[str, Any] | None = None, channel: str = "C1",
               message_ts: str = "1700000000.000100") -> Reply:
        """Picks an option (one the app offered) of an external select on a message, or in a view (Home)."""
        action = {"type": element["type"], "action_id": element["action_id"], "block_id": block_id,
                  "selected_option": option}
        return self._act(action, user, team, _in_view(view) if view is not None else _on_message(channel, message_ts))

    def _act(self, action: dict[str, Any], user: str, team: str, where: dict[str, Any]) -> Reply:
        return self.interaction(
            {
                **_from(user, team, "block_actions"),
                **where,
                "response_url": self.fresh_response_url(),
                "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
            }
        )

    def message_shortcut(self, message: dict[str, Any], *, callback_id: str = "idea_from_message", user: str = "U1",
                         channel: str = "C1", team: str = TEAM) -> Reply:
        return self.interaction(
            {
                **_from(user, team, "message_action"),
                "callback_id": callback_id,
                "response_url": self.fresh_response_url(),
                "channel": {"id": channel, "name": "general"},
                "message": {"type": "message", **message},
                "message_ts": message.get("ts"),
                "action_ts": f"{time.time():.6f}",
            }
        )

    def event(self, event: dict[str, Any], *, team: str = TEAM, event_id: str | None = None,
              headers: dict[str, str] | None = None) -> Reply:
        body = {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
        }
        return self.post(json.dumps(body), "application/json", headers=headers)


def _from(user: str, team: str, kind: str) -> dict[str, Any]:
    """What every interaction payload says about who sent it, and from where."""
    return {
        "type": kind,
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{next(_counter)}",
        "is_enterprise_install": False,
    }


def _on_message(channel: str | None, message_ts: str | None) -> dict[str, Any]:
    return {
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "channel": {"id": channel, "name": "triage"},
        "message": {"type": "message", "ts": message_ts, "text": "", "user": "UBOT"},
    }


def _in_view(view: dict[str, Any]) -> dict[str, Any]:
    return {"container": {"type": "view", "view_id": view.get("id", "VHOME")}, "view": view}


def _initial(element: dict[str, Any]) -> Any:
    """What a field holds when the person leaves it as the app opened it."""
    option = element.get("initial_option") or {}
    return (element.get("initial_value") or element.get("initial_date") or option.get("value")
            or element.get("initial_conversation") or element.get("initial_users") or element.get("initial_time"))


def _state_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": value}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind in ("static_select", "radio_buttons"):
        option = next((o for o in element.get("options", []) if o["value"] == value), None)
        return {"type": kind, "selected_option": option}
    if kind == "external_select":  # the option itself, as the app offered it (or the one it started with)
        return {"type": kind, "selected_option": value if isinstance(value, dict) else element.get("initial_option")}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": value or []}
    if kind == "timepicker":
        return {"type": kind, "selected_time": value}
    raise ValueError(f"no state shape for {kind}")


def _send(request: urllib.request.Request) -> Reply:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, response.read().decode(), {k.lower(): v for k, v in response.headers.items()})
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Buttons in rendered blocks, by action_id, each with its block_id, as a person would see them."""
    found = {}
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button":
                found[element["action_id"]] = {**element, "block_id": block.get("block_id")}
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            found[accessory["action_id"]] = {**accessory, "block_id": block.get("block_id")}
    return found
