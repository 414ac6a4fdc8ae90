"""One owed row, turned into the Slack call it stands for.

Each function returns where the message went (channel, ts), or raises what Slack or the network
raised; the sender decides what that means. A post that may already have gone through (its last
attempt timed out, or its sender died mid-call) is first looked for by the delivery id it carries in
Slack's message metadata, so it is not posted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from models import Delivery

METADATA_TYPE = "outcome_bot_delivery"
# Payload keys that are ours, not Slack's arguments.
OURS = frozenset({"alternates", "on_sent", "on_failure", "idea", "chain", "fallback"})
Where = tuple[str | None, str | None]


class ResponseUrlError(Exception):
    """A response_url answered with an HTTP error (it has no error codes, only statuses)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"response_url answered {status}: {body[:80]}")
        self.status = status
        self.body = body


def arguments(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key not in OURS}


def post_message(client: WebClient, row: Delivery, thread_ts: str | None = None,
                 channel: str | None = None, payload: dict[str, Any] | None = None) -> Where:
    args = arguments(payload if payload is not None else row.payload)
    if channel is not None:
        args["channel"] = channel
    if thread_ts is not None:
        args["thread_ts"] = thread_ts
    if row.uncertain:
        found = find_posted(client, row, args["channel"], args.get("thread_ts"))
        if found is not None:
            return found
    args["metadata"] = {"event_type": METADATA_TYPE, "event_payload": {"delivery": row.id}}
    answer = joining(client, args["channel"], lambda: client.api_call("chat.postMessage", json=args))
    return answer.get("channel"), answer.get("ts")


def joining(client: WebClient, channel: str, call: Callable[[], Any]) -> Any:
    """A public channel the bot is not in yet (a digest channel, a new triage channel) is joined, once,
    as an admin would expect; a private one needs an invitation, and stays an error for PMs to see. A
    join Slack could not do just now (a rate limit, an outage) is raised as it is, for the sender to try
    again: it says nothing about the channel."""
    try:
        return call()
    except SlackApiError as error:
        if error.response.get("error") != "not_in_channel" or not channel.startswith("C"):
            raise
        try:
            client.conversations_join(channel=channel)
        except SlackApiError as refused:
            if passing(refused):
                raise
            raise error from None
        return call()


def find_posted(client: WebClient, row: Delivery, channel: str, thread_ts: str | None) -> Where | None:
    """The message this row posted on an attempt we never heard back from, if Slack has it."""
    try:
        if channel[:1] in ("U", "W"):  # a DM: its history is the IM channel's
            channel = client.conversations_open(users=channel)["channel"]["id"]
        # The newest messages, not those after our clock's idea of the time: the attempt was minutes ago
        # at most, and clocks (and test doubles) disagree. A channel's history comes newest first; a thread's
        # replies oldest first, so a long thread is read to its end, a page at a time.
        cursor = None
        for _ in range(THREAD_PAGES if thread_ts else 1):
            if thread_ts:
                answer = client.conversations_replies(channel=channel, ts=thread_ts, include_all_metadata=True,
                                                      limit=200, cursor=cursor)
            else:
                answer = client.conversations_history(channel=channel, include_all_metadata=True, limit=200)
            if (found := _ours(answer.get("messages") or [], row)) is not None:
                return channel, found
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
    except SlackApiError as error:
        if passing(error):
            raise
        return None  # no history to read here (no scope, no such method): post, as before this check
    return None


THREAD_PAGES = 25  # of 200 replies: a thread longer than 5,000 is taken as not having it


def _ours(messages: list[dict[str, Any]], row: Delivery) -> str | None:
    """The ts of the message this row posted, found by the delivery id in its metadata."""
    for message in messages:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if (message.get("metadata") or {}).get("event_type") == METADATA_TYPE and payload.get("delivery") == row.id:
            return message.get("ts")
    return None


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    """A message's link, or None when Slack refuses it for good (a rate limit or an outage is raised, for
    the sender to retry): what links to a message is still worth sending without one."""
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except SlackApiError as error:
        if passing(error):
            raise
        return None


def passing(error: SlackApiError) -> bool:
    """A rate limit or an outage: worth trying again, unlike a refusal."""
    return error.response.status_code == 429 or error.response.status_code >= 500


