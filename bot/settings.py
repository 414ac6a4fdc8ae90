"""The one place that reads configuration.

Everything else receives a `Settings`. Start-up fails with one sentence that names the variable
and says what to do, never with a traceback, because the person reading it is setting the bot up.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///outcomes.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


# The bot scopes manifest.yml asks for; a multi-workspace install asks for the same (a test keeps them equal).
BOT_SCOPES = (
    "commands", "chat:write", "channels:history", "groups:history", "users:read", "channels:read", "groups:read",
    "channels:join", "im:write", "im:history", "files:write",
)


class ConfigError(Exception):
    """A setting is missing or malformed; the message is meant for the operator as is."""


@dataclass(frozen=True)
class GitHubSettings:
    token: str
    repo: str  # owner/name
    api_url: str = "https://api.github.com"
    webhook_secret: str | None = None


@dataclass(frozen=True)
class JiraSettings:
    base_url: str  # https://<site>.atlassian.net
    email: str
    api_token: str
    project_key: str
    webhook_secret: str | None = None


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = 3000
    triage_channel: str | None = None
    pm_user_ids: frozenset[str] = frozenset()
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None
    openai_embedding_model: str | None = None
    openai_timeout: float = 8.0
    run_scheduler: bool = True
    digest_summary: bool = False
    log_format: str = "text"
    database_pool_size: int = 5
    # Threads that run listeners after the ack: they wait on Slack (views.open) and the database, so
    # there are many more of them than cores.
    listener_threads: int = 32
    # Threads that deliver what the bot owes people; each waits on one Slack call at a time.
    delivery_threads: int = 8
    # How long the sender waits for Slack before counting a call as "maybe sent" and trying again later.
    slack_timeout: float = 15.0
    # The delivery trackers, when configured: either, both or neither.
    github: GitHubSettings | None = None
    jira: JiraSettings | None = None

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check every variable the README lists."""
        env = _Env(os.environ if environ is None else environ)
        app_token = env.get("SLACK_APP_TOKEN")
        client_id = env.get("SLACK_CLIENT_ID")
        client_secret = env.get("SLACK_CLIENT_SECRET")
        if bool(client_id) != bool(client_secret):
            missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
            raise ConfigError(
                f"{missing} is not set: OAuth installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET."
            )
        bot_token = env.get("SLACK_BOT_TOKEN")
        if bot_token is None and client_id is None:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your app's "
                "'OAuth & Permissions' page into .env."
            )
        _check_prefix("SLACK_BOT_TOKEN", bot_token, "xoxb-", "the Bot User OAuth Token on 'OAuth & Permissions'")
        _check_prefix("SLACK_APP_TOKEN", app_token, "xapp-", "an app-level token with connections:write")
        if client_id is not None and app_token is not None:
            raise ConfigError(
                "SLACK_APP_TOKEN is set, but workspaces install the app (SLACK_CLIENT_ID) over HTTP at /slack/install, "
                "which Socket Mode does not serve: unset SLACK_APP_TOKEN and set SLACK_SIGNING_SECRET."
            )
        signing_secret = env.get("SLACK_SIGNING_SECRET")
        if signing_secret is None and app_token is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs the Signing Secret from your app's "
                "'Basic Information' page (or set SLACK_APP_TOKEN to use Socket Mode)."
            )
        return cls(
            database_url=database_url_from_env(env.raw),
            slack_bot_token=bot_token,
            slack_signing_secret=signing_secret,
            slack_app_token=app_token,
            slack_client_id=client_id,
            slack_client_secret=client_secret,
            slack_api_url=_api_url(env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
            port=_port(env.get("PORT")),
            triage_channel=_triage_channel(env.get("TRIAGE_CHANNEL")),
            pm_user_ids=_user_ids(env.get("PM_USER_IDS")),
            openai_api_key=env.get("OPENAI_API_KEY"),
            openai_base_url=env.get("OPENAI_BASE_URL"),
            openai_model=env.get("OPENAI_MODEL"),
            openai_embedding_model=env.get("OPENAI_EMBEDDING_MODEL"),
            openai_timeout=_seconds("OPENAI_TIMEOUT", env.get("OPENAI_TIMEOUT"), default=8.0),
            run_scheduler=_flag("RUN_SCHEDULER", env.get("RUN_SCHEDULER"), default=True),
            digest_summary=_flag("DIGEST_SUMMARY", env.get("DIGEST_SUMMARY"), default=False),
            log_format=_log_format(env.get("LOG_FORMAT")),
            database_pool_size=_pool_size(env.get("DATABASE_POOL_SIZE")),
            listener_threads=_threads("LISTENER_THREADS", env.get("LISTENER_THREADS"), default=32),
            delivery_threads=_threads("DELIVERY_THREADS", env.get("DELIVERY_THREADS"), default=8),
            slack_timeout=_seconds("SLACK_TIMEOUT", env.get("SLACK_TIMEOUT"), default=15.0),
            github=_github(env),
            jira=_jira(env),
        )


def database_url_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The database URL alone, for Alembic, which needs no Slack tokens."""
    env = _Env(os.environ if environ is None else environ)
    url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    return render_url(_parse_database_url(url))


def render_url(url: URL) -> str:
    return url.render_as_string(hide_password=False)


class _Env:
    """Blank values count as unset: an empty line in .env should not become an empty token."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = raw

    def get(self, name: str) -> str | None:
        value = self.raw.get(name, "").strip()
        return value or None


def _check_prefix(name: str, value: str | None, prefix: str, what: str) -> None:
    if value is not None and not value.startswith(prefix):
        raise ConfigError(f"{name} should start with '{prefix}' ({what}); the value given does not.")


def _parse_database_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a database URL: use sqlite:///outcomes.db or postgresql+psycopg://user:pass@host/db."
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        # psycopg 3 is the driver we install; plain postgresql:// would look for psycopg2, and postgres://
        # (as Heroku and others hand it out) is a name SQLAlchemy no longer knows.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL uses '{parsed.get_backend_name()}', which outcome-bot does not support: "
            "use sqlite:///... or postgresql+psycopg://...."
        )
    if parsed.drivername not in _DRIVERS:
        raise ConfigError(
            f"DATABASE_URL asks for the '{parsed.get_driver_name()}' driver, which outcome-bot does not install: "
            "use sqlite:///... or postgresql+psycopg://... (postgresql:// and postgres:// mean the same)."
        )
    return parsed


