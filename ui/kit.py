"""The kit every Block Kit builder uses: the one escaping function, the one clipping policy, the
limits Slack sets (and the text budget each message is held to), and reading back the ids and dates
that forms and buttons carry, which can be forged."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from models import Decision, Idea, Stage

Block = dict[str, Any]
SECTION_LIMIT = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
# Slack's refusals that say a channel can no longer be written in as it is: archived, gone, without the bot.
CHANNEL_GONE = frozenset({"is_archived", "channel_not_found", "not_in_channel"})

STAGE_NAMES = {
    Stage.CANDIDATE: "Candidate",
    Stage.DISCOVERY: "In discovery",
    Stage.DELIVERY: "In delivery",
    Stage.SHIPPED: "Shipped",
    Stage.REVIEWED: "Outcome reviewed",
    Stage.MERGED: "Merged",
    Stage.PARKED: "Parked",
    Stage.DECLINED: "Declined",
}
STAGE_EMOJI = {
    Stage.CANDIDATE: ":seedling:",
    Stage.DISCOVERY: ":mag:",
    Stage.DELIVERY: ":hammer_and_wrench:",
    Stage.SHIPPED: ":rocket:",
    Stage.REVIEWED: ":dart:",
    Stage.MERGED: ":link:",
    Stage.PARKED: ":parking:",
    Stage.DECLINED: ":no_entry_sign:",
}
# Button text names the stage the idea will be in, so nobody presses a button to find out.


def escape(text: str) -> str:
    """The one escaping function: user text becomes inert mrkdwn (no pings, no links, no broken blocks)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def day_of(moment: datetime | None) -> str:
    """A moment's date as each reader's Slack shows it, in their own time zone (Slack's date formatting);
    clients that cannot format it show the date in UTC, labelled so. One stored as no date: "a date we do
    not know"."""
    if moment is None:
        return "a date we do not know"
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{moment.astimezone(UTC):%d %b %Y} UTC>"


_USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{1,31}")


def mention(user_id: str | None) -> str:
    """<@U123>. An id that is no Slack user id (a row written by hand or by another tool: "", "alice",
    "U1><!channel") is shown as inert text, so a stored id can never ping anyone or break a message."""
    if user_id and _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return escape(user_id) if user_id and user_id.strip() else "someone"


def channel_link(channel_id: str | None) -> str:
    """<#C123>, or, for a stored id that is no Slack channel id, inert text, as `mention`."""
    if channel_id and _CHANNEL_ID.fullmatch(channel_id):
        return f"<#{channel_id}>"
    return escape(channel_id) if channel_id and channel_id.strip() else "a channel"


_SLACK_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITY_CHAR = {"amp": "&", "lt": "<", "gt": ">"}


def unescape(slack_text: str) -> str:
    """A message's text as it was typed: Slack sends `&`, `<` and `>` in a message's (or attachment's) text
    as entities, and text read back that way would be escaped twice when shown ("R&amp;amp;D"). Its own
    tokens (mentions, links) stay as they are."""
    return _SLACK_ENTITY.sub(lambda m: _ENTITY_CHAR[m.group(1)], slack_text)


_JOINER = "\u200d"  # zero-width joiner: 👩‍👩‍👧 is five characters to Slack, one to the reader
_ATTACHED = frozenset({_JOINER, "\ufe0e", "\ufe0f"})  # and the text and emoji presentation selectors


def _attached(char: str) -> bool:
    """A character that belongs to the one before it: an accent, a joiner, a selector, a skin tone, a tag."""
    return (char in _ATTACHED or unicodedata.category(char) in ("Mn", "Mc", "Me")
            or "\U0001f3fb" <= char <= "\U0001f3ff" or "\U000e0020" <= char <= "\U000e007f")


def _regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"  # two of them make a flag


def whole(text: str, cut: int) -> int:
    """`cut`, moved back to where a character as people see it starts, so that clipping at it never leaves
    half an emoji (a family without its last member, a flag's first letter) or a letter without its accent.
    Never by more than a long emoji's length: a letter under thousands of accents is cut among them."""
    floor = max(0, cut - 16)
    while floor < cut < len(text) and (_attached(text[cut]) or text[cut - 1] == _JOINER):
        cut -= 1
    if 0 < cut < len(text) and _regional(text[cut]):
        run = cut
        while run > 0 and _regional(text[run - 1]):
            run -= 1
        cut -= (cut - run) % 2
    return cut


