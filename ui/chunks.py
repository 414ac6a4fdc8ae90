"""Text too long for one section, in pieces that each fit: cut where a reader would (a line's end, a space),
never inside what Slack or the reader sees as one thing (an entity, a mention or link, an emoji) unless a
piece could not hold it anyway, and total for any limit."""

from __future__ import annotations

import re

from ui.kit import SECTION_LIMIT, Block, before_open_token, escape, section, whole

_QUOTED = "&gt; "
_ENTITY_START = re.compile(r"&(?:a(?:m(?:p)?)?|l(?:t)?|g(?:t)?)?$")  # the start of `&amp;`, `&lt;` or `&gt;`


def chunks(mrkdwn: str, limit: int) -> list[str]:
    """Escaped text in pieces of at most `limit` characters (any limit from 1), cut at a line's end where one
    is near, else at a space, and never inside an entity like `&amp;`, a mention or link, or an emoji, unless
    the piece could not hold it whole anyway; a quote cut mid-line goes on quoted where the limit has room."""
    limit = max(1, limit)
    pieces = []
    while len(mrkdwn) > limit:
        cut = _cut(mrkdwn, limit)
        piece, rest = mrkdwn[:cut], mrkdwn[cut:]
        if rest.startswith("\n"):
            rest = rest[1:]  # the line break cut at
        elif piece[piece.rfind("\n") + 1:].startswith("&gt;") and cut > len(_QUOTED) and limit >= 4 * len(_QUOTED):
            rest = _QUOTED + rest.lstrip(" ")  # shorter than before by the room the piece took: always progress
        else:
            rest = rest.removeprefix(" ")
        pieces.append(piece)
        mrkdwn = rest
    return [*pieces, mrkdwn]


def _cut(mrkdwn: str, limit: int) -> int:
    """Where the first piece of `mrkdwn` (longer than `limit`) ends: 1 to `limit`. Each rule moves the cut
    back only when something is left before it, so what cannot be kept whole is cut rather than looped on."""
    line = mrkdwn.rfind("\n", 0, limit + 1)
    if line >= max(1, limit // 2) and before_open_token(mrkdwn, line) == line:
        return line
    cut = whole(mrkdwn, limit) or limit
    if "\udc00" <= mrkdwn[cut] <= "\udfff" and cut > 1:
        cut -= 1  # not between the halves of a surrogate pair
    entity = _ENTITY_START.search(mrkdwn, max(0, cut - 4), cut)
    if entity is not None and entity.start() > 0:
        cut = entity.start()
    cut = before_open_token(mrkdwn, cut) or cut
    space = mrkdwn.rfind(" ", 0, cut + 1)
    if space >= max(1, limit // 2) and before_open_token(mrkdwn, space) == space:
        cut = space
    return cut


def sections(mrkdwn: str) -> list[Block]:
    """Escaped text in as many sections as it needs: 1,000 `&` typed are 5,000 characters once escaped,
    past a section's 3,000, and a cut there would drop the end of what someone wrote."""
    return [section(piece) for piece in chunks(mrkdwn, SECTION_LIMIT)]


def labelled_whole(label: str, user_text: str) -> list[Block]:
    """`ui.kit.labelled`, in further sections rather than cut when the escaped text passes one."""
    return sections(f"*{label}*\n{escape(user_text)}")
