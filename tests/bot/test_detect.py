"""The request detector, scored on labelled corpora written by others.

requests_dev*.jsonl (five corpora, each by a different author about different organisations) were
used to tune the rules; requests_holdout.jsonl was written separately and never looked at while
tuning: its figures are the honest ones. The target is precision 0.9 and recall 0.8 on both; on
the held-out corpus the heuristic does not reach that recall yet (see HELD_OUT_FLOOR), and the floor
keeps it from getting worse unnoticed.
"""

import json
from pathlib import Path

import pytest

from bot.detect import detect

DATA = Path(__file__).resolve().parent.parent / "data"
TUNING = [f"requests_dev{n}.jsonl" for n in ("", "2", "3", "4", "5")]
HELD_OUT = ["requests_holdout.jsonl"]


def load(names: list[str]) -> list[dict]:
    rows = []
    for name in names:
        rows += [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def precision_recall(rows: list[dict]) -> tuple[float, float]:
    predicted = [detect(row["text"]).is_request for row in rows]
    tp = sum(p and r["label"] for p, r in zip(predicted, rows, strict=True))
    fp = sum(p and not r["label"] for p, r in zip(predicted, rows, strict=True))
    fn = sum(not p and r["label"] for p, r in zip(predicted, rows, strict=True))
    return tp / (tp + fp), tp / (tp + fn)


TARGET = (0.9, 0.8)
HELD_OUT_FLOOR = (0.9, 0.75)  # measured 0.945 / 0.767 on 400 held-out messages: recall below TARGET


@pytest.mark.parametrize("names, bounds", [(TUNING, TARGET), (HELD_OUT, HELD_OUT_FLOOR)], ids=["tuning", "held-out"])
def test_precision_and_recall(names, bounds):
    rows = load(names)
    assert len(rows) >= 300 and 0.35 < sum(r["label"] for r in rows) / len(rows) < 0.55
    precision, recall = precision_recall(rows)
    assert precision >= bounds[0], f"precision {precision:.3f}"
    assert recall >= bounds[1], f"recall {recall:.3f}"


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
