"""The fake must refuse what Slack refuses, or every other test that relies on it proves nothing."""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fake_slack import MESSAGE_MAX_BLOCKS_TEXT, FakeSlack

Mutation = Callable[[dict], None]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeSlack) -> FakeSlack:
    server.reset()
    server.users.clear()
    server.channels.clear()
    return server


@pytest.fixture(autouse=True)
def plain_urllib(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app installs a process-wide urllib opener that resends a request whose kept connection was closed;
    these tests are about what the fake does, so they go through urllib's own."""
    monkeypatch.setattr(urllib.request, "_opener", None)


def web(fake: FakeSlack, timeout: float = 5) -> WebClient:
    # No retry handlers: a refusal must surface as SlackApiError, not be retried away.
    return WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[], timeout=timeout)


def hook(fake: FakeSlack, timeout: float = 5) -> WebhookClient:
    return WebhookClient(fake.response_url(), retry_handlers=[], timeout=timeout)  # its default retries drops


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return web(fake)


# ----------------------------------------------------------------------------------------------------------------
# Payloads: realistic and valid, so each refusal case below differs from an accepted payload by exactly one thing.


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": value}


def stages() -> list[dict]:
    return [option("Inbox", "inbox"), option("Discovery", "discovery"), option("Parked", "parked")]


def valid_message() -> dict:
    menu = stages()
    return {
        "channel": "C123",
        "text": "New idea: faster exports",
        "blocks": [
            {"type": "header", "block_id": "head", "text": plain("New idea")},
            {
                "type": "section",
                "block_id": "summary",
                "text": mrkdwn("*Faster exports*\nCustomers wait minutes for CSVs."),
                "accessory": {"type": "button", "action_id": "open_idea", "text": plain("Open"), "value": "42"},
            },
            {"type": "section", "fields": [mrkdwn("*Stage*\nInbox"), mrkdwn("*Requester*\n<@U1>")]},
            {
                "type": "context",
                "elements": [
                    mrkdwn("Asked in <#C123>"),
                    {"type": "image", "image_url": "https://x.test/a.png", "alt_text": "avatar"},
                ],
            },
            {
                "type": "actions",
                "block_id": "moves",
                "elements": [
                    {"type": "button", "action_id": "move_a", "text": plain("Discover"), "style": "primary"},
                    {"type": "button", "action_id": "move_b", "text": plain("Park"), "style": "danger", "value": "p"},
                    {"type": "overflow", "action_id": "more", "options": menu},
                ],
            },
            {"type": "divider"},
            {
                "type": "rich_text",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}],
            },
            {
                "type": "section",
                "text": mrkdwn("Stage"),
                "accessory": {
                    "type": "static_select",
                    "action_id": "stage",
                    "placeholder": plain("Pick a stage"),
                    "options": menu,
                    "initial_option": menu[0],
                },
            },
        ],
    }


def valid_modal() -> dict:
    menu = stages()
    return {
        "type": "modal",
        "callback_id": "new_idea",
        "private_metadata": json.dumps({"channel": "C123"}),
        "title": plain("Share an idea"),
        "submit": plain("Share"),
        "close": plain("Cancel"),
        "blocks": [
            {"type": "header", "text": plain("What problem are we solving?")},
            {
                "type": "section",
                "text": mrkdwn("Who owns this?"),
                "accessory": {"type": "users_select", "action_id": "owner", "placeholder": plain("Pick someone")},
            },
            {
                "type": "input",
                "block_id": "title",
                "label": plain("Title"),
                "hint": plain("One line, outcome first"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "title_input",
                    "max_length": 150,
                    "initial_value": "Faster exports",
                    "placeholder": plain("e.g. Cut export time"),
                },
            },
            {
                "type": "input",
                "block_id": "problem",
                "label": plain("Problem"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "problem_input",
                    "multiline": True,
                    "min_length": 10,
                },
            },
            {
                "type": "input",
                "block_id": "stage",
                "label": plain("Stage"),
                "element": {
                    "type": "static_select",
                    "action_id": "stage_select",
                    "options": menu,
                    "initial_option": menu[1],
                },
            },
            {
                "type": "input",
                "block_id": "due",
                "label": plain("Decide by"),
                "element": {"type": "datepicker", "action_id": "due_date", "initial_date": "2024-05-01"},
            },
            {
                "type": "input",
                "block_id": "kind",
                "label": plain("Kind"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": "kind_radio",
                    "options": [{"text": mrkdwn("*Bug*"), "value": "bug"}, option("Feature", "feature")],
                },
            },
            {
                "type": "input",
                "block_id": "flags",
                "optional": True,
                "label": plain("Flags"),
                "element": {"type": "checkboxes", "action_id": "flags_boxes", "options": [option("Urgent", "u")]},
            },
            {
                "type": "input",
                "block_id": "channel",
                "label": plain("Post to"),
                "element": {"type": "conversations_select", "action_id": "channel_select"},
            },
            {"type": "actions", "elements": [{"type": "button", "action_id": "help", "text": plain("Help")}]},
            {"type": "context", "elements": [mrkdwn("Ideas are reviewed weekly.")]},
            {"type": "divider"},
        ],
    }


def valid_home() -> dict:
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": plain("Your ideas")},
            {"type": "section", "text": mrkdwn("Nothing yet.")},
            {"type": "actions", "elements": [{"type": "button", "action_id": "new", "text": plain("New idea")}]},
        ],
    }


# ----------------------------------------------------------------------------------------------------------------
# Mutations addressed by JSON pointer, matching the pointer Slack puts in its error.


def _walk(doc: Any, pointer: str) -> tuple[Any, str | int]:
    *parents, last = pointer.strip("/").split("/")
    for part in parents:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc, int(last) if isinstance(doc, list) else last


def put(pointer: str, value: Any) -> Mutation:
    def mutate(doc: dict) -> None:
        parent, key = _walk(doc, pointer)
        parent[key] = copy.deepcopy(value)

    return mutate


def drop(pointer: str) -> Mutation:
    def mutate(doc: dict) -> None:
        parent, key = _walk(doc, pointer)
        del parent[key]

    return mutate


def append(pointer: str, value: Any) -> Mutation:
    def mutate(doc: dict) -> None:
        parent, key = _walk(doc, pointer)
        parent[key].append(copy.deepcopy(value))

    return mutate


def buttons(n: int) -> list[dict]:
    return [{"type": "button", "action_id": f"b{i}", "text": plain(f"B{i}")} for i in range(n)]


def options(n: int) -> list[dict]:
    return [option(f"Option {i}", f"v{i}") for i in range(n)]


CONFIRM = {"title": plain("Decline it?"), "text": mrkdwn("The requester hears why."), "confirm": plain("Decline"),
           "deny": plain("Keep it")}
