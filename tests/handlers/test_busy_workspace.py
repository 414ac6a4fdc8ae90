"""A workspace with years of history (thousands of ideas, decisions, supporters and customer mentions,
seeded through the models): what people ask for still answers within Slack's limits, in a bounded
number of queries."""

from __future__ import annotations

import csv
import io
import re
import threading

from sqlalchemy import event, insert

from models import Delivery, Support, utcnow
from tests.handlers.test_triage import open_home
from tests.scale import seed_workspace
from tests.slack_requests import buttons

SPREADSHEET_CELL = 32_767  # Excel's most characters in a cell
# A Home tab drawn from years of history: its time is not what these tests measure (the queries are), and a
# loaded machine takes seconds.
BUSY = 20.0


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


def statements(engine) -> list[str]:
    """The SQL run from now on for requests and the work after their acks (not the sender's own polling)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
        if not threading.current_thread().name.startswith("outcome-sender"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_a_pms_home_in_a_busy_workspace_says_how_many_parked_ideas_are_due(bot, slack, engine):
    """Hundreds of parked ideas whose date to look again has come: the Home tab shows the first ten, as it
    does the queue, and says how many more are due, in a bounded number of queries."""
    seed_workspace(engine)
    run = statements(engine)
    home = open_home(bot, slack, "UPM", BUSY)
    shown = str(home["blocks"])
    assert len(home["blocks"]) <= 100
    assert re.search(r"and \d{3} more due", shown), shown[-2000:]
    # one remembers the PM's time zone (asked of Slack weekly), one counts supporters, and two find the older
    # open ideas near the inbox's requests (more than bot.pool.POOL are open here)
    assert len(run) <= 24


def test_a_pms_home_counts_every_message_that_could_not_be_delivered(bot, slack, engine):
    """A decision on an idea 120 people supported, whose DMs Slack refused (they left the workspace): the Home
    tab says 120 could not be delivered, as many as Try again sends again, not the 50 it describes."""
    seed_workspace(engine, ideas=70, supports=0, insights=0, objectives=0, subscriptions=0)
    now = utcnow()
    with engine.begin() as db:
        db.execute(insert(Delivery), [
            {"team_id": "T1", "method": "chat.postMessage", "payload": {"channel": f"UGONE{n:03d}", "text": "news"},
             "state": "failed", "attempts": 1, "next_attempt_at": now, "error": "user_not_found",
             "created_at": now, "finished_at": now} for n in range(120)])
    shown = str(open_home(bot, slack, "UPM", BUSY)["blocks"])
    assert "120 messages could not be delivered" in shown
    bot.slack.press(buttons(open_home(bot, slack, "UPM", BUSY)["blocks"])["deliveries_retry"], user="UPM")
    slack.wait_for("chat.postMessage", 120, timeout=30)


def test_a_person_with_hundreds_of_ideas_is_not_sent_to_a_full_list_that_does_not_exist(bot, slack, engine):
    """`/idea list` answers in its ack with the newest and how many more; it must not promise that the Home
    tab has the full list, which shows the newest too."""
    seed_workspace(engine, ideas=3000, supports=0, insights=0, objectives=0, subscriptions=0)  # U1 asked 300
    run = statements(engine)
    listed = bot.slack.command("list", user="U1").json()
    assert len(run) <= 3  # the newest and the count, whatever the history
    assert "and 285 more" in str(listed["blocks"])
    home = open_home(bot, slack, "U1", BUSY)
    lines = [b for b in home["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("*#")]
    assert len(lines) < 300 and "full list" not in str(listed["blocks"])
