"""Word weights learned from the labelled corpora, to back the detector's hand-written rules.

Rules catch the forms someone thought of; people who write new corpora keep finding forms nobody
did ("would it kill us to", "the #1 thing support hears"). A logistic regression over the message's
words, word pairs and first word, with the rules' score as one more input, learns from every
labelled message instead. It stays explainable (a verdict is a sum of named weights) and fast (a
few dict lookups). The weights live in words.json, made by `python -m bot.listening.training`
(scikit-learn, a development dependency) from the tuning corpora; the held-out ones are never
trained on. This module only reads them: what ships needs no training code and no scikit-learn.

Customers write differently from colleagues: in a review "please" opens an ask ("please add Hindi"),
in Slack it opens a chore ("please review my PR"). So feedback channels, which carry the customer's
voice, read with weights of their own (customer_words.json), learned from the customer-voice corpora.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WEIGHTS_FILE = Path(__file__).with_name("words.json")  # colleagues in Slack
CUSTOMER_WEIGHTS_FILE = Path(__file__).with_name("customer_words.json")  # reviews, tickets, NPS
_TOKEN = re.compile(r"[a-z][a-z'+-]*|\?")

@dataclass(frozen=True)
class Weights:
    bias: float
    rule: float  # per point of rule score above the rules' own threshold
    words: dict[str, float]

    def evidence(self, features: Iterable[str]) -> float:
        return self.bias + sum(self.words.get(feature, 0.0) for feature in features)


def features(plain: str) -> set[str]:
    """Words, adjacent pairs and the opening word of lower-cased plain text."""
    tokens = _TOKEN.findall(plain)
    found = {f"w:{token}" for token in tokens}
    found.update(f"b:{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False))
    if tokens:
        found.add(f"first:{tokens[0]}")
    return found


def describe(feature: str) -> str:
    """A feature as the words a person would recognise: 'b:would_kill' -> 'would kill'."""
    return feature.split(":", 1)[1].replace("_", " ")


@cache
def load(path: Path = WEIGHTS_FILE) -> Weights:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Weights(raw["bias"], raw["rule"], raw["words"])


