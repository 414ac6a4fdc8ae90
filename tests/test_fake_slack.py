"""The fake must refuse what Slack refuses, or every other test that relies on it proves nothing."""

from __future__ import annotations

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

from tests.fake_slack import FakeSlack

Mutation = Callable[[dict], None]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeSlack) -> FakeSlack:
    server.reset()
    server.users.clear()
    return server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    # No retry handlers: a refusal must surface as SlackApiError, not be retried away.
    return WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[])


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
