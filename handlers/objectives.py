"""Objectives (OKRs): PMs add and edit them (`/idea okr`, App Home), and link ideas to them on the card."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.command import IdeaCommand
from bot.decisions import Refusal, Refused
from bot.drafts import remember_submitted, submitted_before
from bot.objectives import (
    cards_showing,
    find_objective,
    link,
    objective_choices,
    objective_errors,
    save_objective,
)
from bot.team_settings import team_config
from handlers import notify
from handlers.access import Deps, changing, deps, guarded, open_form, refusal, team, tell
from handlers.home import home_of
from runtime import outbox
from runtime.sender import Job
from ui.decisions import refusal_text
from ui.ids import ADD_OBJECTIVE, EDIT_OBJECTIVE, FIND_OBJECTIVE, INTAKE_OBJECTIVE, OKR_CALLBACK, SET_OBJECTIVE
from ui.kit import carried, read_id
from ui.objectives import (
    OBJECTIVES_FOR_PMS,
    OBJECTIVES_ON_A_CARD,
    objective_options,
    okr_modal,
    read_objective,
    read_okr,
)


def register(app: App, d: Deps) -> None:
    app.action(SET_OBJECTIVE)(guarded(set_objective_callback))
    app.options(SET_OBJECTIVE)(guarded(objective_options_callback))
    app.options(INTAKE_OBJECTIVE)(guarded(objective_options_callback))
    app.options(FIND_OBJECTIVE)(guarded(objective_options_callback))
    app.action(FIND_OBJECTIVE)(guarded(objective_form_callback))
    app.action(ADD_OBJECTIVE)(guarded(objective_form_callback))
    app.action(EDIT_OBJECTIVE)(guarded(objective_form_callback))
    app.view(OKR_CALLBACK)(guarded(objective_submission_callback))
    d.sender.register("objective_cards", lambda job: redraw_cards(d, job))


# Cards redrawn for an objective go out one every two seconds: hundreds at once would meet chat.update's rate
# limit (about 50 a minute), and the wait it asks for would hold back the decisions people are owed too.
CARD_PACE = timedelta(seconds=2)


def redraw_cards(d: Deps, job: Job) -> None:
    """The posted cards that show an objective as it was before it was added or renamed, redrawn: a menu listing
    every objective offers the new one, and a card linked to a renamed one names it anew. Done by the sender,
    so the form is answered at once however many cards there are."""
    objective_id, every_open = read_id(str(job.payload.get("objective"))), bool(job.payload.get("every_open"))
    with d.sessions.begin() as session:
        if objective_id is not None:
            config = team_config(session, job.team_id, d.settings)
            shown = cards_showing(session, job.team_id, objective_id, every_open=every_open)
            cards = [outbox.card(idea_id, channel or config.triage_channel)
                     for idea_id, channel in shown if channel or config.triage_channel]
            outbox.owe(session, job.team_id, *(replace(card, after=n * CARD_PACE) for n, card in enumerate(cards)))
        job.finish(session)


def okr_command(ack: Ack, parsed: IdeaCommand, command: dict, client: WebClient, context: BoltContext,
                logger: Logger) -> None:
    ack()
    d = deps(context)
    refused = refusal(client, d, team(d, context.team_id), context.team_id, context.user_id, logger, OBJECTIVES_FOR_PMS)
    if refused is not None:
        tell(d, command, context.team_id, context.user_id, refused)
        return
    open_form(client, d, command, context.team_id, context.user_id, okr_modal(), logger)


def set_objective_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                           logger: Logger) -> None:
    """A PM links the idea on the card to an objective (or to none)."""
    ack()
    d = deps(context)
    config = team(d, context.team_id)
    if (refused := refusal(client, d, config, context.team_id, context.user_id, logger, OBJECTIVES_FOR_PMS)):
        tell(d, body, context.team_id, context.user_id, refused)
        return
    idea_id = read_id(str(action.get("block_id", "")).removeprefix("objective_"))
    chosen = read_objective((action.get("selected_option") or {}).get("value"))
    with changing(d) as session:
        linked = link(session, context.team_id, idea_id, chosen) if idea_id is not None else None
        if linked is not None:
            outbox.owe(session, context.team_id, *notify.card_of(session, context.team_id, linked.id, config))
    if linked is None:
        tell(d, body, context.team_id, context.user_id, refusal_text(Refused(Refusal.NOT_FOUND), None))


def objective_options_callback(ack: Ack, payload: dict, context: BoltContext, logger: Logger) -> None:
    """A menu of objectives too long to list (the card's or the form's) asks for those matching what is typed.
    Anyone in the workspace sees objectives on App Home, so anyone may find them here; linking stays the PMs'."""
    typed = payload.get("value")
    try:
        with deps(context).sessions() as session:
            choices = objective_choices(session, context.team_id)
    except SQLAlchemyError as error:  # an empty menu says it; the person tries again
        logger.warning("database unavailable (team %s): %s", context.team_id, type(error).__name__)
        choices = []
    ack(options=objective_options(choices, typed if isinstance(typed, str) else "",
                                  none=payload.get("action_id") != FIND_OBJECTIVE))


