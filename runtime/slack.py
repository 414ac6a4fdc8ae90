"""The Web API clients: one for the calls made while a person waits (views.open), one per workspace for
the sender.

Neither sleeps on a rate limit. slack_sdk's RateLimitErrorRetryHandler would sleep out a Retry-After of
30 s in the thread that called it, and in a listener thread that stalls every ack queued behind it; the
sender instead reschedules the message and goes on with the rest.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.oauth.installation_store import Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bot.settings import BOT_SCOPES, ConfigError, Settings
from models import utcnow
from runtime import outbox, slack_http

logger = logging.getLogger("outcome_bot")

# views.open must land within the 3 s its trigger lasts; a call still going after this is no use to anyone.
INTERACTIVE_TIMEOUT = 5


def make_client(settings: Settings, *, token: str | None = None, timeout: float = INTERACTIVE_TIMEOUT,
                retry_dropped: bool = True) -> WebClient:
    """Honours SLACK_API_URL (GovSlack, a proxy, the tests). Also sets up how slack_sdk uses urllib
    (runtime/slack_http.py) and logging (below): both cost far more than they need to by default.

    A connection dropped before an answer is tried once more only where doing a call twice is harmless
    (opening a form: the second open of one trigger is refused); the sender decides for itself."""
    slack_http.install_opener()
    skip_unprinted_debug_lines()
    return WebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)] if retry_dropped else [],
    )


# slack_sdk builds a debug line holding each whole request and response (a modal, a digest) whenever
# its loggers' own level is unset, even when no handler would print it: it tests `logger.level`, not
# the effective level. Bolt gives its own loggers the root's level; these get the same.
SDK_LOGGERS = ("slack_sdk.web.base_client", "slack_sdk.webhook.client")


def skip_unprinted_debug_lines() -> None:
    level = logging.getLogger().getEffectiveLevel()
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)


class NotInstalled(Exception):
    """No bot token for that workspace (uninstalled, or never installed)."""


# The sender's client for a workspace.
Clients = Callable[[str], WebClient]


def sender_clients(settings: Settings, installations: InstallationStore | None = None) -> Clients:
    """The single workspace's token, or each installed workspace's (refreshed when it rotates)."""
    if installations is None:
        client = make_client(settings, timeout=settings.slack_timeout, retry_dropped=False)
        return lambda team_id: client
    rotator = TokenRotator(client_id=settings.slack_client_id or "", client_secret=settings.slack_client_secret or "",
                           client=make_client(settings, token="", timeout=settings.slack_timeout))
    cache: dict[str, tuple[str, WebClient]] = {}
    lock = threading.Lock()

    def client_for(team_id: str) -> WebClient:
        bot = installations.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team_id)
        refreshed = rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=120)
        if refreshed is not None:
            installations.save_bot(refreshed)
            bot = refreshed
        with lock:
            token, client = cache.get(team_id, ("", None))
            if client is None or token != bot.bot_token:
                client = make_client(settings, token=bot.bot_token, timeout=settings.slack_timeout,
                                     retry_dropped=False)
                cache[team_id] = (bot.bot_token, client)
            return client

    return client_for


REFUSED_TOKEN = ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed")


def check_token(settings: Settings, client: WebClient) -> None:
    """Raises ConfigError when Slack refuses SLACK_BOT_TOKEN. When Slack cannot be reached (or answers
    5xx) that says nothing about the token: the bot starts, says so in one line, and Slack is asked
    again on the first request."""
    if not settings.slack_bot_token:
        return
    try:
        client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if code in REFUSED_TOKEN:
            raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({code}): copy the Bot User OAuth Token from your "
                              "app's 'OAuth & Permissions' page into .env again.") from None
        logger.warning("Slack could not check SLACK_BOT_TOKEN just now (HTTP %s, %s); starting anyway",
                       error.response.status_code, code or "no answer")
    except (OSError, http.client.HTTPException) as error:
        logger.warning("Slack could not be reached to check SLACK_BOT_TOKEN (%s); starting anyway", error)


def oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings | None:
    """Bolt's OAuth flow (/slack/install, /slack/oauth_redirect) with slack_sdk's SQLAlchemy stores on our
    database; their tables come from our migrations. Bolt refreshes rotating tokens by itself."""
    if not settings.slack_client_id:
        return None
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=ResumingInstallationStore(client_id=settings.slack_client_id, engine=engine),
        state_store=CheckedStateStore(expiration_seconds=600, engine=engine),
    )


class CheckedStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's store, but a database that does not answer is raised (and the person installing told so, by
    runtime/web.py) rather than read as a state never issued, which Bolt calls a link not valid; the state
    stays unused, for when the database is back."""

    def consume(self, state: str) -> bool:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return super().consume(state)


# What failed for want of an installation is sent again when the workspace installs within this long.
RESUME_WITHIN = timedelta(days=1)


class ResumingInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, which also puts back in the sender's hands what a workspace was owed while it
    was uninstalled (or its token refused) when it installs again: a reinstall resumes delivery; and
    which forgets the whole installation when its bot token is revoked."""

    def save(self, installation: Installation) -> None:
        super().save(installation)
        if not installation.team_id:
            return
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            resumed = outbox.resume_installed(session, installation.team_id, now, now - RESUME_WITHIN)
        if resumed:
            logger.info("workspace %s installed again: %s undelivered message(s) will be sent", installation.team_id,
                        resumed)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """tokens_revoked for the bot: Bolt's listener deletes the bot row only, but the installation rows keep
        the same (now dead) bot token and Bolt authorizes requests from them, so they go too."""
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        super().delete_installation(enterprise_id=enterprise_id, team_id=team_id)
