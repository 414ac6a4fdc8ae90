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
from bot.listening.sentences import requests_in

DATA = Path(__file__).resolve().parents[2] / "data"
TUNING = training.tuning_corpora()
SLACK_TUNING = training.slack_corpora()
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
    corpora = CUSTOMER_TUNING if path in CUSTOMER_TUNING else SLACK_TUNING
    return training.train([example for other in corpora if other != path for example in examples(other)])


@cache
def verdicts_left_out(path: Path) -> tuple[bool, ...]:
    """The corpus read with weights trained on every other tuning corpus."""
    weights = weights_without(path)
    return tuple(detect(r["text"], weights).is_request for r in load(path))


def left_out(path: Path) -> tuple[float, float, float]:
    return scores(list(verdicts_left_out(path)), load(path))


@pytest.mark.parametrize("path", [SLACK_HELD_OUT, *(DATA / f"requests_holdout{n}.jsonl" for n in (2, 5, 7))],
                         ids=lambda path: path.stem)
def test_held_out_slack_messages_meet_the_target(path):
    """Measured (precision, recall): requests_holdout .988 .940 on 420 messages; requests_holdout2 (420,
    written later without sight of the rules or the other corpora) .960 .889; requests_holdout5 (360, a new
    author written the same way, first read 2026-12-01: .913 .907 with that morning's rules, .930 .907 after
    its second round, .937 .914 after its third) .944 .932; requests_holdout7 (360, another, first read the
    afternoon of 2026-12-01: .925 .907 with that afternoon's rules, before requests_dev11 was studied) .915 .932."""
    rows = load(path)
    assert len(rows) >= 300 and 0.35 < sum(r["label"] for r in rows) / len(rows) < 0.55
    precision, recall, _ = scores([detect(r["text"]).is_request for r in rows], rows)
    assert precision >= SLACK_TARGET[0], f"precision {precision:.3f}"
    assert recall >= SLACK_TARGET[1], f"recall {recall:.3f}"


@pytest.mark.parametrize("path", [REVIEWS_HELD_OUT, *(DATA / f"reviews_holdout{n}.jsonl" for n in (2, 4, 6))],
                         ids=lambda path: path.stem)
@pytest.mark.parametrize("reading", ["message", "feedback channel"])
def test_held_out_customer_voice_meets_the_target(path, reading):
    """Read as a whole message with the customer weights, and as a feedback channel reads it (each
    sentence, a bug report asking only in passing): both must meet the target. Measured figures, as
    (precision, recall, F1): reviews_holdout .954 .842 .894 and .950 .889 .918; reviews_holdout2 (400 texts,
    written without sight of the rules or the other corpora) .923 .873 .897 and .899 .893 .896; reviews_holdout4
    (360, a new author written the same way, first read 2026-12-01: .903 .903 .903 and .887 .924 .905) .915 .896
    .905 and .906 .938 .922; reviews_holdout6 (360, another, first read the afternoon of 2026-12-01: .860 .854
    .857 and .855 .903 .878 before reviews_dev14, once reviews_holdout5, was studied) .879 .861 .870 and .866
    .896 .881."""
    if not path.exists():
        pytest.fail(f"{path.name} is missing: the customer-voice target cannot be checked without it")
    rows = load(path)
    assert len(rows) >= 300, f"{len(rows)} rows"
    customers = request_words.load(request_words.CUSTOMER_WEIGHTS_FILE)
    if reading == "message":
        verdicts = [detect(r["text"], customers).is_request for r in rows]
    else:
        verdicts = [bool(requests_in(r["text"])) for r in rows]
    precision, recall, f1 = scores(verdicts, rows)
    assert f1 >= REVIEWS_TARGET, f"F1 {f1:.3f} (precision {precision:.3f}, recall {recall:.3f})"


