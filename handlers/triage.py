"""A PM moves an idea: a move button (on the card or App Home) asks why, the submission records the
decision, and the card, the requester and the supporters hear it. Merging is a move too.

Everything is checked against stored state, never against what a button or a form claims; the
decision and every message it owes are written in one transaction.
"""

from __future__ import annotations

import functools
import re
from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.decisions import Refusal, Refused, check_move, decide, form_errors, reason_error
from bot.merge import NoSuchTarget, merge, merged_into_it
from bot.people import ZONE_KEPT, local_today, their_today
from bot.team_settings import TeamConfig, team_config
from handlers import notify
from handlers.access import Deps, Standing, changing, deps, guarded, open_form, refusal, standing, team, tell
from handlers.home import home_of
from handlers.trackers import file_or_link, filing_plan, tracker_options
from models import Idea, Stage, utcnow
from runtime import outbox
from ui.cards import Move, read_move
from ui.decisions import decision_modal, merge_modal, read_decision, read_merge, refusal_text
from ui.ids import DECISION_CALLBACK, MERGE_ACTION, MERGE_CALLBACK, MOVE_ACTION_PREFIX

SAVE_FAILED = "We could not save this just now. Please press the button again in a minute."


def register(app: App, d: Deps) -> None:
    app.action(re.compile("^" + re.escape(MOVE_ACTION_PREFIX)))(guarded(move_button_callback))
    app.view(DECISION_CALLBACK)(guarded(decision_submission_callback))
    app.action(MERGE_ACTION)(guarded(merge_button_callback))
    app.view(MERGE_CALLBACK)(guarded(merge_submission_callback))
    d.sender.draw_cards(functools.partial(notify.card_now, settings=d.settings))


def move_button_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                         logger: Logger) -> None:
    ack()
    move = read_move(action["action_id"], action.get("value"))
    idea = checked_move(client, body, context, logger, move)
    if idea is None:
        return
    d = deps(context)
    origin = "home" if body.get("container", {}).get("type") == "view" else "message"
    with d.sessions() as session:
        today = local_today(session, context.team_id, context.user_id, utcnow())
    view = decision_modal(idea, move.to_stage, today, origin=origin, trackers=tracker_options(d))
    open_form(client, d, body, context.team_id, context.user_id, view, logger)
    # The form's "a date after today" is the PM's today: know their time zone by the time they submit it.
    d.roles.user(client, context.team_id, context.user_id, logger, within=ZONE_KEPT)


def checked_move(client: WebClient, body: dict, context: BoltContext, logger: Logger,
                 move: Move | None, flow: str | None = None) -> Idea | None:
    """The idea a move button points at, once the stored idea, its stage, the move and the presser all
    check out; otherwise None, and the presser hears why (a stale card is redrawn)."""
    d = deps(context)
    idea, refused = None, None
    with d.sessions() as session:
        config = team_config(session, context.team_id, d.settings)
        try:
            if move is None:
                raise Refused(Refusal.NOT_FOUND)
            idea = check_move(session, team_id=context.team_id, idea_id=move.idea_id, shown_stage=move.shown_stage,
                              to_stage=move.to_stage, flow=flow)
        except Refused as error:
            refused = error
    if refused is None:
        note = refusal_text(Refused(Refusal.NOT_A_PM), config.triage_channel)
        said = refusal(client, d, config, context.team_id, context.user_id, logger, note)
        if said is None:
            return idea
        tell(d, body, context.team_id, context.user_id, said)
        return None
    tell(d, body, context.team_id, context.user_id, refusal_text(refused, config.triage_channel))
    if refused.refusal is Refusal.ALREADY_MOVED:
        redraw(d, context.team_id, refused.idea_id, config)  # the pressed card was stale
        if body.get("container", {}).get("type") == "view":  # and so was the Home tab it was pressed on
            said = standing(client, d, config, context.team_id, context.user_id, logger)
            with d.sessions() as session:
                d.sender.soon(context.team_id, home_of(session, d, context.team_id, context.user_id,
                                                       said is Standing.YES, unsure=said is Standing.UNSURE))
    return None


def redraw(d: Deps, team_id: str, idea_id: int | None, config: TeamConfig) -> None:
    if idea_id is None:
        return
    with changing(d) as session:
        outbox.owe(session, team_id, *notify.card_of(session, team_id, idea_id, config))


