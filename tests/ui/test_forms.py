"""Each form read back by its own parser gives what was put in, and everything ui/ draws stays within
Slack's limits for the longest values people may type."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.decisions import REASON_MAX_CHARS, Triage
from bot.ideas import FIELDS, NO_SOURCE, Source
from bot.objectives import KeyResultDraft, ObjectiveChoice
from bot.team_settings import TeamConfig
from models import Decision, Idea, KeyResult, Objective, Stage, Support
from tests.fake_slack import MESSAGE_MAX_BLOCKS_TEXT, blocks_text_length, validate_message, validate_view
from tests.slack_requests import _initial, _state_value
from ui import cards, decisions, home, intake, loop, objectives, settings
from ui.kit import MESSAGE_TEXT_BUDGET

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
WORST = "&<>" * 1000  # every character escapes to four or five


def submitted(view: dict, values: dict) -> dict:
    """The view as Slack sends it back, with `values` typed into its inputs (the rest as the form opened)."""
    state = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            element = block["element"]
            state[block["block_id"]] = {element["action_id"]: _state_value(
                element, values.get(block["block_id"].split(".")[0], _initial(element)))}
    return {**view, "id": "V1", "state": {"values": state}}


def fits_as_view(view: dict) -> None:
    assert validate_view(view, "views.open") == []
    assert len(view.get("private_metadata", "")) <= 3000


def fits_as_message(message: dict) -> None:
    assert validate_message(message) == [] and len(message["blocks"]) <= 50
    assert blocks_text_length(message["blocks"]) <= min(MESSAGE_TEXT_BUDGET, MESSAGE_MAX_BLOCKS_TEXT)


def idea(**overrides) -> Idea:
    values = {"id": 2_147_483_647, "team_id": "T1", "requester_id": "U1", "ask": WORST[:3000],
              "outcome": WORST[:1000], "problem": WORST[:2000], "evidence": WORST[:2000], "measure": WORST[:1000],
              "stage": Stage.CANDIDATE, "source_channel_id": "C1", "source_message_ts": "1700000000.000100",
              "source_permalink": "https://acme.slack.com/archives/C1/p1700000000000100", "submitted_by": "U2",
              "created_at": NOW, "looks_like_id": 12, "objective": None, "objective_id": None}
    return Idea(**{**values, **overrides})


def decision(to: str = Stage.DISCOVERY, **overrides) -> Decision:
    values = {"idea_id": 1, "from_stage": Stage.CANDIDATE, "to_stage": to, "reason": WORST[:REASON_MAX_CHARS],
              "decided_by": "UPM", "decided_at": NOW, "revisit_on": date(2027, 1, 11), "result": None,
              "measured": None}
    return Decision(**{**values, **overrides})


@pytest.mark.parametrize("version", [1, 2])
def test_the_intake_form_reads_back_what_it_was_given(version):
    source = Source(channel_id="C1", message_ts="1700000000.000100", author_id="U9")
    state = intake.IntakeState(values={"ask": WORST[:3000]}, source=source, suggestion={"outcome": WORST[:400],
                               "problem": WORST[:600]}, checked=True, version=version, draft="k3y_-.AbC")
    view = intake.intake_modal(state=state, coaching=WORST[:300], objectives=[ObjectiveChoice(7, "Faster close")])
    fits_as_view(view)
    typed = {name: WORST[: spec.max_chars] for name, spec in FIELDS.items()}
    back = intake.read_intake(submitted(view, {**typed, "objective": "7"}))
    assert back.values == {**typed, "objective": "7"}
    assert (back.source, back.checked, back.version, back.draft) == (NO_SOURCE, True, version, "k3y_-.AbC")
    # kept on the server, under the draft key, as is where it came from (a form's metadata can be forged)
    assert back.suggestion is None
    assert intake.with_kept_source(back, intake.kept_source(source)).source == source


@pytest.mark.parametrize("to", [Stage.DISCOVERY, Stage.DELIVERY, Stage.SHIPPED, Stage.PARKED, Stage.DECLINED])
@pytest.mark.parametrize("origin", ["home", "message"])
def test_the_decision_form_reads_back_what_it_was_given(to, origin):
    view = decisions.decision_modal(idea(), to, NOW.date(), origin=origin)
    fits_as_view(view)
    back = decisions.read_decision(submitted(view, {"reason": WORST[:REASON_MAX_CHARS], "revisit": "2027-01-11"}))
    assert (back.idea_id, back.shown_stage, back.to_stage, back.origin) == (2_147_483_647, "candidate", to, origin)
    assert back.reason == WORST[:REASON_MAX_CHARS].strip()
    assert back.revisit_on == (date(2027, 1, 11) if to in (Stage.PARKED, Stage.SHIPPED) else None)


def test_the_merge_form_reads_back_what_it_was_given():
    view = decisions.merge_modal(idea(stage=Stage.DISCOVERY))
    fits_as_view(view)
    back = decisions.read_merge(submitted(view, {"reason": "Both ask for the same thing"}))
    assert back == decisions.MergeForm(2_147_483_647, "discovery", 12, "Both ask for the same thing")
    assert decisions.read_merge(submitted(view, {"target": "#²", "reason": "x"})).target_id is None


def test_support_and_review_forms_read_back_what_they_were_given():
    view = loop.support_modal(idea())
    fits_as_view(view)
    assert loop.read_support(submitted(view, {"evidence": WORST[:500]})) == loop.SupportForm(2_147_483_647,
                                                                                            WORST[:500])
    for result in ("met", "partly", "missed"):
        view = loop.review_modal(idea(stage=Stage.SHIPPED), result)
        fits_as_view(view)
        back = loop.read_review(submitted(view, {"measured": WORST[:1000], "learning": "We learned a lot here"}))
        assert back == loop.ReviewForm(2_147_483_647, result, WORST[:1000], "We learned a lot here")


def test_the_objective_form_reads_back_what_it_was_given():
    objective = Objective(id=7, team_id="T1", title=WORST[:300], created_by="UPM")
    objective.key_results = [KeyResult(position=n, metric=WORST[:300], baseline=WORST[:200], target=WORST[:200],
                                       due_on=date(2027, 3, 31)) for n in (1, 2, 3)]
    view = objectives.okr_modal(objective)
    fits_as_view(view)
    back = objectives.read_okr(submitted(view, {}))
    assert (back.objective_id, back.title, back.errors) == (7, WORST[:300], {})
    assert back.key_results == [KeyResultDraft(WORST[:300], WORST[:200], WORST[:200], date(2027, 3, 31))] * 3


def test_the_settings_form_reads_back_what_it_was_given():
    config = TeamConfig("CTRIAGE", frozenset({"UPM", "UPM2"}), 4, 16 * 60 + 30)
    view = settings.settings_modal(config)
    fits_as_view(view)
    back = settings.read_settings(submitted(view, {}))
    assert back == settings.SettingsForm("CTRIAGE", ["UPM", "UPM2"], 4, 990, {})


@pytest.mark.parametrize("stage", list(Stage))
def test_every_move_button_reads_back_as_the_move_it_offers(stage):
    for button in cards.move_buttons(idea(stage=stage)):
        move = cards.read_move(button["action_id"], button["value"])
        assert (move.idea_id, move.shown_stage) == (2_147_483_647, stage)
        assert button["action_id"].endswith(move.to_stage)


def test_messages_about_the_longest_idea_fit_slack():
    backers = [Support(idea_id=1, user_id=f"U{n}", team_id="T1", evidence=WORST[:500]) for n in range(30)]
    choices = [ObjectiveChoice(n, WORST[:300]) for n in range(150)]
    the_idea, looks_like = idea(), idea(id=12, outcome=WORST[:1000])
    fits_as_message(cards.triage_card(the_idea, decision(), backers, choices, looks_like))
    fits_as_message(intake.confirmation(the_idea, [looks_like, idea(id=13), idea(id=14, requester_id="U1")]))
    fits_as_message(intake.credit_notice(the_idea))
    for stage in (Stage.DISCOVERY, Stage.DELIVERY, Stage.SHIPPED, Stage.PARKED, Stage.DECLINED, Stage.MERGED):
        fits_as_message(decisions.decision_notice(the_idea, decision(stage), to="U1"))
    fits_as_message(decisions.decision_notice(the_idea, decision(Stage.REVIEWED, result="met", measured=WORST[:1000]),
                                              supporter=True))
    fits_as_message(loop.check_in(the_idea))
    many = [idea(id=n) for n in range(1, 16)]
    fits_as_message(home.my_ideas(many, 400, NOW))


def test_the_home_tab_of_the_busiest_pm_fits_slack():
    many = [idea(id=n) for n in range(1, 16)]
    queue = Triage(many[:10], 40, [(idea(id=100 + n, stage=Stage.PARKED), decision(Stage.PARKED))
                                   for n in range(10)])
    objective = Objective(id=7, team_id="T1", title=WORST[:300], created_by="UPM")
    objective.key_results = [KeyResult(position=1, metric=WORST[:300], baseline="5", target="4", due_on=None)]
    view = home.home_view(many, 400, NOW, triage=queue,
                          objectives=objectives.objectives_blocks([objective] * 12, editable=True))
    assert validate_view(view, "views.publish") == [] and len(view["blocks"]) <= 100


def test_the_home_tab_lists_the_newest_objectives_which_pms_still_edit():
    made = []
    for n in range(1, 13):
        objective = Objective(id=n, team_id="T1", title=f"Objective {n}", created_by="UPM")
        objective.key_results = []
        made.append(objective)
    text = str(objectives.objectives_blocks(made, editable=True))
    assert "Objective 12" in text and "Objective 3*" in text and "Objective 2*" not in text
    assert "and 2 older" in text
