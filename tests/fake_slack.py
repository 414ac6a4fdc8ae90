"""A local HTTP stand-in for Slack's Web API that refuses Block Kit Slack would refuse.

Mocks that accept anything let broken blocks reach production, where Slack answers ``invalid_blocks`` and the
user sees nothing. This server records every call and applies Slack's documented Block Kit limits, so tests fail
the same way Slack would. Point ``slack_sdk.WebClient(token="xoxb-...", base_url=fake.url)`` at it, and give
commands ``fake.response_url()`` as their ``response_url``.

It also misbehaves as production Slack does, when a test asks: ``latency`` before each answer, ``fail()`` rules that
answer an error, drop the connection or hang (before or after the call took effect), channels and users in states
Slack answers with errors (``channels``, ``users``), and a message history (``conversations.history``, ``messages()``).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import datetime as dt
import decimal
import itertools
import json
import math
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from tests.fake_slack_objects import check_confirm, check_option_group
from tests.fake_slack_replies import reply_json, suggestion_reply_errors, view_response_errors
from tests.local_server import LocalServer

__all__ = ["Call", "FakeSlack", "blocks_text_length", "validate_message", "validate_view"]

# Errors that mean "your request was malformed", as opposed to Slack being down or you lacking access.
REFUSAL_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_arguments",
        "invalid_attachments",
        "invalid_json",
        "no_text",
        "msg_too_long",
        "msg_blocks_too_long",
        "channel_not_found",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "invalid_ts_oldest",
        "invalid_ts_latest",
        "invalid_cursor",
    }
)
JSON_ARGS = ("blocks", "view", "attachments", "files", "metadata")

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_MAX_TEXT = 40_000
RESPONSE_URL_USES, RESPONSE_URL_SECONDS = 5, 30 * 60
MESSAGE_MAX_BLOCKS_TEXT = 12_000  # all "text" strings in a message's blocks together: msg_blocks_too_long beyond

# How a fail() rule ends a call: "answer" sends the error; the others send nothing and close the connection,
# either instead of the call ("drop", "hang") or after carrying it out ("drop_after", "hang_after").
FAILURE_MODES = ("answer", "drop", "hang", "drop_after", "hang_after")
TRICKLE_GAP = 0.25  # seconds between the pieces of a trickled answer: well under any client's socket timeout
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update")

BLOCK_TYPES = {
    "actions",
    "context",
    "divider",
    "file",
    "header",
    "image",
    "input",
    "markdown",
    "rich_text",
    "section",
    "video",
}
SELECTS = {
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
PICKERS = {"datepicker", "timepicker", "datetimepicker"}
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
ELEMENT_TYPES = (
    SELECTS
    | PICKERS
    | TEXT_INPUTS
    | {"button", "overflow", "radio_buttons", "checkboxes", "image", "rich_text_input", "file_input", "workflow_button"}
)
ACCESSORY_ELEMENTS = (
    SELECTS | PICKERS | {"button", "overflow", "radio_buttons", "checkboxes", "image", "workflow_button"}
)
ACTIONS_ELEMENTS = (
    SELECTS | PICKERS | {"button", "overflow", "radio_buttons", "checkboxes", "rich_text_input", "workflow_button"}
)
INPUT_ELEMENTS = SELECTS | PICKERS | TEXT_INPUTS | {"radio_buttons", "checkboxes", "rich_text_input", "file_input"}
# element type -> (max options, may option text be mrkdwn)
OPTION_LIMITS = {
    "static_select": (100, False),
    "multi_static_select": (100, False),
    "overflow": (5, False),
    "radio_buttons": (10, True),
    "checkboxes": (10, True),
}


@dataclass
class Call:
    """One request the fake received, kept so tests can assert on what the app actually sent."""

    method: str
    args: dict
    token: str | None
    ok: bool
    error: str | None
    path: str
    response: dict = field(default_factory=dict, repr=False)  # the full answer, e.g. response["errors"]
    injected: bool = False  # answered by a fail() rule rather than by checking the request
    at: float = 0.0  # time.monotonic() when the request arrived, to measure when the app sent it
    unanswered: bool = False  # the client got no answer: dropped or hung, before or after the call took effect


# --------------------------------------------------------------------------------------------------------------
# Block Kit validation


class _Checker:
    """Collects every problem at once, because Slack reports them all and one-at-a-time fixing is slow."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.block_ids: set[str] = set()

    def err(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    # -- primitives --------------------------------------------------------------------------------------------

    def string(self, value: Any, pointer: str, max_len: int, required: bool = True) -> bool:
        if value is None:
            if required:
                self.err("must provide a string", pointer)
            return False
        if not isinstance(value, str):
            self.err("must be a string", pointer)
            return False
        if len(value) > max_len:
            self.err(f"must be less than {max_len + 1} characters", pointer)
        return True

    def text(self, obj: Any, pointer: str, max_len: int, plain_only: bool = False, required: bool = True) -> None:
        if obj is None:
            if required:
                self.err("must provide an object", pointer)
            return
        if not isinstance(obj, dict):
            self.err("must provide an object", pointer)
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.err("must be a valid enum value (plain_text, mrkdwn)", f"{pointer}/type")
        elif plain_only and kind != "plain_text":
            self.err("must be a valid enum value (plain_text)", f"{pointer}/type")
        value = obj.get("text")
        if not isinstance(value, str):
            self.err("must provide a string", f"{pointer}/text")
        elif not value:
            self.err("must be more than 0 characters", f"{pointer}/text")
        elif len(value) > max_len:
            self.err(f"must be less than {max_len + 1} characters", f"{pointer}/text")

    def items(self, value: Any, pointer: str, max_items: int, min_items: int = 1) -> list:
        if not isinstance(value, list):
            self.err("must provide an array", pointer)
            return []
        if len(value) < min_items:
            self.err(f"must provide at least {min_items} items", pointer)
        if len(value) > max_items:
            self.err(f"no more than {max_items} items allowed", pointer)
        return value

    # -- blocks ------------------------------------------------------------------------------------------------

    def blocks(self, blocks: Any, pointer: str, max_blocks: int, allow_input: bool) -> None:
        for i, block in enumerate(self.items(blocks, pointer, max_blocks, min_items=0)):
            self.block(block, f"{pointer}/{i}", allow_input)

    def block(self, block: Any, pointer: str, allow_input: bool) -> None:
        if not isinstance(block, dict):
            self.err("must provide an object", pointer)
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.err(f"unsupported type: {kind}", f"{pointer}/type")
            return
        block_id = block.get("block_id")
        if block_id is not None and self.string(block_id, f"{pointer}/block_id", 255):
            if block_id in self.block_ids:
                self.err(f"duplicate block_id: {block_id}", f"{pointer}/block_id")
            self.block_ids.add(block_id)
        getattr(self, f"block_{kind}", self.block_other)(block, pointer, allow_input)

    def block_section(self, block: dict, pointer: str, allow_input: bool) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.err("must provide text or fields", pointer)
        self.text(block.get("text"), f"{pointer}/text", 3000, required=False)
        if block.get("fields") is not None:
            for i, field in enumerate(self.items(block["fields"], f"{pointer}/fields", 10)):
                self.text(field, f"{pointer}/fields/{i}", 2000)
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{pointer}/accessory", ACCESSORY_ELEMENTS)

    def block_header(self, block: dict, pointer: str, allow_input: bool) -> None:
        self.text(block.get("text"), f"{pointer}/text", 150, plain_only=True)

    def block_context(self, block: dict, pointer: str, allow_input: bool) -> None:
        for i, element in enumerate(self.items(block.get("elements"), f"{pointer}/elements", 10)):
            sub = f"{pointer}/elements/{i}"
            if isinstance(element, dict) and element.get("type") == "image":
                self.element(element, sub, {"image"})
            else:
                self.text(element, sub, 3000)

    def block_actions(self, block: dict, pointer: str, allow_input: bool) -> None:
        seen: set[str] = set()
        for i, element in enumerate(self.items(block.get("elements"), f"{pointer}/elements", 25)):
            sub = f"{pointer}/elements/{i}"
            self.element(element, sub, ACTIONS_ELEMENTS)
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if isinstance(action_id, str):
                if action_id in seen:
                    self.err(f"duplicate action_id within block: {action_id}", f"{sub}/action_id")
                seen.add(action_id)

    def block_input(self, block: dict, pointer: str, allow_input: bool) -> None:
        if not allow_input:
            self.err("input blocks are not supported in messages", f"{pointer}/type")
        self.text(block.get("label"), f"{pointer}/label", 2000, plain_only=True)
        self.text(block.get("hint"), f"{pointer}/hint", 2000, plain_only=True, required=False)
        if block.get("element") is None:
            self.err("must provide an object", f"{pointer}/element")
        else:
            self.element(block["element"], f"{pointer}/element", INPUT_ELEMENTS)

    def block_image(self, block: dict, pointer: str, allow_input: bool) -> None:
        self.image(block, pointer)
        self.text(block.get("title"), f"{pointer}/title", 2000, plain_only=True, required=False)

    def block_rich_text(self, block: dict, pointer: str, allow_input: bool) -> None:
        if not isinstance(block.get("elements"), list):
            self.err("must provide an array", f"{pointer}/elements")

    def block_other(self, block: dict, pointer: str, allow_input: bool) -> None:
        """divider, file, video, markdown: nothing this app could get wrong that is worth modelling."""

    # -- elements ----------------------------------------------------------------------------------------------

    def element(self, element: Any, pointer: str, allowed: set[str]) -> None:
        if not isinstance(element, dict):
            self.err("must provide an object", pointer)
            return
        kind = element.get("type")
        if kind not in ELEMENT_TYPES:
            self.err(f"unsupported type: {kind}", f"{pointer}/type")
            return
        if kind not in allowed:
            self.err(f"{kind} is not allowed here", f"{pointer}/type")
        if kind == "image":
            self.image(element, pointer)
            return
        if element.get("confirm") is not None:
            check_confirm(self, element["confirm"], f"{pointer}/confirm")
        action_id = element.get("action_id")
        if action_id is not None:
            # Slack asks for unique action_ids within a block (checked there), not across a view.
            self.string(action_id, f"{pointer}/action_id", 255)
        if "placeholder" in element:
            self.text(element["placeholder"], f"{pointer}/placeholder", 150, plain_only=True)
        if kind == "button":
            self.button(element, pointer)
        elif kind in TEXT_INPUTS:
            self.text_input(element, pointer)
        elif kind in OPTION_LIMITS:
            self.options(element, pointer, kind)
        elif kind == "external_select":
            self.external(element, pointer)
        elif kind in ("users_select", "multi_users_select", "conversations_select", "channels_select"):
            chosen = [element.get(name) for name in ("initial_user", "initial_conversation", "initial_channel")
                      if element.get(name) is not None] + list(element.get("initial_users") or [])
            for value in chosen:  # an id, as the picker would hold one; a name or a typo is refused
                if not (isinstance(value, str) and re.fullmatch(r"[UWCGD][A-Z0-9]{1,31}", value)):
                    self.err("must be a valid id", f"{pointer}/initial")
        elif kind == "datepicker" and element.get("initial_date") is not None:
            self.date(element["initial_date"], f"{pointer}/initial_date")
        elif kind == "timepicker" and element.get("initial_time") is not None:
            value = element["initial_time"]
            if not (isinstance(value, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value)):
                self.err("must match HH:mm", f"{pointer}/initial_time")

    def image(self, element: dict, pointer: str) -> None:
        if element.get("image_url") is None and element.get("slack_file") is None:
            self.err("must provide image_url or slack_file", pointer)
        self.string(element.get("image_url"), f"{pointer}/image_url", 3000, required=False)
        self.string(element.get("alt_text"), f"{pointer}/alt_text", 2000)

    def button(self, element: dict, pointer: str) -> None:
        self.text(element.get("text"), f"{pointer}/text", 75, plain_only=True)
        self.string(element.get("value"), f"{pointer}/value", 2000, required=False)
        self.string(element.get("url"), f"{pointer}/url", 3000, required=False)
        if "style" in element and element["style"] not in ("primary", "danger"):
            self.err("must be a valid enum value (primary, danger)", f"{pointer}/style")

    def text_input(self, element: dict, pointer: str) -> None:
        limit = 3000
        for key in ("min_length", "max_length"):
            value = element.get(key)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                self.err("must be an integer", f"{pointer}/{key}")
            elif value > 3000:
                self.err("must be less than 3001", f"{pointer}/{key}")
            elif value < (1 if key == "max_length" else 0):
                self.err(
                    "must be greater than 0" if key == "max_length" else "must not be negative", f"{pointer}/{key}"
                )
            elif key == "max_length":
                limit = value
        low, high = element.get("min_length"), element.get("max_length")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.err("min_length must not exceed max_length", f"{pointer}/min_length")
        if element.get("initial_value") is not None and element.get("type") != "number_input":
            self.string(element["initial_value"], f"{pointer}/initial_value", limit)

    def options(self, element: dict, pointer: str, kind: str) -> None:
        max_options, mrkdwn_ok = OPTION_LIMITS[kind]
        if kind.endswith("static_select") and "option_groups" in element and "options" not in element:
            groups = self.items(element["option_groups"], f"{pointer}/option_groups", 100)
            options = [opt for i, group in enumerate(groups)
                       for opt in check_option_group(self, group, f"{pointer}/option_groups/{i}")]
        else:
            options = self.items(element.get("options"), f"{pointer}/options", max_options)
        for i, option in enumerate(options):
            self.option(option, f"{pointer}/options/{i}", plain_only=not mrkdwn_ok)
        known = [opt for opt in options if isinstance(opt, dict)]
        if element.get("initial_option") is not None:
            self.initial(element["initial_option"], known, f"{pointer}/initial_option")
        for i, chosen in enumerate(element.get("initial_options") or []):
            self.initial(chosen, known, f"{pointer}/initial_options/{i}")

    def external(self, element: dict, pointer: str) -> None:
        """An external select's options come from the app as it is typed in: it lists none of its own."""
        if "options" in element or "option_groups" in element:
            self.err("options are not allowed in an external_select", f"{pointer}/options")
        least = element.get("min_query_length")
        if least is not None and (not isinstance(least, int) or isinstance(least, bool) or least < 0):
            self.err("must be a non-negative integer", f"{pointer}/min_query_length")
        if element.get("initial_option") is not None:
            self.option(element["initial_option"], f"{pointer}/initial_option", plain_only=True)

    def option(self, option: Any, pointer: str, plain_only: bool) -> None:
        if not isinstance(option, dict):
            self.err("must provide an object", pointer)
            return
        self.text(option.get("text"), f"{pointer}/text", 75, plain_only=plain_only)
        self.string(option.get("value"), f"{pointer}/value", 150)
        self.text(option.get("description"), f"{pointer}/description", 75, plain_only=plain_only, required=False)
        self.string(option.get("url"), f"{pointer}/url", 3000, required=False)

    def initial(self, chosen: Any, options: list[dict], pointer: str) -> None:
        if not isinstance(chosen, dict) or not any(
            chosen.get("value") == opt.get("value") and chosen.get("text") == opt.get("text") for opt in options
        ):
            self.err("must match one of the provided options", pointer)

    def date(self, value: Any, pointer: str) -> None:
        try:
            if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
                raise ValueError(value)
            dt.date.fromisoformat(value)
        except ValueError:
            self.err("must match YYYY-MM-DD", pointer)


def validate_message(args: dict) -> list[str]:
    """Slack's message-surface rules, shared by chat.* and response_url so they can't drift apart."""
    checker = _Checker()
    if args.get("blocks") is not None:
        checker.blocks(args["blocks"], "/blocks", MESSAGE_MAX_BLOCKS, allow_input=False)
    attachments = args.get("attachments")
    if isinstance(attachments, list):
        for i, attachment in enumerate(attachments):
            if isinstance(attachment, dict) and attachment.get("blocks") is not None:
                checker.blocks(attachment["blocks"], f"/attachments/{i}/blocks", MESSAGE_MAX_BLOCKS, allow_input=False)
    return checker.errors


def blocks_text_length(value: Any) -> int:
    """What Slack adds up for msg_blocks_too_long: every "text" string, however deep, so 50 valid blocks can
    still be refused."""
    if isinstance(value, list):
        return sum(blocks_text_length(item) for item in value)
    if isinstance(value, dict):
        return sum(
            len(item) if key == "text" and isinstance(item, str) else blocks_text_length(item)
            for key, item in value.items()
        )
    return 0


def validate_view(view: dict, method: str) -> list[str]:
    """Slack's view rules; modals carry title/submit limits that home tabs don't."""
    checker = _Checker()
    kind = view.get("type")
    expected = {"views.publish": ("home",), "views.open": ("modal",), "views.push": ("modal",)}.get(
        method, ("modal", "home")
    )
    if kind not in expected:
        checker.err(f"must be a valid enum value ({', '.join(expected)})", "/view/type")
    checker.blocks(view.get("blocks"), "/view/blocks", VIEW_MAX_BLOCKS, allow_input=True)
    if kind == "modal":
        checker.text(view.get("title"), "/view/title", 24, plain_only=True)
        checker.text(view.get("submit"), "/view/submit", 24, plain_only=True, required=False)
        checker.text(view.get("close"), "/view/close", 24, plain_only=True, required=False)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and view.get("submit") is None:
            checker.err("must provide submit when blocks contain an input block", "/view/submit")
    checker.string(view.get("private_metadata"), "/view/private_metadata", 3000, required=False)
    checker.string(view.get("callback_id"), "/view/callback_id", 255, required=False)
    checker.string(view.get("external_id"), "/view/external_id", 255, required=False)
    return checker.errors


# --------------------------------------------------------------------------------------------------------------
# The server


class _Answered(Exception):
    """An answer reached before the usual token check (OAuth's code exchange)."""

    def __init__(self, body: dict) -> None:
        super().__init__("answered")
        self.body = body


class _Refusal(Exception):
    """Lets handlers bail out with a Slack-style error from any depth."""

    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


def _require(args: dict, *names: str) -> None:
    missing = [name for name in names if args.get(name) in (None, "")]
    if missing:
        messages = [f"[ERROR] missing required field: {name}" for name in missing]
        raise _Refusal("invalid_arguments", response_metadata={"messages": messages})


def _check_json_args(args: dict) -> None:
    # slack_sdk sends JSON-encoded strings inside forms; anything still a string here was not valid JSON.
    if args.get("blocks") is not None and not isinstance(args["blocks"], list):
        raise _Refusal("invalid_blocks_format")
    if args.get("attachments") is not None and not isinstance(args["attachments"], list):
        raise _Refusal("invalid_attachments")


def _refuse_blocks(errors: list[str]) -> None:
    if errors:
        messages = [f"[ERROR] {e}" for e in errors]
        raise _Refusal("invalid_blocks", errors=errors, response_metadata={"messages": messages})


def _check_metadata(args: dict) -> None:
    metadata = args.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, dict):  # still a string: not JSON
        raise _Refusal("invalid_metadata_format")
    if not (isinstance(metadata.get("event_type"), str) and metadata["event_type"]) or not isinstance(
        metadata.get("event_payload"), dict
    ):
        raise _Refusal("invalid_metadata_schema")


