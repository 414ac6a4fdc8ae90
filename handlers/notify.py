"""Telling people about ideas and decisions, after the ack. A failure here is logged with the idea id;
what was stored stands, and the card is refreshed the next time anyone presses on it."""

from __future__ import annotations

from logging import Logger

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.ideas import remember_triage_card
from handlers.deps import Deps
from models import Decision, Idea


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


def announce_decision(client: WebClient, idea: Idea, decision: Decision, logger: Logger) -> None:
    refresh_card(client, idea, decision, logger)
    tell_requester(client, idea, blocks.decision_notice(idea, decision), logger)


def refresh_card(client: WebClient, idea: Idea, decision: Decision | None, logger: Logger) -> None:
    """Redraws the triage card in place to show the stored stage, the latest reason and the next moves."""
    if idea.triage_channel_id is None or idea.triage_message_ts is None:
        return
    try:
        client.chat_update(
            channel=idea.triage_channel_id, ts=idea.triage_message_ts, **blocks.triage_card(idea, decision)
        )
    except SlackApiError as error:
        logger.error("triage card for idea %s not updated: %s", idea.id, error.response.get("error"))


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