def clip(mrkdwn: str, limit: int) -> str:
    """Shortens already-escaped text to `limit` characters without splitting an entity like `&amp;`, nor an
    emoji or a letter and its accent."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = mrkdwn[: whole(mrkdwn, limit - 1)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut[:before_open_token(cut, len(cut))] + "…"


def before_open_token(mrkdwn: str, cut: int) -> int:
    """`cut`, or where a token it would cut in half (`<@U1>`, `<https://…|words>`) starts: people's `<` and `>`
    are escaped, so a bare `<` opens a token and a bare `>` closes one."""
    opened = mrkdwn.rfind("<", 0, cut)
    return opened if opened > mrkdwn.rfind(">", 0, cut) else cut


def quote(text: str) -> str:
    """Escaped user text as a mrkdwn block quote, every line quoted."""
    return "\n".join("&gt; " + line if line else "&gt;" for line in escape(text).split("\n"))


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_LIMIT)}}


CONTEXT_ELEMENTS = 10  # Slack's most for a context block


def context(*mrkdwn: str) -> Block:
    """A context line; past Slack's 10 elements, the last holds the rest, so nothing is dropped."""
    parts = [*mrkdwn[:CONTEXT_ELEMENTS - 1], " · ".join(mrkdwn[CONTEXT_ELEMENTS - 1:])] \
        if len(mrkdwn) > CONTEXT_ELEMENTS else list(mrkdwn)
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(m, SECTION_LIMIT)} for m in parts]}


def labelled(label: str, user_text: str) -> Block:
    return section(f"*{label}*\n{escape(user_text)}")


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: whole(text, limit - 1)] + "…",
            "emoji": True}


# Slack refuses a message whose blocks' text adds up to roughly 12,000 characters (msg_blocks_too_long),
# long before 50 blocks; every message stays well under that, counted as sent (escaped).
MESSAGE_TEXT_BUDGET = 9_000
# A message that is one of many (a digest's thread replies) is packed closer to Slack's total, so that a busy
# week is a few replies rather than many; still a margin short of it, as Slack's count is not documented.
PACKED_TEXT_BUDGET = 11_000


def text_size(value: Any) -> int:
    """The characters of text in blocks, as Slack adds them up: every "text" string, however deep."""
    if isinstance(value, list):
        return sum(text_size(item) for item in value)
    if isinstance(value, dict):
        return sum(len(item) if key == "text" and isinstance(item, str) else text_size(item)
                   for key, item in value.items())
    return 0


def fit(blocks: list[Block], budget: int = MESSAGE_TEXT_BUDGET, keep: Sequence[Block] = ()) -> list[Block]:
    """Clips the longest sections (people's text: an outcome, evidence, a quote) until the message fits
    Slack's total; what is cut ends in "…", so nothing is lost without a sign. Sections in `keep` (what the
    message is for: a decision's reason) are clipped only once every other one is as short as it goes."""
    over = text_size(blocks) - budget
    if over <= 0:
        return blocks
    kept = {index for index, block in enumerate(blocks) if any(block is wanted for wanted in keep)}
    blocks = [dict(block) for block in blocks]
    order = sorted((i for i, b in enumerate(blocks) if b.get("type") == "section" and isinstance(b.get("text"), dict)),
                   key=lambda i: (i in kept, -len(blocks[i]["text"]["text"])))
    sections = [blocks[i] for i in order]
    for block in sections:
        if over <= 0:
            break
        text = block["text"]["text"]
        room = max(200, len(text) - over)
        if room < len(text):
            block["text"] = {**block["text"], "text": clip(text, room)}
            over -= len(text) - len(block["text"]["text"])
    return blocks


def message(text: str, blocks: list[Block], keep: Sequence[Block] = (), *,
            budget: int = MESSAGE_TEXT_BUDGET) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage and friends; `text` is the notification fallback. Within
    Slack's limits by construction: at most 50 blocks, and the text budget above (`keep`: see `fit`)."""
    return {"text": clip(text, 3000), "blocks": fit(blocks[:MESSAGE_BLOCKS], budget, keep=keep)}


def stage_name(stage: str) -> str:
    """"In discovery"; a stage we do not know (written by hand or by another tool) as it was written."""
    return STAGE_NAMES.get(stage) or escape(stage) or "No stage"


def stage_words(stage: str) -> str:
    return f"{STAGE_EMOJI.get(stage, ':grey_question:')} {stage_name(stage)}"


UNKNOWN_DATE = "on a date we do not know"


def age_words(then: datetime | None, now: datetime) -> str:
    """"3 days ago"; a moment stored as no date at all (written so by another tool) is said as unknown.
    Under two days old it is "today", "yesterday" or a date depending on where the reader is (18:00 on
    Monday is not "today" at 09:00 on Tuesday, nor in Tokyo), so Slack says it in each reader's zone."""
    if then is None:
        return UNKNOWN_DATE
    days = (now - then).days
    if days < 2:
        return f"<!date^{int(then.timestamp())}^{{date_pretty}}|{then.astimezone(UTC):%d %b %Y} UTC>"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return f"{days // 30} months ago"


def days_words(days: float) -> str:
    """A median in days, as a person says it: "under a day" rather than "0 days", "1 day" not "1 days"."""
    if days < 1:
        return "under a day"
    return f"{days:g} day{'' if days == 1 else 's'}"


TRACKER_LABELS = {"github": "GitHub", "jira": "Jira"}