def _dm(channel: str) -> str:
    """Where a post to a user id lands: the DM channel conversations.open answers for that user."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


def _flag(value: Any) -> bool:
    """A boolean argument as it arrives: 1/0 from slack_sdk's forms and queries, true/false in JSON."""
    return value is True or (not isinstance(value, bool) and str(value).lower() in ("1", "true"))


def _ts_arg(args: dict, name: str) -> decimal.Decimal | None:
    value = args.get(name)
    if value in (None, ""):
        return None
    try:
        return decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise _Refusal(f"invalid_ts_{name}") from None


def _cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()  # the shape of Slack's history cursors


def _cursor_ts(cursor: str) -> decimal.Decimal:
    try:
        return decimal.Decimal(base64.b64decode(cursor).decode().removeprefix("next_ts:"))
    except (ValueError, decimal.InvalidOperation):
        raise _Refusal("invalid_cursor") from None


@dataclass
class _Rule:
    """One fail() instruction; a method may have several, tried in the order they were given."""

    error: str
    status: int
    times: int | None
    headers: dict
    mode: str
    match: dict
    hang_seconds: float

    def applies_to(self, args: dict) -> bool:
        # Form-encoded arguments arrive as strings, so "match" may give them as strings or as what was sent.
        return all(
            args.get(key) == value or (isinstance(args.get(key), str) and args.get(key) == str(value))
            for key, value in self.match.items()
        )


