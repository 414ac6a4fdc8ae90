"""Customer feedback in Slack's terms: reading a feedback channel's message (a person's, an integration's or a
workflow's, whose words may sit in attachments or blocks), the PMs' Inbox on App Home with its buttons
(each read back by `read_inbox_ids`), customer evidence on an idea, and the `/idea feedback` replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import Idea, Insight
from ui.ids import INBOX_ATTACH, INBOX_MAKE_IDEA, INBOX_NOT_A_REQUEST
from ui.kit import (
    Block,
    age_words,
    channel_link,
    clip,
    context,
    escape,
    idea_ref,
    mention,
    message,
    plain,
    read_ids,
    section,
    unescape,
)

# Subtypes that are a new message with words: a person's, an integration's (bot_message), a file's caption.
_READ_SUBTYPES = frozenset({None, "bot_message", "file_share", "me_message"})
MESSAGE_MAX_CHARS = 20_000  # a feed's message longer than this is read only this far
GROUPS_SHOWN = 6  # App Home holds 100 blocks; the inbox takes at most 2 per group, plus 3
IDS_PER_BUTTON = 30
BLOCK_ID_MAX = 255  # Slack's limit on a block id, which carries the ids the Attach select sorts
_INBOX_PREFIX = "inbox:"
ATTACH_OPTIONS = 25


@dataclass(frozen=True)
class FeedbackMessage:
    channel_id: str
    ts: str
    author: str  # a person's user id, or the integration's name
    text: str


def read_feedback_message(event: dict[str, Any], *, bot_user_id: str | None, bot_id: str | None
                          ) -> FeedbackMessage | None:
    """A new top-level message with words, from anyone but this bot; None for edits, deletions, joins
    and thread replies."""
    ts, channel = event.get("ts"), event.get("channel")
    if event.get("subtype") not in _READ_SUBTYPES or not isinstance(ts, str) or not isinstance(channel, str):
        return None
    if event.get("thread_ts") not in (None, ts):
        return None
    if (bot_id and event.get("bot_id") == bot_id) or (bot_user_id and event.get("user") == bot_user_id):
        return None
    text = feedback_text(event)
    if not text.strip():
        return None
    return FeedbackMessage(channel, ts, _author(event), text[:MESSAGE_MAX_CHARS])


def read_deleted(event: dict[str, Any]) -> tuple[str, str] | None:
    """The channel and ts of a message deleted (by its author or its integration), or None. A message with
    replies is not deleted but left as a tombstone ("This message was deleted."), which Slack sends as an edit."""
    channel, ts = event.get("channel"), event.get("deleted_ts")
    changed = event.get("message") if isinstance(event.get("message"), dict) else {}
    if event.get("subtype") == "message_changed" and changed.get("subtype") == "tombstone":
        ts = changed.get("ts")
    elif event.get("subtype") != "message_deleted":
        return None
    if not isinstance(channel, str) or not isinstance(ts, str):
        return None
    return channel, ts


def _author(event: dict[str, Any]) -> str:
    profile = event.get("bot_profile") if isinstance(event.get("bot_profile"), dict) else {}
    for candidate in (event.get("user"), event.get("username"), profile.get("name"), event.get("bot_id")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:100]
    return "an integration"


def feedback_text(event: dict[str, Any]) -> str:
    """The words of a message as people typed them: its text, its attachments' and its blocks'; a piece
    already said (an integration's fallback text repeats its blocks) is read once. What a person typed
    comes as rich text, and `text` is only Slack's rendering of it (entities, `<@U…>`): then it is not read."""
    pieces: list[str] = []
    blocks = _dicts(event.get("blocks"))
    if not any(block.get("type") == "rich_text" and "".join(_rich(block)).strip() for block in blocks):
        _add(pieces, _slack_text(event.get("text")))
    for attachment in _dicts(event.get("attachments")):
        for key in ("pretext", "title", "text"):
            _add(pieces, _slack_text(attachment.get(key)))
        for field in _dicts(attachment.get("fields")):
            _add(pieces, _slack_text(field.get("value")))
        if not any(attachment.get(key) for key in ("pretext", "title", "text")):
            _add(pieces, _slack_text(attachment.get("fallback")))
        for block in _dicts(attachment.get("blocks")):
            _block_text(block, pieces)
    for block in blocks:
        _block_text(block, pieces)
    return "\n".join(pieces).replace("\x00", "")


def _slack_text(value: object) -> str | None:
    """Message text (mrkdwn) with Slack's entities undone; rich text and plain_text come as typed."""
    return unescape(value) if isinstance(value, str) else None


def _block_text(block: dict[str, Any], pieces: list[str]) -> None:
    kind = block.get("type")
    if kind in ("section", "header"):
        _add(pieces, _words(block.get("text")))
        for field in _dicts(block.get("fields")):
            _add(pieces, _words(field))
    elif kind == "context":
        for element in _dicts(block.get("elements")):
            _add(pieces, _words(element))
    elif kind == "rich_text":
        for element in _dicts(block.get("elements")):
            _add(pieces, "".join(_rich(element)))


def _rich(element: dict[str, Any]) -> list[str]:
    if element.get("type") == "text" and isinstance(element.get("text"), str):
        return [element["text"]]
    if element.get("type") == "link":
        return [str(element.get("text") or element.get("url") or "")]
    if element.get("type") in ("user", "channel", "broadcast"):
        # As the text field sends them (`<@U9>`, `<#C9>`, `<!here>`): read by name, as the channel showed them.
        return [_token(element)]
    out: list[str] = []
    for child in _dicts(element.get("elements")):
        out += _rich(child)
        if element.get("type") == "rich_text_list":
            out.append("\n")
    return out


def _token(element: dict[str, Any]) -> str:
    """A person, a channel or an @here in rich text as Slack's token; one with a garbled id as a blank, so that
    it can never form another token."""
    kind = element.get("type")
    if kind == "broadcast":
        return f"<!{element['range']}>" if element.get("range") in ("here", "channel", "everyone") else " "
    found = element.get("user_id" if kind == "user" else "channel_id")
    if not isinstance(found, str):
        return " "
    shown = mention(found) if kind == "user" else channel_link(found)
    return shown if shown in (f"<@{found}>", f"<#{found}>") else " "


def _words(value: Any) -> str | None:
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        return None
    return value["text"] if value.get("type") == "plain_text" else unescape(value["text"])


def _add(pieces: list[str], piece: object) -> None:
    if not isinstance(piece, str) or not piece.strip():
        return
    said = " ".join(" ".join(pieces).split())
    if " ".join(piece.split()) not in said:
        pieces.append(piece.strip())


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# --- the inbox ----------------------------------------------------------------------------------------


def ids_value(insights: Sequence[Insight]) -> str:
    """The ids a group's buttons and select carry: at most IDS_PER_BUTTON, and only as many whole ids as fit
    the select's block id (255 characters), so every control sorts the same requests and no cut id names
    another one."""
    value = ""
    for insight in insights[:IDS_PER_BUTTON]:
        longer = f"{value},{insight.id}" if value else str(insight.id)
        if len(_INBOX_PREFIX) + len(longer) > BLOCK_ID_MAX:
            break
        value = longer
    return value


def carried_groups(groups: Sequence[Sequence[Insight]]) -> list[list[Insight]]:
    """Each group in pieces whose every request its controls carry (`ids_value`): 60 alike requests are shown
    as groups that each say how many they speak for and sort all of them, not as one "60 say this" whose
    buttons sort half and leave the rest to come back."""
    pieces = []
    for group in groups:
        rest = list(group)
        while rest:
            held = max(1, ids_value(rest).count(",") + 1)
            pieces.append(rest[:held])
            rest = rest[held:]
    return pieces


def read_inbox_ids(value: object) -> list[int]:
    """The insight ids an inbox button or select (its block id) carried."""
    return read_ids(value.removeprefix(_INBOX_PREFIX) if isinstance(value, str) else None, IDS_PER_BUTTON)


def inbox_blocks(groups: Sequence[Sequence[Insight]], total: int, choices: Sequence[Sequence[Idea]],
                 channels: Sequence[str], now: datetime) -> list[Block]:
    """The PMs' Inbox: requests from feedback channels that matched no idea, newest first, alike ones
    together, each with Make it an idea, Attach to #N (closest ideas first) and Not a request."""
    if not channels and not total:
        return []
    blocks: list[Block] = [{"type": "header", "text": plain(f"Customer feedback inbox ({total})", 150)}]
    if not groups:
        blocks.append(section("Nothing waiting: every request from the feedback channels is on an idea. :tada:"))
    # Groups come as their buttons carry them (`carried_groups`): the words count the requests a press sorts.
    for group, ideas in zip(groups[:GROUPS_SHOWN], choices, strict=False):
        blocks += [section(_group_words(group, now)), _group_actions(group, ideas)]
    shown = sum(len(g) for g in groups[:GROUPS_SHOWN])
    if total > shown:
        blocks.append(context(f"and {total - shown} more waiting; the newest are shown first."))
    blocks.append(context(feedback_channels_words(channels)))
    blocks.append({"type": "divider"})
    return blocks


CHANNELS_NAMED = 20  # a context holds 3,000 characters: past this many, the rest are counted, not cut mid-name


def feedback_channels_words(channels: Sequence[str]) -> str:
    if not channels:
        return "No feedback channels yet: `/idea feedback here` in a channel where reviews or tickets land."
    named = ", ".join(channel_link(c) for c in channels[:CHANNELS_NAMED])
    more = f" and {len(channels) - CHANNELS_NAMED} more" if len(channels) > CHANNELS_NAMED else ""
    return f"Feedback channels: {named}{more} · `/idea feedback off` stops one."


def _group_words(group: Sequence[Insight], now: datetime) -> str:
    lead = group[0]
    head = f"{escape_quote(lead.text, 500)}\n{_byline(lead, now)}"
    if len(group) > 1:
        others = " · ".join(f"“{clip(escape(i.text), 80)}”" for i in group[1:4])
        voices = len({(i.channel_id, i.message_ts) for i in group})  # one review asking twice is one voice
        said = f"{voices} say this" if voices > 1 else "Also in the same message"
        head += f"\n*{said}*: {others}" + (" …" if len(group) > 4 else "")
    return head


# A person's user id (an integration's name, such as "UserVoice", is shown as written, not as a mention).


def _byline(insight: Insight, now: datetime) -> str:
    who, where = mention(insight.author), channel_link(insight.channel_id)
    link = f" · <{insight.permalink}|message>" if _linkable(insight.permalink) else ""
    return f"— {who} in {where}, {age_words(insight.created_at, now)}{link}"


def _group_actions(group: Sequence[Insight], ideas: Sequence[Idea]) -> Block:
    value = ids_value(group)
    elements: list[Block] = [
        {"type": "button", "action_id": INBOX_MAKE_IDEA, "text": plain("Make it an idea", 75), "value": value,
         "style": "primary"},
    ]
    if ideas:
        elements.append({
            "type": "static_select", "action_id": INBOX_ATTACH, "placeholder": plain("Attach to #…", 150),
            "options": [{"text": plain(f"{idea_ref(idea)} {idea.outcome}", 75), "value": str(idea.id)}
                        for idea in ideas[:ATTACH_OPTIONS]],
        })
    elements.append({"type": "button", "action_id": INBOX_NOT_A_REQUEST, "text": plain("Not a request", 75),
                     "value": value})
    return {"type": "actions", "block_id": f"{_INBOX_PREFIX}{value}", "elements": elements}


def evidence_quotes(insights: Sequence[Insight], limit: int) -> str:
    """The intake form's evidence, made from inbox requests: one line each, quoted with its link, each shortened
    (ending in "…") to an equal share of the field's `limit`, so the field never cuts the last ones off."""
    share = limit // max(len(insights), 1) - 1  # each line, less its newline
    lines = []
    for insight in insights:
        where = f" ({insight.permalink})" if insight.permalink else ""
        room = max(share - len('Customer feedback: ""') - len(where), 1)
        words = " ".join(insight.text.split())
        if len(words) > room:
            words = words[:room - 1].rstrip() + "…"
        lines.append(f'Customer feedback: "{words}"{where}')
    return "\n".join(lines)[:limit]


def escape_quote(text: str, limit: int) -> str:
    return "&gt; " + clip(escape(" ".join(text.split())), limit)


def _linkable(url: str | None) -> bool:
    return bool(url) and url.startswith("https://") and "|" not in url and ">" not in url


# --- customer evidence on an idea ---------------------------------------------------------------------


def mentions_words(idea: Idea, people: int | None = None) -> str:
    """"+3 people, 7 customer mentions": support and customer evidence, counted apart."""
    parts = [f"+{people} {'person' if people == 1 else 'people'}"] if people else []
    if idea.customer_mentions:
        parts.append(f"{idea.customer_mentions} customer mention{'s' if idea.customer_mentions != 1 else ''}")
    return ", ".join(parts)


def evidence_block(idea: Idea, quotes: Sequence[Insight], now: datetime) -> Block | None:
    """The count and the latest quotes, each linked to where it was said."""
    if not idea.customer_mentions:
        return None
    count = idea.customer_mentions
    lines = [f"*:speech_balloon: {count} customer mention{'s' if count != 1 else ''}*"]
    for insight in quotes:
        lines.append(f"{escape_quote(insight.text, 300)}\n{_byline(insight, now)}")
    return section(clip("\n".join(lines), 2900))


def latest_quote(quotes: Sequence[Insight], limit: int = 150) -> str:
    return f"“{clip(escape(' '.join(quotes[0].text.split())), limit)}”" if quotes else ""


# --- /idea feedback -----------------------------------------------------------------------------------

FEEDBACK_FOR_PMS = "Only product managers can choose feedback channels."
FEEDBACK_OFF = "I no longer read this channel as customer feedback. What it already gave stays on its ideas."
FEEDBACK_WAS_OFF = "This channel was not a feedback channel."
NOT_IN_A_DM = "Feedback channels are channels: run `/idea feedback here` in the channel where reviews or tickets land."
INBOX_FOR_PMS = "Only product managers can sort the customer feedback inbox."
INBOX_GONE = "Someone has dealt with that feedback already."
NOT_OPEN = "That idea is no longer open, so feedback can't be attached to it. Choose another."


def sorted_meanwhile(idea_id: int, went_to: int | None, *, deleted: bool = False) -> str:
    """To the PM whose idea made from inbox feedback was saved after another PM sorted that feedback, or after
    the message it came from was deleted from its channel."""
    if deleted:
        return (f"Idea #{idea_id} is saved. The customer feedback you made it from was deleted from its channel "
                "meanwhile, so it is not counted on the idea.")
    where = f"attached to #{went_to}" if went_to is not None else "sorted"
    return (f"Idea #{idea_id} is saved, but the customer feedback you made it from was {where} by someone else "
            "meanwhile, so it stays there. If the two ideas ask for the same thing, merge them.")


def feedback_on(channel_id: str, already: bool) -> dict[str, Any]:
    head = f"<#{channel_id}> was a feedback channel already." if already else \
        f":ear: <#{channel_id}> is now a feedback channel."
    text = (f"{head} I read every new message here, integrations' and workflows' posts included, and never "
            "nudge anyone in it. Each request becomes customer evidence on the idea that asks for the same "
            "thing, or waits in the inbox on my Home tab. `/idea feedback off` stops it.")
    return message(text, [section(text)])


def feedback_help() -> dict[str, Any]:
    text = ("*Customer feedback channels* (app-store reviews, ticket notifications, sales notes):\n"
            "`/idea feedback here` reads this channel's new messages for requests (product managers) · "
            "`/idea feedback off` stops it. Requests that match an open idea count as its customer mentions; "
            "the rest wait in the inbox on my Home tab.")
    return message("Customer feedback channels", [section(text)])
