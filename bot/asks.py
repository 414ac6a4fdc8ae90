"""How an ask is read, word by word: its words cut to their roots (`root`), the words that say what it asks
for (`ask_terms`), and whether two asks that share their words still point different ways (`contrary`):
opposites, a "prevent" on one side only, "before" against "after", things coming from what the other sends
them to, two roles swapped, or two different places for it to happen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import NamedTuple

from bot.ask_words import ASK_STOP, HOW, NEGATING, OPPOSITES
from bot.spelling import HYPHENATED_PREFIX, SLACK_TOKEN, spelled, units_joined

WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
# Two-word verbs written as one, so "check in" and "check out" keep the word that tells them apart.
# Not "log on each article", a log on something.
PHRASAL = re.compile(r"\b(check|log|sign|opt|clock)[ -]?(in|out|up|on(?! (?:each|every|the|a|an|all|any|our|their)\b))"
                     r"\b")
# A channel named first, as a label: "#ideas-box: allow seat selection…" asks for seat selection.
_CHANNEL_LABEL = re.compile(r"^\W*#[a-z0-9][\w-]*\s*:")
# "stop" said of a place or a thing ("bus stop displays", "stop times"), not as an order to stop something.
_NOUN_STOP = re.compile(r"\b(?:bus|tram|train|coach|pit|truck|delivery|each|every|next|last|first|the|a)[ -]stops?\b|"
                        r"\bstops?[ -](?:signs?|displays?|names?|lists?|times?|ids?|boards?|screens?)\b")


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
    text = _CHANNEL_LABEL.sub(" ", SLACK_TOKEN.sub(" ", text.lower()))
    text = HYPHENATED_PREFIX.sub(r"\1", _TWO_FACTOR.sub("twofactor", units_joined(text)))
    for word in WORD.findall(PHRASAL.sub(r"\1\2", re.sub(r"[-/]", " ", text))):
        out += ("many" if word == "multi" else spelled(word)).split()
    return frozenset(root(w) for w in out if w not in ASK_STOP and len(w) > 1) - HOW_ROOTS


def contrary(a: str, b: str, ta: AbstractSet[str], tb: AbstractSet[str]) -> bool:
    """Asks that share their words and still point opposite ways: opposites, a "prevent" on one side only,
    "before" against "after", things coming from what the other sends them to (a reversed "from X to Y"
    among them), two roles swapped, or two different places for it to happen."""
    sa, sb = _shape(a), _shape(b)
    return (opposed(ta, tb, OPPOSITE_ROOTS) or sa.negates != sb.negates
            or opposed(sa.words, sb.words, [("before", "after"), ("up", "down")])
            or bool((sa.sources & sb.targets) - sb.sources - sa.targets
                    or (sa.targets & sb.sources) - sb.targets - sa.sources)
            or _swapped(sa, sb) or bool(sa.places and sb.places and not sa.places & sb.places))


def _swapped(a: _Shape, b: _Shape) -> bool:
    """The same words with two roles swapped: "let buyers rate sellers" against "let sellers rate buyers",
    "convert miles into points" against "convert points into miles"."""
    if (a.targets and b.targets and not (a.targets <= b.targets or b.targets <= a.targets)
            and a.targets <= b.words and b.targets <= a.words):
        return True
    if len(a.order) != len(b.order) or sorted(a.order) != sorted(b.order):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a.order, b.order, strict=True)) if x != y]
    if len(diff) != 2 or diff[1] - diff[0] < 2:  # next to each other ("PDF invoices", "invoices PDF"): one thing
        return False
    return (a.order[diff[0]], a.order[diff[1]]) == (b.order[diff[1]], b.order[diff[0]])


_TOWARDS = re.compile(r"\b(from|to|into|onto) (?:the |a |an |our |their |my |your |each |every )?([a-z0-9']+)")
# Where it is to happen: "post it to #ticketing" against "in the Teams ticketing channel" are two asks.
_PLATFORMS = {"slack": re.compile(r"\bslack\b|(?<![\w&])#[a-z][\w-]*"),
              "teams": re.compile(r"\b(?:ms|microsoft) teams\b|\b(?:in|on|to|via) (?:the )?teams\b|"
                                  r"\bteams\b[\w\s-]{0,20}\b(?:channel|chat)\b"),
              "email": re.compile(r"\be-?mails?\b"), "sms": re.compile(r"\bsms\b|\btext messages?\b"),
              "whatsapp": re.compile(r"\bwhatsapp\b")}


class _Shape(NamedTuple):
    """What `contrary` reads of a text beside its terms."""

    words: frozenset[str]
    sources: frozenset[str]  # what it has things come from
    targets: frozenset[str]  # what it has them go to or into
    places: frozenset[str]  # where it is to happen (slack, teams, email, sms, whatsapp)
    order: tuple[str, ...]  # its words' roots, in order, filler left out
    negates: bool  # it asks to stop, block or hide something


@lru_cache(maxsize=TEXTS_REMEMBERED)
def _shape(text: str) -> _Shape:
    text = text.lower()
    found = _TOWARDS.findall(text)
    words = WORD.findall(text)
    return _Shape(frozenset(words), frozenset(what for to, what in found if to == "from"),
                  frozenset(what for to, what in found if to != "from"),
                  frozenset(name for name, said in _PLATFORMS.items() if said.search(text)),
                  tuple(root(w) for w in words if w not in ASK_STOP),
                  bool(NEGATING & frozenset(words)) and bool(NEGATING & set(WORD.findall(_NOUN_STOP.sub(" ", text)))))
