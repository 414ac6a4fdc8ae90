"""Modal submissions. The idea is stored before anything is said to anyone."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import blocks
from bot.ideas import IdeaDraft, submit_idea, validate
from handlers.deps import deps
from handlers.notify import announce_new_idea

SAVE_FAILED = "We could not save your idea just now. Please press Submit again in a minute."


def register(app: App) -> None:
    app.view(blocks.INTAKE_CALLBACK)(intake_submission_callback)


def intake_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    values, source_channel = blocks.read_intake(view)
    draft = IdeaDraft.from_values(values)
    errors = validate(draft)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    d = deps(context)
    try:
        with d.sessions.begin() as session:
            idea, created = submit_idea(
                session,
                team_id=context.team_id,
                requester_id=context.user_id,
                draft=draft,
                source_channel_id=source_channel,
                submission_id=view["id"],
            )
    except SQLAlchemyError:
        logger.exception("could not store an idea from view %s", view.get("id"))
        # The modal stays open with everything typed, so nothing is lost.
        ack(response_action="errors", errors={"outcome": SAVE_FAILED})
        return
    ack()
    if created:
        announce_new_idea(client, d, idea, logger)
