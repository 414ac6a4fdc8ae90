"""The request detector, scored on labelled corpora written by others.

Two voices: Slack messages by colleagues (requests_*.jsonl) and customer voice, meaning app reviews,
tickets, NPS comments (reviews_*.jsonl). The *_dev* corpora (each by a different author about
different organisations) tuned the rules and train the word weights, so on them the detector is
scored leave-one-corpus-out: weights learned from the others, scored on the one left out. The
*_holdout corpora were written separately and are never tuned or trained on: their figures are the
honest ones. Targets: precision 0.9 and recall 0.8 on Slack, F1 0.7 on customer voice.
"""

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from bot.listening import training
from bot.listening import words as request_words
from bot.listening.detect import THRESHOLD, detect, rule_score

DATA = Path(__file__).resolve().parents[2] / "data"
TUNING = training.tuning_corpora()
CUSTOMER_TUNING = training.customer_corpora()
SLACK_HELD_OUT = DATA / "requests_holdout.jsonl"
REVIEWS_HELD_OUT = DATA / "reviews_holdout.jsonl"
SLACK_TARGET = (0.9, 0.8)  # precision, recall
REVIEWS_TARGET = 0.7  # F1
TOLERANCE = 0.01  # retrained weights may differ from the shipped ones by this much (BLAS, platform)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def scores(predicted: list[bool], rows: list[dict]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the verdicts against the rows' labels."""
    tp = sum(p and r["label"] for p, r in zip(predicted, rows, strict=True))
    fp = sum(p and not r["label"] for p, r in zip(predicted, rows, strict=True))
    fn = sum(not p and r["label"] for p, r in zip(predicted, rows, strict=True))
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)


@cache
def examples(path: Path) -> list[training.Example]:
    return training.corpus_examples([path])


@cache
def weights_without(path: Path) -> request_words.Weights:
    """Word weights trained on every tuning corpus but this one; a customer-voice corpus is read with
    weights trained on the other customer-voice corpora, as feedback channels read with their own."""
    corpora = CUSTOMER_TUNING if path in CUSTOMER_TUNING else TUNING
    return training.train([example for other in corpora if other != path for example in examples(other)])


@cache
def verdicts_left_out(path: Path) -> tuple[bool, ...]:
    """The corpus read with weights trained on every other tuning corpus."""
    weights = weights_without(path)
    return tuple(detect(r["text"], weights).is_request for r in load(path))


def left_out(path: Path) -> tuple[float, float, float]:
    return scores(list(verdicts_left_out(path)), load(path))


def test_held_out_slack_messages_meet_the_target():
    rows = load(SLACK_HELD_OUT)
    assert len(rows) >= 300 and 0.35 < sum(r["label"] for r in rows) / len(rows) < 0.55
    precision, recall, _ = scores([detect(r["text"]).is_request for r in rows], rows)
    assert precision >= SLACK_TARGET[0], f"precision {precision:.3f}"  # measured .981 on 420 messages
    assert recall >= SLACK_TARGET[1], f"recall {recall:.3f}"  # measured .923


def test_held_out_customer_voice_meets_the_target():
    if not REVIEWS_HELD_OUT.exists():
        pytest.fail(f"{REVIEWS_HELD_OUT.name} is missing: the customer-voice target cannot be checked without it")
    rows = load(REVIEWS_HELD_OUT)
    assert len(rows) >= 300, f"{len(rows)} rows"
    customers = request_words.load(request_words.CUSTOMER_WEIGHTS_FILE)
    precision, recall, f1 = scores([detect(r["text"], customers).is_request for r in rows], rows)
    # measured F1 .893 (precision .966, recall .830) on 420 texts
    assert f1 >= REVIEWS_TARGET, f"F1 {f1:.3f} (precision {precision:.3f}, recall {recall:.3f})"


# (precision, recall, F1) floors per tuning corpus, each left out of training: one author alone may
# fall a little short of the target. Measured figures in the comments.
FLOORS = {
    "requests_dev.jsonl": (0.9, 0.75, 0.0),  # .932 .988 .959
    "requests_dev2.jsonl": (0.9, 0.75, 0.0),  # .951 .936 .944
    "requests_dev3.jsonl": (0.9, 0.75, 0.0),  # .970 .962 .966
    "requests_dev4.jsonl": (0.9, 0.75, 0.0),  # .954 .919 .936
    "requests_dev5.jsonl": (0.9, 0.75, 0.0),  # .919 .958 .938
    "requests_dev6.jsonl": (0.9, 0.75, 0.0),  # .987 .867 .923
    "requests_dev7.jsonl": (0.88, 0.75, 0.0),  # .888 .760 .819
    "requests_dev8.jsonl": (0.88, 0.75, 0.0),  # .934 .817 .872
    "reviews_dev1.jsonl": (0.0, 0.0, 0.8),  # .960 .948 .954
    "reviews_dev2.jsonl": (0.0, 0.0, 0.8),  # .933 .874 .903
    "reviews_dev3.jsonl": (0.0, 0.0, 0.8),  # .904 .820 .860
    "reviews_dev4.jsonl": (0.0, 0.0, 0.8),  # .961 .841 .897
    "reviews_dev5.jsonl": (0.0, 0.0, 0.0),  # .800 .982 .882
}


