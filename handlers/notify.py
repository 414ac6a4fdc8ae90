"""Telling people about ideas, after the ack. A failure here is logged; the stored idea stands."""

from __future__ import annotations

from logging import Logger

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.ideas import remember_triage_card
from handlers.deps import Deps
from models import Idea


def announce_new_idea(client: WebClient, d: Deps, idea: Idea, logger: Logger) -> None:
    tell_requester(client, idea, blocks.confirmation(idea), logger)
    channel = d.settings.triage_channel
    if channel is None:
        return
    try:
        posted = client.chat_postMessage(channel=channel, **blocks.triage_card(idea))
    except SlackApiError as error:
        logger.error("triage card for idea %s not posted: %s", idea.id, error.response.get("error"))
        return
    with d.sessions.begin() as session:
        remember_triage_card(session, idea.id, posted["channel"], posted["ts"])


def tell_requester(client: WebClient, idea: Idea, message: dict, logger: Logger) -> bool:
    """A DM from the bot; where DMs fail, a private note in the channel the idea came from."""
    try:
        client.chat_postMessage(channel=idea.requester_id, **message)
        return True
    except SlackApiError as error:
        logger.warning("DM about idea %s failed: %s", idea.id, error.response.get("error"))
    if idea.source_channel_id is None:
        return False
    try:
        client.chat_postEphemeral(channel=idea.source_channel_id, user=idea.requester_id, **message)
        return True
    except SlackApiError as error:
        logger.error("could not tell the requester of idea %s: %s", idea.id, error.response.get("error"))
        return False
