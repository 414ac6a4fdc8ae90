"""Opening the intake form, from /idea, a nudge or the message shortcut; then, if a model is
configured, offering its suggestion. The form opens first: the model never delays it."""

from __future__ import annotations

from logging import Logger

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.ideas import Source
from bot.objectives import objective_choices
from handlers.deps import Deps


def open_intake(
    client: WebClient, d: Deps, *, trigger_id: str, ask: str, source: Source, team_id: str, logger: Logger
) -> None:
    with d.sessions() as session:
        objectives = objective_choices(session, team_id)
    opened = client.views_open(
        trigger_id=trigger_id, view=blocks.intake_modal(ask=ask, source=source, objectives=objectives)
    )
    if d.coach is None or not ask.strip():
        return
    suggestion = d.coach.suggest(team_id, ask)
    if suggestion is None:
        return
    state = blocks.IntakeState(values={"ask": ask}, source=source, suggestion=suggestion.model_dump(), version=2)
    try:
        client.views_update(
            view_id=opened["view"]["id"], hash=opened["view"]["hash"],
            view=blocks.intake_modal(state=state, objectives=objectives),
        )
    except SlackApiError as error:  # closed or submitted meanwhile: the suggestion is simply not shown
        logger.info("suggestion not shown: %s", error.response.get("error"))
