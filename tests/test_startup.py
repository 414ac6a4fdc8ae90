"""An operator with missing or malformed config gets one clear sentence, never a traceback."""

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
