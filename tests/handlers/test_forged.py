"""Buttons and forms can be forged: every odd value gets a clear answer (a field error or a short note),
never a traceback, and nothing is stored that should not be."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import Decision, Idea, Objective, TeamSettings
from tests.flows import GOOD, open_modal, share_idea
from tests.handlers.test_triage import new_idea

ODD_IDS = ["²", "1" * 30, "-1", "0", "1e3", " 1", "١"]  # a superscript, too big, negative, Arabic-Indic one...


def no_tracebacks(caplog) -> bool:
    return not any(record.exc_info for record in caplog.records) and "Traceback" not in caplog.text


@pytest.mark.parametrize("value", ODD_IDS)
@pytest.mark.parametrize("action_id", ["idea_move_discovery", "support_idea", "review_met", "merge_idea",
                                       "nudge_share"])
def test_odd_ids_on_buttons_get_a_short_note(bot, slack, engine, caplog, action_id, value):
    new_idea(engine, "candidate")
    shaped = f"{value}:candidate" if action_id in ("idea_move_discovery", "merge_idea") else value
    with caplog.at_level(logging.INFO):
        assert bot.slack.press({"action_id": action_id, "value": shaped, "block_id": "b"}, user="UPM").status == 200
        note = slack.wait_for("response_url")[0].args["text"]
    assert "no longer" in note or "expired" in note or "not waiting" in note
    assert slack.calls("views.open") == [] and no_tracebacks(caplog)


def test_an_odd_id_on_the_objective_select_changes_nothing(bot, slack, engine, caplog):
    share_idea(bot, slack)
    with caplog.at_level(logging.INFO):
        element = {"type": "static_select", "action_id": "set_objective", "block_id": "objective_" + "9" * 30,
                   "options": [{"text": {"type": "plain_text", "text": "x"}, "value": "²"}]}
        bot.slack.select(element, "²", user="UPM", channel="CTRIAGE")
        assert "no longer exists" in slack.wait_for("response_url")[0].args["text"]
    assert no_tracebacks(caplog)


def okr_view(metadata: str) -> dict:
    names = ["title", "kr1_metric", "kr1_baseline", "kr1_target"]
    blocks = [{"type": "input", "block_id": n, "element": {"type": "plain_text_input", "action_id": n}}
              for n in names]
    blocks.append({"type": "input", "block_id": "kr1_due", "element": {"type": "datepicker", "action_id": "kr1_due"}})
    return {"type": "modal", "callback_id": "idea_okr", "private_metadata": metadata, "blocks": blocks}


@pytest.mark.parametrize(("metadata", "values", "field", "words"), [
    ('{"objective": null}', {"kr1_due": "2026-02-31"}, "kr1_due", "date that exists"),
    ('{"objective": "abc"}', {}, "title", "no longer exists"),
    ('{"objective": "' + "7" * 30 + '"}', {}, "title", "no longer exists"),
    ('{"objective": null}', {"title": "Faster\x00close"}, "title", "cannot be stored"),
    ('{"objective": null}', {"kr1_target": "4\x00"}, "kr1_target", "cannot be stored"),
    ('{"objective": null}', {"title": "Faster " * 60}, "title", "300 characters"),
    ('{"objective": null}', {"kr1_metric": "Days " * 20_000}, "kr1_metric", "300 characters"),
    ('{"objective": null}', {"kr1_baseline": "5" * 201}, "kr1_baseline", "200 characters"),
    ('{"objective": null}', {"kr1_target": "4" * 5000}, "kr1_target", "200 characters"),
])
def test_odd_objective_forms_get_field_errors(bot, engine, caplog, metadata, values, field, words):
    base = {"title": "Finance closes faster", "kr1_metric": "Days to close"}
    with caplog.at_level(logging.INFO):
        reply = bot.slack.submit_view(okr_view(metadata), {**base, **values}, user="UPM").json()
    assert reply["response_action"] == "errors" and words in reply["errors"][field]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Objective)) == 0
    assert no_tracebacks(caplog)


def settings_view() -> dict:
    return {"type": "modal", "callback_id": "idea_settings", "blocks": [
        {"type": "input", "block_id": "digest_weekday", "element": {"type": "static_select",
                                                                    "action_id": "digest_weekday", "options": [
            {"text": {"type": "plain_text", "text": d}, "value": d} for d in ("0", "9", "x")]}},
        {"type": "input", "block_id": "digest_time", "element": {"type": "timepicker", "action_id": "digest_time"}},
    ]}


@pytest.mark.parametrize(("weekday", "time", "field"), [("0", "99:99", "digest_time"), ("0", "9:5", "digest_time"),
                                                        ("9", "09:00", "digest_weekday"), ("x", "09:00",
                                                                                           "digest_weekday")])
def test_odd_settings_get_field_errors_and_are_not_stored(bot, slack, engine, caplog, weekday, time, field):
    slack.users["UADMIN"] = {"is_admin": True}
    with caplog.at_level(logging.INFO):
        reply = bot.slack.submit_view(settings_view(), {"digest_weekday": weekday, "digest_time": time},
                                      user="UADMIN").json()
    assert reply["response_action"] == "errors" and field in reply["errors"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(TeamSettings)) == 0
    assert no_tracebacks(caplog)


def test_a_bad_time_stored_before_forms_were_checked_still_opens_settings(bot, slack, engine):
    with Session(engine) as session, session.begin():
        session.add(TeamSettings(team_id="T1", digest_weekday=0, digest_minute=6039, updated_by="UADMIN"))
    slack.users["UADMIN"] = {"is_admin": True}
    bot.slack.command("settings", user="UADMIN")
    view = slack.wait_for("views.open")[0].args["view"]
    assert next(b for b in view["blocks"] if b["block_id"] == "digest_time")["element"]["initial_time"] == "09:00"


def test_nul_characters_get_a_field_error_everywhere_text_is_typed(bot, slack, engine, caplog):
    with caplog.at_level(logging.INFO):
        reply = bot.slack.submit_view(open_modal(bot, slack), {**GOOD, "outcome": "Finance \x00closes sooner"})
        assert "cannot be stored" in reply.json()["errors"]["outcome"]
        card = share_idea(bot, slack)
        decision = {"type": "modal", "callback_id": "idea_decision", "private_metadata": json.dumps(
            {"idea": 1, "from": "candidate", "to": "discovery"}), "blocks": [
            {"type": "input", "block_id": "reason", "element": {"type": "plain_text_input", "action_id": "reason"}}]}
        reply = bot.slack.submit_view(decision, {"reason": "Three teams\x00 asked for it"}, user="UPM")
        assert "cannot be stored" in reply.json()["errors"]["reason"]
        support = {**decision, "callback_id": "idea_support", "private_metadata": '{"idea": 1}', "blocks": [
            {"type": "input", "block_id": "evidence", "element": {"type": "plain_text_input",
                                                                  "action_id": "evidence"}}]}
        reply = bot.slack.submit_view(support, {"evidence": "me\x00 too"}, user="U2")
        assert "cannot be stored" in reply.json()["errors"]["evidence"]
        assert bot.slack.command("Add a CSV\x00 export").status == 200
        assert "\x00" not in str(slack.wait_for("views.open", 3)[-1].args["view"])
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0
        assert session.scalar(select(func.count()).select_from(Idea)) == 1
    assert card and no_tracebacks(caplog)


def test_forged_decision_metadata_is_refused_plainly(bot, engine, caplog):
    idea_id = new_idea(engine, "candidate")
    with Session(engine) as session, session.begin():
        session.execute(update(Idea).values(stage="candidate"))
    for metadata in ('{"idea": "²", "from": "candidate", "to": "discovery"}',
                     f'{{"idea": {idea_id}, "from": "nowhere", "to": "discovery"}}',
                     f'{{"idea": {idea_id}, "from": "candidate", "to": "moon"}}', "not json"):
        view = {"type": "modal", "callback_id": "idea_decision", "private_metadata": metadata, "blocks": [
            {"type": "input", "block_id": "reason", "element": {"type": "plain_text_input", "action_id": "reason"}}]}
        with caplog.at_level(logging.INFO):
            reply = bot.slack.submit_view(view, {"reason": "Because three teams asked"}, user="UPM").json()
        assert reply["response_action"] == "errors"
    assert no_tracebacks(caplog)


@pytest.mark.parametrize("to", ["parked", "shipped"])
def test_a_reason_form_forged_into_a_dated_move_is_refused_on_a_field_it_has(bot, slack, engine, caplog, to):
    """The form for Explore in discovery has no date picker: metadata changed to say Park (or Ship) must not be
    answered with an error under a date field the form does not have, which Slack refuses (the PM would see
    only "We had some trouble connecting"), nor record a move without its date."""
    shown = "delivery" if to == "shipped" else "candidate"
    idea_id = new_idea(engine, shown)
    reason = {"type": "input", "block_id": "reason", "element": {"type": "plain_text_input", "action_id": "reason"}}
    view = {"type": "modal", "callback_id": "idea_decision",
            "private_metadata": json.dumps({"idea": idea_id, "from": shown, "to": to}), "blocks": [reason]}
    with caplog.at_level(logging.INFO):
        reply = bot.slack.submit_view(view, {"reason": "Because three teams asked for it"}, user="UPM").json()
    assert reply["response_action"] == "errors" and list(reply["errors"]) == ["reason"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0
    assert no_tracebacks(caplog)


def test_a_forged_review_with_a_measure_longer_than_its_field_is_refused(bot, slack, engine, caplog):
    idea_id = new_idea(engine, "shipped")
    view = {"type": "modal", "callback_id": "idea_review", "private_metadata": json.dumps(
        {"idea": idea_id, "result": "met"}), "blocks": [
        {"type": "input", "block_id": name, "element": {"type": "plain_text_input", "action_id": name}}
        for name in ("measured", "learning")]}
    with caplog.at_level(logging.INFO):
        reply = bot.slack.submit_view(view, {"measured": "4 days " * 10_000,
                                             "learning": "Automating the export removed the manual day"},
                                      user="UPM").json()
    assert reply["response_action"] == "errors" and "1,000 characters" in reply["errors"]["measured"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0
    assert no_tracebacks(caplog)


def _typed(view: dict, values: dict) -> dict:
    """The state Slack would send for the form's own fields, as {block_id: {action_id: {...}}}."""
    state = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            action = block["element"]["action_id"]
            state[block["block_id"]] = {action: {"type": "plain_text_input", "value": values.get(action, "")}}
    return state


