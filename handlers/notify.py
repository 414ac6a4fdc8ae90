"""Telling people about ideas and decisions, after the ack. A failure here is logged with the idea id;
what was stored stands, and the card is refreshed the next time anyone presses on it."""

from __future__ import annotations

from logging import Logger

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.decisions import latest_decision
from bot.ideas import get_idea, remember_permalink, remember_triage_card
from bot.objectives import objective_choices
from bot.reviews import SUPPORTABLE, supporters
from bot.similar import looks_like, open_ideas, remember_looks_like
from handlers.deps import Deps
from handlers.people import team
from models import Decision, Idea


def announce_new_idea(client: WebClient, d: Deps, idea: Idea, logger: Logger) -> None:
    if idea.source_message_ts is not None:
        idea = _link_source_message(client, d, idea, logger)
    look_alikes = _look_alikes(d, idea)
    confirmation = blocks.confirmation(idea, look_alikes)
    tell(client, idea.submitted_by or idea.requester_id, idea.source_channel_id, confirmation, logger)
    if idea.submitted_by:
        tell(client, idea.requester_id, idea.source_channel_id, blocks.credit_notice(idea), logger)
    channel = team(d, idea.team_id).triage_channel
    if channel is None:
        return
    with d.sessions() as session:
        card = blocks.triage_card(idea, objectives=objective_choices(session, idea.team_id),
                                  looks_like=look_alikes[0] if look_alikes else None)
    try:
        posted = client.chat_postMessage(channel=channel, **card)
    except SlackApiError as error:
        logger.error("triage card for idea %s not posted: %s", idea.id, error.response.get("error"))
        return
    with d.sessions.begin() as session:
        remember_triage_card(session, idea.id, posted["channel"], posted["ts"])


def _look_alikes(d: Deps, idea: Idea) -> list[Idea]:
    """Open ideas of the team that look like this new one; the closest is kept for the card's merge hint."""
    with d.sessions() as session:
        pool = open_ideas(session, idea.team_id, excluding=idea.id)
    coach = d.coach
    matches = looks_like(idea, pool, coach and coach.same_need, coach and coach.embed) if pool else []
    if matches:
        with d.sessions.begin() as session:
            remember_looks_like(session, idea.id, matches[0].idea.id)
    return [m.idea for m in matches]


def _link_source_message(client: WebClient, d: Deps, idea: Idea, logger: Logger) -> Idea:
    """Keeps a permalink to the message the idea came from, for the card and the digest."""
    try:
        permalink = client.chat_getPermalink(channel=idea.source_channel_id, message_ts=idea.source_message_ts)
    except SlackApiError as error:
        logger.warning("no permalink for idea %s: %s", idea.id, error.response.get("error"))
        return idea
    with d.sessions.begin() as session:
        remember_permalink(session, idea.id, permalink["permalink"])
        return get_idea(session, idea.team_id, idea.id) or idea


def announce_decision(client: WebClient, d: Deps, idea: Idea, decision: Decision, logger: Logger) -> None:
    """The card; the requester, in the thread of their message when the idea came from one; then
    everyone who supported it."""
    refresh_card(client, d, idea.team_id, idea.id, logger)
    told = False
    if idea.source_message_ts is not None and idea.source_channel_id is not None:
        try:
            notice = blocks.decision_notice(idea, decision, to=idea.requester_id)
            client.chat_postMessage(channel=idea.source_channel_id, thread_ts=idea.source_message_ts, **notice)
            told = True
        except SlackApiError as error:
            logger.warning("thread reply about idea %s failed: %s", idea.id, error.response.get("error"))
    if not told:
        tell(client, idea.requester_id, idea.source_channel_id, blocks.decision_notice(idea, decision), logger)
    with d.sessions() as session:
        backers = [s.user_id for s in supporters(session, idea.id) if s.user_id != idea.requester_id]
    for user_id in backers:
        tell(client, user_id, None, blocks.decision_notice(idea, decision, supporter=True), logger)


def refresh_card(client: WebClient, d: Deps, team_id: str, idea_id: int, logger: Logger) -> None:
    """Redraws the triage card in place from what is stored: stage, latest reason, supporters, next moves."""
    with d.sessions() as session:
        idea = get_idea(session, team_id, idea_id)
        if idea is None or idea.triage_channel_id is None or idea.triage_message_ts is None:
            return
        looks_like = get_idea(session, team_id, idea.looks_like_id) if idea.looks_like_id else None
        card = blocks.triage_card(
            idea, latest_decision(session, idea_id), supporters(session, idea_id), objective_choices(session, team_id),
            looks_like if looks_like is not None and looks_like.stage in SUPPORTABLE else None,
        )
    try:
        client.chat_update(channel=idea.triage_channel_id, ts=idea.triage_message_ts, **card)
    except SlackApiError as error:
        logger.error("triage card for idea %s not updated: %s", idea.id, error.response.get("error"))


def tell(client: WebClient, user_id: str, channel_id: str | None, message: dict, logger: Logger) -> bool:
    """A DM from the bot; where DMs fail, a private note in the channel the idea came from."""
    try:
        client.chat_postMessage(channel=user_id, **message)
        return True
    except SlackApiError as error:
        logger.warning("DM to %s failed: %s", user_id, error.response.get("error"))
    if channel_id is None:
        return False
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, **message)
        return True
    except SlackApiError as error:
        logger.error("could not tell %s: %s", user_id, error.response.get("error"))
        return False
