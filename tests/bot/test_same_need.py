"""Customer feedback to open ideas: a short sentence against ideas with an ask, an outcome and a problem.

A sentence says what it wants in a few words and the idea says much more, so the sentence is held
against each idea's ask, where the same thing is said in as few words; its own extra words (how
annoying it is) count for little, and a word of the ask it leaves out, or an opposite, counts much.
"""

import pytest

from bot.similar import SHOWN, Match, ranked, same_need
from models import Idea

IDEAS = [
    ("Add a weekly summary email", "Managers see the week's numbers without logging in",
     "Managers stopped getting a summary after the redesign and now ask analysts"),
    ("Add CSV export to the reports page", "Finance closes the month a day sooner",
     "Finance rebuilds the monthly report by hand from three exports"),
    ("Let customers pause their subscription", "Fewer customers cancel when they travel",
     "Customers cancel and rejoin when they are away for a month"),
    ("Dark mode for the mobile app", "Night shift staff stop being blinded",
     "The app is bright white and people read it in dark wards"),
    ("Show delivery tracking to customers", "Customers stop calling to ask where their order is",
     "Support answers a dozen where-is-my-order calls a day"),
    ("Let admins require two-factor authentication", "Security reviews with enterprise prospects pass",
     "Prospects ask whether we enforce 2FA and we cannot say yes"),
]


def pool() -> list[Idea]:
    return [Idea(id=number, team_id="T1", requester_id="U1", ask=ask, outcome=outcome, problem=problem,
                 stage="candidate") for number, (ask, outcome, problem) in enumerate(IDEAS, start=1)]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("Please bring back the weekly summary email", [1], id="bring-back"),
        pytest.param("I really need a CSV export on the reports page, copying numbers by hand is painful", [2],
                     id="csv-export"),
        pytest.param("Would love to pause my subscription while I travel instead of cancelling", [3], id="pause"),
        pytest.param("dark mode in the mobile app please, it's blinding at night", [4], id="dark-mode"),
        pytest.param("Need 2FA that admins can require for everyone", [6], id="abbreviation"),
        pytest.param("Let me import a CSV into the reports page", [], id="import-not-export"),
        pytest.param("Please stop sending the weekly summary email", [], id="stop-not-bring-back"),
        pytest.param("Dark mode for the web app", [], id="web-not-mobile"),
        pytest.param("I wish the iPhone app had a dark mode", [4], id="iphone-is-mobile"),
        pytest.param("The app crashes when I open settings", [], id="a-bug"),
        pytest.param("Add a monthly invoice reminder", [], id="another-ask"),
    ],
)
def test_same_need_without_a_model(text, expected):
    assert [m.idea.id for m in same_need("T1", text, pool())] == expected


def test_with_a_model_it_judges_the_nearest_and_falls_back_to_words():
    shown: list[list[int]] = []

    def confirm(team_id, text, candidates):
        shown.append([idea_id for idea_id, _ in candidates])
        return [5]

    found = same_need("T1", "where is my parcel? I want to track my delivery", pool(), confirm)
    assert [m.idea.id for m in found] == [5] and 5 in shown[0]
    failed = same_need("T1", "Please bring back the weekly summary email", pool(), lambda *_: None)
    assert [m.idea.id for m in failed] == [1]


def test_with_embeddings_the_model_sees_the_closest_by_meaning():
    def embed(team_id, texts):
        return [[1.0, 0.0] if "parcel" in t or "tracking" in t else [0.0, 1.0] for t in texts]

    found = same_need("T1", "where is my parcel", pool(), lambda _t, _x, c: [c[0][0]], embed)
    assert [m.idea.id for m in found] == [5] and all(isinstance(m, Match) for m in found)
    assert len(same_need("T1", "email email email", pool() * 2)) <= SHOWN


@pytest.mark.parametrize(
    "text, first",
    [
        ("Please bring back the weekly summary email", 1),
        ("csv export of reports pls", 2),
        ("I want to see where my delivery is", 5),
    ],
)
def test_ranked_puts_the_likeliest_idea_first_and_keeps_them_all(text, first):
    ordered = ranked(text, pool())
    assert ordered[0].id == first and sorted(i.id for i in ordered) == [1, 2, 3, 4, 5, 6]


def test_ranked_ties_go_newest_first_and_the_list_is_limited():
    assert [i.id for i in ranked("nothing in common here", pool())] == [6, 5, 4, 3, 2, 1]
    assert len(ranked("email", pool(), limit=2)) == 2 and ranked("email", []) == []
