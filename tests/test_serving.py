"""Serving: the Procfile's gunicorn command, request logs, and a database outage."""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command

from models import make_engine
from runtime.logs import JsonFormatter
from runtime.slack import SDK_LOGGERS, make_client
from tests.conftest import ROOT, alembic_config
from tests.flows import wait_until
from tests.slack_requests import SIGNING_SECRET, SlackSender


def requests_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "outcome_bot.requests"]


def test_each_request_is_logged_once_without_what_people_typed(bot, slack, caplog):
    with caplog.at_level(logging.INFO, logger="outcome_bot.requests"):
        bot.slack.command("help", user="U7")
        bot.slack.command("my password is hunter2 <!channel>", user="U7")
        slack.wait_for("views.open")
        wait_until(lambda: len(requests_logged(caplog)) == 2)  # each line is written once its answer has gone
    records = requests_logged(caplog)
    assert [(r.team, r.user, r.what, r.status) for r in records] == [
        ("T1", "U7", "command /idea help", 200), ("T1", "U7", "command /idea", 200)]
    assert all(isinstance(r.latency_ms, float) for r in records)
    assert "hunter2" not in caplog.text and "xoxb-" not in caplog.text


def test_json_logs_carry_the_request_fields():
    record = logging.LogRecord("outcome_bot.requests", logging.INFO, __file__, 1, "slack request", None, None)
    record.team, record.what, record.latency_ms = "T1", "command /idea list", 3.2
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["team"], line["what"], line["latency_ms"]) == (
        "slack request", "T1", "command /idea list", 3.2)


@pytest.fixture
def sdk_loggers_unset():
    loggers = [logging.getLogger(name) for name in SDK_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.NOTSET)
    yield loggers
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.parametrize("root_level", [logging.INFO, logging.DEBUG], ids=["info", "debug"])
def test_slack_sdk_builds_its_debug_lines_only_when_debug_is_on(sdk_loggers_unset, settings, root_level):
    """slack_sdk formats each whole request and response for a debug line when `logger.level <= DEBUG`
    (unset counts); the client we make leaves that true only when the root logger is at DEBUG."""
    root = logging.getLogger()
    before = root.level
    root.setLevel(root_level)
    try:
        make_client(settings)
    finally:
        root.setLevel(before)
    debug_on = root_level <= logging.DEBUG
    assert [logger.level <= logging.DEBUG for logger in sdk_loggers_unset] == [debug_on] * len(SDK_LOGGERS)


def test_slack_calls_over_https_share_one_tls_context(settings, monkeypatch):
    """http.client makes a default context (loading the whole CA bundle) for each connection it is not
    given one for, as slack_sdk's calls are not: ~20 ms of CPU per call. Ours come with one."""
    made = []
    default = ssl._create_default_https_context
    monkeypatch.setattr(ssl, "_create_default_https_context", lambda: made.append(1) or default())
    with socket.socket() as sock:  # a port nobody listens on: the connection is set up, then refused
        sock.bind(("127.0.0.1", 0))
        url = f"https://127.0.0.1:{sock.getsockname()[1]}/api/"
    client = make_client(replace(settings, slack_api_url=url))
    for _ in range(2):
        with pytest.raises(urllib.error.URLError):
            client.api_test()
    assert made == []


def test_a_database_outage_still_answers_slack_and_says_try_again(make_bot, slack, tmp_path):
    unreachable = make_engine(f"sqlite:///{tmp_path}/missing/dir/outcomes.db")
    bot = make_bot(on_engine=unreachable)
    reply = bot.slack.command("list")
    assert reply.status == 200
    assert "try again in a minute" in reply.json()["text"]
    assert bot.slack.get("/healthz").status == 503


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_web(env: dict[str, str], log) -> subprocess.Popen:
    """The Procfile's `web:` line, as a platform runs it: through a shell, from the project's folder."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    return subprocess.Popen(["bash", "-c", "exec env " + line.removeprefix("web:").strip()], cwd=ROOT,
                            env={"PATH": path, "PYTHONPATH": str(ROOT), **env}, stdout=log, stderr=log)


def healthy(base: str, server: subprocess.Popen, log: Path) -> dict:
    """/healthz's answer once the server started as a process answers it (30 s at most; its log if it dies)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as health:
                return json.loads(health.read())
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, log.read_text()
            time.sleep(0.2)