GROUP = {"label": plain("Open"), "options": options(3)}
GROUPED = {"type": "static_select", "action_id": "grouped", "option_groups": [GROUP]}
EXTERNAL = {"type": "external_select", "action_id": "find", "placeholder": plain("Type to find one"),
            "min_query_length": 0}
INPUT_BLOCK = {"type": "input", "label": plain("Name"), "element": {"type": "plain_text_input", "action_id": "n"}}

MESSAGE_REFUSALS = [
    pytest.param(put("/blocks", [{"type": "divider"}] * 51), "/blocks", id="over-50-blocks"),
    pytest.param(append("/blocks", INPUT_BLOCK), "/blocks/8/type", id="input-block-in-message"),
    pytest.param(put("/blocks/5/type", "banner"), "/blocks/5/type", id="unknown-block-type"),
    pytest.param(put("/blocks/0/block_id", "x" * 256), "/blocks/0/block_id", id="block-id-too-long"),
    pytest.param(put("/blocks/2/block_id", "head"), "/blocks/2/block_id", id="duplicate-block-id"),
    pytest.param(put("/blocks/1/text/text", "x" * 3001), "/blocks/1/text/text", id="section-text-too-long"),
    pytest.param(drop("/blocks/1/text"), "/blocks/1", id="section-without-text-or-fields"),
    pytest.param(put("/blocks/2/fields", [mrkdwn("f")] * 11), "/blocks/2/fields", id="over-10-fields"),
    pytest.param(put("/blocks/2/fields/0/text", "x" * 2001), "/blocks/2/fields/0/text", id="field-too-long"),
    pytest.param(put("/blocks/1/accessory", {"type": "nope"}), "/blocks/1/accessory/type", id="bad-accessory"),
    pytest.param(put("/blocks/0/text", mrkdwn("Hi")), "/blocks/0/text/type", id="header-mrkdwn"),
    pytest.param(put("/blocks/0/text/text", "x" * 151), "/blocks/0/text/text", id="header-too-long"),
    pytest.param(put("/blocks/3/elements", [mrkdwn("c")] * 11), "/blocks/3/elements", id="context-over-10"),
    pytest.param(put("/blocks/3/elements/0/text", "x" * 3001), "/blocks/3/elements/0/text", id="context-text-long"),
    pytest.param(put("/blocks/4/elements", buttons(26)), "/blocks/4/elements", id="actions-over-25"),
    pytest.param(
        put("/blocks/4/elements/1/action_id", "move_a"), "/blocks/4/elements/1/action_id", id="dup-action-in-block"
    ),
    pytest.param(put("/blocks/1/text/text", ""), "/blocks/1/text/text", id="empty-text"),
    pytest.param(put("/blocks/1/text/type", "markdown"), "/blocks/1/text/type", id="bad-text-type"),
    pytest.param(
        put("/blocks/1/accessory/action_id", "x" * 256), "/blocks/1/accessory/action_id", id="action-id-too-long"
    ),
    pytest.param(put("/blocks/1/accessory/text", mrkdwn("Go")), "/blocks/1/accessory/text/type", id="button-mrkdwn"),
    pytest.param(
        put("/blocks/1/accessory/text/text", "x" * 76), "/blocks/1/accessory/text/text", id="button-text-too-long"
    ),
    pytest.param(
        put("/blocks/4/elements/1/value", "x" * 2001), "/blocks/4/elements/1/value", id="button-value-too-long"
    ),
    pytest.param(put("/blocks/1/accessory/url", "x" * 3001), "/blocks/1/accessory/url", id="button-url-too-long"),
    pytest.param(put("/blocks/4/elements/0/style", "secondary"), "/blocks/4/elements/0/style", id="button-style"),
    pytest.param(put("/blocks/4/elements/2/options", options(6)), "/blocks/4/elements/2/options", id="overflow-over-5"),
    pytest.param(put("/blocks/7/accessory/options", options(101)), "/blocks/7/accessory/options", id="select-over-100"),
    pytest.param(
        put("/blocks/7/accessory/options/0/text/text", "x" * 76),
        "/blocks/7/accessory/options/0/text/text",
        id="option-text-too-long",
    ),
    pytest.param(
        put("/blocks/7/accessory/options/0/value", "x" * 151),
        "/blocks/7/accessory/options/0/value",
        id="option-value-too-long",
    ),
    pytest.param(
        put("/blocks/7/accessory/initial_option", option("Shipped", "shipped")),
        "/blocks/7/accessory/initial_option",
        id="initial-option-not-an-option",
    ),
    pytest.param(put("/blocks/7/accessory", {**EXTERNAL, "options": options(2)}), "/blocks/7/accessory/options",
                 id="external-select-with-options"),
    pytest.param(put("/blocks/7/accessory", {**EXTERNAL, "min_query_length": -1}),
                 "/blocks/7/accessory/min_query_length", id="external-select-negative-query-length"),
    pytest.param(put("/blocks/7/accessory", {**EXTERNAL, "initial_option": option("x" * 76, "1")}),
                 "/blocks/7/accessory/initial_option/text/text", id="external-select-initial-option-too-long"),
    pytest.param(
        put("/blocks/7/accessory/placeholder/text", "x" * 151),
        "/blocks/7/accessory/placeholder/text",
        id="placeholder-too-long",
    ),
    pytest.param(
        put("/blocks/7/accessory/placeholder", mrkdwn("Pick")),
        "/blocks/7/accessory/placeholder/type",
        id="placeholder-mrkdwn",
    ),
    pytest.param(put("/blocks/4/elements/0/confirm", {**CONFIRM, "title": plain("x" * 101)}),
                 "/blocks/4/elements/0/confirm/title/text", id="confirm-title-too-long"),
    pytest.param(put("/blocks/4/elements/0/confirm", {**CONFIRM, "text": mrkdwn("x" * 301)}),
                 "/blocks/4/elements/0/confirm/text/text", id="confirm-text-too-long"),
    pytest.param(put("/blocks/4/elements/0/confirm", {**CONFIRM, "confirm": plain("x" * 31)}),
                 "/blocks/4/elements/0/confirm/confirm/text", id="confirm-button-too-long"),
    pytest.param(put("/blocks/4/elements/0/confirm", {**CONFIRM, "deny": mrkdwn("No")}),
                 "/blocks/4/elements/0/confirm/deny/type", id="confirm-deny-mrkdwn"),
    pytest.param(put("/blocks/7/accessory", {**GROUPED, "option_groups": [{**GROUP, "label": plain("x" * 76)}]}),
                 "/blocks/7/accessory/option_groups/0/label/text", id="option-group-label-too-long"),
    pytest.param(put("/blocks/7/accessory", {**GROUPED, "option_groups": [{**GROUP, "options": options(101)}]}),
                 "/blocks/7/accessory/option_groups/0/options", id="option-group-over-100"),
    pytest.param(
        put("/attachments", [{"color": "#f00", "blocks": [{"type": "nope"}]}]),
        "/attachments/0/blocks/0/type",
        id="bad-block-in-attachment",
    ),
]

