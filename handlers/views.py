"""Modal submissions: intake and decisions. What was submitted is stored before anything is said to anyone."""

from __future__ import annotations

from dataclasses import replace
from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import blocks
from bot.decisions import Refusal, Refused, decide, form_errors, reason_error
from bot.ideas import IdeaDraft, get_idea, submit_idea, validate
from bot.merge import NoSuchTarget, merge
from bot.objectives import objective_choices, objective_errors, save_objective
from bot.outcomes import reads_like_output, rewrite_hint
from bot.reviews import may_review, may_support, support
from bot.team_settings import save_team_settings
from handlers.deps import deps
from handlers.home import publish_home
from handlers.notify import announce_decision, announce_new_idea, refresh_card
from handlers.people import is_pm, workspace_admin_check
from models import Stage, utcnow

SAVE_FAILED = "We could not save this just now. Please press the button again in a minute."


def register(app: App) -> None:
    app.view(blocks.INTAKE_CALLBACK)(intake_submission_callback)
    app.view(blocks.DECISION_CALLBACK)(decision_submission_callback)
    app.view(blocks.SUPPORT_CALLBACK)(support_submission_callback)
    app.view(blocks.REVIEW_CALLBACK)(review_submission_callback)
    app.view(blocks.OKR_CALLBACK)(objective_submission_callback)
    app.view(blocks.MERGE_CALLBACK)(merge_submission_callback)
    app.view(blocks.SETTINGS_CALLBACK)(settings_submission_callback)


def intake_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    state = blocks.read_intake(view)
    draft = IdeaDraft.from_values(state.values)
    errors = validate(draft)
    if errors:
        ack(response_action="errors", errors=_on_blocks(errors, state.version))
        return
    if not state.checked and reads_like_output(draft.outcome):
        # Once, gently: the same form again with a word under the outcome; submitting again keeps it.
        again = replace(state, checked=True)
        with deps(context).sessions() as session:
            objectives = objective_choices(session, context.team_id)
        form = blocks.intake_modal(state=again, coaching=rewrite_hint(draft.outcome), objectives=objectives)
        ack(response_action="update", view=form)
        return
    d = deps(context)
    try:
        with d.sessions.begin() as session:
            idea, created = submit_idea(
                session,
                team_id=context.team_id,
                submitter_id=context.user_id,
                draft=draft,
                source=state.source,
                submission_id=view["id"],
                objective_id=blocks.read_objective(state.values.get("objective")),
            )
    except SQLAlchemyError:
        logger.exception("could not store an idea from view %s", view.get("id"))
        # The modal stays open with everything typed, so nothing is lost.
        ack(response_action="errors", errors=_on_blocks({"outcome": SAVE_FAILED}, state.version))
        return
    ack()
    if created:
        announce_new_idea(client, d, idea, logger)


def _on_blocks(errors: dict[str, str], version: int) -> dict[str, str]:
    """Field errors are addressed to block ids, which carry the form's version after the first."""
    return errors if version == 1 else {f"{name}.{version}": text for name, text in errors.items()}


def decision_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    d = deps(context)
    form = blocks.read_decision(view)
    if form is None:
        ack(response_action="errors", errors={"reason": blocks.refusal_text(Refused(Refusal.NOT_FOUND), None)})
        return
    errors = form_errors(form.to_stage, form.reason, form.revisit_on, utcnow().date())
    if errors:
        ack(response_action="errors", errors=errors)
        return
    pm = is_pm(client, d, context.team_id, context.user_id, logger)
    try:
        if not pm:
            raise Refused(Refusal.NOT_A_PM)
        with d.sessions.begin() as session:
            idea, decision = decide(
                session,
                team_id=context.team_id,
                idea_id=form.idea_id,
                shown_stage=form.shown_stage,
                to_stage=form.to_stage,
                reason=form.reason,
                decided_by=context.user_id,
                revisit_on=form.revisit_on,
            )
    except Refused as refused:
        ack(response_action="errors", errors={"reason": blocks.refusal_text(refused, None)})
        return
    except SQLAlchemyError:
        logger.exception("could not record a decision on idea %s", form.idea_id)
        ack(response_action="errors", errors={"reason": SAVE_FAILED})
        return
    ack()
    announce_decision(client, d, idea, decision, logger)
    if form.origin == "home":
        publish_home(client, d, context.team_id, context.user_id, logger)


