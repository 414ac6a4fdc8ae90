"""App Home: each person's ideas; for product managers, the triage queue first."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks, usage
from bot.decisions import triage
from bot.ideas import ideas_of
from bot.objectives import objectives_of
from bot.stats import build_trap_stats
from handlers.deps import Deps, deps
from handlers.people import is_pm
from models import utcnow

QUEUE_LIMIT = 10
MINE_LIMIT = 15


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened_callback)


def app_home_opened_callback(event: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    if event.get("tab") == "home":
        publish_home(client, deps(context), context.team_id, context.user_id, logger)


def publish_home(client: WebClient, d: Deps, team_id: str, user_id: str, logger: Logger) -> None:
    pm = is_pm(client, d, team_id, user_id, logger)
    now = utcnow()
    with d.sessions.begin() as session:
        mine, total = ideas_of(session, team_id, user_id, MINE_LIMIT)
        queue = triage(session, team_id, now.date(), QUEUE_LIMIT) if pm else None
        model_use = usage.summary(session, team_id, now.date()) if pm and d.coach is not None else None
        metrics = build_trap_stats(session, team_id) if pm else None
        objectives = blocks.objectives_blocks(objectives_of(session, team_id), editable=pm)
        view = blocks.home_view(mine, total, now, queue, model_use, metrics, objectives)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        logger.error("Home tab for %s not published: %s", user_id, error.response.get("error"))