def decider(decision: Decision) -> str:
    """Who decided: a person, mentioned; or, for a move the tracker made, who made it there."""
    if decision.via:
        return tracker_move(decision, by_only=True)
    return mention(decision.decided_by)


def tracker_move(decision: Decision, *, by_only: bool = False) -> str:
    """A move made in a tracker, in the words its people use: "Closed in GitHub by @octocat", "Moved to Done in
    Jira by Jane Doe" ("octocat in GitHub decided" reads as if the tracker had a say). `by_only`: who and where."""
    label = TRACKER_LABELS.get(decision.via or "", escape(decision.via or ""))
    who = escape(decision.decided_by or "")
    by = f" by {who}" if who and who != label else ""
    if by_only:
        return f"{who} in {label}" if by else label
    shipped = decision.to_stage == Stage.SHIPPED
    verb = ("Closed" if decision.via == "github" else "Moved to Done") if shipped else "Moved"
    return f"{verb} in {label}{by}"


def said_by(decision: Decision, said: str) -> str:
    """The line before a decision's quoted reason: "<@U…> decided, and said why:", or, for a move made in a
    tracker, what was done there and by whom ("Closed in GitHub by @octocat:")."""
    return f"{tracker_move(decision)}:" if decision.via else f"{mention(decision.decided_by)} {said}:"


def decided_by(decision: Decision) -> str:
    """"decided by <@U…>" on a card or Home line; for a tracker's move, "closed in GitHub by @octocat"."""
    if decision.via:
        move = tracker_move(decision)
        return move[0].lower() + move[1:]
    return f"decided by {mention(decision.decided_by)}"


def issue_link(idea: Idea) -> str | None:
    """The idea's delivery issue as a link (its key as the words), or None."""
    if not idea.tracker_key:
        return None
    key = escape(idea.tracker_key)
    return f"<{idea.tracker_url}|{key}>" if linkable(idea.tracker_url) else key


def linkable(url: str | None) -> bool:
    """A web address that can sit in <url|words> as it is: a stored one written elsewhere may be anything."""
    return bool(url) and url.startswith(("https://", "http://")) and not any(c in url for c in "|<> \n")


def idea_ref(idea: Idea) -> str:
    return f"#{idea.id}"


_CARRIED = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


def carried(value: object) -> str | None:
    """An id, ts or key the form carried, or None: metadata can be forged, and these end up in Slack calls."""
    return value if isinstance(value, str) and _CARRIED.match(value) else None


def message_link(idea: Idea, words: str) -> str:
    return f"<{idea.source_permalink}|{words}>" if linkable(idea.source_permalink) else words


def read_date(value: object) -> date | None:
    """A picked date, or None for none (or one that does not exist, such as 2026-02-31: only a forged
    form sends that, and "pick a date" is the right answer to it)."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def modal(callback_id: str | None, title: str, blocks: list[Block], *, submit: str | None = None,
          close: str = "Cancel", metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """A modal within Slack's limits: titles clipped to 24 characters, at most 100 blocks, and what it
    carries (only short ids and flags: anything bigger stays on the server) as compact JSON."""
    view: dict[str, Any] = {"type": "modal", "title": plain(title, 24), "close": plain(close, 24),
                            "blocks": blocks[:VIEW_BLOCKS]}
    if callback_id:
        view["callback_id"] = callback_id
    if submit:
        view["submit"] = plain(submit, 24)
    if metadata is not None:
        view["private_metadata"] = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    return view


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What a modal carried (the inverse of `modal`'s `metadata`), or {} when it is garbled or forged."""
    try:
        carried = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, TypeError):
        return {}
    return carried if isinstance(carried, dict) else {}


def typed(values: dict[str, Any], name: str) -> str:
    """The text typed into the input block `name` (block and action share the name, as `text_input` makes them);
    "" when nothing was typed or the state is forged into another shape."""
    block = values.get(name)
    action = block.get(name) if isinstance(block, dict) else None
    value = action.get("value") if isinstance(action, dict) else None
    return value.strip() if isinstance(value, str) else ""


def text_input(name: str, label: str, hint: str, max_chars: int, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": name,
        "optional": optional,
        "label": plain(label, 2000),
        "hint": plain(hint, 2000),
        "element": {"type": "plain_text_input", "action_id": name, "multiline": True, "max_length": max_chars},
    }


MAX_ID = 2**31 - 1  # the databases' integer ids


def read_id(value: object) -> int | None:
    """An id a button or a form carried, or None: values can be forged, so only ASCII digits that fit
    the database's ids pass ("²" is a digit to Python, and 30 digits overflow SQLite)."""
    if not isinstance(value, str) or not 0 < len(value) <= 10 or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def read_ids(value: object, most: int) -> list[int]:
    """Comma-separated ids a button or form carried, at most `most`; garbled ones are dropped (the server
    checks the rest against stored state)."""
    if not isinstance(value, str) or len(value) > most * 11:
        return []
    found = [read_id(part) for part in value.split(",")[:most]]
    return list(dict.fromkeys(number for number in found if number is not None))
