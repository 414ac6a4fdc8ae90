"""Fixtures: a migrated database per test (SQLite, or PostgreSQL when TEST_DATABASE_URL says so),
a fake Slack Web API, and the real app served over HTTP on a local port."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, make_url, text

from app import create_app, make_deps
from bot.settings import Settings
from models import Base, make_engine, make_sessions
from runtime import webhooks
from runtime.sender import Sender
from runtime.slack import make_client, oauth_settings, sender_clients
from runtime.web import ThreadingWSGIServer, create_wsgi
from tests.fake_openai import FakeOpenAI
from tests.fake_slack import FakeSlack
from tests.fake_trackers import FakeTrackers
from tests.slack_requests import SIGNING_SECRET, SlackSender

ROOT = Path(__file__).resolve().parent.parent


def _database_of_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist each worker has a PostgreSQL database of its own (`test_gw0`, `test_gw1`, made when
    missing), since every test empties the tables and the migration tests drop the schema."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


PG_URL = _database_of_this_worker(os.environ.get("TEST_DATABASE_URL"))


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrates once per run: a SQLite file to copy, or the PostgreSQL database itself."""
    if PG_URL:
        reset_postgres(PG_URL)
        command.upgrade(alembic_config(PG_URL), "head")
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    """An empty, migrated database for one test."""
    if PG_URL:
        # DELETE, then the ids from 1 again: a test leaves a few rows, and TRUNCATE of every table costs a
        # quarter of a second each time (more than many tests).
        engine = create_engine(PG_URL)
        with engine.begin() as connection:
            sequences = connection.scalars(text("SELECT quote_ident(sequencename) FROM pg_sequences "
                                                "WHERE schemaname = current_schema()")).all()
            connection.execute(text("; ".join(f"DELETE FROM {table.name}"
                                              for table in reversed(Base.metadata.sorted_tables))))
            if sequences:
                connection.execute(text("; ".join(f"ALTER SEQUENCE {name} RESTART" for name in sequences)))
        engine.dispose()
        return PG_URL
    path = tmp_path / "test.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _slack_server() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack(_slack_server: FakeSlack, request: pytest.FixtureRequest) -> Iterator[FakeSlack]:
    """The fake Slack Web API, emptied for each test; Block Kit it refused fails the test."""
    _slack_server.reset()
    _slack_server.users.clear()
    _slack_server.channels.clear()
    yield _slack_server
    if request.node.get_closest_marker("refusals_expected") is None:
        refused = _slack_server.refused()
        assert not refused, f"Slack would refuse: {[(c.method, c.error, c.response.get('errors')) for c in refused]}"


@pytest.fixture
def settings(database_url: str, slack: FakeSlack) -> Settings:
    return Settings(
        database_url=database_url,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        triage_channel="CTRIAGE",
        pm_user_ids=frozenset({"UPM"}),
    )


class RunningBot:
    """The real app behind a real local HTTP server, and a sender that speaks to it like Slack."""

    def __init__(self, settings: Settings, engine: Engine, slack: FakeSlack) -> None:
        self.settings = settings
        self.engine = engine
        self.deps = make_deps(settings, engine, oauth_settings(settings, engine))
        self.app = create_app(settings, engine, client=make_client(settings), deps=self.deps)
        self.sender = self.deps.sender.start()
        self.server = ThreadingWSGIServer(("127.0.0.1", 0), _QuietHandler)
        routes = webhooks.routes(dict(self.deps.trackers), self.deps.sessions, self.deps.sender.wake)
        self.server.set_app(create_wsgi(self.app, engine, settings.slack_signing_secret, routes))
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.slack = SlackSender(f"http://127.0.0.1:{self.server.server_port}", slack.response_url(), replies=slack)

    def finish_work(self) -> None:
        """Waits until every listener started so far has finished (Bolt runs them after the ack, on
        its own threads) and the sender has delivered everything due. A barrier for asserting that
        something did not happen; no requests after."""
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        self.sender.drain(20, retries_too=True)  # a busy machine may make the database say "try again"

    def deliver(self, timeout: float = 10.0) -> None:
        """Waits until the sender has delivered (or given up on) everything due now."""
        self.sender.drain(timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.sender.stop()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def make_bot(settings: Settings, engine: Engine, slack: FakeSlack) -> Iterator[Callable[..., RunningBot]]:
    started: list[RunningBot] = []

    def start(*, on_engine: Engine | None = None, **overrides: Any) -> RunningBot:
        running = RunningBot(replace(settings, **overrides), on_engine or engine, slack)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close()


@pytest.fixture
def bot(make_bot: Callable[..., RunningBot]) -> RunningBot:
    return make_bot()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "refusals_expected: the test makes the fake Slack refuse Block Kit on purpose")


# A test that asks for none of these never touches a database: on the PostgreSQL pass it would only repeat
# what the SQLite pass just did (the detector's corpora, Block Kit builders, the spelling of asks).
DATABASE_FIXTURES = frozenset({"database_url", "migrated_template"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, only the tests that use a database."""
    if not PG_URL:
        return
    uses = [bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))) for item in items]
    if not all(uses):
        config.hook.pytest_deselected(items=[item for item, used in zip(items, uses, strict=True) if not used])
        items[:] = [item for item, used in zip(items, uses, strict=True) if used]


@pytest.fixture
def sender(engine: Engine, slack: FakeSlack) -> Iterator[Sender]:
    """The sender alone, delivering to the fake Slack, for tests of the scheduler's side."""
    settings = Settings(slack_bot_token="xoxb-test", slack_api_url=slack.url)
    running = Sender(make_sessions(engine), sender_clients(settings), poll_seconds=0.05).start()
    yield running
    running.stop()


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    """A local OpenAI-compatible server, for the tests that configure the optional model."""
    fake = FakeOpenAI()
    yield fake
    fake.close()


@pytest.fixture(scope="session")
def _tracker_server() -> Iterator[FakeTrackers]:
    fake = FakeTrackers()
    yield fake
    fake.close()


@pytest.fixture
def trackers(_tracker_server: FakeTrackers, monkeypatch: pytest.MonkeyPatch) -> FakeTrackers:
    """Local GitHub and Jira, emptied for each test. The local Jira's search finds a new issue at once
    (unless a test sets its search_lag), so the bot need not wait Jira Cloud's while before looking."""
    import runtime.trackers.jira

    monkeypatch.setattr(runtime.trackers.jira, "SEARCH_LAG", 0.5)
    _tracker_server.reset()
    return _tracker_server


@pytest.fixture
def tracked_bot(make_bot: Callable[..., RunningBot], trackers: FakeTrackers) -> RunningBot:
    """The bot with both trackers configured against the local ones."""
    from bot.settings import GitHubSettings, JiraSettings
    from tests import fake_trackers as t

    return make_bot(
        github=GitHubSettings(t.GITHUB_TOKEN, t.GITHUB_REPO, f"{trackers.url}/github", t.GITHUB_SECRET),
        jira=JiraSettings(f"{trackers.url}/jira", t.JIRA_EMAIL, t.JIRA_TOKEN, t.JIRA_PROJECT, t.JIRA_SECRET),
    )