def visit_oauth_redirect_with_secrets(base: str, log: Path) -> None:
    """OAuth's redirect with a one-time code and state (refused: no install began), once its line is logged."""
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(base + "/slack/oauth_redirect?code=SECRET-CODE&state=SECRET-STATE", timeout=5)
    wait_until(lambda: "/slack/oauth_redirect" in log.read_text())


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_procfile_web_command_serves_slack_under_gunicorn_and_logs_no_oauth_secrets(slack, tmp_path, log_format):
    database = f"sqlite:///{tmp_path}/outcomes.db"
    command.upgrade(alembic_config(database), "head")
    port = _free_port()
    env = {"PORT": str(port), "DATABASE_URL": database, "SLACK_BOT_TOKEN": "xoxb-test",
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url, "LOG_FORMAT": log_format}
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = procfile_web(env, output)
    try:
        base = f"http://127.0.0.1:{port}"
        assert healthy(base, server, log) == {"ok": True}
        reply = SlackSender(base, slack.response_url()).command("help")
        assert reply.status == 200 and "/idea list" in reply.json()["blocks"][0]["text"]["text"]
        visit_oauth_redirect_with_secrets(base, log)
    finally:
        server.terminate()
        server.wait(timeout=10)
    written = log.read_text()
    assert "SECRET-CODE" not in written and "SECRET-STATE" not in written and "code=[redacted]" in written
    if log_format == "json":  # gunicorn's own lines too: start-up, workers, the access log
        records = [json.loads(line) for line in written.splitlines()]
        assert {"gunicorn.error", "gunicorn.access"} <= {record["logger"] for record in records}
        assert sum("Booting worker" in record["message"] for record in records) == 2  # WEB_CONCURRENCY's 2, once each


def test_bad_configuration_stops_gunicorn_once_with_one_sentence(tmp_path):
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = procfile_web({"PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, output)
        try:
            status = server.wait(timeout=20)
        finally:
            server.kill()
    written = log.read_text()
    assert status != 0 and "Traceback" not in written
    assert written.count("outcome-bot cannot start: SLACK_BOT_TOKEN is not set") == 1


def test_python_app_py_logs_each_request_as_json_without_oauth_secrets(slack, tmp_path):
    """`python app.py` (the README's way to run it) writes its access log through the same logging:
    with LOG_FORMAT=json every line is a JSON object, and OAuth's one-time code and state are not in it."""
    database = f"sqlite:///{tmp_path}/outcomes.db"
    command.upgrade(alembic_config(database), "head")
    port = _free_port()
    env = {"PATH": os.environ["PATH"], "PORT": str(port), "DATABASE_URL": database, "SLACK_BOT_TOKEN": "xoxb-test",
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url, "LOG_FORMAT": "json",
           "RUN_SCHEDULER": "false"}
    log = tmp_path / "app.log"
    with log.open("wb") as output:
        server = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env, stdout=output,
                                  stderr=output)
    try:
        base = f"http://127.0.0.1:{port}"
        healthy(base, server, log)
        assert SlackSender(base, slack.response_url()).command("help").status == 200
        visit_oauth_redirect_with_secrets(base, log)
    finally:
        server.terminate()
        server.wait(timeout=10)
    lines = log.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line, the access log's too
    assert any("GET /healthz" in record["message"] for record in records)
    assert "SECRET-CODE" not in log.read_text() and "SECRET-STATE" not in log.read_text()
    assert any("code=[redacted]" in record["message"] for record in records)