# The drivers pyproject.toml installs (SQLite's is Python's own); any other would fail at the first query.
_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


def _api_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ConfigError("SLACK_API_URL should be an http(s) URL such as https://slack.com/api/.")
    return url if url.endswith("/") else url + "/"


def _port(value: str | None) -> int:
    if value is None:
        return 3000
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"PORT should be a number between 1 and 65535, not '{value}'.")
    return int(value)


def _triage_channel(value: str | None) -> str | None:
    if value is not None and not _CHANNEL_ID.match(value):
        raise ConfigError(
            f"TRIAGE_CHANNEL should be a channel ID such as C0123456789 (not a name like #{value.lstrip('#')}): "
            "open the channel's details in Slack and copy the ID at the bottom."
        )
    return value


def _seconds(name: str, value: str | None, *, default: float) -> float:
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 120:
        raise ConfigError(f"{name} should be a number of seconds between 0 and 120, not '{value}'.")
    return seconds


def _pool_size(value: str | None) -> int:
    if value is None:
        return 5
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise ConfigError(f"DATABASE_POOL_SIZE should be a number of connections from 1 to 100, not '{value}'.")
    return int(value)


def _threads(name: str, value: str | None, *, default: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 512:
        raise ConfigError(f"{name} should be a number of threads from 1 to 512, not '{value}'.")
    return int(value)


_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")


def _all_or_none(env: _Env, required: tuple[str, ...], optional: tuple[str, ...], what: str) -> dict[str, str] | None:
    """The tracker's variables when all the required ones are set; None when none of its variables are;
    otherwise one sentence naming what is missing."""
    given = {name: env.get(name) for name in (*required, *optional)}
    if not any(given.values()):
        return None
    missing = [name for name in required if not given[name]]
    if missing:
        raise ConfigError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: {what} needs "
                          f"{', '.join(required)} (see .env.example), or none of them to go without it.")
    return {name: value for name, value in given.items() if value}


def _github(env: _Env) -> GitHubSettings | None:
    given = _all_or_none(env, ("GITHUB_TOKEN", "GITHUB_REPO"), ("GITHUB_API_URL", "GITHUB_WEBHOOK_SECRET"),
                         "GitHub Issues as the delivery tracker")
    if given is None:
        return None
    if not _REPO.match(given["GITHUB_REPO"]):
        raise ConfigError(f"GITHUB_REPO should be owner/name, such as acme/roadmap, not '{given['GITHUB_REPO']}'.")
    api_url = given.get("GITHUB_API_URL", "https://api.github.com")
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError("GITHUB_API_URL should be an http(s) URL such as https://api.github.com.")
    return GitHubSettings(given["GITHUB_TOKEN"], given["GITHUB_REPO"], api_url.rstrip("/"),
                          given.get("GITHUB_WEBHOOK_SECRET"))


def _jira(env: _Env) -> JiraSettings | None:
    given = _all_or_none(env, ("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PROJECT_KEY"),
                         ("JIRA_WEBHOOK_SECRET",), "Jira as the delivery tracker")
    if given is None:
        return None
    if not given["JIRA_BASE_URL"].startswith(("http://", "https://")):
        raise ConfigError("JIRA_BASE_URL should be your site's URL, such as https://acme.atlassian.net.")
    if not _PROJECT_KEY.match(given["JIRA_PROJECT_KEY"]):
        raise ConfigError(f"JIRA_PROJECT_KEY should be a project key such as OPS, not '{given['JIRA_PROJECT_KEY']}'.")
    return JiraSettings(given["JIRA_BASE_URL"].rstrip("/"), given["JIRA_EMAIL"], given["JIRA_API_TOKEN"],
                        given["JIRA_PROJECT_KEY"], given.get("JIRA_WEBHOOK_SECRET"))


def _log_format(value: str | None) -> str:
    if value is None:
        return "text"
    if value.lower() not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT should be text or json, not '{value}'.")
    return value.lower()


def _flag(name: str, value: str | None, *, default: bool) -> bool:
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} should be true or false, not '{value}'.")


def _user_ids(value: str | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    ids = [part.strip() for part in value.split(",") if part.strip()]
    bad = [part for part in ids if not _SLACK_ID.match(part)]
    if bad:
        raise ConfigError(
            f"PM_USER_IDS should be comma-separated Slack user IDs such as U0123ABCD; '{bad[0]}' is not one."
        )
    return frozenset(ids)
