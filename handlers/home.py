"""App Home: each person's ideas, where they stand."""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot import blocks
from bot.ideas import ideas_of
from handlers.deps import deps
from models import utcnow


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened_callback)


def app_home_opened_callback(event: dict, client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    with deps(context).sessions.begin() as session:
        ideas, total = ideas_of(session, context.team_id, context.user_id, blocks.HOME_LIMIT)
        view = blocks.home_view(ideas, total, utcnow())
    client.views_publish(user_id=context.user_id, view=view)
