"""The output-vs-outcome check, scored on outcome statements written by others.

outcomes_dev*.jsonl tuned the heuristic; outcomes_holdout.jsonl was written separately and only ever
scored in aggregate (never read for tuning); outcomes_holdout2.jsonl was written later by an author who
had seen neither the heuristic nor the other corpora, and outcomes_holdout7.jsonl by another such author.
outcomes_dev4.jsonl to outcomes_dev7.jsonl, by four more, were held out until their misses were studied.
The check only triggers a gentle, one-time note, so the share of real outcomes it nags about is held low
while it catches most outputs.
"""

import json
from pathlib import Path

import pytest

from bot.outcomes import purpose, reads_like_output, rewrite_hint

DATA = Path(__file__).resolve().parent.parent / "data"


def figures(name: str) -> tuple[float, float, float]:
    """Accuracy, share of real outcomes nagged, share of outputs caught."""
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [(reads_like_output(row["text"]), row["label"] == "output") for row in rows]
    outcomes = sum(not actual for _, actual in pairs)
    outputs = len(pairs) - outcomes
    accuracy = sum(said == actual for said, actual in pairs) / len(pairs)
    nagged = sum(said and not actual for said, actual in pairs) / outcomes
    caught = sum(said and actual for said, actual in pairs) / outputs
    return accuracy, nagged, caught


# Measured (accuracy / nagged / caught), before -> after the sentence-shape rules:
#   outcomes_dev       0.961 / 0.000 / 0.923 -> 1.000 / 0.000 / 1.000   (51 lines)
#   outcomes_dev2      0.719 / 0.113 / 0.550 -> 1.000 / 0.000 / 1.000   (320 lines, by kind)
#   outcomes_dev3      0.876 / 0.008 / 0.771 -> 0.996 / 0.000 / 0.993   (266 lines)
#   outcomes_holdout   0.715 / 0.054 / 0.485 -> 0.962 / 0.015 / 0.938   (260 lines, held out)
#   outcomes_holdout2                            0.960 / 0.040 / 0.960   (300 lines, held out, first read)
#   outcomes_dev4                                0.912 / 0.025 / 0.850   (240 lines, a new author, held out until
#                                             -> 0.950 / 0.000 / 0.900    its misses were studied)
#                                             -> 0.958 / 0.000 / 0.917    (with dev5's rules)
#   outcomes_dev5                                0.917 / 0.025 / 0.858   (240 lines, another, held out: read before and
#                                             -> 0.921 / 0.025 / 0.867    after dev4 was studied, then studied itself)
#                                             -> 0.983 / 0.000 / 0.967
#   outcomes_dev6                                0.883 / 0.042 / 0.808   (240 lines, another author, held out through
#                                             -> 0.917 / 0.033 / 0.867    the day's first two rounds, then studied)
#                                             -> 0.971 / 0.000 / 0.942
#   outcomes_dev7                                0.858 / 0.000 / 0.717   (240 lines, another author, held out as
#                                             -> 0.883 / 0.000 / 0.767    outcomes_holdout6 through 2026-12-01's three
#                                             -> 0.900 / 0.000 / 0.800    rounds, then studied the afternoon after)
#                                             -> 0.967 / 0.000 / 0.933
#   outcomes_holdout7                            0.908 / 0.042 / 0.858   (240 lines, another author, first read
#                                             -> 0.917 / 0.042 / 0.875    2026-12-01 with that afternoon's heuristic,
#                                                                         then after outcomes_dev7 was studied)
# The dev figures are what it was tuned to; the held-out line is the one to believe.
@pytest.mark.parametrize(
    "name, accuracy_floor, nag_ceiling, caught_floor",
    [
        ("outcomes_dev.jsonl", 0.95, 0.05, 0.90),
        ("outcomes_dev2.jsonl", 0.95, 0.05, 0.90),
        ("outcomes_dev3.jsonl", 0.95, 0.05, 0.90),
        ("outcomes_holdout.jsonl", 0.85, 0.10, 0.80),
        ("outcomes_holdout2.jsonl", 0.85, 0.10, 0.80),
        ("outcomes_dev4.jsonl", 0.9, 0.05, 0.85),
        ("outcomes_dev5.jsonl", 0.9, 0.05, 0.85),
        ("outcomes_dev6.jsonl", 0.9, 0.05, 0.85),
        ("outcomes_dev7.jsonl", 0.9, 0.05, 0.85),
        ("outcomes_holdout7.jsonl", 0.85, 0.10, 0.80),
    ],
)
def test_accuracy_and_nagging_per_corpus(name, accuracy_floor, nag_ceiling, caught_floor):
    accuracy, nagged, caught = figures(name)
    assert accuracy >= accuracy_floor and nagged <= nag_ceiling and caught >= caught_floor, (
        f"{name}: accuracy {accuracy:.3f}, nagged {nagged:.3f}, caught {caught:.3f}")


