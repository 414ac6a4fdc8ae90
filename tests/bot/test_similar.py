"""Duplicate matching, scored on pairs of asks written by others.

duplicates_dev*.jsonl tuned the measure (dev5 to dev9 were held out until their misses were studied for
spellings, slips, abbreviations and directions, dev10 for how asks are framed); duplicates_holdout7.jsonl
was written separately, by an author who had seen neither the measure nor the other corpora, and is only
scored in aggregate. All are
deliberately hard: reworded duplicates that share few words, and "hard negatives" that share nearly every
word but ask for something else (import against export, the invoice PDF against the invoice list). Words
alone find only the near-identical asks; the figures below say how many, and the floors keep precision
from slipping unnoticed. With a model configured, embeddings and the model decide
(tests/handlers/test_duplicates.py).
"""

import json
from pathlib import Path

import pytest

from bot.similar import SAME_ASK, THRESHOLD, Corpus, closest, looks_like, search_words
from models import Idea

DATA = Path(__file__).resolve().parent.parent / "data"


def load(*names: str) -> list[dict]:
    return [json.loads(line) for name in names for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def precision_recall(rows: list[dict]) -> tuple[float, float, int]:
    """Precision and recall of "looks like" (`Corpus.alike` at SAME_ASK) over the pairs, each side taken as what
    someone asked, with word weights from all the corpus's texts (as from a team's open ideas)."""
    corpus = Corpus.of([row[side] for row in rows for side in "ab"])
    flagged = [row["duplicate"] for row in rows if corpus.alike(row["a"], row["b"]) >= SAME_ASK]
    duplicates = sum(row["duplicate"] for row in rows)
    return (sum(flagged) / len(flagged) if flagged else 1.0), sum(flagged) / duplicates, len(flagged)


# Measured, precision / recall (flagged), before (cosine of whole texts >= 0.55) -> after (`alike` >= 0.7):
#   duplicates_dev      0.67 / 0.13 (3)   -> 1.00 / 0.07 (1)    30 pairs, 15 duplicates
#   duplicates_dev2     0.00 / 0.00 (1)   -> -    / 0.00 (0)    269 pairs, reworded: words cannot see these
#   duplicates_dev3     0.55 / 0.52 (88)  -> 1.00 / 0.55 (51)   200 short asks, 64 near-identical different asks
#   duplicates_dev4     0.50 / 0.02 (4)   -> 1.00 / 0.01 (1)    300 pairs, mostly a complaint against an ask
#   duplicates_dev5     0.27 / 0.20 (75)  -> 0.86 / 0.12 (14)   220 pairs, 99 duplicates, held out until
#                                         -> 0.88 / 0.14 (16)   studied for spellings (bot/spelling.py)
#                                         -> 0.93 / 0.14 (15)   (with dev10's framing)
#   duplicates_dev6                          0.96 / 0.23 (26)   260 pairs, 110 duplicates, held out, written
#                                         -> 0.97 / 0.28 (32)   without sight of the measure; then studied
#   duplicates_dev7                          0.93 / 0.27 (29)   240 pairs, 100 duplicates, a new author, held out
#                                         -> 1.00 / 0.35 (35)   until studied for directions and abbreviations
#   duplicates_dev8                          0.85 / 0.28 (33)   240 pairs, 100 duplicates, another author, held out
#                                         -> 0.90 / 0.38 (42)   until studied for acronyms ("EPC", "POs"), swapped
#                                         -> 0.96 / 0.43 (45)   roles ("buyers rate sellers") and common misspellings
#   duplicates_dev9                          0.86 / 0.25 (29)   240 pairs, 100 duplicates, another author, held out
#                                         -> 0.90 / 0.35 (39)   through the day's first two rounds, then studied for
#                                         -> 0.95 / 0.41 (43)   units ("10am", "24h"), compounds and other platforms
#   duplicates_dev10                         0.88 / 0.28 (32)   240 pairs, 100 duplicates (45 near-identical: 28,
#                                         -> 0.94 / 0.34 (36)   then 34, 37 and 42 flagged), another author, held out
#                                         -> 0.95 / 0.37 (39)   as duplicates_holdout6 through 2026-12-01's three
#                                         -> 0.98 / 0.42 (43)   rounds, then studied for how asks are framed
#   duplicates_holdout7                      0.93 / 0.37 (40)   240 pairs, 100 duplicates (45 near-identical: 37,
#                                         -> 0.93 / 0.38 (41)   then 38 flagged), another author, first read the
#                                                               afternoon of 2026-12-01, then after dev10 was studied
# dev5's precision falls short of the 0.9 aimed for; its floor records where it stands.
@pytest.mark.parametrize(
    "name, precision_floor, recall_floor",
    [
        ("duplicates_dev.jsonl", 0.95, 0.05),
        ("duplicates_dev2.jsonl", 0.95, 0.0),
        ("duplicates_dev3.jsonl", 0.95, 0.5),
        ("duplicates_dev4.jsonl", 0.95, 0.0),
        ("duplicates_dev5.jsonl", 0.85, 0.1),
        ("duplicates_dev6.jsonl", 0.95, 0.25),
        ("duplicates_dev7.jsonl", 0.95, 0.3),
        ("duplicates_dev8.jsonl", 0.9, 0.35),
        ("duplicates_dev9.jsonl", 0.9, 0.35),
        ("duplicates_dev10.jsonl", 0.9, 0.35),
        ("duplicates_holdout7.jsonl", 0.85, 0.3),
    ],
)
def test_precision_and_recall_per_corpus(name, precision_floor, recall_floor):
    rows = load(name)
    precision, recall, flagged = precision_recall(rows)
    assert precision >= precision_floor and recall >= recall_floor, (
        f"{name}: precision {precision:.2f}, recall {recall:.2f} over {flagged} flagged")


POOL_TEXTS = [
    "Add a CSV export to the reports page so finance closes the month sooner",
    "Dark mode for the mobile app so night shift staff are not blinded",
    "Let admins require two-factor authentication for every account",
]


def idea(number: int, outcome: str, ask: str = "", problem: str = "") -> Idea:
    return Idea(id=number, team_id="T1", requester_id="U1", ask=ask, outcome=outcome, problem=problem,
                stage="candidate")


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("Export the reports page as CSV so finance can close the month faster", [1], id="reworded"),
        pytest.param("please give the mobile app a dark mode, the night shift staff are blinded", [2], id="dark-mode"),
        pytest.param("Require 2FA for all admin accounts", [3], id="abbreviation"),
        pytest.param("Add a CSV import to the reports page so finance loads budgets", [], id="import-not-export"),
        pytest.param("Let drivers see tomorrow's route the night before", [], id="unrelated"),
    ],
)
def test_closest_finds_the_same_ask_and_not_its_opposite(text, expected):
    pool = [idea(number, words) for number, words in enumerate(POOL_TEXTS, start=1)]
    assert [match.idea.id for match in closest(text, pool, threshold=0.3)] == expected


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("Add CSV export to the reports page", "Add a CSV export button to the reports page", True),
        ("Add a weekly summary email", "Send a weekly summary email", True),
        ("Support multiple currencies on invoices", "multi-currency support for invoices", True),
        ("Show the due date on the invoice PDF", "Show the due date on the invoice list", False),
        ("Add CSV export to the contacts page", "Add CSV import to the contacts page", False),
        ("Migrate from MySQL to Postgres", "Migrate from Postgres to MySQL", False),
        ("Allow guests to download shared files", "Prevent guests from downloading shared files", False),
        # spelled as people spell (bot/spelling.py) ...
        ("Colour-code the rota by ward", "Color code the rota by ward", True),
        ("Barcode scaning for returned stock", "barcode scanning for returned stock", True),
        ("Add a callstack view to crash reports", "Add a call stack view to crash reports", True),
        ("Show the estimated arrival time on the tracking page", "Estimate arrival time on the tracking page", True),
        ("<@U02H7QK> wants this too: export the rota to Excel", "Export the rota to Excel", True),
        ("Set a max basket size per customer", "Set a maximum basket size per customer", True),
        # ... but one letter, a day or a direction apart is another ask
        ("Add a contract field to the customer record", "Add a contact field to the customer record", False),
        ("Remind drivers the day before their shift", "Thank drivers the day after their shift", False),
        ("Import bank transactions from the accounting system", "Send bank transactions to the accounting system",
         False),
        ("Filter listings by EPC rating", "filter listings by Energy Performance Certificate rating", True),
        ("Approve POs from the phone", "approve purchase orders from the phone", True),
        ("zapier intergration", "Zapier integration", True),
        ("Let tenants rate landlords", "let landlords rate tenants", False),
        ("Convert points into vouchers", "convert vouchers into points", False),
        ("Show opening hours in 24-hour format", "show opening hours in 24h format", True),
        ("Add a waitlist to full classes", "add a wait list to full classes", True),
        ("Post daily sales to #retail", "post daily sales in the Teams retail channel", False),
        # how an ask is framed: a button for it, a channel as its label, a thing "on each" or "per"
        ("Add a button to export the shift roster to PDF", "export shift roster to pdf", True),
        ("#product-asks: let members pause their plan", "Let members pause their plan", True),
        ("Temperature log on each fridge", "temperature log per fridge", True),
        ("Play the welcome slideshow on the lobby TV", "play welcome slide show on lobby tv", True),
        ("Show the next departures on the tram stop screens", "Show next departures on tram-stop screens", True),
        ("Move a booking up the waitlist", "Move a booking down the waitlist", False),
        ("Stop reminders for cancelled classes", "Send reminders for cancelled classes", False),
    ],
)
def test_an_added_word_is_the_same_ask_a_swapped_word_is_not(a, b, same):
    assert (Corpus.of([a, b]).alike(a, b) >= SAME_ASK) is same


