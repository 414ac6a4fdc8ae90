"""An operator with missing or malformed config gets one clear sentence, never a traceback."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(args, env, cwd):
    clean = {"PATH": os.environ["PATH"], **env}
    return subprocess.run([sys.executable, *args], env=clean, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "env, variable",
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xapp-oops", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": "oracle://x"}, "DATABASE_URL"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": "postgresql+psycopg2://u@h/db"},
         "DATABASE_URL"),
    ],
)
def test_app_refuses_to_start_with_one_sentence(tmp_path, env, variable):
    result = run([str(ROOT / "app.py")], env, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert variable in line


def test_the_clock_refuses_to_start_with_one_sentence(tmp_path):
    result = run([str(ROOT / "app.py"), "clock"], {"PYTHONPATH": str(ROOT)}, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "SLACK_BOT_TOKEN" in result.stderr.strip().splitlines()[-1]


def test_migrations_refuse_a_bad_database_url_with_one_sentence(tmp_path):
    alembic = ["-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"]
    result = run(alembic, {"DATABASE_URL": "nope"}, tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "DATABASE_URL" in result.stderr.strip().splitlines()[-1]


def test_migrations_against_an_unreachable_database_say_so_in_one_sentence(tmp_path):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{closed.getsockname()[1]}/outcomes"
        alembic = ["-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"]
        result = run(alembic, {"DATABASE_URL": url, "PYTHONPATH": str(ROOT)}, tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "cannot be reached" in line and "s3cret" not in line


def test_a_port_already_in_use_is_said_plainly(tmp_path, slack, database_url):
    import socket

    from tests.slack_requests import SIGNING_SECRET

    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen(1)
        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url,
               "PORT": str(taken.getsockname()[1]), "DATABASE_URL": database_url,
               "RUN_SCHEDULER": "false"}
        result = run([str(ROOT / "app.py")], env, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "already in use" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(("failure", "words"), [
    ({"error": "invalid_auth"}, "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
    ({"error": "internal_error", "status": 500}, "starting anyway"),
    ({"mode": "drop", "times": None}, "starting anyway"),
])
def test_slack_refusing_the_token_is_told_apart_from_slack_being_down(slack, tmp_path, caplog, failure, words):
    from app import create_app
    from bot.settings import ConfigError, Settings
    from models import make_engine

    slack.fail("auth.test", **failure)
    settings = Settings(slack_bot_token="xoxb-test", slack_signing_secret="s", slack_api_url=slack.url,
                        database_url=f"sqlite:///{tmp_path}/x.db")
    engine = make_engine(settings.database_url)
    if words.startswith("Slack refused"):
        with pytest.raises(ConfigError) as refused:
            create_app(settings, engine)
        assert words in str(refused.value)
        return
    with caplog.at_level(logging.WARNING, logger="outcome_bot"):
        create_app(settings, engine)  # starts: an outage says nothing about the token
    assert words in caplog.text and "refused" not in caplog.text


def test_what_start_up_built_is_kept_out_of_the_garbage_collectors_way(tmp_path, slack, database_url):
    """A full collection then walks only what requests make (bench/RESULTS.md: it was an 80-100 ms pause)."""
    from tests.slack_requests import SIGNING_SECRET

    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url,
           "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    script = "import gc, app; app.build(); print(gc.get_freeze_count(), len(gc.get_objects()))"
    result = run(["-c", script], env, tmp_path)
    assert result.returncode == 0, result.stderr
    frozen, tracked = map(int, result.stdout.split())
    assert frozen > 50_000 and tracked < frozen / 10


def test_socket_mode_says_plainly_when_slack_refuses_the_app_token_and_waits_out_an_outage(tmp_path, slack,
                                                                                           database_url):
    """A refused SLACK_APP_TOKEN is one sentence, like a refused bot token; Slack failing first is waited out."""
    slack.fail("apps.connections.open", error="internal_error", status=500)
    slack.fail("apps.connections.open", error="invalid_auth")
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-1-refused", "SLACK_API_URL": slack.url,
           "DATABASE_URL": database_url, "RUN_SCHEDULER": "false", "PYTHONPATH": str(ROOT)}
    result = run([str(ROOT / "app.py")], env, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in result.stderr.strip().splitlines()[-1]
    assert [c.error for c in slack.calls("apps.connections.open")] == ["internal_error", "invalid_auth"]


@pytest.mark.parametrize(("revision", "words", "fix"), [
    (None, "has no tables yet", "make migrate"),  # a fresh file: `python app.py` without `make migrate`
    ("0015", "is not up to date", "make migrate"),  # code deployed without its release step
    # Tables another tool made from the models (create_all), without alembic_version: migrating would fail on them.
    ("tables", "has outcome-bot's tables but no record", "alembic stamp head"),
])
def test_a_database_the_migrations_have_not_reached_is_said_in_one_sentence(tmp_path, revision, words, fix):
    from alembic import command
    from sqlalchemy import create_engine

    from models import Base
    from tests.conftest import alembic_config

    database = f"sqlite:///{tmp_path}/outcomes.db"
    if revision == "tables":
        engine = create_engine(database)
        Base.metadata.create_all(engine)
        engine.dispose()
    elif revision is not None:
        command.upgrade(alembic_config(database), revision)
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:9/api/",
           "DATABASE_URL": database, "RUN_SCHEDULER": "false", "PYTHONPATH": str(ROOT)}
    result = run([str(ROOT / "app.py")], env, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("outcome-bot cannot start:") and words in line and fix in line


def test_a_database_newer_than_the_code_still_starts(tmp_path, slack, database_url):
    """During a deploy the release step migrates first, and the old processes keep running meanwhile."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as connection:
        head = connection.scalar(text("SELECT version_num FROM alembic_version"))
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    try:
        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack.url,
               "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
        result = run(["-c", "import app; app.build(); print('built')"], env, tmp_path)
    finally:  # on PostgreSQL the database outlives this test
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        engine.dispose()
    assert result.returncode == 0 and result.stdout.strip() == "built", result.stderr