VIEW_REFUSALS = [
    pytest.param(put("/view/blocks", [{"type": "divider"}] * 101), "/view/blocks", id="over-100-blocks"),
    pytest.param(put("/view/type", "popup"), "/view/type", id="unknown-view-type"),
    pytest.param(put("/view/title/text", "x" * 25), "/view/title/text", id="title-too-long"),
    pytest.param(drop("/view/title"), "/view/title", id="title-missing"),
    pytest.param(put("/view/title", mrkdwn("Idea")), "/view/title/type", id="title-mrkdwn"),
    pytest.param(put("/view/submit/text", "x" * 25), "/view/submit/text", id="submit-too-long"),
    pytest.param(put("/view/close/text", "x" * 25), "/view/close/text", id="close-too-long"),
    pytest.param(drop("/view/submit"), "/view/submit", id="inputs-without-submit"),
    pytest.param(put("/view/private_metadata", "x" * 3001), "/view/private_metadata", id="metadata-too-long"),
    pytest.param(put("/view/callback_id", "x" * 256), "/view/callback_id", id="callback-id-too-long"),
    pytest.param(put("/view/blocks/2/label/text", "x" * 2001), "/view/blocks/2/label/text", id="label-too-long"),
    pytest.param(put("/view/blocks/2/label", mrkdwn("Title")), "/view/blocks/2/label/type", id="label-mrkdwn"),
    pytest.param(put("/view/blocks/2/hint/text", "x" * 2001), "/view/blocks/2/hint/text", id="hint-too-long"),
    pytest.param(drop("/view/blocks/2/element"), "/view/blocks/2/element", id="input-without-element"),
    pytest.param(
        put("/view/blocks/2/element", buttons(1)[0]), "/view/blocks/2/element/type", id="button-as-input-element"
    ),
    pytest.param(
        put("/view/blocks/2/element/initial_value", "x" * 151),
        "/view/blocks/2/element/initial_value",
        id="initial-value-over-max-length",
    ),
    pytest.param(
        put("/view/blocks/2/element/max_length", 3001), "/view/blocks/2/element/max_length", id="max-length-over-3000"
    ),
    pytest.param(
        put("/view/blocks/3/element/min_length", 3001), "/view/blocks/3/element/min_length", id="min-length-over-3000"
    ),
    pytest.param(
        put("/view/blocks/2/element/placeholder/text", "x" * 151),
        "/view/blocks/2/element/placeholder/text",
        id="input-placeholder-too-long",
    ),
    pytest.param(
        put("/view/blocks/6/element/options", options(11)), "/view/blocks/6/element/options", id="radio-over-10"
    ),
    pytest.param(
        put("/view/blocks/7/element/options", options(11)), "/view/blocks/7/element/options", id="checkboxes-over-10"
    ),
    pytest.param(
        put("/view/blocks/4/element/initial_option", option("Discovery", "other")),
        "/view/blocks/4/element/initial_option",
        id="initial-option-value-mismatch",
    ),
    pytest.param(
        put("/view/blocks/5/element/initial_date", "05/01/2024"),
        "/view/blocks/5/element/initial_date",
        id="date-not-iso",
    ),
    pytest.param(
        put("/view/blocks/5/element/initial_date", "2024-02-30"),
        "/view/blocks/5/element/initial_date",
        id="date-impossible",
    ),
    pytest.param(put("/view/blocks/3/block_id", "title"), "/view/blocks/3/block_id", id="dup-block-id-in-view"),
]


def refusal(excinfo: pytest.ExceptionInfo[SlackApiError]) -> tuple[str, list[str]]:
    response = excinfo.value.response
    return response["error"], response.get("errors", [])


# ----------------------------------------------------------------------------------------------------------------
# Valid payloads are accepted, with realistic answers


def test_valid_message_is_accepted_and_recorded_decoded(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(**valid_message())
    second = client.chat_postMessage(channel="U42", text="dm")

    assert first["channel"] == "C123"
    assert first["message"]["blocks"][0]["type"] == "header"
    assert second["channel"] == "DU42"
    assert float(first["ts"]) < float(second["ts"])
    [call, _] = fake.calls("chat.postMessage")
    assert call.ok and call.error is None and call.token == "xoxb-test"
    assert call.args["blocks"] == valid_message()["blocks"]
    assert call.path == "/api/chat.postMessage"
    assert fake.refused() == []


def test_valid_modal_is_accepted(fake: FakeSlack, client: WebClient) -> None:
    view = client.views_open(trigger_id="123.456", view=valid_modal())["view"]

    assert view["id"].startswith("V") and view["hash"] and view["team_id"] == "T1"
    assert view["state"] == {"values": {}}
    assert view["callback_id"] == "new_idea"
    assert fake.calls("views.open")[0].args["view"]["title"] == plain("Share an idea")


def test_home_view_needs_no_title_and_keeps_its_id(client: WebClient) -> None:
    first = client.views_publish(user_id="U1", view=valid_home())["view"]
    second = client.views_publish(user_id="U1", view=valid_home())["view"]

    assert first["id"] == second["id"]


def test_modal_type_is_refused_by_views_publish(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id="U1", view=valid_modal())

    assert refusal(excinfo)[0] == "invalid_blocks"


def test_views_update_and_push(client: WebClient) -> None:
    opened = client.views_open(trigger_id="t", view=valid_modal())["view"]
    updated = client.views_update(view_id=opened["id"], view=valid_modal())["view"]
    by_external = client.views_update(external_id="idea-42", view=valid_modal())["view"]
    again = client.views_update(external_id="idea-42", view=valid_modal())["view"]
    pushed = client.views_push(trigger_id="t", view=valid_modal())["view"]

    assert updated["id"] == opened["id"]
    assert by_external["id"] == again["id"] != opened["id"]
    assert pushed["id"] not in (opened["id"], by_external["id"])


# ----------------------------------------------------------------------------------------------------------------
# Block Kit refusals


@pytest.mark.parametrize(("mutate", "pointer"), MESSAGE_REFUSALS)
def test_message_is_refused(fake: FakeSlack, client: WebClient, mutate: Mutation, pointer: str) -> None:
    payload = valid_message()
    mutate(payload)

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(**payload)

    error, errors = refusal(excinfo)
    assert error == "invalid_blocks"
    assert any(e.endswith(f"[json-pointer:{pointer}]") for e in errors), errors
    [call] = fake.refused()
    assert (call.method, call.ok, call.error) == ("chat.postMessage", False, "invalid_blocks")


@pytest.mark.parametrize(("mutate", "pointer"), VIEW_REFUSALS)
def test_view_is_refused(fake: FakeSlack, client: WebClient, mutate: Mutation, pointer: str) -> None:
    payload = {"view": valid_modal()}
    mutate(payload)

    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="123.456", **payload)

    error, errors = refusal(excinfo)
    assert error == "invalid_blocks"
    assert any(e.endswith(f"[json-pointer:{pointer}]") for e in errors), errors
    [call] = fake.refused()
    assert call.method == "views.open" and call.response["errors"] == errors