@pytest.mark.parametrize("forge", [
    lambda state: {**state, next(b for b in state if b.startswith("outcome")): {"outcome": {"value": 42}}},
    lambda state: {**state, next(b for b in state if b.startswith("problem")): ["not", "a", "dict"]},
    lambda state: {**state, next(b for b in state if b.startswith("outcome")): {"outcome": "text"}},
    lambda state: {**state, "objective": {"objective": {"selected_option": "7"}}},
    lambda state: ["values", "as", "a", "list"],
], ids=["number", "actions-a-list", "element-a-string", "option-a-string", "values-a-list"])
def test_an_idea_form_with_forged_values_gets_a_field_error_not_a_traceback(bot, slack, engine, caplog, forge):
    view = open_modal(bot, slack)
    state = forge(_typed(view, GOOD))
    submitted = {**view, "id": "VFORGED", "team_id": "T1", "state": {"values": state}, "hash": "h"}
    with caplog.at_level(logging.INFO):
        reply = bot.slack.interaction({"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"},
                                       "api_app_id": "A1", "view": submitted, "response_urls": []})
    assert reply.status == 200 and no_tracebacks(caplog)
    answer = reply.json() if reply.body else {}
    with Session(engine) as session:
        stored = session.scalar(select(func.count()).select_from(Idea))
    # either the form says which field needs words, or (the forged field being optional) the idea is in
    assert answer.get("response_action") in ("errors", "update") or stored == 1


@pytest.mark.parametrize("forged", [{"channel": "CLEADERSHIP"}, {"channel": "CLEADERSHIP", "d": None}, {}])
def test_an_idea_form_says_where_it_was_opened_not_where_its_metadata_claims(bot, slack, engine, forged):
    """The channel an idea came from decides which channel-only digests show it and what its card says: it is
    the channel `/idea` was typed in, kept on the server, not one written into the form's metadata."""
    view = open_modal(bot, slack, channel="CSALES")
    carried = json.loads(view.get("private_metadata") or "{}")
    metadata = {k: v for k, v in {**carried, **forged}.items() if v is not None}
    reply = bot.slack.submit_view({**view, "private_metadata": json.dumps(metadata)}, GOOD)
    assert reply.status == 200 and reply.body == ""
    bot.deliver()
    with Session(engine) as session:
        assert session.scalar(select(Idea.source_channel_id)) in ("CSALES", None)
    assert "CLEADERSHIP" not in str(slack.calls("chat.postMessage"))
