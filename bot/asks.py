"""How an ask is read, word by word: its words cut to their roots (`root`), the words that say what it asks
for (`ask_terms`), and whether two asks that share their words still point different ways (`contrary`):
opposites, a "prevent" on one side only, a reversed "from X to Y", "before" against "after", things
coming from what the other sends them to, two roles swapped, or two different places for it to happen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache

from bot.ask_words import ASK_STOP, HOW, NEGATING, OPPOSITES
from bot.spelling import HYPHENATED_PREFIX, SLACK_TOKEN, spelled, units_joined

WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
# Two-word verbs written as one, so "check in" and "check out" keep the word that tells them apart.
PHRASAL = re.compile(r"\b(check|log|sign|opt|clock)[ -]?(in|out|on|up)\b")


# The same texts are read again and again (each of the open ideas, for every inbox group on a PM's Home tab
# and every new idea or customer request): their words are worked out once.
TEXTS_REMEMBERED = 4096


def opposed(a: AbstractSet[str], b: AbstractSet[str], pairs: Sequence[tuple[str, str]]) -> bool:
    """One idea names one side of an opposite pair and the other the other side, and neither names both."""
    for x, y in pairs:
        if (x in a and y in b and y not in a and x not in b) or (y in a and x in b and x not in a and y not in b):
            return True
    return False


_TWO_FACTOR = re.compile(r"\b(?:two[ -]?factor|2fa|mfa|multi[ -]?factor)(?: auth\w*)?")
_DIRECTION = re.compile(r"\bfrom (\w+) (?:\w+ )?(?:to|into|onto) (\w+)")


_ENDINGS = (("ies", "y"), ("ations", ""), ("ation", ""), ("ments", ""), ("ment", ""), ("ings", ""), ("ated", ""),
            ("ating", ""), ("ing", ""), ("able", ""), ("ates", ""), ("ate", ""), ("ed", ""), ("es", ""), ("s", ""),
            ("e", ""))


def root(word: str) -> str:
    """A firmer stem than the cosine's (bot/similar.py), so "pages" meets "page" and "translation" meets "translate"."""
    word = word.rstrip("'").removesuffix("'s")
    for ending, instead in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= (4 if ending == "able" else 3) and not (
                ending == "s" and word.endswith(("ss", "us", "is"))) and not (
                ending in ("ated", "ating") and word[-len(ending) - 1] in "aeiou"):  # "estimated", not "treated"
            cut = word[: -len(ending)] + instead
            # "pinned", "shipping", "submitted": the consonant doubled before the ending goes with it
            doubled = ending in ("ings", "ing", "ed") and cut[-1] == cut[-2] and cut[-1] in "bgmnprt"
            return cut[:-1] if doubled else cut
    return word


HOW_ROOTS = frozenset(root(w) for w in HOW)
AUDIENCE = frozenset(root(w) for w in "customer user people client member".split())
OPPOSITE_ROOTS = [(root(a), root(b)) for a, b in OPPOSITES]


@lru_cache(maxsize=TEXTS_REMEMBERED)
def ask_terms(text: str) -> frozenset[str]:
    out: list[str] = []
    text = HYPHENATED_PREFIX.sub(r"\1", _TWO_FACTOR.sub("twofactor", units_joined(SLACK_TOKEN.sub(" ", text.lower()))))
    for word in WORD.findall(PHRASAL.sub(r"\1\2", re.sub(r"[-/]", " ", text))):
        out += ("many" if word == "multi" else spelled(word)).split()
    return frozenset(root(w) for w in out if w not in ASK_STOP and len(w) > 1) - HOW_ROOTS


def contrary(a: str, b: str, ta: AbstractSet[str], tb: AbstractSet[str]) -> bool:
    """Asks that share their words and still point opposite ways: opposites, a "prevent" on one side only, a
    reversed "from X to Y", "before" against "after", or things coming from what the other sends them to."""
    (words_a, way_a, from_a, to_a), (words_b, way_b, from_b, to_b) = _ways(a), _ways(b)
    reversed_ = bool(way_a and way_b and way_a == way_b[::-1] and way_a != way_b)
    return (opposed(ta, tb, OPPOSITE_ROOTS) or bool(NEGATING & words_a) != bool(NEGATING & words_b) or reversed_
            or opposed(words_a, words_b, [("before", "after")])
            or bool((from_a & to_b) - from_b - to_a or (to_a & from_b) - to_b - from_a)
            or _swapped(a, b, words_a, words_b, to_a, to_b) or _elsewhere(a, b))


def _swapped(a: str, b: str, words_a: frozenset[str], words_b: frozenset[str], to_a: frozenset[str],
             to_b: frozenset[str]) -> bool:
    """The same words with two roles swapped: "let buyers rate sellers" against "let sellers rate buyers",
    "convert miles into points" against "convert points into miles"."""
    if to_a and to_b and to_a != to_b and to_a <= words_b and to_b <= words_a:
        return True
    seq_a, seq_b = _order(a), _order(b)
    if len(seq_a) != len(seq_b) or sorted(seq_a) != sorted(seq_b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(seq_a, seq_b, strict=True)) if x != y]
    if len(diff) != 2 or diff[1] - diff[0] < 2:  # next to each other ("PDF invoices", "invoices PDF"): one thing
        return False
    return (seq_a[diff[0]], seq_a[diff[1]]) == (seq_b[diff[1]], seq_b[diff[0]])


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _order(text: str) -> tuple[str, ...]:
    return tuple(root(w) for w in WORD.findall(text.lower()) if w not in ASK_STOP)


_TOWARDS = re.compile(r"\b(from|to|into|onto) (?:the |a |an |our |their |my |your |each |every )?([a-z0-9']+)")


_PLATFORMS = {"slack": re.compile(r"\bslack\b|(?<![\w&])#[a-z][\w-]*"),
              "teams": re.compile(r"\b(?:ms|microsoft) teams\b|\b(?:in|on|to|via) (?:the )?teams\b|"
                                  r"\bteams\b[\w\s-]{0,20}\b(?:channel|chat)\b"),
              "email": re.compile(r"\be-?mails?\b"), "sms": re.compile(r"\bsms\b|\btext messages?\b"),
              "whatsapp": re.compile(r"\bwhatsapp\b")}


def _elsewhere(a: str, b: str) -> bool:
    """Each names where it is to happen, and not the same place: "post it to #ticketing" against "in the Teams
    ticketing channel"."""
    on_a, on_b = _platforms(a), _platforms(b)
    return bool(on_a and on_b and not on_a & on_b)


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _platforms(text: str) -> frozenset[str]:
    return frozenset(name for name, said in _PLATFORMS.items() if said.search(text.lower()))


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _ways(text: str) -> tuple[frozenset[str], tuple[str, ...] | None, frozenset[str], frozenset[str]]:
    """A text's words, its "from X to Y", and what it has things come from and go to."""
    text = text.lower()
    way = _DIRECTION.search(text)
    found = _TOWARDS.findall(text)
    sources = frozenset(what for to, what in found if to == "from")
    return frozenset(WORD.findall(text)), way.groups() if way else None, sources, frozenset(
        what for to, what in found if to != "from")


