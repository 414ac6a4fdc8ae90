"""What Slack checks in the app's own HTTP answers, which never pass through the Web API: a slash command's
immediate reply is a message, a view submission's `response_action` carries a view, or errors that
must each name an input block of the submitted view, and a block_suggestion's answer is the options an
external select shows. Slack refuses a bad one as it would a bad API call;
the person sees an error instead of the reply, or a form that will not close."""

from __future__ import annotations

import json
from typing import Any

from tests.fake_slack_objects import check_option_group

__all__ = ["reply_json", "suggestion_reply_errors", "view_response_errors"]


def reply_json(body: str) -> dict[str, Any] | None:
    """The reply as Slack reads it: None for an empty body (a bare ack), a JSON object, or plain words as a
    message's text; JSON that is not an object is refused (ValueError)."""
    if not body:
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return {"text": body}
    if not isinstance(answer, dict):
        raise ValueError("a reply must be a JSON object")
    return answer


def view_response_errors(answer: dict[str, Any], submitted: dict[str, Any], validate_view: Any) -> list[str]:
    """Slack's checks of a view_submission's answer; `validate_view` is the fake's, so views answered here and
    views sent by API are held to the same rules."""
    action = answer.get("response_action")
    if action is None or action == "clear":
        return []
    if action in ("update", "push"):
        view = answer.get("view")
        if not isinstance(view, dict):
            return ["must provide an object [json-pointer:/view]"]
        return validate_view(view, f"views.{action}")
    if action != "errors":
        return [f"must be a valid enum value (errors, update, push, clear) [json-pointer:/response_action: {action}]"]
    errors = answer.get("errors")
    if not isinstance(errors, dict) or not errors:
        return ["must provide an object with at least one error [json-pointer:/errors]"]
    blocks = submitted.get("blocks") or []
    inputs = {b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("type") == "input"}
    problems = []
    for block_id, message in errors.items():
        if block_id not in inputs:
            problems.append(f"no input block with this block_id in the view [json-pointer:/errors/{block_id}]")
        if not isinstance(message, str) or not message:
            problems.append(f"must provide a string [json-pointer:/errors/{block_id}]")
    return problems


def suggestion_reply_errors(answer: dict[str, Any] | None, checker: Any) -> list[str]:
    """Slack's checks of the options sent for an external select: `options` or `option_groups` (not both), 100
    at most, each option plain text of 75 characters and a value of 150. `checker` is the fake's Block Kit
    checker, so options answered here are held to the rules options in blocks are."""
    if answer is None or ("options" in answer) == ("option_groups" in answer):
        return ["must provide options or option_groups [json-pointer:/]"]
    if "options" in answer:
        options = checker.items(answer["options"], "/options", 100, min_items=0)
    else:
        groups = checker.items(answer["option_groups"], "/option_groups", 100, min_items=0)
        options = [option for i, group in enumerate(groups)
                   for option in check_option_group(checker, group, f"/option_groups/{i}")]
    for i, option in enumerate(options):
        checker.option(option, f"/options/{i}", plain_only=True)
    return checker.errors