def test_every_problem_is_reported_in_slack_wording(client: WebClient) -> None:
    payload = valid_message()
    payload["blocks"][0]["text"]["text"] = "x" * 151
    payload["blocks"][1]["text"]["text"] = "x" * 3001

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(**payload)

    assert refusal(excinfo)[1] == [
        "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        "must be less than 3001 characters [json-pointer:/blocks/1/text/text]",
    ]


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(
            lambda c, blocks: c.chat_postEphemeral(channel="C1", user="U1", text="t", blocks=blocks), id="eph"
        ),
        pytest.param(lambda c, blocks: c.chat_update(channel="C1", ts="1.2", text="t", blocks=blocks), id="update"),
        pytest.param(
            lambda c, blocks: c.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)}),
            id="form-encoded",
        ),
    ],
)
def test_other_message_methods_are_validated_too(fake: FakeSlack, client: WebClient, send: Callable) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        send(client, [INPUT_BLOCK])

    assert refusal(excinfo)[0] == "invalid_blocks"
    assert fake.refused()[0].args["blocks"] == [INPUT_BLOCK]


def test_form_encoded_blocks_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    blocks = valid_message()["blocks"]
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)})

    assert fake.calls()[0].args["blocks"] == blocks


def test_blocks_that_are_not_json_are_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("chat.postMessage", params={"channel": "C1", "blocks": "[{"})

    assert refusal(excinfo)[0] == "invalid_blocks_format"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"channel": "C1", "text": "x" * 40_001}, "msg_too_long", id="text-over-40000"),
        pytest.param({"channel": "C1"}, "no_text", id="no-text"),
        pytest.param({"channel": "", "text": "hi"}, "channel_not_found", id="no-channel"),
    ],
)
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
def test_message_arguments_are_checked(fake: FakeSlack, client: WebClient, kwargs: dict, error: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(**kwargs)

    assert refusal(excinfo)[0] == error
    assert len(fake.refused()) == 1


@pytest.mark.parametrize(
    ("send", "missing"),
    [
        pytest.param(lambda c: c.chat_postEphemeral(channel="C1", user="", text="t"), "user", id="ephemeral-user"),
        pytest.param(lambda c: c.chat_update(channel="C1", ts="", text="t"), "ts", id="update-ts"),
        pytest.param(lambda c: c.views_open(trigger_id="", view=valid_modal()), "trigger_id", id="open-trigger"),
        pytest.param(
            lambda c: c.api_call("views.update", json={"view": valid_modal()}), "view_id", id="update-without-id"
        ),
        pytest.param(lambda c: c.views_publish(user_id="", view=valid_home()), "user_id", id="publish-user"),
    ],
)
def test_missing_arguments_are_refused(client: WebClient, send: Callable, missing: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        send(client)

    assert excinfo.value.response["error"] == "invalid_arguments"
    assert missing in excinfo.value.response["response_metadata"]["messages"][0]


# ----------------------------------------------------------------------------------------------------------------
# response_url


def test_response_url_validates_like_a_message(fake: FakeSlack) -> None:
    hook = WebhookClient(fake.response_url("cmd"))

    good = hook.send(text="Saved", blocks=valid_message()["blocks"], response_type="ephemeral")
    bad = hook.send(text="Saved", blocks=[INPUT_BLOCK])
    delete = hook.send_dict({"delete_original": True})

    assert (good.status_code, json.loads(good.body)) == (200, {"ok": True})
    assert bad.status_code == 400 and json.loads(bad.body)["error"] == "invalid_blocks"
    assert delete.status_code == 200
    calls = fake.calls("response_url")
    assert [c.ok for c in calls] == [True, False, True]
    assert calls[0].path == "/response/cmd" and calls[0].token is None
    assert calls[0].args["blocks"] == valid_message()["blocks"]
    assert fake.refused() == [calls[1]]


# ----------------------------------------------------------------------------------------------------------------
# Auth and the other methods


def test_malformed_json_is_refused(fake: FakeSlack) -> None:
    request = urllib.request.Request(
        fake.response_url(), data=b"{nope", headers={"Content-Type": "application/json"}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=2)

    assert excinfo.value.code == 400 and json.load(excinfo.value)["error"] == "invalid_json"
    assert [c.error for c in fake.refused()] == ["invalid_json"]


@pytest.mark.parametrize(("token", "error"), [(None, "not_authed"), ("bad-token", "invalid_auth")])
def test_token_is_required(fake: FakeSlack, token: str | None, error: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(token=token, base_url=fake.url, retry_handlers=[]).auth_test()

    assert excinfo.value.response["error"] == error
    assert fake.calls()[0].token == token


def test_token_may_come_in_the_form(fake: FakeSlack) -> None:
    response = WebClient(base_url=fake.url, retry_handlers=[]).api_call("auth.test", params={"token": "xoxp-user"})

    assert response["ok"] and fake.calls()[0].token == "xoxp-user"


def test_auth_test_describes_the_bot(client: WebClient) -> None:
    response = client.auth_test()

    assert {k: response[k] for k in ("team", "user", "team_id", "user_id", "bot_id", "is_enterprise_install")} == {
        "team": "Acme",
        "user": "outcomebot",
        "team_id": "T1",
        "user_id": "UBOT",
        "bot_id": "BBOT",
        "is_enterprise_install": False,
    }


def test_conversation_and_permalink_methods(client: WebClient) -> None:
    assert client.conversations_open(users=["U7", "U8"])["channel"]["id"] == "DU7"
    assert client.conversations_join(channel="C9")["channel"]["id"] == "C9"
    info = client.conversations_info(channel="C9")["channel"]
    assert (info["id"], info["is_private"], info["is_member"], info["name"]) == ("C9", False, True, "general")
    link = client.chat_getPermalink(channel="C9", message_ts="1700000000.000100")["permalink"]
    assert link == "https://acme.slack.com/archives/C9/p1700000000000100"


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("files.teleport")

    assert excinfo.value.response["error"] == "unknown_method"


def test_users_info_shapes(fake: FakeSlack, client: WebClient) -> None:
    fake.users["U2"] = {"is_admin": True, "tz": "Europe/London", "profile": {"display_name": "ana"}}

    default = client.users_info(user="U1")["user"]
    admin = client.users_info(user="U2")["user"]

    assert (default["id"], default["is_admin"], default["tz"], default["tz_offset"]) == ("U1", False, "UTC", 0)
    assert default["profile"]["real_name"] == default["real_name"]
    assert admin["is_admin"] is True and admin["tz"] == "Europe/London"
    assert admin["tz_offset"] in (0, 3600)
    assert admin["profile"] == {"display_name": "ana", "real_name": "User U2", "team": "T1"}
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="C1")
    assert excinfo.value.response["error"] == "user_not_found"


def test_users_info_via_get(fake: FakeSlack) -> None:
    # slack_sdk's sync client POSTs even "GET" methods; Bolt's async client and plain HTTP callers really GET.
    request = urllib.request.Request(fake.url + "users.info?user=U3", headers={"Authorization": "Bearer xoxb-test"})
    with urllib.request.urlopen(request, timeout=2) as response:
        body = json.load(response)

    assert body["ok"] and body["user"]["id"] == "U3"
    [call] = fake.calls("users.info")
    assert (call.path, call.args, call.token) == ("/api/users.info?user=U3", {"user": "U3"}, "xoxb-test")


def test_bolt_app_can_start_against_it(fake: FakeSlack, client: WebClient) -> None:
    from slack_bolt import App

    App(client=client, signing_secret="secret")

    assert [c.method for c in fake.calls()] == ["auth.test"]


# ----------------------------------------------------------------------------------------------------------------
# Waiting, failure injection, lifecycle


def test_wait_for_sees_calls_from_other_threads(fake: FakeSlack, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.05)
        client.chat_postMessage(channel="C1", text="one")
        client.chat_postMessage(channel="C1", text="two")

    threading.Thread(target=later).start()

    assert [c.args["text"] for c in fake.wait_for("chat.postMessage", count=2, timeout=2)] == ["one", "two"]


def test_wait_for_times_out_with_what_it_saw(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()

    with pytest.raises(AssertionError, match=r"expected 1 'views.open' call\(s\) within 0.05s, got 0.*auth\.test"):
        fake.wait_for("views.open", timeout=0.05)


def test_rate_limit_is_retried_by_slack_sdk(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtin_handlers, "random", SimpleNamespace(random=lambda: 0.0))  # no jitter: stay fast
    client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler()])
    fake.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "0"})

    response = client.chat_postMessage(channel="C1", text="hi")

    assert response["ok"]
    assert [(c.ok, c.error) for c in fake.calls("chat.postMessage")] == [(False, "ratelimited"), (True, None)]


