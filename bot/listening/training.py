"""Training the word weights (bot/listening/words.json) from the labelled corpora: `python -m
bot.listening.training` after editing a rule or a corpus (a test fails until you do). Only the tuning
corpora (tests/data/requests_dev*.jsonl) are trained on; the held-out one never is.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bot.listening.detect import THRESHOLD, plain_text, rule_score
from bot.listening.words import WEIGHTS_FILE, Weights, features

# Training settings, chosen by leave-one-corpus-out scores on the tuning corpora.
EPOCHS = 20
LEARNING_RATE = 0.1
L2 = 1e-3
MIN_COUNT = 2  # a feature seen once is an anecdote
RULE_RATE = 0.3  # the rules' weight moves slower than the words': it carries most of the signal
SEED = 1



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


def to_json(weights: Weights) -> str:
    return json.dumps({"bias": weights.bias, "rule": weights.rule, "words": weights.words}, indent=0) + "\n"


def corpus_examples(paths: Iterable[Path]) -> list[tuple[set[str], float, bool]]:
    examples = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                plain = plain_text(row["text"]).lower()
                examples.append((features(plain), rule_score(plain)[0] - THRESHOLD, bool(row["label"])))
    return examples


def tuning_corpora() -> list[Path]:
    return sorted((Path(__file__).resolve().parents[2] / "tests" / "data").glob("requests_dev*.jsonl"))


if __name__ == "__main__":
    WEIGHTS_FILE.write_text(to_json(train(corpus_examples(tuning_corpora()))), encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE}")
