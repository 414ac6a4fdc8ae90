"""`/idea export` (and what else reads every idea) over rows another tool, or an older version, wrote."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from models import Decision, Support, utcnow
from tests.handlers.test_data_written_by_others import home_of, said_went_wrong, written_by_hand
from tests.handlers.test_triage import REASON


def exported_file(bot, slack) -> bytes:
    bot.slack.command("export", user="UPM")
    [upload] = slack.wait_for("files.completeUploadExternal")
    return slack.uploads[upload.args["files"][0]["id"]]


def spreadsheet_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.mark.parametrize(("column", "written"), [
    ("decisions.decided_at", "infinity"), ("ideas.created_at", "10000-01-01"), ("supports.created_at", "-infinity"),
    ("decisions.revisit_on", "infinity"), ("ideas.created_at", "0044-03-15 BC"),
])
def test_a_time_out_of_pythons_range_reads_as_unknown_on_postgresql(bot, slack, engine, column, written):
    """PostgreSQL holds 'infinity' and years past 9999 or before Christ, which other tools write as 'never' or
    'always'; Python has no such dates, and one such row made the stats, every Home, the export and the digest
    fail. On SQLite such a value already reads as a date we do not know; so it does here."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite holds any text: a date it cannot read is read as unknown (tests/handlers/test_odd_rows)")
    idea_id = written_by_hand(engine, stage="parked")
    with Session(engine) as session:
        session.add(Decision(team_id="T1", idea_id=idea_id, from_stage="candidate", to_stage="parked", reason=REASON,
                             decided_by="UPM", revisit_on=utcnow().date(), decided_at=utcnow()))
        session.add(Support(team_id="T1", idea_id=idea_id, user_id="U2", evidence="me too"))
        session.commit()
        table, name = column.split(".")
        session.execute(text(f"UPDATE {table} SET {name} = :w"), {"w": written})
        session.commit()
    assert "Outcome hit rate" in str(bot.slack.command("stats", user="U2").json()["blocks"])
    assert f"#{idea_id}" in str(bot.slack.command("list", user="U1").json()["blocks"])
    assert "Are we shipping outcomes or outputs?" in home_of(bot, slack, "UPM")
    assert f"#{idea_id}" in home_of(bot, slack, "U1")
    [row] = spreadsheet_rows(exported_file(bot, slack))
    assert row["id"] == str(idea_id) and row["supporters"] == "1"
    assert bot.slack.command("digest preview", user="UPM").status == 200
    assert said_went_wrong(slack) == []