def decision_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger
                                 ) -> None:
    d = deps(context)
    form = read_decision(view)
    if form is None:
        ack(response_action="errors", errors={"reason": refusal_text(Refused(Refusal.NOT_FOUND), None)})
        return
    now = utcnow()
    with d.sessions() as session:
        today = their_today(session, context.team_id, context.user_id, now)
    errors = form_errors(form.to_stage, form.reason, form.revisit_on, today, now.date())
    if errors:
        ack(response_action="errors", errors=errors)
        return
    config = team(d, context.team_id)
    # Before the tracker is asked about an issue: only a PM's form is worth the wait, or the call.
    if (refused := refusal(client, d, config, context.team_id, context.user_id, logger,
                           refusal_text(Refused(Refusal.NOT_A_PM), None), waiting=True)) is not None:
        ack(response_action="errors", errors={"reason": refused})
        return
    try:  # a form left open while someone else moved the idea is told so before the tracker is asked anything
        with d.sessions() as session:
            check_move(session, team_id=context.team_id, idea_id=form.idea_id, shown_stage=form.shown_stage,
                       to_stage=form.to_stage)
    except Refused as refused:
        ack(response_action="errors", errors={"reason": refusal_text(refused, None)})
        return
    filing = filing_plan(d, form)
    if filing.error is not None:
        ack(response_action="errors", errors={"issue" if filing.issue_field else "tracker": filing.error})
        return
    try:
        with changing(d) as session:
            idea, decision = decide(
                session, team_id=context.team_id, idea_id=form.idea_id, shown_stage=form.shown_stage,
                to_stage=form.to_stage, reason=form.reason, decided_by=context.user_id, revisit_on=form.revisit_on,
            )
            owed = file_or_link(session, d, idea, decision, filing)
            owed += notify.decision_made(session, idea, decision, config, filing_in=filing.filing_in)
            outbox.owe(session, context.team_id, *owed)
            home = home_of(session, d, context.team_id, context.user_id, True) if form.origin == "home" else None
    except Refused as refused:
        ack(response_action="errors", errors={"reason": refusal_text(refused, None)})
        return
    except SQLAlchemyError:
        logger.exception("could not record a decision on idea %s", form.idea_id)
        ack(response_action="errors", errors={"reason": SAVE_FAILED})
        return
    ack()
    if home is not None:
        d.sender.soon(context.team_id, home)


def merge_button_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                          logger: Logger) -> None:
    """"Merge into another idea": checked like any move, then a form for the target and the reason."""
    ack()
    move = read_move(MOVE_ACTION_PREFIX + Stage.MERGED, action.get("value"))
    idea = checked_move(client, body, context, logger, move, flow="merge")
    if idea is not None:
        open_form(client, deps(context), body, context.team_id, context.user_id, merge_modal(idea), logger)


def merge_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    d = deps(context)
    form = read_merge(view)
    if form is None:
        ack(response_action="errors", errors={"reason": refusal_text(Refused(Refusal.NOT_FOUND), None)})
        return
    if (problem := reason_error(form.reason)) is not None:
        ack(response_action="errors", errors={"reason": problem})
        return
    config = team(d, context.team_id)
    if (refused := refusal(client, d, config, context.team_id, context.user_id, logger,
                           refusal_text(Refused(Refusal.NOT_A_PM), None), waiting=True)) is not None:
        ack(response_action="errors", errors={"reason": refused})
        return
    try:
        with changing(d) as session:
            merged = merge(session, team_id=context.team_id, source_id=form.idea_id, shown_stage=form.shown_stage,
                           target_id=form.target_id, reason=form.reason, decided_by=context.user_id)
            owed = notify.decision_made(session, merged.source, merged.decision, config,
                                        already_supporting=merged.already_supporting)
            owed += notify.card_of(session, context.team_id, merged.target.id, config)
            for earlier in merged_into_it(session, context.team_id, merged.source.id):
                owed += notify.card_of(session, context.team_id, earlier, config)
            outbox.owe(session, context.team_id, *owed)
    except NoSuchTarget as problem:
        ack(response_action="errors", errors={"target": str(problem)})
        return
    except Refused as refused:
        ack(response_action="errors", errors={"reason": refusal_text(refused, None)})
        return
    except SQLAlchemyError:
        logger.exception("could not merge idea %s", form.idea_id)
        ack(response_action="errors", errors={"reason": SAVE_FAILED})
        return
    ack()
