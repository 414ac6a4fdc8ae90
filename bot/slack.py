"""The Web API client, shared by the web process and the clock process.

slack_sdk's own retry handlers deal with rate limits (429 and its Retry-After), 5xx and dropped
connections, so no code here loops on Slack errors.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import blocks, slack_http
from bot.coach import IntroWriter
from bot.digest import Digest
from bot.digest_runs import Post
from bot.reviews import Ask
from bot.settings import Settings
from models import CheckIn, DigestSubscription, Idea


def make_client(settings: Settings) -> WebClient:
    """Honours SLACK_API_URL (GovSlack, a proxy, the tests). Also sets up how slack_sdk uses urllib
    (bot/slack_http.py) and logging (below): both cost far more than they need to by default."""
    slack_http.install_opener()
    skip_unprinted_debug_lines()
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
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


def digest_poster(client: WebClient, intro: IntroWriter | None = None) -> Post:
    def post(subscription: DigestSubscription, digest: Digest) -> str:
        message = render_digest(digest, subscription.team_id, intro)
        return client.chat_postMessage(channel=subscription.channel_id, **message)["ts"]

    return post


def render_digest(digest: Digest, team_id: str, intro: IntroWriter | None) -> dict:
    """The digest as posted, with the model's intro when one is configured and it answered."""
    return blocks.digest_message(digest, intro=intro(team_id, digest) if intro is not None else None)


def check_in_asker(client: WebClient) -> Ask:
    """DMs the PM who shipped the idea, and its requester, the question with the four buttons."""

    def ask(idea: Idea, check_in: CheckIn) -> None:
        for user_id in dict.fromkeys((check_in.ask_user_id, idea.requester_id)):
            client.chat_postMessage(channel=user_id, **blocks.check_in(idea))

    return ask