def test_injected_failures_are_not_refusals(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", "channel_not_found")

    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hi")

    assert fake.calls()[0].injected and fake.refused() == []


def test_server_errors_until_reset(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("auth.test", status=500, times=None)
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.auth_test()
        assert excinfo.value.response.status_code == 500
        assert excinfo.value.response["error"] == "internal_error"

    fake.reset()

    assert client.auth_test()["ok"] and len(fake.calls()) == 1


def test_server_error_retry_succeeds_after_times(fake: FakeSlack) -> None:
    handler = ServerErrorRetryHandler(max_retry_count=2)
    handler.interval_calculator = SimpleNamespace(calculate_sleep_duration=lambda attempt: 0)
    client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[handler])
    fake.fail("users.info", status=503, times=2)

    assert client.users_info(user="U1")["ok"]
    assert [c.ok for c in fake.calls()] == [False, False, True]


def test_close_frees_the_port() -> None:
    with FakeSlack() as fake:
        WebClient(token="xoxb-test", base_url=fake.url).auth_test()

    with pytest.raises(OSError):
        WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[], timeout=1).auth_test()
    fake.close()  # idempotent


# ----------------------------------------------------------------------------------------------------------------
# Latency


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages]


def timed(send: Callable[[], Any]) -> float:
    started = time.monotonic()
    send()
    return time.monotonic() - started


def test_latency_delays_every_answer_and_one_method_can_differ(fake: FakeSlack, client: WebClient) -> None:
    fake.set_latency(0.2)
    fake.set_latency(0.4, "users.info")

    assert fake.latency == 0.2
    assert 0.2 <= timed(client.auth_test) < 0.4
    assert timed(lambda: client.users_info(user="U1")) >= 0.4
    assert timed(lambda: hook(fake).send(text="hi")) >= 0.2


def test_a_trickled_answer_outlasts_a_socket_timeout_longer_than_its_gaps(fake: FakeSlack) -> None:
    """set_trickle(): the whole answer takes its seconds, yet a client whose socket timeout is longer than the
    gaps between pieces never times out (as a slow network does to Slack's answers)."""
    fake.set_trickle(1.0, "users.info")
    quick = WebClient(token="xoxb-test", base_url=fake.url, timeout=0.6, retry_handlers=[])

    assert timed(lambda: quick.users_info(user="U1")) >= 0.9
    assert timed(quick.auth_test) < 0.5


def test_a_call_is_recorded_when_it_arrives_not_when_it_is_answered(fake: FakeSlack, client: WebClient) -> None:
    fake.latency = 0.2
    before = time.monotonic()
    client.chat_postMessage(channel="C1", text="hi")
    after = time.monotonic()

    [call] = fake.calls()
    assert before <= call.at <= after - 0.2


def test_latency_does_not_hold_up_other_connections(fake: FakeSlack) -> None:
    fake.latency = 0.3
    threads = [threading.Thread(target=web(fake).auth_test) for _ in range(2)]

    def both() -> None:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert timed(both) < 0.5
    assert [c.ok for c in fake.calls()] == [True, True]


# ----------------------------------------------------------------------------------------------------------------
# Failure modes


def test_an_injected_answer_carries_its_status_and_headers(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "30"}, times=3)

    for _ in range(3):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C1", text="hi")
        response = excinfo.value.response
        assert (response.status_code, response["error"], response.headers["Retry-After"]) == (429, "ratelimited", "30")
    client.chat_postMessage(channel="C1", text="at last")

    assert texts(fake.messages("C1")) == ["at last"]
    assert [c.injected for c in fake.calls()] == [True, True, True, False] and fake.refused() == []


UNANSWERED = [  # mode, what the client raises, what got posted, the call as recorded (error, ok, injected)
    pytest.param("drop", ConnectionError, [], ("dropped", False, True), id="drop"),
    pytest.param("hang", TimeoutError, [], ("hung", False, True), id="hang"),
    pytest.param("drop_after", ConnectionError, ["hi"], (None, True, False), id="drop-after"),
    pytest.param("hang_after", TimeoutError, ["hi"], (None, True, False), id="hang-after"),
]


@pytest.mark.parametrize(("mode", "raised", "posted", "recorded"), UNANSWERED)
def test_a_call_can_go_unanswered(
    fake: FakeSlack, mode: str, raised: type[Exception], posted: list[str], recorded: tuple
) -> None:
    fake.fail("chat.postMessage", mode=mode, hang_seconds=2)

    with pytest.raises(raised):
        web(fake, timeout=0.5).chat_postMessage(channel="C1", text="hi")

    assert texts(fake.messages("C1")) == posted
    [call] = fake.calls()
    assert (call.error, call.ok, call.injected, call.unanswered) == (*recorded, True)
    assert fake.refused() == []
    assert web(fake).chat_postMessage(channel="C1", text="next")["ok"]  # times=1: the rule is used up


