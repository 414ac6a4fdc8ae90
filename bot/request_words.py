"""Word weights learned from the labelled corpora, to back the detector's hand-written rules.

Rules catch the forms someone thought of; people who write new corpora keep finding forms nobody
did ("would it kill us to", "the #1 thing support hears"). A logistic regression over the message's
words, word pairs and first word, with the rules' score as one more input, learns from every
labelled message instead. It stays explainable (a verdict is a sum of named weights) and fast (a
few dict lookups). The weights live in request_words.json, made by `python -m bot.request_words`
from tests/data/requests_dev*.jsonl; the held-out corpus is never trained on.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WEIGHTS_FILE = Path(__file__).with_name("request_words.json")
_TOKEN = re.compile(r"[a-z][a-z'+-]*|\?")

# Training settings, chosen by leave-one-corpus-out scores on the tuning corpora.
EPOCHS = 20
LEARNING_RATE = 0.1
L2 = 1e-3
MIN_COUNT = 2  # a feature seen once is an anecdote
RULE_RATE = 0.3  # the rules' weight moves slower than the words': it carries most of the signal
SEED = 1


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


def train(examples: list[tuple[set[str], float, bool]]) -> Weights:
    """Stochastic gradient descent on log loss; deterministic for the same examples.

    Each example is (features, rule score minus the rules' threshold, is a request).
    """
    counts = Counter(feature for found, _, _ in examples for feature in found)
    data = [(sorted(f for f in found if counts[f] >= MIN_COUNT), margin, label) for found, margin, label in examples]
    words: dict[str, float] = {}
    bias = rule = 0.0
    shuffle = random.Random(SEED).shuffle
    for _ in range(EPOCHS):
        shuffle(data)
        for found, margin, label in data:
            z = bias + rule * margin + sum(words.get(f, 0.0) for f in found)
            error = 1 / (1 + math.exp(-max(-30.0, min(30.0, z)))) - label
            for f in found:
                weight = words.get(f, 0.0)
                words[f] = weight - LEARNING_RATE * (error + L2 * weight)
            bias -= LEARNING_RATE * error
            rule -= LEARNING_RATE * RULE_RATE * error * margin
    kept = {f: round(w, 3) for f, w in sorted(words.items()) if abs(w) >= 0.005}
    return Weights(round(bias, 3), round(rule, 3), kept)


@cache
def load() -> Weights:
    raw = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    return Weights(raw["bias"], raw["rule"], raw["words"])


def to_json(weights: Weights) -> str:
    return json.dumps({"bias": weights.bias, "rule": weights.rule, "words": weights.words}, indent=0) + "\n"


def corpus_examples(paths: Iterable[Path]) -> list[tuple[set[str], float, bool]]:
    from bot.detect import THRESHOLD, plain_text, rule_score  # the rules come first; this module only adds to them

    examples = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                plain = plain_text(row["text"]).lower()
                examples.append((features(plain), rule_score(plain)[0] - THRESHOLD, bool(row["label"])))
    return examples


def tuning_corpora() -> list[Path]:
    return sorted((Path(__file__).resolve().parent.parent / "tests" / "data").glob("requests_dev*.jsonl"))


if __name__ == "__main__":
    WEIGHTS_FILE.write_text(to_json(train(corpus_examples(tuning_corpora()))), encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE}")