def support_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    d = deps(context)
    form = blocks.read_support(view)
    with d.sessions.begin() as session:
        idea = get_idea(session, context.team_id, form[0]) if form else None
        if idea is None or not may_support(context.user_id, idea):
            ack(response_action="errors", errors={"evidence": blocks.SUPPORT_CLOSED})
            return
        first = support(session, context.team_id, idea, context.user_id, form[1])
    ack(response_action="update", view=blocks.thanks_view(blocks.supported(idea, first)))
    refresh_card(client, d, context.team_id, idea.id, logger)


def review_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    """Records the review as a decision shipped -> reviewed, with the result and what was measured."""
    d = deps(context)
    form = blocks.read_review(view)
    if form is None:
        ack(response_action="errors", errors={"learning": blocks.REVIEW_CLOSED})
        return
    idea_id, result, measured, learning = form
    if (problem := reason_error(learning)) is not None:
        ack(response_action="errors", errors={"learning": problem})
        return
    pm = is_pm(client, d, context.team_id, context.user_id, logger)
    try:
        with d.sessions.begin() as session:
            idea = get_idea(session, context.team_id, idea_id)
            if idea is None or not may_review(context.user_id, idea, pm):
                raise Refused(Refusal.NOT_FOUND if idea is None else Refusal.NOT_A_PM)
            idea, decision = decide(
                session,
                team_id=context.team_id,
                idea_id=idea_id,
                shown_stage=Stage.SHIPPED,
                to_stage=Stage.REVIEWED,
                reason=learning,
                decided_by=context.user_id,
                result=result,
                measured=measured or None,
            )
    except Refused as refused:
        ack(response_action="errors", errors={"learning": blocks.refusal_text(refused, None)})
        return
    ack()
    announce_decision(client, d, idea, decision, logger)


def objective_submission_callback(
    ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger
) -> None:
    d = deps(context)
    objective_id, title, key_results = blocks.read_okr(view)
    errors = objective_errors(title, key_results)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    if not is_pm(client, d, context.team_id, context.user_id, logger):
        ack(response_action="errors", errors={"title": blocks.OBJECTIVES_FOR_PMS})
        return
    with d.sessions.begin() as session:
        saved = save_objective(session, team_id=context.team_id, user_id=context.user_id, title=title,
                               key_results=key_results, objective_id=objective_id)
    if saved is None:
        ack(response_action="errors", errors={"title": blocks.refusal_text(Refused(Refusal.NOT_FOUND), None)})
        return
    ack()
    publish_home(client, d, context.team_id, context.user_id, logger)


def merge_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    d = deps(context)
    form = blocks.read_merge(view)
    if form is None:
        ack(response_action="errors", errors={"reason": blocks.refusal_text(Refused(Refusal.NOT_FOUND), None)})
        return
    idea_id, shown, target_id, reason = form
    if (problem := reason_error(reason)) is not None:
        ack(response_action="errors", errors={"reason": problem})
        return
    if not is_pm(client, d, context.team_id, context.user_id, logger):
        ack(response_action="errors", errors={"reason": blocks.refusal_text(Refused(Refusal.NOT_A_PM), None)})
        return
    try:
        with d.sessions.begin() as session:
            source, target, decision = merge(session, team_id=context.team_id, source_id=idea_id, shown_stage=shown,
                                             target_id=target_id, reason=reason, decided_by=context.user_id)
    except NoSuchTarget as problem:
        ack(response_action="errors", errors={"target": str(problem)})
        return
    except Refused as refused:
        ack(response_action="errors", errors={"reason": blocks.refusal_text(refused, None)})
        return
    ack()
    announce_decision(client, d, source, decision, logger)
    refresh_card(client, d, context.team_id, target.id, logger)


def settings_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    """Workspace admins and owners set the triage channel, the PMs and the digest defaults."""
    if not workspace_admin_check(client, logger)(context.user_id):
        ack(response_action="errors", errors={"triage_channel": blocks.SETTINGS_FOR_ADMINS})
        return
    channel, pms, weekday, minute = blocks.read_settings(view)
    with deps(context).sessions.begin() as session:
        save_team_settings(session, team_id=context.team_id, user_id=context.user_id, triage_channel=channel,
                           pm_user_ids=pms, digest_weekday=weekday, digest_minute=minute)
    ack()