class _Outcome(NamedTuple):
    """How the handler ends a call: the answer to send, or that it sends nothing (mode other than "answer")."""

    status: int
    body: dict
    headers: dict
    mode: str
    hang_seconds: float
    delay: float  # latency before answering, closing or hanging
    release: threading.Event  # set by reset() and close(), so no wait outlives its test
    trickle: float = 0.0  # seconds over which the answer's body arrives, a piece at a time (set_trickle())


class FakeSlack:
    """Slack Web API on 127.0.0.1, strict about Block Kit, recording every call."""

    def __init__(self, team_id: str = "T1", bot_user_id: str = "UBOT", bot_id: str = "BBOT") -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.users: dict[str, dict] = {}
        # channel_id -> fields merged into conversations.info's channel (e.g. {"is_member": False});
        # a channel with {"exists": False} answers channel_not_found, as a private one the bot is not in does.
        # {"is_archived": True} and {"is_member": False} make chat.* there answer is_archived / not_in_channel.
        # users[U] = {"deleted": True} makes DMs to U answer account_inactive, as a deactivated account does.
        self.channels: dict[str, dict] = {}
        self.latency = 0.0  # seconds every call waits before its answer (set_latency() for one method)
        # file_id -> the bytes uploaded to its upload URL (files.getUploadURLExternal, as files_upload_v2 uses)
        self.uploads: dict[str, bytes] = {}
        self._upload_names: dict[str, str] = {}  # file_id -> the filename it was asked for under
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._replies: list[Call] = []
        self._failures: dict[str, list[_Rule]] = {}
        self._latencies: dict[str, float] = {}
        self._trickles: dict[str, float] = {}
        self._url_uses: dict[str, list[float]] = {}  # response_url path -> when each use reached Slack
        self._messages: dict[str, list[dict]] = {}  # channel id -> messages posted there, oldest first
        self._release = threading.Event()
        self._counter = itertools.count(1)
        self._view_ids: dict[str, str] = {}
        self._connections: set[socket.socket] = set()  # open now, closed with the server
        self._server = LocalServer(("127.0.0.1", 0), _make_handler(self))
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-slack", daemon=True)
        self._thread.start()
        self._closed = False

    # -- test-facing API ---------------------------------------------------------------------------------------

    def response_url(self, name: str = "r") -> str:
        """A response_url that lands here, so respond() output is validated like chat.postMessage."""
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def calls(self, method: str | None = None) -> list[Call]:
        """A snapshot, so callers can iterate while the app keeps calling."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """For apps that call Slack from background threads (Bolt's lazy listeners, ack-then-work)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                seen = [c.method for c in self.calls()]
                raise AssertionError(
                    f"expected {count} {method!r} call(s) within {timeout}s, got {len(found)}; methods seen: {seen}"
                )
            time.sleep(0.005)

    def refused(self) -> list[Call]:
        """Calls Slack would have rejected as malformed; most tests should assert this is empty."""
        refused = [c for c in self.calls() if c.error in REFUSAL_ERRORS and not c.injected and not self._gone(c)]
        return refused + [c for c in self.replies() if not c.ok]

    def replies(self) -> list[Call]:
        """The app's answers to commands and view submissions that a test sent with check_reply, in order."""
        with self._lock:
            return list(self._replies)

    def _gone(self, call: Call) -> bool:
        """A channel a test made unreachable: not-found there is Slack's normal answer, not a refusal."""
        channel = str(call.args.get("channel") or "")
        states = (self.channels.get(channel, {}), self.channels.get(_dm(channel), {}))
        return call.error == "channel_not_found" and any(state.get("exists") is False for state in states)

    def check_reply(self, kind: str, body: str, submitted: dict | None = None) -> list[str]:
        """Records the app's HTTP answer to a slash command ("command"), a view submission ("view_submission") or
        an external select's request for options ("block_suggestion")
        as a Call named "reply:<kind>", refused as Slack would refuse it: refused() reports it too, and
        replies() lists them (calls() does not, as the app made no call)."""
        error, errors = None, []
        try:
            answer = reply_json(body)
            if answer is not None and kind == "command":
                self._message(answer, require_content=False)
            elif answer is not None and kind == "view_submission":
                errors = view_response_errors(answer, submitted or {}, validate_view)
                error = "invalid_blocks" if errors else None
            elif kind == "block_suggestion":
                errors = suggestion_reply_errors(answer, _Checker())
                error = "invalid_options" if errors else None
        except ValueError:
            error = "invalid_json"
        except _Refusal as refusal:
            error, errors = refusal.error, refusal.extra.get("errors", [])
        response = {"ok": error is None, **({"error": error, "errors": errors} if error else {})}
        with self._lock:
            self._replies.append(Call(f"reply:{kind}", {"body": body}, None, error is None, error, "", response,
                                      at=time.monotonic()))
        return errors or ([error] if error else [])

    def messages(self, channel: str) -> list[dict]:
        """What people see in a channel (a user id means the bot's DM with them), oldest first, thread replies
        included, whatever calls the app made to get there. Each has ts, text, blocks, thread_ts and metadata."""
        keys = ("ts", "text", "blocks", "thread_ts", "metadata")
        with self._lock:
            return [{key: copy.deepcopy(m[key]) for key in keys} for m in self._messages.get(_dm(channel), [])]

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Slack's answers take time; one method's latency replaces ``latency`` for that method."""
        if seconds < 0:
            raise ValueError("latency must not be negative")
        if method is None:
            self.latency = seconds
        else:
            with self._lock:
                self._latencies[method] = seconds

    def set_trickle(self, seconds: float, method: str) -> None:
        """A method's answers come slowly but steadily (a congested network): the headers at once, then the body
        a piece at a time over `seconds`, each piece well within a second of the last, so that no socket
        timeout fires however long the whole answer takes."""
        if seconds < 0:
            raise ValueError("trickle must not be negative")
        with self._lock:
            self._trickles[method] = seconds

    def fail(
        self,
        method: str,
        error: str = "internal_error",
        status: int = 200,
        times: int | None = 1,
        headers: dict | None = None,
        *,
        mode: str = "answer",
        match: dict | None = None,
        hang_seconds: float = 30.0,
    ) -> None:
        """Simulate Slack trouble (rate limits, outages, revoked tokens, lost connections) to exercise the app's
        error paths. Rules add up: a call gets the first one given for its method that matches its arguments."""
        if mode not in FAILURE_MODES:
            raise ValueError(f"mode must be one of {FAILURE_MODES}, not {mode!r}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every call")
        rule = _Rule(error, status, times, dict(headers or {}), mode, dict(match or {}), hang_seconds)
        with self._lock:
            self._failures.setdefault(method, []).append(rule)

    def reset(self) -> None:
        """Lets one server serve a whole module's tests without calls, rules or messages leaking between them;
        calls still hanging or waiting out their latency are let go."""
        with self._lock:
            self.uploads.clear()
            self._upload_names.clear()
            self._calls.clear()
            self._replies.clear()
            self._failures.clear()
            self._latencies.clear()
            self._trickles.clear()
            self._url_uses.clear()
            self._messages.clear()
            self.latency = 0.0
            self._release.set()
            self._release = threading.Event()

    def close(self) -> None:
        """Frees the port; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- request handling --------------------------------------------------------------------------------------

    def _handle(
        self, path: str, args: dict, token: str | None, bad_json: bool = False, at: float | None = None
    ) -> _Outcome:
        """Carries out and records one call; the outcome says how to answer it, or not to."""
        at = time.monotonic() if at is None else at
        route = urlsplit(path).path
        if route.startswith("/response/"):
            method = "response_url"
        elif route.startswith("/api/"):
            method = route[len("/api/") :]
        else:
            method = route
        release = self._release
        delay = self._latencies.get(method, self.latency)
        rule = self._take_failure(method, args)
        if rule is not None and rule.mode in ("drop", "hang"):  # before anything: the call has no effect
            error = "dropped" if rule.mode == "drop" else "hung"
            self._record(Call(method, args, token, False, error, path, {}, injected=True, at=at, unanswered=True))
            return _Outcome(200, {}, {}, rule.mode, rule.hang_seconds, delay, release)
        answering = rule is not None and rule.mode == "answer"
        status, extra_headers = 200, {}
        try:
            if method == "response_url" and self._spent(route, at):
                raise _Refusal("used_url", 404)
            if answering:
                extra_headers = dict(rule.headers)
                raise _Refusal(rule.error, rule.status)
            if bad_json:
                raise _Refusal("invalid_json")
            if method == "response_url":
                body = self._response_url(args)
            else:
                handler = getattr(self, "_api_" + method.replace(".", "_"), None)
                if handler is None or not route.startswith("/api/"):
                    raise _Refusal("unknown_method")
                if method == "oauth.v2.access":
                    body = {"ok": True, **handler(args)}  # authenticated by the client id and secret instead
                    raise _Answered(body)
                if not token:
                    raise _Refusal("not_authed")
                if not token.startswith(("xoxb-", "xoxp-")):
                    raise _Refusal("invalid_auth")
                body = {"ok": True, **handler({**args, "_token": token})}
        except _Answered as answered:
            body = answered.body
        except _Refusal as refusal:
            status = refusal.status
            if method == "response_url" and not answering and refusal.error in REFUSAL_ERRORS:
                status = 400  # Slack's response_url answers malformed payloads with HTTP 400.
            body = {"ok": False, "error": refusal.error, **refusal.extra}
        unanswered = rule is not None and not answering  # drop_after / hang_after: done, but never heard of
        self._record(
            Call(
                method=method,
                args=args,
                token=token,
                ok=bool(body.get("ok")),
                error=body.get("error"),
                path=path,
                response=body,
                injected=answering,
                at=at,
                unanswered=unanswered,
            )
        )
        mode = rule.mode if unanswered else "answer"
        return _Outcome(status, body, extra_headers, mode, rule.hang_seconds if unanswered else 0.0, delay, release,
                        self._trickles.get(method, 0.0))

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _take_failure(self, method: str, args: dict) -> _Rule | None:
        with self._lock:
            rules = self._failures.get(method, [])
            for rule in rules:
                if rule.applies_to(args):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            rules.remove(rule)
                    return rule
            return None

    def _next_ts(self) -> str:
        micros = 1_700_000_000_000_000 + next(self._counter) * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _message(self, args: dict, require_content: bool = True) -> None:
        _check_json_args(args)
        if require_content and not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise _Refusal("no_text")
        _refuse_blocks(validate_message(args))
        if blocks_text_length(args.get("blocks")) > MESSAGE_MAX_BLOCKS_TEXT:
            raise _Refusal("msg_blocks_too_long")
        text = args.get("text")
        if isinstance(text, str) and len(text) > MESSAGE_MAX_TEXT:
            raise _Refusal("msg_too_long")
        _check_metadata(args)

    def _writable(self, method: str, args: dict) -> str:
        """The channel a chat.* call writes to (a user id's DM for a user id), once Slack's checks of its state,
        which come after the checks of the request, pass."""
        channel = _dm(str(args["channel"]))
        state = self.channels.get(channel, {})
        if state.get("exists", True) is False:
            raise _Refusal("channel_not_found")
        if method in MESSAGE_METHODS and state.get("is_archived"):
            raise _Refusal("is_archived")
        if method in MESSAGE_METHODS and state.get("is_member", True) is False:
            raise _Refusal("not_in_channel")
        if method == "chat.postMessage" and channel[:1] == "D" and self.users.get(channel[1:], {}).get("deleted"):
            raise _Refusal("account_inactive")
        return channel

    def _echo(self, args: dict, ts: str) -> dict:
        message = {
            "type": "message",
            "text": args.get("text") or "",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key) is not None:
                message[key] = args[key]
        return message

    def _spent(self, route: str, at: float) -> bool:
        """Slack honours a response_url 5 times in 30 minutes: every request that reached it counts (a failed
        one too), and the sixth is answered 404 `used_url`, as is any use after the 30 minutes."""
        with self._lock:
            uses = self._url_uses.setdefault(route, [])
            spent = len(uses) >= RESPONSE_URL_USES or (bool(uses) and at - uses[0] > RESPONSE_URL_SECONDS)
            uses.append(at)
        return spent

    def _response_url(self, args: dict) -> dict:
        # response_url payloads may only delete or replace, so text/blocks are optional.
        self._message(args, require_content=False)
        return {"ok": True}

    def _api_oauth_v2_access(self, args: dict) -> dict:
        """Exchanges a code "code-<team id>" for a rotating bot token of that team."""
        code = str(args.get("code") or "")
        if not code.startswith("code-"):
            raise _Refusal("invalid_code")
        team = code[len("code-") :]
        return {
            "app_id": "A1", "authed_user": {"id": "U" + team}, "scope": "commands,chat:write", "token_type": "bot",
            "access_token": f"xoxb-{team}", "bot_user_id": self.bot_user_id, "team": {"id": team, "name": team},
            "enterprise": None, "is_enterprise_install": False,
            "refresh_token": f"xoxe-1-{team}", "expires_in": 43200,
        }

    def _api_auth_test(self, args: dict) -> dict:
        # A token "xoxb-T…" is that team's (issued by oauth.v2.access); any other is the default team's.
        issued = str(args.get("_token") or "")[len("xoxb-") :]
        return {
            "url": "https://acme.slack.com/",
            "team": "Acme",
            "user": "outcomebot",
            "team_id": issued if issued[:1] == "T" else self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, args: dict) -> dict:
        if not args.get("channel"):
            raise _Refusal("channel_not_found")
        self._message(args)
        channel = self._writable("chat.postMessage", args)
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        with self._lock:  # ts and storing together, so a channel's messages stay in ts order
            ts = self._next_ts()
            self._messages.setdefault(channel, []).append(
                {
                    "ts": ts,
                    "text": args.get("text") or "",
                    "blocks": copy.deepcopy(args.get("blocks")),
                    "attachments": copy.deepcopy(args.get("attachments")),
                    "thread_ts": thread_ts,
                    "metadata": copy.deepcopy(args.get("metadata")),
                }
            )
        return {"channel": channel, "ts": ts, "message": self._echo(args, ts)}

    def _api_chat_postEphemeral(self, args: dict) -> dict:
        if not args.get("channel"):
            raise _Refusal("channel_not_found")
        _require(args, "user")
        self._message(args)
        self._writable("chat.postEphemeral", args)
        if self.users.get(str(args["user"]), {}).get("deleted"):
            raise _Refusal("user_not_found")
        return {"message_ts": self._next_ts()}

    def _api_chat_update(self, args: dict) -> dict:
        if not args.get("channel"):
            raise _Refusal("channel_not_found")
        _require(args, "ts")
        self._message(args)
        channel = self._writable("chat.update", args)
        ts = str(args["ts"])
        with self._lock:  # a ts the fake never stored (posted before it started) is answered ok, as before
            for message in self._messages.get(channel, []):
                if message["ts"] == ts:
                    message["text"] = args.get("text") or ""
                    for key in ("blocks", "attachments", "metadata"):  # Slack keeps what an update leaves out
                        if key in args:
                            message[key] = copy.deepcopy(args[key])
        return {"channel": args["channel"], "ts": ts, "text": args.get("text") or "", "message": self._echo(args, ts)}

    def _api_chat_getPermalink(self, args: dict) -> dict:
        if not args.get("channel"):
            raise _Refusal("channel_not_found")
        self._writable("chat.getPermalink", args)
        _require(args, "message_ts")
        ts = str(args["message_ts"]).replace(".", "")
        return {"channel": args["channel"], "permalink": f"https://acme.slack.com/archives/{args['channel']}/p{ts}"}

    def _api_conversations_open(self, args: dict) -> dict:
        users = args.get("users")
        if isinstance(users, str):
            users = [u for u in users.split(",") if u]
        if args.get("channel"):
            channel = str(args["channel"])
        elif users:
            channel = "D" + str(users[0])
        else:
            raise _Refusal("users_list_not_supplied")
        if any(self.users.get(str(user), {}).get("deleted") for user in users or []):
            raise _Refusal("account_inactive")
        return {"no_op": False, "already_open": False, "channel": {"id": channel}}

    def _api_files_getUploadURLExternal(self, args: dict) -> dict:  # noqa: N802 - Slack's method name
        _require(args, "filename")
        _require(args, "length")
        file_id = f"F{next(self._counter):08d}"
        with self._lock:
            self._upload_names[file_id] = str(args["filename"])
        return {"upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, args: dict) -> dict:  # noqa: N802 - Slack's method name
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise _Refusal("invalid_arguments")
        missing = [f.get("id") for f in files if f.get("id") not in self.uploads]
        if missing:
            raise _Refusal("file_not_found")
        with self._lock:
            shared = [{"id": f["id"], "name": self._upload_names.get(f["id"]), "title": f.get("title"),
                       "created": int(time.time())} for f in files]
        channel = args.get("channel_id")
        if channel:  # shared: a message of the bot's in that channel, carrying the files, as Slack shows it
            with self._lock:
                self._messages.setdefault(str(channel), []).append(
                    {"ts": self._next_ts(), "text": args.get("initial_comment") or "", "blocks": None,
                     "attachments": None, "thread_ts": str(args["thread_ts"]) if args.get("thread_ts") else None,
                     "metadata": None, "files": copy.deepcopy(shared)})
        return {"files": shared}

    def _receive_upload(self, file_id: str, data: bytes) -> None:
        with self._lock:
            self.uploads[file_id] = data

    def _api_conversations_join(self, args: dict) -> dict:
        channel = self._channel(args.get("channel"))
        if channel["is_archived"]:
            raise _Refusal("is_archived")
        if channel["is_private"]:
            raise _Refusal("method_not_supported_for_channel_type")
        with self._lock:
            self.channels.setdefault(channel["id"], {})["is_member"] = True
        return {"channel": {**channel, "is_member": True}}

    def _api_conversations_info(self, args: dict) -> dict:
        return {"channel": self._channel(args.get("channel"))}

    def _api_conversations_history(self, args: dict) -> dict:
        """Top-level messages, newest first, as Slack lists them; metadata only when asked for."""
        channel = self._history_channel(args)
        with self._lock:
            stored = copy.deepcopy(self._messages.get(channel, []))
        shown = [self._shown(m, stored, args) for m in stored if m["thread_ts"] is None]
        return self._page(shown, args, newest_first=True)

    def _api_conversations_replies(self, args: dict) -> dict:
        """A thread: its parent, then the replies, oldest first."""
        channel = self._history_channel(args)
        _require(args, "ts")
        with self._lock:
            stored = copy.deepcopy(self._messages.get(channel, []))
        asked = next((m for m in stored if m["ts"] == str(args["ts"])), None)
        if asked is None:
            raise _Refusal("thread_not_found")
        root = asked["thread_ts"] or asked["ts"]
        thread = [m for m in stored if root in (m["ts"], m["thread_ts"])]
        return self._page([self._shown(m, stored, args) for m in thread], args, newest_first=False)

    def _history_channel(self, args: dict) -> str:
        channel = str(args.get("channel") or "")
        if not channel or channel[:1] in ("U", "W"):  # history wants the DM's id, not the user's
            raise _Refusal("channel_not_found")
        state = self.channels.get(channel, {})
        if state.get("exists", True) is False:
            raise _Refusal("channel_not_found")
        if state.get("is_member", True) is False:
            raise _Refusal("not_in_channel")
        return channel

    def _shown(self, message: dict, stored: list[dict], args: dict) -> dict:
        shown = {
            "type": "message",
            "text": message["text"],
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": message["ts"],
        }
        for key in ("blocks", "attachments", "files"):
            if message.get(key) is not None:
                shown[key] = message[key]
        if message["thread_ts"] is not None:
            shown.update(thread_ts=message["thread_ts"], parent_user_id=self.bot_user_id)
        else:
            replies = [m["ts"] for m in stored if m["thread_ts"] == message["ts"]]
            if replies:
                shown.update(thread_ts=message["ts"], reply_count=len(replies), latest_reply=replies[-1])
        if message["metadata"] is not None and _flag(args.get("include_all_metadata")):
            shown["metadata"] = message["metadata"]
        return shown

    def _page(self, messages: list[dict], args: dict, newest_first: bool) -> dict:
        """oldest/latest (exclusive unless inclusive), limit and cursor, as Slack applies them to both listings."""
        oldest, latest = _ts_arg(args, "oldest"), _ts_arg(args, "latest")
        inclusive = _flag(args.get("inclusive"))
        start = _cursor_ts(str(args["cursor"])) if args.get("cursor") else None
        try:
            limit = int(args.get("limit") or 100)
        except (TypeError, ValueError):
            raise _Refusal("invalid_arguments") from None
        limit = min(max(limit, 1), 999)

        def wanted(ts: decimal.Decimal) -> bool:
            if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
                return False
            if latest is not None and (ts > latest or (ts == latest and not inclusive)):
                return False
            return start is None or (ts <= start if newest_first else ts >= start)

        chosen = [m for m in messages if wanted(decimal.Decimal(m["ts"]))]
        chosen.sort(key=lambda m: decimal.Decimal(m["ts"]), reverse=newest_first)
        page, rest = chosen[:limit], chosen[limit:]
        answer: dict = {"messages": page, "has_more": bool(rest)}
        if rest:
            answer["response_metadata"] = {"next_cursor": _cursor(rest[0]["ts"])}
        return answer

    def _channel(self, channel_id: str | None) -> dict:
        extra = dict(self.channels.get(channel_id or "", {}))
        if not channel_id or extra.pop("exists", True) is False:
            raise _Refusal("channel_not_found")
        return {
            "id": channel_id,
            "name": "general",
            "is_channel": True,
            "is_private": False,
            "is_member": True,
            "is_archived": False,
            **extra,
        }

    def _view(self, args: dict, method: str, view_id: str | None = None) -> dict:
        view = args.get("view")
        if view is None:
            _require(args, "view")
        if not isinstance(view, dict):
            raise _Refusal("invalid_arguments", response_metadata={"messages": ["[ERROR] view must be an object"]})
        _refuse_blocks(validate_view(view, method))
        if view_id is None:
            view_id = f"V{next(self._counter):08d}"
        return {
            "view": {
                "id": view_id,
                "team_id": self.team_id,
                "app_id": "AOUTCOME",
                "bot_id": self.bot_id,
                "private_metadata": "",
                "callback_id": "",
                "external_id": "",
                "clear_on_close": False,
                "notify_on_close": False,
                **view,
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{next(self._counter):08x}",
                "root_view_id": view_id,
                "previous_view_id": None,
            }
        }

    def _api_views_open(self, args: dict) -> dict:
        _require(args, "trigger_id")
        return self._view(args, "views.open")

    def _api_views_push(self, args: dict) -> dict:
        _require(args, "trigger_id")
        return self._view(args, "views.push")

    def _api_views_update(self, args: dict) -> dict:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            _require(args, "view_id")
        if not view_id:
            with self._lock:
                view_id = self._view_ids.setdefault(f"ext:{external_id}", f"V{next(self._counter):08d}")
        return self._view(args, "views.update", view_id=str(view_id))

    def _api_views_publish(self, args: dict) -> dict:
        _require(args, "user_id")
        with self._lock:  # Slack keeps one home view per user, so its id is stable across publishes.
            view_id = self._view_ids.setdefault(f"home:{args['user_id']}", f"V{next(self._counter):08d}")
        return self._view(args, "views.publish", view_id=view_id)

    def _api_users_info(self, args: dict) -> dict:
        user_id = args.get("user")
        if not isinstance(user_id, str) or user_id[:1] not in ("U", "W"):
            raise _Refusal("user_not_found")
        return {"user": self._user(user_id)}

    def _user(self, user_id: str) -> dict:
        extra = dict(self.users.get(user_id, {}))
        name = "outcomebot" if user_id == self.bot_user_id else user_id.lower()
        real_name = extra.get("real_name") or ("Outcome Bot" if user_id == self.bot_user_id else f"User {user_id}")
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": "UTC",
            "tz_label": "Coordinated Universal Time",
            "tz_offset": 0,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user_id == self.bot_user_id,
            "is_app_user": False,
            "profile": {"display_name": name, "real_name": real_name, "team": self.team_id},
        }
        if "tz" in extra and "tz_offset" not in extra:
            user.update(_tz_fields(extra["tz"]))
        profile = extra.pop("profile", None)
        user.update(extra)
        if isinstance(profile, dict):
            user["profile"] = {**user["profile"], **profile}
        return user


def _tz_fields(tz: str) -> dict:
    """Keeps tz_offset consistent with a tz a test sets, as code often reads the offset rather than the name."""
    try:
        from zoneinfo import ZoneInfo

        now = dt.datetime.now(ZoneInfo(tz))
    except Exception:  # unknown zone or no tzdata: keep UTC numbers rather than crash the server thread
        return {}
    offset = now.utcoffset() or dt.timedelta(0)
    return {"tz_offset": int(offset.total_seconds()), "tz_label": now.tzname() or tz}


def _decode_json_args(args: dict) -> dict:
    for key in JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str):
            try:
                args[key] = json.loads(value)
            except ValueError:
                pass  # left as a string; the method handler refuses it as Slack would
    return args