def test_a_sound_configuration_starts_without_a_warning(tmp_path, slack, database_url):
    """Bolt warns that "`token` will be unused" whenever SLACK_BOT_TOKEN is set and a client is given:
    true of its arguments, but read by an operator as their token being ignored."""
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack.url,
           "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    result = run(["-c", "import app; app.build(); print('built')"], env, tmp_path)
    assert result.stdout.strip() == "built", result.stderr
    assert "WARNING" not in result.stderr and "will be unused" not in result.stderr, result.stderr


def test_rows_written_with_their_own_ids_do_not_stop_new_ideas(make_bot, slack, engine, database_url, tmp_path):
    """On PostgreSQL a script inserting ideas with their ids leaves the sequence behind: every new idea took an
    id already used and failed to store. Start-up moves each sequence past the ids stored."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from tests.flows import GOOD, ideas, share_idea

    with Session(engine) as session:
        for n in (1, 2, 3):
            session.execute(text(
                "INSERT INTO ideas (id, team_id, requester_id, ask, outcome, problem, stage, customer_mentions, "
                "created_at, updated_at) VALUES (:n, 'T1', 'U1', 'ask', :o, :p, 'candidate', 0, :t, :t)"),
                {"n": n, "o": GOOD["outcome"], "p": GOOD["problem"], "t": "2026-11-01 10:00:00+00"})
        session.commit()
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack.url,
           "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), "RUN_SCHEDULER": "false"}
    started = run(["-c", "import app; app.build(); print('built')"], env, tmp_path)
    assert started.stdout.strip() == "built", started.stderr
    bot = make_bot()
    share_idea(bot, slack, user="U1")
    assert [idea.id for idea in ideas(engine)] == [1, 2, 3, 4]