def test_a_drop_happens_at_once_and_a_hang_lasts_hang_seconds(fake: FakeSlack) -> None:
    fake.fail("auth.test", mode="drop")
    fake.fail("auth.test", mode="hang", hang_seconds=0.3)

    def dropped() -> None:
        with pytest.raises(ConnectionError):
            web(fake).auth_test()

    assert timed(dropped) < 0.2
    assert 0.3 <= timed(dropped) < 1  # closed, unanswered, once hang_seconds are up


def test_reset_lets_a_hanging_call_go(fake: FakeSlack) -> None:
    fake.fail("auth.test", mode="hang", hang_seconds=30)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            web(fake).auth_test()
        except Exception as error:
            errors.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    fake.wait_for("auth.test")
    fake.reset()
    thread.join(timeout=2)

    assert not thread.is_alive() and isinstance(errors[0], ConnectionError)


@pytest.mark.parametrize(
    ("mode", "check"),
    [
        pytest.param("answer", lambda send: send().status_code == 503, id="answer"),
        pytest.param("drop", lambda send: pytest.raises(ConnectionError, send), id="drop"),
        pytest.param("hang", lambda send: pytest.raises(TimeoutError, send), id="hang"),
    ],
)
def test_response_url_fails_the_same_ways(fake: FakeSlack, mode: str, check: Callable) -> None:
    fake.fail("response_url", "internal_error", status=503, mode=mode, hang_seconds=1)

    assert check(lambda: hook(fake, timeout=0.5).send(text="hi"))
    assert hook(fake).send(text="hi").status_code == 200
    assert [c.ok for c in fake.calls("response_url")] == [False, True]


def test_drop_after_a_response_url_post_still_counts_it(fake: FakeSlack) -> None:
    fake.fail("response_url", mode="drop_after")

    with pytest.raises(ConnectionError):
        hook(fake).send(text="hi")

    [call] = fake.calls()
    assert (call.ok, call.unanswered, call.args["text"]) == (True, True, "hi")


def test_match_fails_only_the_matching_calls(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", "account_inactive", match={"channel": "UPM"}, times=None)

    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="UPM", text="for the PM")
        client.chat_postMessage(channel="C1", text="for everyone")

    assert texts(fake.messages("C1")) == ["for everyone", "for everyone"] and fake.messages("UPM") == []
    assert [c.error for c in fake.calls()] == ["account_inactive", None, "account_inactive", None]


def test_match_takes_values_as_sent_though_forms_turn_them_into_strings(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("conversations.history", "ratelimited", match={"limit": 2})

    assert client.conversations_history(channel="C1", limit=3)["ok"]
    with pytest.raises(SlackApiError):
        client.conversations_history(channel="C1", limit=2)


def test_rules_add_up_and_the_first_matching_one_with_times_left_applies(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", "ratelimited", status=429, match={"channel": "C1"}, times=2)
    fake.fail("chat.postMessage", "fatal_error")
    fake.fail("chat.postMessage", "channel_not_found", match={"channel": "C3"}, times=None)

    for channel in ("C2", "C1", "C1", "C1", "C2", "C3", "C3"):
        with contextlib.suppress(SlackApiError):
            client.chat_postMessage(channel=channel, text="hi")

    assert [(c.args["channel"], c.error) for c in fake.calls()] == [
        ("C2", "fatal_error"),
        ("C1", "ratelimited"),
        ("C1", "ratelimited"),
        ("C1", None),
        ("C2", None),
        ("C3", "channel_not_found"),
        ("C3", "channel_not_found"),
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"mode": "explode"}, id="unknown-mode"),
        pytest.param({"times": 0}, id="zero-times"),
    ],
)
def test_fail_refuses_rules_that_could_never_apply(fake: FakeSlack, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        fake.fail("auth.test", **kwargs)


# ----------------------------------------------------------------------------------------------------------------
# Slack's limit on all the text in a message's blocks


def section(length: int) -> dict:
    return {"type": "section", "text": mrkdwn("x" * length)}


def at_limit() -> list[dict]:
    return [section(3000)] * (MESSAGE_MAX_BLOCKS_TEXT // 3000)


# One character of text in each place Slack counts it, for a message already at the limit.
ONE_MORE = {
    "button": {"type": "actions", "elements": [{"type": "button", "action_id": "b", "text": plain("x")}]},
    "field": {"type": "section", "fields": [mrkdwn("x")]},
    "context": {"type": "context", "elements": [mrkdwn("x")]},
    "rich_text": {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "x"}]}],
    },
    "option": {
        "type": "actions",
        "elements": [{"type": "static_select", "action_id": "s", "options": [option("x", "v")]}],
    },
}


def one_over(where: str) -> list[dict]:
    return [*at_limit(), ONE_MORE[where]]


SENDS = [
    pytest.param(lambda c, blocks: c.chat_postMessage(channel="C1", text="t", blocks=blocks), id="post"),
    pytest.param(lambda c, blocks: c.chat_postEphemeral(channel="C1", user="U1", text="t", blocks=blocks), id="eph"),
    pytest.param(lambda c, blocks: c.chat_update(channel="C1", ts="1.2", text="t", blocks=blocks), id="update"),
]


@pytest.mark.parametrize("send", SENDS)
@pytest.mark.parametrize("where", list(ONE_MORE))
def test_blocks_with_too_much_text_are_refused(fake: FakeSlack, client: WebClient, send: Callable, where: str) -> None:
    send(client, at_limit())
    with pytest.raises(SlackApiError) as excinfo:
        send(client, one_over(where))

    assert refusal(excinfo)[0] == "msg_blocks_too_long"
    assert [c.error for c in fake.refused()] == ["msg_blocks_too_long"]


def test_response_url_has_the_same_text_limit(fake: FakeSlack) -> None:
    assert hook(fake).send(text="t", blocks=at_limit()).status_code == 200
    too_long = hook(fake).send(text="t", blocks=one_over("button"))

    assert too_long.status_code == 400 and json.loads(too_long.body)["error"] == "msg_blocks_too_long"


def test_the_top_level_text_is_not_counted_with_the_blocks(client: WebClient) -> None:
    assert client.chat_postMessage(channel="C1", text="x" * 39_000, blocks=at_limit())["ok"]


# ----------------------------------------------------------------------------------------------------------------
# Channel and user states


def setter(table: str, key: str, state: dict) -> Callable[[FakeSlack], None]:
    return lambda fake: getattr(fake, table).__setitem__(key, state)


ARCHIVED = setter("channels", "C9", {"is_archived": True})
OUTSIDE = setter("channels", "C9", {"is_member": False})
GONE = setter("channels", "C9", {"exists": False})
DEACTIVATED = setter("users", "U9", {"deleted": True})