def post_ephemeral(client: WebClient, row: Delivery, thread_ts: str | None = None) -> Where:
    args = arguments(row.payload)
    if thread_ts is not None:
        args["thread_ts"] = thread_ts
    answer = client.api_call("chat.postEphemeral", json=args)
    return args.get("channel"), answer.get("message_ts")


def update_message(client: WebClient, channel: str, ts: str, payload: dict[str, Any]) -> Where:
    args = {**arguments(payload), "channel": channel, "ts": ts}
    answer = joining(client, channel, lambda: client.api_call("chat.update", json=args))
    return answer.get("channel") or channel, answer.get("ts") or ts


def publish_home(client: WebClient, row: Delivery) -> Where:
    client.api_call("views.publish", json=arguments(row.payload))
    return None, None


def update_view(client: WebClient, row: Delivery) -> Where:
    client.api_call("views.update", json=arguments(row.payload))
    return None, None


def upload_file(client: WebClient, row: Delivery) -> Where:
    """A file carries no metadata of its own, so one whose sharing we never heard back about is looked for
    in the DM by its name and title, shared since the row was made."""
    args = arguments(row.payload)
    dm = client.conversations_open(users=args["user"])["channel"]["id"]
    if row.uncertain and shared_already(client, row, dm, args["filename"], args["title"]):
        return dm, None
    client.files_upload_v2(channel=dm, content=args["content"], filename=args["filename"], title=args["title"],
                           initial_comment=args["initial_comment"])
    return dm, None


CLOCKS_DIFFER = 120  # seconds: Slack's clock against ours, when a file's "created" is compared with a row's


def shared_already(client: WebClient, row: Delivery, dm: str, filename: str, title: str) -> bool:
    try:
        messages = client.conversations_history(channel=dm, limit=50).get("messages") or []
    except SlackApiError as error:
        if passing(error):
            raise
        return False  # no history to read: upload, as before this check
    since = row.created_at.timestamp() - CLOCKS_DIFFER
    return any(file.get("name") == filename and file.get("title") == title
               and float(file.get("created") or message.get("ts") or 0) >= since
               for message in messages for file in message.get("files") or [])


# A response_url answers 404 once used 5 times or after 30 minutes (`used_url`, `expired_url`).
SPENT_URL = frozenset({404, 410})
# Only the URL says these: the same words as a message of their own.
RESPONSE_ONLY = ("response_type", "replace_original", "delete_original")


def respond(row: Delivery, timeout: float, client: Callable[[], WebClient] | None = None) -> Where:
    """An answer through the response_url; once Slack no longer takes it there (spent or expired), the same
    words as an ephemeral message where the person asked, or in their DM where the bot cannot post there,
    rather than losing them. A change to the message the URL stands for (a delete) has no such fallback."""
    args = arguments(row.payload)
    url = args.pop("url")
    answer = WebhookClient(url, timeout=timeout, retry_handlers=[]).send_dict(args)
    fallback = row.payload.get("fallback")
    if answer.status_code in SPENT_URL and client is not None and fallback and (args.get("text") or args.get("blocks")):
        return answer_elsewhere(client(), fallback, {k: v for k, v in args.items() if k not in RESPONSE_ONLY})
    if answer.status_code >= 300:
        raise ResponseUrlError(answer.status_code, answer.body or "")
    return None, None


def answer_elsewhere(client: WebClient, where: dict[str, str], message: dict[str, Any]) -> Where:
    """Ephemeral in the channel the person used; in their DM when that is no channel the bot can post in
    (a DM with someone else, a channel it is not in)."""
    user, channel = where.get("user") or "", where.get("channel") or ""
    if channel[:1] in ("C", "G"):
        try:
            answer = client.api_call("chat.postEphemeral", json={**message, "channel": channel, "user": user})
            return channel, answer.get("message_ts")
        except SlackApiError as error:
            if error.response.get("error") not in ("channel_not_found", "not_in_channel", "is_archived",
                                                   "user_not_in_channel"):
                raise
    answer = client.api_call("chat.postMessage", json={**message, "channel": user})
    return answer.get("channel"), answer.get("ts")


# Methods whose rows are plain calls; "card", "chat.postMessage" and jobs have more to them (the sender).
SIMPLE: dict[str, Callable[[WebClient, Delivery], Where]] = {
    "views.publish": publish_home,
    "views.update": update_view,
    "files.upload": upload_file,
}
