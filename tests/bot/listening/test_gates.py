"""The detector's gates skip rules that cannot match; they must never skip one that would."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from bot.listening import gates, patterns
from bot.listening.against import NOT
from bot.listening.detect import plain_text
from bot.listening.gates import Gate, Rules, alternatives, gate, words_of

DATA = Path(__file__).resolve().parents[2] / "data"


@cache
def corpus_texts() -> tuple[str, ...]:
    """Every labelled message and review, lower-cased plain text, as the rules read them."""
    texts = []
    for path in sorted(DATA.glob("requests_*.jsonl")) + sorted(DATA.glob("reviews_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(plain_text(json.loads(line)["text"]).lower())
    return tuple(texts)


@pytest.mark.parametrize("pattern, expected", [
    (r"\bexport to csv\b", Gate(words=frozenset({"export"}))),  # the rarer whole word
    (r"\b(?:could|can) you\b", Gate(words=frozenset({"could", "can"}))),
    (r"\bneeds? more\b", Gate(words=frozenset({"need", "needs"}))),  # an optional letter spelled both ways
    (r"\bpls+\b", Gate(text=("pl",))),  # "pl" is no whole word: looked for as text
    (r"\bwish(?:list| list)\b", Gate(words=frozenset({"wishlist", "wish"}))),
    (r"\bwish\w*", Gate(text=("wish",))),  # "wish" begins a word, maybe no whole one
    (r"feature|\bidea\b", Gate(words=frozenset({"idea"}), text=("feature",))),
    (r"(?i)please add", Gate()),  # case-insensitive: no gate
    (r"\b\w+ should \w+", Gate(words=frozenset({"should"}))),
    (r"[^.]{3,}\?", Gate()),  # nothing literal is required
    (r"\bx\b", Gate()),  # one letter gates nothing
])
def test_a_gate_names_what_every_match_needs(pattern, expected):
    assert gate(pattern) == expected


@pytest.mark.parametrize("pattern, parts", [
    ("a|b", ["a", "b"]),
    (r"a(?:b|c)|d", ["a(?:b|c)", "d"]),
    (r"[|(]x|\|y|(?:z)", ["[|(]x", r"\|y", "(?:z)"]),
    (r"[]|]|q", ["[]|]", "q"]),
    ("plain", ["plain"]),
])
def test_alternatives_split_only_at_the_top(pattern, parts):
    assert alternatives(pattern) == parts


@pytest.mark.parametrize("name, weighted", [("ask", patterns.ASK), ("not", NOT)])
def test_gated_rules_find_exactly_what_the_rules_find(name, weighted):
    """Over every corpus text: the same rules match, at the same place, with the same words."""
    gated = Rules(weighted)
    plain = [(weight, re.compile(pattern)) for weight, pattern in weighted]
    for text in corpus_texts():
        expected = [(weight, match.span(), match.group()) for weight, rule in plain
                    if (match := rule.search(text))]
        got = [(weight, match.span(), match.group()) for weight, match in gated.search(text, words_of(text))]
        assert got == expected, text


def test_most_rules_are_not_searched_for_a_message():
    rules = Rules(patterns.ASK)
    texts = corpus_texts()
    always = len(rules.always)
    assert always <= 2  # nearly every rule has a gate
    searched = sum(len({n for word in words_of(text) for n in rules.by_word.get(word, ())}) for text in texts)
    assert searched / len(texts) < len(rules.parts) / 4


def test_without_the_parser_every_rule_is_searched(monkeypatch):
    """On a Python whose `re` parser we cannot read, nothing is gated and nothing changes but the cost."""
    monkeypatch.setattr(gates, "sre_parse", None)
    rules = Rules(patterns.ASK)
    assert len(rules.always) == len(rules.parts)
    text = "could you please add a dark mode? i miss the old one"
    expected = [(weight, match.group()) for weight, pattern in patterns.ASK if (match := re.search(pattern, text))]
    assert [(weight, match.group()) for weight, match in rules.search(text, words_of(text))] == expected
