"""Slack's tokens in text a person wrote (`<@U123>`, `<#C123|finance>`, `<!here>`, `<https://x|the brief>`),
read as the person saw them (`@ana`, `#finance`, `@here`, `the brief (https://x)`), for the forms that
show someone's words back to them: what follows `/idea`, and a message turned into an idea."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ui.kit import unescape

_TOKEN = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_SPECIAL = {"!here": "@here", "!channel": "@channel", "!everyone": "@everyone"}
_NAMED = re.compile(r"[@#]([UWCG][A-Z0-9]+)")  # a person or a channel, by id


def as_read(text: str, names: Mapping[str, str] | None = None) -> str:
    """`text` (entities already unescaped) with its tokens as people read them. A person or channel Slack sent
    by id alone (as in every message: `<@U123>`) reads by its name in `names`; with none known it stays as
    it is, with no name to show."""
    def readable(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.split("|")[0] in _SPECIAL:
            return _SPECIAL[target]
        if not label and (named := _NAMED.fullmatch(target)) and (names or {}).get(named.group(1)):
            return target[0] + (names or {})[named.group(1)].lstrip("@#")
        if not label:
            return target.removeprefix("mailto:") if "://" in target or target.startswith("mailto:") \
                else match.group(0)
        if target.startswith(("@", "#")):
            return target[0] + label.lstrip("@#")
        if target.startswith("!"):  # a user group's name carries its @; a date, its fallback
            return label
        if target.startswith("mailto:") or target.split("://", 1)[-1] == label:
            return label
        return f"{label} ({target})"

    return _TOKEN.sub(readable, text)


def typed_text(slack_text: str, names: Mapping[str, str] | None = None) -> str:
    """What a person typed, as Slack sent it (entities and all), as they saw it: Slack sends a channel they
    picked as `<#C123|general>`, a person as `<@U1|ana>` and a link as `<https://x|y>`; those read as
    `#general`, `@ana` and `y (https://x)`."""
    return unescape(as_read(slack_text, names))


def unnamed(text: str) -> list[str]:
    """The people and channels `text` names by id alone, in order, once each: what to ask Slack the names of."""
    found = (_NAMED.fullmatch(m.group(1)) for m in _TOKEN.finditer(text) if not m.group(2))
    return list(dict.fromkeys(named.group(1) for named in found if named is not None))