@pytest.mark.parametrize(
    "text, output",
    [
        ("Migrate the invoices to the new ledger", True),  # a technical task
        ("pipe Typeform answers into Airtable", True),  # an integration
        ("Post new refunds into #finance", True),
        ("Admins will be able to archive old projects", True),  # a capability
        ("Guests can join a call without installing anything", True),
        ("Make the reports page faster", True),  # a vague improvement
        ("Add CSV export so finance can close the month sooner", True),  # an output with its purpose
        ("Dark mode for the phone app", True),  # a thing, named
        ("As a picker I want the scanner to beep twice on a wrong item so I notice", True),  # a user story
        ("auto-assign new leads to the rep who owns the region", True),
        ("Auditors get a read-only role", True),  # a thing handed to people
        ("a waitlist for sold-out workshops", True),  # not "wait"
        ("Trust-wide attendance dashboard", True),  # not "trust"
        ("Push reminder to members 2h before their class", True),  # a thing named, then when it works
        ("a simpler way to split a bill", True),
        ("lower the session timeout to 15 minutes", True),  # a setting, not a change for anyone
        ("resume the video where you stopped on any device", True),
        ("customers will be able to freeze their membership for up to 2 months", True),  # a limit, not a change
        ("automated welcome email series for new members to drive renewals", True),  # a thing, then its purpose
        ("a stock health dashboard so buyers can reorder sooner", True),
        ("enable branches to share templates", True),
        # outcomes_dev7: orders and things named, capabilities wished for people, and their look-alikes
        ("lock the invoice while someone else is approving it", True),
        ("pharmacy profile page with opening hours", True),
        ("a single source of truth for supplier contracts", True),
        ("we want branch managers to be able to see every open ticket", True),
        ("tenants can update their contact details themselves", True),
        ("reminder to supervisors 2h before an unstaffed shift", True),
        ("Reduce the time to load the timesheet page", True),
        ("field engineers can record a repair without signal and it uploads later", True),
        ("people using screen readers can complete a booking on their own", False),
        ("quarterly reports to trustees go out on time without anyone chasing numbers", False),
        ("a way for tenants to report repairs with photos", True),
        ("shift report per ward", True),
        ("Support closes refund tickets without escalating to finance", False),  # "support" as people
        ("no-show rate goes away as a complaint", False),
        ("Finance closes the month a day sooner", False),
        ("happier tenants", False),
        ("fewer angry emails from parents after exams", False),
        ("warehousemen log their breaks on the scanner, not on paper", False),
        ("increase repeat purchase frequency among first-time buyers", False),
        ("it takes a new cashier one shift, not three, to work the till alone", False),
        ("Tenants in the east block get their repairs booked the week they need them", False),  # "need", not a want
        ("Agencies move up to the Pro plan, 40 more in Q3", False),
        ("Support agents answer refund tickets without asking engineering", False),  # "support" as people
        ("Cashiers can void a sale without calling a manager", False),  # "can", and what changes
        ("fewer angry emails about late refunds", False),
        ("Store managers stop running out of bestsellers", False),
        ("", False),
    ],
)
def test_reads_the_shape_of_the_sentence(text, output):
    assert reads_like_output(text) is output


def test_the_hint_quotes_the_persons_words_and_asks_the_outcome_question():
    hint = rewrite_hint("Add a CSV export button.")
    assert "\u201cAdd a CSV export button\u201d" in hint and "what will be different, and for whom" in hint
    assert "Submit again to keep yours" in hint


def test_the_hint_offers_the_purpose_as_the_outcome_to_keep():
    hint = rewrite_hint("Add CSV export so finance can close the month sooner")
    assert "\u201cfinance can close the month sooner\u201d" in hint and "Submit again to keep yours" in hint


@pytest.mark.parametrize(
    "text, why",
    [
        ("Add CSV export so finance can close the month sooner", "finance can close the month sooner"),
        ("add bulk edit so that sellers can update prices faster", "sellers can update prices faster"),
        ("Add autocomplete to the address field to reduce failed deliveries", "reduce failed deliveries"),
        ("Connect Jira to GitHub", None),  # a destination, not a purpose
        ("Move DNS over to Cloudflare", None),
        ("Build a dashboard", None),
        # a user story's purpose, said of the people it is about
        ("As a driver, I want the app to read out the next stop so I don't have to look at my phone",
         "drivers don't have to look at their phone"),
        ("As a night-shift nurse I want handover notes in one place so that I'm not chasing colleagues",
         "night-shift nurses are not chasing colleagues"),
        ("As a deputy I want a rota export so I can plan my week", "deputies can plan their week"),
    ],
)
def test_purpose_is_the_clause_after_so_or_to(text, why):
    assert purpose(text) == why
