import pytest

from bot.settings import ConfigError, Settings

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def test_defaults_follow_the_design_contract():
    settings = Settings.from_env(BASE)
    assert settings.database_url == "sqlite:///outcomes.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.triage_channel is None and settings.pm_user_ids == frozenset()
    assert not settings.socket_mode and settings.run_scheduler


def test_the_web_process_can_leave_scheduling_to_the_clock():
    assert not Settings.from_env({**BASE, "RUN_SCHEDULER": "False"}).run_scheduler


def test_everything_set():
    settings = Settings.from_env(
        {
            **BASE,
            "SLACK_APP_TOKEN": "xapp-1",
            "DATABASE_URL": "postgresql://u:p@db/outcomes",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "PORT": "8080",
            "TRIAGE_CHANNEL": "C0123",
            "PM_USER_IDS": "U1AA, W2BB ,",
            "OPENAI_API_KEY": "sk-1",
        }
    )
    assert settings.socket_mode
    assert settings.database_url == "postgresql+psycopg://u:p@db/outcomes"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.pm_user_ids == {"U1AA", "W2BB"}
    assert settings.port == 8080 and settings.openai_api_key == "sk-1"


@pytest.mark.parametrize(
    "env, names",
    [
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({**BASE, "SLACK_BOT_TOKEN": "  "}, "SLACK_BOT_TOKEN"),
        ({**BASE, "SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({**BASE, "SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({**BASE, "DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({**BASE, "DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL"),
        ({**BASE, "DATABASE_URL": "postgresql+psycopg2://u@h/db"}, "DATABASE_URL"),
        ({**BASE, "DATABASE_URL": "postgresql+asyncpg://u@h/db"}, "DATABASE_URL"),
        ({**BASE, "DATABASE_URL": "sqlite+aiosqlite:///x.db"}, "DATABASE_URL"),
        ({**BASE, "PORT": "http"}, "PORT"),
        ({**BASE, "TRIAGE_CHANNEL": "#product"}, "TRIAGE_CHANNEL"),
        ({**BASE, "PM_USER_IDS": "alice,bob"}, "PM_USER_IDS"),
        ({**BASE, "SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({**BASE, "SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET"),
        # OAuth installs come to /slack/install over HTTP, which Socket Mode does not serve.
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_APP_TOKEN"),
        ({**BASE, "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_APP_TOKEN": "xapp-1"},
         "SLACK_APP_TOKEN"),
        ({**BASE, "RUN_SCHEDULER": "sometimes"}, "RUN_SCHEDULER"),
        ({**BASE, "DIGEST_SUMMARY": "2"}, "DIGEST_SUMMARY"),
        ({**BASE, "OPENAI_TIMEOUT": "soon"}, "OPENAI_TIMEOUT"),
        ({**BASE, "OPENAI_TIMEOUT": "0"}, "OPENAI_TIMEOUT"),
        ({**BASE, "DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE"),
        ({**BASE, "LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({**BASE, "LISTENER_THREADS": "0"}, "LISTENER_THREADS"),
        ({**BASE, "SLACK_TIMEOUT": "forever"}, "SLACK_TIMEOUT"),
        ({**BASE, "GITHUB_TOKEN": "ghp_1"}, "GITHUB_REPO"),
        ({**BASE, "GITHUB_REPO": "acme/roadmap"}, "GITHUB_TOKEN"),
        ({**BASE, "GITHUB_WEBHOOK_SECRET": "s"}, "GITHUB_TOKEN, GITHUB_REPO"),
        ({**BASE, "GITHUB_TOKEN": "ghp_1", "GITHUB_REPO": "roadmap"}, "GITHUB_REPO"),
        ({**BASE, "GITHUB_TOKEN": "ghp_1", "GITHUB_REPO": "a/b", "GITHUB_API_URL": "ghe.acme"}, "GITHUB_API_URL"),
        ({**BASE, "JIRA_BASE_URL": "https://a.atlassian.net", "JIRA_EMAIL": "a@b"}, "JIRA_API_TOKEN, JIRA_PROJECT_KEY"),
        ({**BASE, "JIRA_WEBHOOK_SECRET": "s"}, "JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN, JIRA_PROJECT_KEY"),
        ({**BASE, "JIRA_BASE_URL": "acme", "JIRA_EMAIL": "a", "JIRA_API_TOKEN": "t", "JIRA_PROJECT_KEY": "OPS"},
         "JIRA_BASE_URL"),
        ({**BASE, "JIRA_BASE_URL": "https://a.atlassian.net", "JIRA_EMAIL": "a", "JIRA_API_TOKEN": "t",
          "JIRA_PROJECT_KEY": "ops team"}, "JIRA_PROJECT_KEY"),
    ],
)
def test_bad_config_is_one_sentence_naming_the_variable(env, names):
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    assert message.startswith(names) and "\n" not in message


@pytest.mark.parametrize(("given", "used"), [
    # Heroku, Render and others hand out postgres://, a name SQLAlchemy dropped: it is PostgreSQL all the same.
    ("postgres://u:p@db.example:5432/outcomes", "postgresql+psycopg://u:p@db.example:5432/outcomes"),
    ("postgresql://u:p@db/outcomes?sslmode=require", "postgresql+psycopg://u:p@db/outcomes?sslmode=require"),
    ("postgresql+psycopg://u@db/outcomes", "postgresql+psycopg://u@db/outcomes"),
    ("sqlite:///outcomes.db", "sqlite:///outcomes.db"),
    ("sqlite+pysqlite:///outcomes.db", "sqlite+pysqlite:///outcomes.db"),
])
def test_database_urls_as_hosts_give_them_are_read_with_the_driver_we_install(given, used):
    assert Settings.from_env({**BASE, "DATABASE_URL": given}).database_url == used


def test_socket_mode_needs_no_signing_secret():
    assert Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).socket_mode


def test_trackers_are_either_both_or_neither():
    neither = Settings.from_env(BASE)
    assert neither.github is None and neither.jira is None
    both = Settings.from_env({**BASE, "GITHUB_TOKEN": "ghp_1", "GITHUB_REPO": "acme/roadmap",
                              "GITHUB_WEBHOOK_SECRET": "gh", "JIRA_BASE_URL": "https://acme.atlassian.net/",
                              "JIRA_EMAIL": "pm@acme.test", "JIRA_API_TOKEN": "t", "JIRA_PROJECT_KEY": "OPS"})
    assert (both.github.repo, both.github.api_url, both.github.webhook_secret) == (
        "acme/roadmap", "https://api.github.com", "gh")
    assert (both.jira.base_url, both.jira.project_key, both.jira.webhook_secret) == (
        "https://acme.atlassian.net", "OPS", None)


@pytest.mark.parametrize(("attribute", "default"), [
    # The defaults column of the README's configuration table, row by row.
    ("openai_timeout", 8.0),
    ("digest_summary", False),
    ("log_format", "text"),
    ("run_scheduler", True),
    ("database_pool_size", 5),
    ("listener_threads", 32),
    ("delivery_threads", 8),
    ("slack_timeout", 15.0),
    ("openai_api_key", None),
    ("github", None),
    ("jira", None),
])
def test_each_setting_left_unset_has_the_default_the_readme_gives(attribute, default):
    assert getattr(Settings.from_env(BASE), attribute) == default


def test_the_procfile_runs_the_web_process_with_the_readmes_worker_and_thread_defaults():
    from pathlib import Path

    web = next(line for line in (Path(__file__).parents[2] / "Procfile").read_text().splitlines()
               if line.startswith("web:"))
    assert "RUN_SCHEDULER=false" in web and "${WEB_CONCURRENCY:-2}" in web and "${GUNICORN_THREADS:-8}" in web


def test_the_embedding_model_defaults_and_can_be_turned_off():
    from bot.coach import make_coach

    on = make_coach(Settings.from_env({**BASE, "OPENAI_API_KEY": "sk-1"}), lambda *args: None)
    off = make_coach(Settings.from_env({**BASE, "OPENAI_API_KEY": "sk-1", "OPENAI_EMBEDDING_MODEL": "off"}),
                     lambda *args: None)
    assert on.embedding_model == "text-embedding-3-small" and off.embedding_model is None