POST = lambda c: c.chat_postMessage(channel="C9", text="hi")  # noqa: E731 - a table of one-liners
UPDATE = lambda c: c.chat_update(channel="C9", ts="1.2", text="hi")  # noqa: E731
EPHEMERAL = lambda c: c.chat_postEphemeral(channel="C9", user="U1", text="hi")  # noqa: E731
PERMALINK = lambda c: c.chat_getPermalink(channel="C9", message_ts="1.2")  # noqa: E731
HISTORY = lambda c: c.conversations_history(channel="C9")  # noqa: E731


@pytest.mark.parametrize(
    ("state", "send", "error"),
    [
        pytest.param(ARCHIVED, POST, "is_archived", id="archived-post"),
        pytest.param(ARCHIVED, UPDATE, "is_archived", id="archived-update"),
        pytest.param(ARCHIVED, EPHEMERAL, "is_archived", id="archived-ephemeral"),
        pytest.param(ARCHIVED, lambda c: c.conversations_join(channel="C9"), "is_archived", id="archived-join"),
        pytest.param(OUTSIDE, POST, "not_in_channel", id="outside-post"),
        pytest.param(OUTSIDE, UPDATE, "not_in_channel", id="outside-update"),
        pytest.param(OUTSIDE, EPHEMERAL, "not_in_channel", id="outside-ephemeral"),
        pytest.param(OUTSIDE, HISTORY, "not_in_channel", id="outside-history"),
        pytest.param(GONE, POST, "channel_not_found", id="gone-post"),
        pytest.param(GONE, UPDATE, "channel_not_found", id="gone-update"),
        pytest.param(GONE, EPHEMERAL, "channel_not_found", id="gone-ephemeral"),
        pytest.param(GONE, PERMALINK, "channel_not_found", id="gone-permalink"),
        pytest.param(GONE, HISTORY, "channel_not_found", id="gone-history"),
        pytest.param(DEACTIVATED, lambda c: c.chat_postMessage(channel="U9", text="hi"), "account_inactive", id="dm"),
        pytest.param(
            DEACTIVATED, lambda c: c.chat_postMessage(channel="DU9", text="hi"), "account_inactive", id="dm-channel"
        ),
        pytest.param(DEACTIVATED, lambda c: c.conversations_open(users=["U9"]), "account_inactive", id="dm-open"),
        pytest.param(
            DEACTIVATED,
            lambda c: c.chat_postEphemeral(channel="C1", user="U9", text="hi"),
            "user_not_found",
            id="ephemeral-to-deactivated",
        ),
    ],
)
def test_channel_and_user_states_get_slacks_answers(
    fake: FakeSlack, client: WebClient, state: Callable, send: Callable, error: str
) -> None:
    state(fake)

    with pytest.raises(SlackApiError) as excinfo:
        send(client)

    assert excinfo.value.response["error"] == error
    assert fake.refused() == []  # Slack's normal answers, not malformed requests
    assert fake.messages("C9") == fake.messages("U9") == []


def test_the_bot_can_post_once_it_has_joined(fake: FakeSlack, client: WebClient) -> None:
    fake.channels["C9"] = {"is_member": False}
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C9", text="before")

    client.conversations_join(channel="C9")
    client.chat_postMessage(channel="C9", text="after")

    assert texts(fake.messages("C9")) == ["after"]


def test_a_deactivated_user_still_has_a_profile(fake: FakeSlack, client: WebClient) -> None:
    fake.users["U9"] = {"deleted": True}

    assert client.users_info(user="U9")["user"]["deleted"] is True


# ----------------------------------------------------------------------------------------------------------------
# Message history and metadata


EVENT = {"event_type": "idea_shared", "event_payload": {"idea": 42}}


def test_history_lists_top_level_messages_newest_first(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="first", metadata=EVENT)["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=parent)
    client.api_call("chat.postMessage", params={"channel": "C1", "text": "second", "metadata": json.dumps(EVENT)})
    client.chat_postMessage(channel="C2", text="elsewhere")

    plain_history = client.conversations_history(channel="C1")
    with_metadata = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]

    assert (texts(plain_history["messages"]), plain_history["has_more"]) == (["second", "first"], False)
    assert all("metadata" not in m for m in plain_history["messages"])
    assert [m["metadata"] for m in with_metadata] == [EVENT, EVENT]
    first = with_metadata[1]
    assert (first["ts"], first["thread_ts"], first["reply_count"], first["bot_id"]) == (parent, parent, 1, "BBOT")


@pytest.mark.parametrize(
    ("arguments", "expected", "has_more"),  # arguments made from the ts of four messages m0..m3
    [
        pytest.param(lambda ts: {"oldest": ts[0], "latest": ts[3]}, ["m2", "m1"], False, id="exclusive"),
        pytest.param(
            lambda ts: {"oldest": ts[0], "latest": ts[3], "inclusive": True},
            ["m3", "m2", "m1", "m0"],
            False,
            id="inclusive",
        ),
        pytest.param(lambda ts: {"oldest": ts[1]}, ["m3", "m2"], False, id="oldest"),
        pytest.param(lambda ts: {"latest": ts[1]}, ["m0"], False, id="latest"),
        pytest.param(lambda ts: {"limit": 3}, ["m3", "m2", "m1"], True, id="limit"),
    ],
)
def test_history_filters_by_ts(client: WebClient, arguments: Callable, expected: list[str], has_more: bool) -> None:
    ts = [client.chat_postMessage(channel="C1", text=f"m{i}")["ts"] for i in range(4)]

    history = client.conversations_history(channel="C1", **arguments(ts))

    assert (texts(history["messages"]), history["has_more"]) == (expected, has_more)


def test_history_pages_with_slacks_cursor(client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel="C1", text=f"m{i}")

    pages = [texts(page["messages"]) for page in client.conversations_history(channel="C1", limit=2)]

    assert pages == [["m4", "m3"], ["m2", "m1"], ["m0"]]


