"""A workspace with years of history (thousands of ideas, decisions, supporters and customer mentions,
seeded through the models): what people ask for still answers within Slack's limits, in a bounded
number of queries."""

from __future__ import annotations

import csv
import io

from sqlalchemy import insert

from models import Support
from tests.scale import seed_workspace

SPREADSHEET_CELL = 32_767  # Excel's most characters in a cell


def test_the_export_of_a_busy_workspace_opens_in_a_spreadsheet(bot, slack, engine):
    """Every idea, one row each, and no cell longer than a spreadsheet takes (Excel holds 32,767 characters
    in a cell, and Google Sheets refuses a file with a cell over 50,000): an idea 500 people support, each
    with a full line of evidence, says as much as fits and that the rest was cut."""
    ids = seed_workspace(engine, ideas=600, supports=2000, insights=500, objectives=20, subscriptions=0)
    busy = ids[-1]
    with engine.begin() as db:
        db.execute(insert(Support), [{"idea_id": busy, "user_id": f"UB{n:04d}", "team_id": "T1",
                                      "evidence": f"it costs us {n} hours " + "x" * 480} for n in range(500)])
    bot.slack.command("export", user="UPM")
    [upload] = slack.wait_for("files.completeUploadExternal", timeout=30)
    rows = list(csv.DictReader(io.StringIO(slack.uploads[upload.args["files"][0]["id"]].decode())))
    assert [int(row["id"]) for row in rows] == ids
    assert max(len(cell) for row in rows for cell in row.values()) <= SPREADSHEET_CELL
    evidence = rows[-1]["supporter_evidence"]
    assert int(rows[-1]["supporters"]) >= 500 and len(evidence) > SPREADSHEET_CELL - 1000
    assert all(line.startswith("U") and ": " in line for line in evidence.splitlines()[:-1])
    assert "cut" in evidence.splitlines()[-1]
