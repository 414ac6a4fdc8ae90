"""Models and migrations never drift, and every migration goes down as well as up."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.orm import Session

from models import Base, CheckIn, Decision, Idea, make_engine
from tests.conftest import PG_URL, alembic_config, reset_postgres


def test_upgrade_matches_the_models_and_downgrade_undoes_it(tmp_path, migrated_template):
    url = PG_URL or f"sqlite:///{tmp_path / 'drift.db'}"
    if PG_URL:
        reset_postgres(url)
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
    finally:
        engine.dispose()


NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
# Rows an older version wrote, by table; each is inserted with the columns its revision has.
OLD_ROWS = {
    "ideas": [
        {"id": n, "team_id": "T1", "requester_id": "U1", "ask": "Add CSV export <!channel> & more",
         "outcome": f"Finance closes the month sooner, case {n}", "problem": "Finance rebuilds the report by hand",
         "evidence": None, "measure": None, "stage": stage, "source_channel_id": None, "submission_id": None,
         "triage_channel_id": None, "triage_message_ts": None, "created_at": NOW - timedelta(days=30 - n),
         "updated_at": NOW - timedelta(days=30 - n)}
        for n, stage in enumerate(["candidate", "discovery", "delivery", "shipped", "parked", "declined",
                                   "reviewed"], start=1)
    ],
    "decisions": [
        {"id": n, "team_id": "T1", "idea_id": n, "from_stage": "candidate", "to_stage": stage,
         "reason": "Three teams asked for it this quarter", "decided_by": "UPM",
         "decided_at": NOW - timedelta(days=9),
         "revisit_on": (NOW + timedelta(days=3)).date() if stage in ("shipped", "parked") else None}
        for n, stage in [(2, "discovery"), (3, "delivery"), (4, "shipped"), (5, "parked"), (6, "declined"),
                         (7, "shipped")]
    ],
    "supports": [{"idea_id": 1, "user_id": "U2", "team_id": "T1", "evidence": None, "created_at": NOW}],
    "check_ins": [
        {"id": 1, "team_id": "T1", "idea_id": 7, "due_on": NOW.date(), "ask_user_id": "UPM", "asked_at": NOW,
         "answered_at": None},
        {"id": 2, "team_id": "T1", "idea_id": 4, "due_on": (NOW + timedelta(days=3)).date(), "ask_user_id": "UPM",
         "asked_at": None, "answered_at": None},
    ],
    "digest_subscriptions": [
        {"id": 1, "team_id": "T1", "channel_id": "CDIGEST", "weekday": 0, "minute_of_day": 540, "timezone": "UTC",
         "only_this_channel": False, "created_by": "UPM", "created_at": NOW - timedelta(days=20)},
    ],
}


@pytest.mark.parametrize("revision", ["0002", "0006", "0014", "0016"])
def test_a_database_an_older_version_filled_upgrades_with_its_data_and_is_served(make_bot, slack, tmp_path,
                                                                                 migrated_template, revision):
    url = PG_URL or f"sqlite:///{tmp_path / 'old.db'}"
    if PG_URL:
        reset_postgres(url)
    config = alembic_config(url)
    command.upgrade(config, revision)
    engine = make_engine(url)
    try:
        tables = inspect(engine)
        with engine.begin() as connection:
            for table, rows in OLD_ROWS.items():
                if not tables.has_table(table):
                    continue
                have = {column["name"] for column in tables.get_columns(table)}
                for row in rows:
                    kept = {k: v for k, v in row.items() if k in have}
                    connection.execute(text(f"INSERT INTO {table} ({', '.join(kept)}) VALUES "
                                            f"({', '.join(':' + k for k in kept)})"), kept)
        command.upgrade(config, "head")
        engine.dispose()
        with Session(engine) as session:
            ideas = session.scalars(select(Idea).order_by(Idea.id)).all()
            assert [(i.id, i.stage, i.ask, i.customer_mentions) for i in ideas] == [
                (row["id"], row["stage"], row["ask"], 0) for row in OLD_ROWS["ideas"]]
            assert [(d.idea_id, d.to_stage, d.decided_by) for d in session.scalars(select(Decision))] == [
                (row["idea_id"], row["to_stage"], "UPM") for row in OLD_ROWS["decisions"]]
            if tables.has_table("check_ins"):
                asked = session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
                assert [(c.asked_at, c.requester_asked_at) for c in asked] == [(NOW, NOW), (None, None)]
        bot = make_bot(on_engine=engine)
        listed = bot.slack.command("list", user="U1").json()
        assert listed["text"] == "Your ideas (7)" and "&lt;!channel&gt;" not in str(listed)  # the ask is not listed
        home = bot.slack.event({"type": "app_home_opened", "user": "UPM", "channel": "D1", "tab": "home"})
        assert home.status == 200 and slack.wait_for("views.publish")
        assert bot.slack.command("digest preview", user="UPM").json()["text"].startswith("Product digest")
        bot.finish_work()
    finally:
        engine.dispose()


def test_an_admin_remembered_before_0020_is_asked_again_and_another_organisations_is_refused(
        make_bot, slack, tmp_path, migrated_template):
    """A row from before the Slack Connect rule said "admin" of another organisation's admin: after the upgrade
    Slack is asked again, and they may not change settings; this workspace's own admin still may."""
    url = PG_URL or f"sqlite:///{tmp_path / 'people.db'}"
    if PG_URL:
        reset_postgres(url)
    config = alembic_config(url)
    command.upgrade(config, "0019")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for user in ("UOUT", "UADMIN"):
                connection.execute(text("INSERT INTO people (team_id, user_id, is_admin, tz, checked_at) "
                                        "VALUES ('T1', :user, :admin, 'UTC', :now)"),
                                   {"user": user, "admin": True, "now": datetime.now(UTC)})
        command.upgrade(config, "head")
        engine.dispose()
        slack.users.update({"UOUT": {"is_admin": True, "team_id": "T9OTHER"}, "UADMIN": {"is_admin": True}})
        bot = make_bot(on_engine=engine, pm_user_ids=frozenset())
        assert bot.slack.command("settings", user="UOUT").status == 200
        assert slack.wait_for("response_url")[0].args["text"].startswith("Only workspace admins and owners")
        assert slack.calls("views.open") == []
        assert bot.slack.command("settings", user="UADMIN").status == 200
        assert slack.wait_for("views.open")
        assert [call.args["user"] for call in slack.calls("users.info")] == ["UOUT", "UADMIN"]
        bot.finish_work()
    finally:
        engine.dispose()