def test_replies_list_a_thread_oldest_first(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    client.chat_postMessage(channel="C1", text="unrelated")
    reply = client.chat_postMessage(channel="C1", text="one", thread_ts=parent)["ts"]
    client.chat_postMessage(channel="C1", text="two", thread_ts=parent)

    from_parent = client.conversations_replies(channel="C1", ts=parent)["messages"]
    from_reply = client.conversations_replies(channel="C1", ts=reply)["messages"]

    assert texts(from_parent) == texts(from_reply) == ["parent", "one", "two"]
    assert from_parent[1]["thread_ts"] == parent
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_replies(channel="C1", ts="1.000001")
    assert excinfo.value.response["error"] == "thread_not_found"


def test_messages_shows_every_message_with_updates_applied(fake: FakeSlack, client: WebClient) -> None:
    blocks = [section(5)]
    card = client.chat_postMessage(channel="C1", text="card", blocks=blocks, metadata=EVENT)["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=card)
    client.chat_update(channel="C1", ts=card, text="card, updated")
    after_text_only = fake.messages("C1")[0]["blocks"]
    client.chat_update(channel="C1", ts=card, text="card, again", blocks=[section(7)])

    [first, second] = fake.messages("C1")
    assert after_text_only == blocks  # Slack keeps the blocks an update leaves out
    assert first == {"ts": card, "text": "card, again", "blocks": [section(7)], "thread_ts": None, "metadata": EVENT}
    assert (second["text"], second["thread_ts"], second["blocks"], second["metadata"]) == ("reply", card, None, None)


def test_a_dm_to_a_user_is_the_channel_conversations_open_names(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="U7", text="by user id")
    dm = client.conversations_open(users=["U7"])["channel"]["id"]
    client.chat_postMessage(channel=dm, text="by DM id")

    assert texts(fake.messages("U7")) == texts(fake.messages(dm)) == ["by user id", "by DM id"]
    assert texts(client.conversations_history(channel=dm)["messages"]) == ["by DM id", "by user id"]


@pytest.mark.parametrize(
    ("send", "error"),
    [
        pytest.param(
            lambda c: c.api_call("chat.postMessage", params={"channel": "C1", "text": "t", "metadata": "{"}),
            "invalid_metadata_format",
            id="metadata-not-json",
        ),
        pytest.param(
            lambda c: c.chat_postMessage(channel="C1", text="t", metadata={"event_payload": {}}),
            "invalid_metadata_schema",
            id="metadata-without-event-type",
        ),
        pytest.param(lambda c: c.conversations_history(channel="U7"), "channel_not_found", id="history-of-a-user"),
        pytest.param(lambda c: c.conversations_history(channel="C1", oldest="soon"), "invalid_ts_oldest", id="ts"),
        pytest.param(lambda c: c.conversations_history(channel="C1", cursor="%%"), "invalid_cursor", id="cursor"),
    ],
)
def test_malformed_history_and_metadata_are_refused(
    fake: FakeSlack, client: WebClient, send: Callable, error: str
) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        send(client)

    assert excinfo.value.response["error"] == error
    assert [c.error for c in fake.refused()] == [error]
    assert fake.messages("C1") == []


def test_reset_clears_rules_latency_and_messages(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="old")
    fake.fail("chat.postMessage", times=None)
    fake.fail("auth.test", mode="drop", times=None)
    fake.set_latency(0.5)
    fake.set_latency(0.5, "conversations.history")

    fake.reset()

    assert fake.latency == 0 and fake.messages("C1") == []
    assert timed(lambda: client.conversations_history(channel="C1")) < 0.2
    assert client.chat_postMessage(channel="C1", text="new")["ok"] and client.auth_test()["ok"]
    assert texts(client.conversations_history(channel="C1")["messages"]) == ["new"]


# ----------------------------------------------------------------------------------------------------------------
# The app's own HTTP answers (a command's reply, a view submission's response_action), checked as Slack checks them


DIVIDER = {"type": "divider"}


def submitted_modal() -> dict:
    return {**valid_modal(), "id": "V1", "state": {"values": {}}}


OPTION = {"text": {"type": "plain_text", "text": "Finance closes faster"}, "value": "12"}
REPLY_CASES = [
    pytest.param("command", "", None, id="bare-ack"),
    pytest.param("command", "Sending you a CSV", None, id="plain-words"),
    pytest.param("command", json.dumps({"response_type": "ephemeral", **valid_message()}), None, id="message"),
    pytest.param("command", json.dumps({"blocks": [{"type": "divider"}] * 51}), "invalid_blocks", id="51-blocks"),
    pytest.param("command", json.dumps({"text": "x" * 40_001}), "msg_too_long", id="text-too-long"),
    pytest.param("command", json.dumps({"blocks": [{"type": "section", "text": mrkdwn("x" * 3000)}] * 5}),
                 "msg_blocks_too_long", id="blocks-text-too-long"),
    pytest.param("command", "[1]", "invalid_json", id="not-an-object"),
    pytest.param("view_submission", "", None, id="closes"),
    pytest.param("view_submission", json.dumps({"response_action": "errors", "errors": {"title": "Too short"}}),
                 None, id="error-on-an-input"),
    pytest.param("view_submission", json.dumps({"response_action": "errors", "errors": {"reason": "Why?"}}),
                 "invalid_blocks", id="error-on-no-such-block"),
    pytest.param("view_submission", json.dumps({"response_action": "errors", "errors": {}}), "invalid_blocks",
                 id="no-errors"),
    pytest.param("view_submission", json.dumps({"response_action": "update", "view": valid_modal()}), None,
                 id="update"),
    pytest.param("view_submission",
                 json.dumps({"response_action": "update", "view": {**valid_modal(), "title": plain("x" * 25)}}),
                 "invalid_blocks", id="update-title-too-long"),
    pytest.param("view_submission",
                 json.dumps({"response_action": "push", "view": {**valid_modal(), "blocks": [DIVIDER] * 101}}),
                 "invalid_blocks", id="push-over-100-blocks"),
    pytest.param("block_suggestion", json.dumps({"options": [OPTION] * 100}), None, id="100-options"),
    pytest.param("block_suggestion", json.dumps({"options": []}), None, id="nothing-matches"),
    pytest.param("block_suggestion", json.dumps({"options": [OPTION] * 101}), "invalid_options", id="101-options"),
    pytest.param("block_suggestion", json.dumps({"options": [{**OPTION, "text": plain("x" * 76)}]}),
                 "invalid_options", id="option-text-too-long"),
    pytest.param("block_suggestion", json.dumps({"options": [{**OPTION, "value": "1" * 151}]}),
                 "invalid_options", id="option-value-too-long"),
    pytest.param("block_suggestion", json.dumps({"options": [{**OPTION, "text": mrkdwn("x")}]}),
                 "invalid_options", id="mrkdwn-option"),
    pytest.param("block_suggestion", "", "invalid_options", id="suggestion-bare-ack"),
]


@pytest.mark.parametrize(("kind", "body", "error"), REPLY_CASES)
def test_the_apps_replies_are_checked_as_slack_checks_them(fake: FakeSlack, kind: str, body: str, error: str | None
                                                           ) -> None:
    fake.check_reply(kind, body, submitted_modal() if kind == "view_submission" else None)

    [reply] = fake.replies()
    assert (reply.method, reply.error) == (f"reply:{kind}", error)
    assert fake.refused() == ([] if error is None else [reply])
    assert fake.calls() == []  # the app called nothing: it answered


def test_a_confirm_dialog_and_option_groups_within_limits_are_accepted(fake: FakeSlack, client: WebClient) -> None:
    button = {"type": "button", "action_id": "decline", "text": plain("Decline"), "confirm": CONFIRM}
    blocks = [{"type": "actions", "elements": [button, GROUPED]}]

    assert client.chat_postMessage(channel="C1", text="t", blocks=blocks)["ok"] and fake.refused() == []
