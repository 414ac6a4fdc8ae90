"""The Web API client, shared by the web process and the clock process.

slack_sdk's own retry handlers deal with rate limits (429 and its Retry-After), 5xx and dropped
connections, so no code here loops on Slack errors.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import blocks
from bot.digest import Digest
from bot.digest_runs import Post
from bot.settings import Settings
from models import DigestSubscription


def make_client(settings: Settings) -> WebClient:
    """Honours SLACK_API_URL (GovSlack, a proxy, the tests)."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def digest_poster(client: WebClient) -> Post:
    def post(subscription: DigestSubscription, digest: Digest) -> str:
        return client.chat_postMessage(channel=subscription.channel_id, **blocks.digest_message(digest))["ts"]

    return post