@pytest.mark.parametrize("name, floors", FLOORS.items())
def test_each_tuning_corpus_left_out_of_training(name, floors):
    measured = left_out(DATA / name)
    assert all(got >= floor for got, floor in zip(measured, floors, strict=True)), (
        f"{name}: precision {measured[0]:.3f}, recall {measured[1]:.3f}, F1 {measured[2]:.3f}"
    )


@pytest.mark.parametrize(
    "voice, floors",
    [
        ("requests_dev", (*SLACK_TARGET, 0.0)),  # measured .943 .902 .922 on 2,658 messages
        ("reviews_dev", (0.0, 0.0, 0.8)),  # measured .912 .888 .900 on 1,900 texts
    ],
)
def test_each_voice_left_out_corpus_by_corpus_meets_the_target(voice, floors):
    paths = [path for path in TUNING if path.name.startswith(voice)]
    measured = scores([v for path in paths for v in verdicts_left_out(path)], [r for path in paths for r in load(path)])
    assert all(got >= floor for got, floor in zip(measured, floors, strict=True)), (
        f"{voice}: precision {measured[0]:.3f}, recall {measured[1]:.3f}, F1 {measured[2]:.3f}"
    )


def test_every_tuning_corpus_has_a_floor():
    assert set(FLOORS) == {path.name for path in TUNING}


@pytest.mark.parametrize("path, corpora", [(request_words.WEIGHTS_FILE, TUNING),
                                           (request_words.CUSTOMER_WEIGHTS_FILE, CUSTOMER_TUNING)])
def test_shipped_word_weights_are_the_ones_the_tuning_corpora_train(path, corpora):
    """Edit a corpus or a rule, run `python -m bot.listening.training`, commit what it writes."""
    shipped = request_words.load(path)
    trained = training.train([example for corpus in corpora for example in examples(corpus)])
    assert abs(trained.bias - shipped.bias) <= TOLERANCE and abs(trained.rule - shipped.rule) <= TOLERANCE
    drift = {name: abs(trained.words.get(name, 0.0) - shipped.words.get(name, 0.0))
             for name in trained.words.keys() | shipped.words.keys()}
    worst = max(drift, key=drift.__getitem__)
    assert drift[worst] <= TOLERANCE, f"{worst}: shipped {shipped.words.get(worst)}, trained {trained.words.get(worst)}"


def test_what_ships_does_not_need_scikit_learn():
    code = "import sys, bot.listening.detect, bot.listening.sentences; print(any(m.startswith(('sklearn', 'scipy', " \
           "'numpy')) for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[3])
    assert result.stdout.strip() == "False"


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
        # Customer voice: the forms reviews and tickets ask in, and the ones that only borrow them.
        ("Bring back the chronological feed. The algorithm feed is garbage.", True, "bring back"),
        ("Giving 3 stars until you add family sharing.", True, "stars until"),
        ("Would give 5 stars if it had an offline mode.", True, "give 5 stars if"),
        ("I wish I could mute people in the comments without blocking them.", True, "wish i could"),
        ("Great app. The only thing missing is a widget for the home screen.", True, "only thing missing"),
        ("Love the new design! Can you add a sleep timer that fades the music out?", True, "can you add"),
        ("The app logs me out every single time I switch apps. Please fix!", False, None),
        ("Charged my card twice for the monthly subscription. Please refund.", False, None),
        ("does anyone know if there's a way to bulk import contacts from a spreadsheet?", False, None),
        ("I wish I had found this tool two years ago, would have saved us so much pain.", False, None),
        ("Best budgeting app I've used, five stars.", False, None),
    ],
)
def test_verdicts_come_with_the_phrase_that_triggered_them(text, is_request, trigger):
    detection = detect(text)
    assert detection.is_request == is_request, detection
    if trigger is not None:
        assert trigger in detection.trigger.lower()


def test_mentions_and_links_do_not_count_as_words():
    assert detect("<@U123> <#C1|general> <!here>").score == 0.0