# (precision, recall, F1) floors per tuning corpus, each left out of training: one author alone may
# fall a little short of the target. Measured figures in the comments.
FLOORS = {
    "requests_dev.jsonl": (0.9, 0.75, 0.0),  # .942 .976 .959
    "requests_dev2.jsonl": (0.9, 0.75, 0.0),  # .976 .960 .968
    "requests_dev3.jsonl": (0.9, 0.75, 0.0),  # .977 .962 .970
    "requests_dev4.jsonl": (0.9, 0.75, 0.0),  # .969 .941 .955
    "requests_dev5.jsonl": (0.9, 0.75, 0.0),  # .917 .933 .925
    "requests_dev6.jsonl": (0.9, 0.75, 0.0),  # .987 .872 .926
    "requests_dev7.jsonl": (0.9, 0.75, 0.0),  # .935 .837 .883
    "requests_dev8.jsonl": (0.9, 0.75, 0.0),  # .926 .848 .885
    "requests_dev9.jsonl": (0.9, 0.75, 0.0),  # .957 .951 .954 (requests_holdout3 until its misses were studied)
    "requests_dev10.jsonl": (0.9, 0.75, 0.0),  # .962 .944 .953 (requests_holdout4 until its misses were studied)
    "requests_dev11.jsonl": (0.9, 0.75, 0.0),  # .957 .975 .966 (requests_holdout6 until its misses were studied)
    "reviews_dev1.jsonl": (0.0, 0.0, 0.8),  # .954 .954 .954
    "reviews_dev2.jsonl": (0.0, 0.0, 0.8),  # .929 .906 .917
    "reviews_dev3.jsonl": (0.0, 0.0, 0.8),  # .920 .857 .887
    "reviews_dev4.jsonl": (0.0, 0.0, 0.8),  # .920 .952 .936
    "reviews_dev5.jsonl": (0.0, 0.0, 0.8),  # .901 .956 .928
    "reviews_dev6.jsonl": (0.0, 0.0, 0.8),  # .956 .867 .909
    "reviews_dev7.jsonl": (0.0, 0.0, 0.8),  # .935 .821 .875
    "reviews_dev8.jsonl": (0.0, 0.0, 0.8),  # .882 .938 .909
    "reviews_dev9.jsonl": (0.0, 0.0, 0.8),  # .984 .847 .910
    # Long game and streaming reviews that tell how the app works ("you can also make friends in the guild"):
    # the other corpora never wrote like this, so left out it is the hardest.
    "reviews_dev10.jsonl": (0.0, 0.0, 0.75),  # .722 .871 .790
    "reviews_dev11.jsonl": (0.0, 0.0, 0.8),  # .945 .834 .886
    # App-store reviews as they are typed: lowercase, unpunctuated run-ons, txt speak, non-native English.
    "reviews_dev12.jsonl": (0.0, 0.0, 0.8),  # .967 .824 .890
    "reviews_dev13.jsonl": (0.0, 0.0, 0.8),  # .972 .965 .969 (reviews_holdout3 until its misses were studied)
    "reviews_dev14.jsonl": (0.0, 0.0, 0.8),  # .918 .938 .928 (reviews_holdout5 until its misses were studied)
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
        ("requests_dev", (*SLACK_TARGET, 0.0)),  # measured .957 .932 .944 on 3,738 messages
        ("reviews_dev", (0.0, 0.0, 0.8)),  # measured .920 .894 .907 on 5,299 texts
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


@pytest.mark.parametrize("path, corpora", [(request_words.WEIGHTS_FILE, SLACK_TUNING),
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


# (text, is a request, the phrase that triggered it): colleagues in Slack read with words.json,
# customer voice (reviews, tickets) with customer_words.json, as feedback channels read it.
VERDICTS = [
    ("slack", "could we add dark mode to the mobile app?", True, "could we"),
    ("slack", "Acme keeps asking for a Salesforce integration", True, "keeps asking"),
    ("slack", "it would be great if the dashboard remembered my filters", True, "would be great"),
    ("slack", "feature request: slack alerts when a sync fails", True, "feature request"),
    ("slack", "could we move standup to 10 tomorrow?", False, None),
    ("slack", "please add me to the on-call rota", False, None),
    ("slack", "thanks for adding dark mode!! love it", False, None),
    ("slack", "the export button is broken again", False, None),
    ("slack", "<https://example.com/a|link> <https://example.com/b>", False, None),
    ("slack", "```could we add a flag here```", False, None),
    ("slack", "", False, None),
    ("customer", "Bring back the chronological feed. The algorithm feed is garbage.", True, "bring back"),
    ("customer", "Giving 3 stars until you add family sharing.", True, "stars until"),
    ("customer", "Would give 5 stars if it had an offline mode.", True, "give 5 stars if"),
    ("customer", "I wish I could mute people in the comments without blocking them.", True, "wish i could"),
    ("customer", "Great app. The only thing missing is a widget for the home screen.", True, "only thing missing"),
    ("customer", "Love the new design! Can you add a sleep timer that fades the music out?", True, "can you add"),
    ("customer", "Hoping that you can make up to 3 message pins in group chats, thanks!", True, "hoping that you can"),
    ("customer", "The print option doesn't exist in the app like it does on desktop.", True, "option doesn't exist"),
    ("customer", "The app logs me out every single time I switch apps. Please fix!", False, None),
    ("customer", "Charged my card twice for the monthly subscription. Please refund.", False, None),
    ("customer", "does anyone know if there's a way to bulk import contacts from a spreadsheet?", False, None),
    ("customer", "I wish I had found this tool two years ago, would have saved us so much pain.", False, None),
    ("customer", "Best budgeting app I've used, five stars.", False, None),
    # Informal review forms (reviews_dev12): a conditional promise, a greeting then an imperative, regret for
    # what was taken, a dislike of a limit, and asks about things only an app has (timers, comments).
    ("customer", "i would use it every day if it had a widget", True, "if it had"),
    ("customer", "dear team add live video", True, "dear team add"),
    ("customer", "you shouldnt have removed the clear button", True, "shouldnt have removed"),
    ("customer", "i dont like that i cant delete old pins", True, "dont like that i cant"),
    ("customer", "why you never added a font size option", True, "why you never added"),
    ("customer", "why cant i edit my comments", True, "why cant"),
    ("customer", "should have a sleep timer", True, "should have"),
    ("customer", "would give 6 stars if i could", False, None),
    ("customer", "i would recommend this app if you had ten stars", False, None),
    # Asks said sideways (requests_dev11, reviews_dev14), and talk that only sounds like them.
    ("slack", "the rota tool could really do with a swap button", True, "could really do with"),
    ("slack", "if the booking system knew which vans have tail lifts we'd stop sending the wrong one, hint hint",
     True, "hint hint"),
    ("slack", "make the cost centre field mandatory on expense claims?", True, "mandatory"),
    ("slack", "either block checkout for out-of-stock items or warn people before they pay", True, "either block"),
    ("slack", "connecting the CRM to the ticket queue would save Priya an hour a day", True, "would save"),
    ("slack", "I wish I'd learned Excel properly at uni", False, None),
    ("slack", "can u share the floor plan with the caterer before Friday", False, None),
    ("slack", "it'd be brilliant if every manager could submit their rota by Thursday", False, None),
    ("slack", "Is the parking pass the same for contractors? customer asking", False, None),
    ("customer", "if the app added a pill reminder I'd never use another tracker", True, "if the app added"),
    ("customer", "begging you to add a landscape mode for tablets", True, "begging you to"),
    ("customer", "the audiobook player is too quiet, add a volume boost", True, ", add a"),
    ("customer", "Please let me log in, it keeps saying my code expired", False, None),
    ("customer", "No feature asks from this account, renewal is signed", False, None),
    ("customer", "please add my saved routes back, they vanished after the update", False, None),
]


@pytest.mark.parametrize("voice, text, is_request, trigger", VERDICTS)
def test_verdicts_come_with_the_phrase_that_triggered_them(voice, text, is_request, trigger):
    weights = request_words.load(request_words.CUSTOMER_WEIGHTS_FILE) if voice == "customer" else None
    detection = detect(text, weights)
    assert detection.is_request == is_request, detection
    if trigger is not None:
        assert trigger in detection.trigger.lower()


def test_mentions_and_links_do_not_count_as_words():
    assert detect("<@U123> <#C1|general> <!here>").score == 0.0