def _parse_body(content_type: str, raw: bytes) -> dict:
    if not raw:
        return {}
    if "application/json" in content_type:
        body = json.loads(raw.decode("utf-8"))
        return body if isinstance(body, dict) else {}
    if "multipart/form-data" in content_type:
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        fields: dict = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            fields[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
        return fields
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


def _make_handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps connections open between calls, as Slack does
        timeout = 2  # then closes them when idle, as Slack does, without saying so beforehand
        disable_nagle_algorithm = True  # or each answer's body waits on the client's delayed ack

        def setup(self) -> None:
            super().setup()
            with fake._lock:
                fake._connections.add(self.connection)

        def finish(self) -> None:
            with fake._lock:
                fake._connections.discard(self.connection)
            super().finish()

        def do_GET(self) -> None:  # http.server's naming
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            arrived = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            route = urlsplit(self.path).path
            if route.startswith("/upload/"):  # where files_upload_v2 sends the bytes
                fake._receive_upload(route[len("/upload/") :], raw)
                data = f"OK - {len(raw)}".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            args = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            try:
                args.update(_parse_body(self.headers.get("Content-Type", ""), raw))
                bad_json = False
            except ValueError:  # includes UnicodeDecodeError
                bad_json = True
            _decode_json_args(args)
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else None
            token = token or (args.get("token") if isinstance(args.get("token"), str) else None) or None
            outcome = fake._handle(self.path, args, token, bad_json, arrived)
            if outcome.delay > 0:
                outcome.release.wait(outcome.delay)
            if outcome.mode == "answer":
                self._send(outcome.status, outcome.body, outcome.headers, outcome.trickle, outcome.release)
                return
            if outcome.mode in ("hang", "hang_after"):
                outcome.release.wait(outcome.hang_seconds)
            self.close_connection = True  # and nothing sent: the client sees the connection end unanswered

        def _send(self, status: int, body: dict, headers: dict, trickle: float = 0.0,
                  release: threading.Event | None = None) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, str(value))
            self.end_headers()
            if trickle > 0 and release is not None:
                pieces = max(1, math.ceil(trickle / TRICKLE_GAP))
                step = max(1, math.ceil(len(data) / pieces))
                for start in range(0, len(data), step):
                    if release.wait(trickle / pieces):
                        self.close_connection = True  # reset or closed: the rest is never sent
                        return
                    self.wfile.write(data[start:start + step])
                    self.wfile.flush()
                return
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    return Handler
