"""Training the word weights (bot/listening/words.json) from the labelled tuning corpora.

`python -m bot.listening.training` after editing a rule or a corpus (a test fails until you do);
`python -m bot.listening.training --cv` prints the cross-validation that chose C. Development only:
scikit-learn is a dev dependency, and what ships reads the exported json (bot/listening/words.py).

The model is an L2 logistic regression (scikit-learn, lbfgs: deterministic, no random state to keep)
over the features of bot/listening/words.py plus one input, the rules' score above their threshold.
Its coefficients are exported by name, so a verdict stays a sum of named weights. Each voice has its
own: words.json (channel listening) is trained on tests/data/requests_dev*.jsonl, colleagues in Slack,
customer_words.json (feedback channels) on tests/data/reviews_dev*.jsonl, customer voice; mixing them
taught Slack reviewers' words and cost it recall (leave-one-corpus-out .908 alone, .902 mixed). The
held-out corpora are never read here. C is chosen by leave-one-corpus-out cross-validation (groups
are corpus files, each by a different author): a random split would let one author's phrasing
leak into its own test fold and flatter the score.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.listening.detect import THRESHOLD, plain_text, rule_score
from bot.listening.words import CUSTOMER_WEIGHTS_FILE, WEIGHTS_FILE, Weights, features

C = 1.0  # `--cv` mean F1 .928 Slack, .895 customer; the best, 5.0 (.930, .898), is less regularised
C_GRID = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
MIN_COUNT = 2  # a feature seen in one message only is an anecdote
RULE_SCALE = 4.0  # the rules' input is scaled up so the penalty barely shrinks its weight
MAX_ITER = 2000
CORPORA = Path(__file__).resolve().parents[2] / "tests" / "data"
DIGITS = 3  # weights are rounded to this many decimals in words.json; smaller ones are dropped

Example = tuple[frozenset[str], float, bool]  # (features, rule score minus THRESHOLD, is a request)


def train(examples: Sequence[Example], c: float = C) -> Weights:
    """Fits the logistic regression and returns its coefficients by feature name."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts = Counter(feature for found, _, _ in examples for feature in found)
    names = sorted(feature for feature, count in counts.items() if count >= MIN_COUNT)
    column = {name: n + 1 for n, name in enumerate(names)}  # column 0 is the rules' score
    rows, cols, values = [], [], []
    for row, (found, margin, _) in enumerate(examples):
        rows.append(row)
        cols.append(0)
        values.append(margin / RULE_SCALE)
        for feature in found:
            if feature in column:
                rows.append(row)
                cols.append(column[feature])
                values.append(1.0)
    x = csr_matrix((values, (rows, cols)), shape=(len(examples), len(names) + 1))
    y = [label for _, _, label in examples]
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=MAX_ITER, tol=1e-6).fit(x, y)
    coef = model.coef_[0]
    words = {name: round(float(coef[column[name]]), DIGITS) for name in names}
    return Weights(
        round(float(model.intercept_[0]), DIGITS),
        round(float(coef[0]) / RULE_SCALE, DIGITS),
        {name: weight for name, weight in words.items() if weight != 0.0},
    )


def to_json(weights: Weights) -> str:
    return json.dumps({"bias": weights.bias, "rule": weights.rule, "words": weights.words}, indent=0) + "\n"


def corpus_examples(paths: Iterable[Path]) -> list[Example]:
    examples = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                plain = plain_text(row["text"]).lower()
                examples.append((frozenset(features(plain)), rule_score(plain)[0] - THRESHOLD, bool(row["label"])))
    return examples


def tuning_corpora() -> list[Path]:
    return slack_corpora() + customer_corpora()


def slack_corpora() -> list[Path]:
    """The tuning corpora of colleagues' Slack messages: what words.json is trained on."""
    return sorted(CORPORA.glob("requests_dev*.jsonl"))


def customer_corpora() -> list[Path]:
    """The customer-voice tuning corpora: what customer_words.json is trained on."""
    return sorted(CORPORA.glob("reviews_dev*.jsonl"))


def leave_one_corpus_out(by_corpus: dict[str, list[Example]], c: float = C) -> dict[str, tuple[int, int, int]]:
    """(true positives, false positives, false negatives) per corpus, each scored by weights trained
    on the others: scikit-learn's LeaveOneGroupOut with corpus files as groups."""
    from sklearn.model_selection import LeaveOneGroupOut

    examples = [example for rows in by_corpus.values() for example in rows]
    groups = [name for name, rows in by_corpus.items() for _ in rows]
    counts = {}
    for train_rows, test_rows in LeaveOneGroupOut().split(examples, groups=groups):
        weights = train([examples[n] for n in train_rows], c)
        tp = fp = fn = 0
        for n in test_rows:
            found, margin, label = examples[n]
            predicted = weights.rule * margin + weights.evidence(found) >= 0
            tp += predicted and label
            fp += predicted and not label
            fn += label and not predicted
        counts[groups[test_rows[0]]] = (tp, fp, fn)
    return counts


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def cross_validate(corpora: list[Path]) -> None:
    """Leave-one-corpus-out F1 for each C in C_GRID: the C with the best mean F1 over corpora ships."""
    by_corpus = {path.name: corpus_examples([path]) for path in corpora}
    for c in C_GRID:
        counts = leave_one_corpus_out(by_corpus, c)
        scores = {name: f1(*count) for name, count in counts.items()}
        print(f"C={c:<5} mean F1 {sum(scores.values()) / len(scores):.3f}  "
              + " ".join(f"{name.removesuffix('.jsonl')}={score:.3f}" for name, score in scores.items()))


if __name__ == "__main__":
    for path, corpora in ((WEIGHTS_FILE, slack_corpora()), (CUSTOMER_WEIGHTS_FILE, customer_corpora())):
        if "--cv" in sys.argv:
            print(path.name)
            cross_validate(corpora)
        else:
            path.write_text(to_json(train(corpus_examples(corpora))), encoding="utf-8")
            print(f"wrote {path}")