def objective_form_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                            logger: Logger) -> None:
    """Add an objective, or edit one (PMs): its Edit button, or an older one picked from Home's menu."""
    ack()
    d = deps(context)
    refused = refusal(client, d, team(d, context.team_id), context.team_id, context.user_id, logger,
                      OBJECTIVES_FOR_PMS)
    if refused is not None:
        tell(d, body, context.team_id, context.user_id, refused)
        return
    objective_id = read_objective(action.get("value") or (action.get("selected_option") or {}).get("value"))
    with d.sessions() as session:
        objective = find_objective(session, context.team_id, objective_id) if objective_id else None
        form = okr_modal(objective)
    open_form(client, d, body, context.team_id, context.user_id, form, logger)


def objective_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger
                                  ) -> None:
    d = deps(context)
    form = read_okr(view)
    objective_id, title, key_results = form.objective_id, form.title, form.key_results
    errors = {**objective_errors(title, key_results), **form.errors}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    config = team(d, context.team_id)
    refused = refusal(client, d, config, context.team_id, context.user_id, logger, OBJECTIVES_FOR_PMS, waiting=True)
    if refused is not None:
        ack(response_action="errors", errors={"title": refused})
        return
    form_id = carried(view.get("id"))
    try:
        with changing(d) as session:
            if form_id is not None and submitted_before(session, context.team_id, form_id):
                ack()  # a double click: the first submission saved it
                return
            before = find_objective(session, context.team_id, objective_id) if objective_id is not None else None
            titled = before.title if before is not None else None
            saved = save_objective(session, team_id=context.team_id, user_id=context.user_id, title=title,
                                   key_results=key_results, objective_id=objective_id)
            if saved is not None and form_id is not None:
                remember_submitted(session, context.team_id, form_id)
            if saved is not None and saved.title != titled:  # new, or renamed: the cards drawn before say otherwise
                listed = len(objective_choices(session, context.team_id)) <= OBJECTIVES_ON_A_CARD + 1
                outbox.owe(session, context.team_id, outbox.job(
                    "objective_cards", {"objective": saved.id, "every_open": listed},
                    key=f"objective-cards:{saved.id}", collapses=True))
            home = home_of(session, d, context.team_id, context.user_id, True) if saved is not None else None
    except IntegrityError:
        with d.sessions() as session:
            twice = form_id is not None and submitted_before(session, context.team_id, form_id)
        if not twice:
            raise
        ack()  # the same form at the same moment: the other delivery saved it
        return
    if saved is None:
        ack(response_action="errors", errors={"title": refusal_text(Refused(Refusal.NOT_FOUND), None)})
        return
    ack()
    d.sender.soon(context.team_id, home)