FINANCE = "Finance closes the month a day sooner", "Finance rebuilds the monthly report by hand from three exports"


@pytest.mark.parametrize(
    "ask, outcome, problem, expected",
    [
        pytest.param("Add a CSV export button to the reports page", "Finance can close the month faster",
                     "Finance rebuilds the monthly report by hand every month from the exports", [1],
                     id="same-ask-reworded-reasons"),
        pytest.param("Add CSV export to the reports page", "Month end is quicker for finance",
                     "The monthly report is rebuilt by hand from exports", [1], id="nearly-the-same-ask"),
        pytest.param("Add a CSV export button to the reports page", "Night nurses stop being blinded by the rota",
                     "The rota screen is bright white in dark wards", [], id="same-words-unrelated-reasons"),
        pytest.param("Add a CSV import to the reports page", *FINANCE, [], id="import-not-export"),
    ],
)
def test_looks_like_weighs_the_ask(ask, outcome, problem, expected):
    pool = [idea(1, FINANCE[0], "Add a CSV export button to the reports page", FINANCE[1]),
            idea(2, "Drivers stop phoning dispatch for gate codes", "Show gate codes in the driver app",
                 "Drivers phone dispatch at every gated site")]
    new = idea(9, outcome, ask, problem)
    assert [m.idea.id for m in looks_like(new, pool)] == expected
    assert THRESHOLD < SAME_ASK  # the cosine ranks; the stricter measure says "looks like"


@pytest.mark.parametrize(("text", "looked_for"), [
    ("Add a CSV export button to the reports page", ["export", "report", "csv", "pag"]),
    ("Let companies approve invoices via SSO", ["approval", "compan", "approv", "invoic", "signon", "singl",
                                                "sso"]),
    ("Please allow us to make it work", ["work"]),
])
def test_the_words_looked_for_among_older_ideas_are_what_tells_asks_apart_as_written(text, looked_for):
    """An older open idea is found in SQL by the words of the ask as ideas write them (cut to what their forms
    share, so "exports" finds "export"), longest first, with no "add", "allow" or "please" to match everything."""
    assert search_words(text) == looked_for
