"""The request detector, scored on labelled corpora written by others.

requests_dev*.jsonl (seven corpora, each by a different author about different organisations) tuned
the rules or trained the word weights, so on them the detector is scored leave-one-corpus-out: the
words learned from the others, scored on the one left out. requests_holdout.jsonl was written separately
and never tuned or trained on: its figures are the honest ones. The target is precision 0.9 and
recall 0.8 on both.
"""

import json
from pathlib import Path

import pytest

from bot.listening import training
from bot.listening import words as request_words
from bot.listening.detect import THRESHOLD, detect, rule_score

DATA = Path(__file__).resolve().parents[2] / "data"
TUNING = sorted(DATA.glob("requests_dev*.jsonl"))
HELD_OUT = DATA / "requests_holdout.jsonl"
TARGET = (0.9, 0.8)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def precision_recall(predicted: list[bool], rows: list[dict]) -> tuple[float, float]:
    tp = sum(p and r["label"] for p, r in zip(predicted, rows, strict=True))
    fp = sum(p and not r["label"] for p, r in zip(predicted, rows, strict=True))
    fn = sum(not p and r["label"] for p, r in zip(predicted, rows, strict=True))
    return tp / (tp + fp), tp / (tp + fn)


def test_held_out_corpus_meets_the_target():
    rows = load(HELD_OUT)
    assert len(rows) >= 300 and 0.35 < sum(r["label"] for r in rows) / len(rows) < 0.55
    precision, recall = precision_recall([detect(r["text"]).is_request for r in rows], rows)
    assert precision >= TARGET[0], f"precision {precision:.3f}"  # measured 0.924 on 420 messages
    assert recall >= TARGET[1], f"recall {recall:.3f}"  # measured 0.822


def test_tuning_corpora_meet_the_target_when_each_is_left_out_of_training():
    """Each corpus scored by words learned from the others; one author alone may fall a little short."""
    predicted, rows = [], []
    for held in TUNING:
        weights = training.train(training.corpus_examples(p for p in TUNING if p != held))
        theirs = load(held)
        mine = [detect(r["text"], weights).is_request for r in theirs]
        precision, recall = precision_recall(mine, theirs)
        assert precision >= 0.9 and recall >= 0.75, f"{held.name}: precision {precision:.3f}, recall {recall:.3f}"
        predicted += mine
        rows += theirs
    precision, recall = precision_recall(predicted, rows)
    assert precision >= TARGET[0], f"precision {precision:.3f}"  # measured 0.954 on 2,238 messages
    assert recall >= TARGET[1], f"recall {recall:.3f}"  # measured 0.924


def test_shipped_word_weights_are_the_ones_the_tuning_corpora_train():
    """Edit a corpus or a rule, run `python -m bot.listening.words`, commit both."""
    assert training.train(training.corpus_examples(TUNING)) == request_words.load()


def test_learned_words_carry_an_ask_the_rules_alone_would_miss():
    text = "biggest pain this week: no way to undo a sent invoice"
    assert rule_score(text)[0] < THRESHOLD
    detection = detect(text)
    assert detection.is_request and detection.trigger == "no way to"


@pytest.mark.parametrize(
    "text, is_request, trigger",
    [
        ("could we add dark mode to the mobile app?", True, "could we"),
        ("Acme keeps asking for a Salesforce integration", True, "keeps asking"),
        ("it would be great if the dashboard remembered my filters", True, "would be great"),
        ("feature request: slack alerts when a sync fails", True, "feature request"),
        ("could we move standup to 10 tomorrow?", False, None),
        ("please add me to the on-call rota", False, None),
        ("thanks for adding dark mode!! love it", False, None),
        ("the export button is broken again", False, None),
        ("<https://example.com/a|link> <https://example.com/b>", False, None),
        ("```could we add a flag here```", False, None),
        ("", False, None),
    ],
)
def test_verdicts_come_with_the_phrase_that_triggered_them(text, is_request, trigger):
    detection = detect(text)
    assert detection.is_request == is_request
    if trigger is not None:
        assert trigger in detection.trigger.lower()


def test_mentions_and_links_do_not_count_as_words():
    assert detect("<@U123> <#C1|general> <!here>").score == 0.0
