"""Move buttons on triage cards and the Home tab: check everything against stored state, then ask why."""

from __future__ import annotations

import re
from dataclasses import replace
from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.decisions import Refusal, Refused, check_move
from bot.ideas import Source, get_idea
from bot.listening import get_nudge, opt_out
from bot.objectives import find_objective, link, objective_choices
from bot.reviews import ask_again_later, may_review, may_support
from bot.team_settings import team_config
from handlers.deps import deps
from handlers.intake import open_intake
from handlers.notify import refresh_card
from handlers.people import is_pm, is_pm_of, team, tell_presser
from models import Idea, Stage, utcnow


def register(app: App) -> None:
    app.action(re.compile("^" + re.escape(blocks.MOVE_ACTION_PREFIX)))(move_button_callback)
    app.action(blocks.NUDGE_SHARE)(nudge_share_callback)
    app.action(blocks.NUDGE_DISMISS)(nudge_dismiss_callback)
    app.action(blocks.NUDGE_OPT_OUT)(nudge_opt_out_callback)
    app.action(blocks.USE_SUGGESTION)(use_suggestion_callback)
    app.action(blocks.SUPPORT_ACTION)(support_button_callback)
    app.action(re.compile("^review_"))(review_button_callback)
    app.action(blocks.SET_OBJECTIVE)(set_objective_callback)
    app.action(blocks.MERGE_ACTION)(merge_button_callback)
    app.action(blocks.ADD_OBJECTIVE)(objective_form_callback)
    app.action(blocks.EDIT_OBJECTIVE)(objective_form_callback)


def move_button_callback(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond | None, context: BoltContext,
    logger: Logger,
) -> None:
    ack()
    move = blocks.read_move(action["action_id"], action.get("value"))
    idea = _checked_move(client, respond, context, logger, move)
    if idea is None:
        return
    origin = "home" if body.get("container", {}).get("type") == "view" else "message"
    view = blocks.decision_modal(idea, move[2], utcnow().date(), origin=origin)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _checked_move(
    client: WebClient, respond: Respond | None, context: BoltContext, logger: Logger,
    move: tuple[int, str, str] | None, flow: str | None = None,
) -> Idea | None:
    """The idea a move button points at, once the stored idea, its stage, the move and the presser all
    check out; otherwise None, and the presser hears why (a stale card is redrawn)."""
    d = deps(context)
    idea, refused = None, None
    with d.sessions() as session:
        config = team_config(session, context.team_id, d.settings)
        try:
            if move is None:
                raise Refused(Refusal.NOT_FOUND)
            idea_id, shown, to_stage = move
            idea = check_move(session, team_id=context.team_id, idea_id=idea_id, shown_stage=shown,
                              to_stage=to_stage, flow=flow)
        except Refused as error:
            refused = error
    if refused is None and not is_pm_of(client, config, context.user_id, logger):
        refused = Refused(Refusal.NOT_A_PM)
    if refused is not None:
        tell_presser(client, respond, context.user_id, blocks.refusal_text(refused, config.triage_channel), logger)
        if refused.refusal is Refusal.ALREADY_MOVED:
            refresh_card(client, d, context.team_id, refused.idea_id, logger)  # the pressed card was stale
        return None
    return idea


def nudge_share_callback(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond, context: BoltContext, logger: Logger
) -> None:
    """Opens the intake form on the nudged message, linked to it. Only its author sees the nudge;
    the check below holds even for a forged press."""
    ack()
    value = action.get("value") or ""
    with deps(context).sessions.begin() as session:
        nudge = get_nudge(session, context.team_id, int(value)) if value.isdigit() else None
    if nudge is None or nudge.user_id != context.user_id:
        respond(text="That invitation has expired. Type `/idea` to share an idea.", replace_original=True)
        return
    respond(delete_original=True)
    source = Source(channel_id=nudge.channel_id, message_ts=nudge.message_ts, author_id=nudge.user_id)
    open_intake(client, deps(context), trigger_id=body["trigger_id"], ask=nudge.text, source=source,
                team_id=context.team_id, logger=logger)


def use_suggestion_callback(ack: Ack, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    """Copies the model's suggestion into the outcome and problem fields the person left empty."""
    ack()
    view = body["view"]
    state = blocks.read_intake(view)
    if not state.suggestion:
        return
    values = dict(state.values)
    for name in ("outcome", "problem"):
        if not (values.get(name) or "").strip():
            values[name] = state.suggestion.get(name, "")
    updated = replace(state, values=values, version=state.version + 1)
    with deps(context).sessions() as session:
        form = blocks.intake_modal(state=updated, objectives=objective_choices(session, context.team_id))
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=form)
    except SlackApiError as error:
        logger.info("suggestion not applied: %s", error.response.get("error"))


def nudge_dismiss_callback(ack: Ack, respond: Respond) -> None:
    ack()
    respond(delete_original=True)


def nudge_opt_out_callback(ack: Ack, respond: Respond, context: BoltContext) -> None:
    ack()
    with deps(context).sessions.begin() as session:
        opt_out(session, context.team_id, context.user_id)
    respond(text=blocks.OPTED_OUT, replace_original=True)


def support_button_callback(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond | None, context: BoltContext,
    logger: Logger,
) -> None:
    """"+1 / I have this problem too": a small form for one line of evidence."""
    ack()
    idea = _idea_from(context, action)
    if idea is None or not may_support(context.user_id, idea):
        own = idea is not None and idea.requester_id == context.user_id
        tell_presser(client, respond, context.user_id, blocks.SUPPORT_OWN if own else blocks.SUPPORT_CLOSED, logger)
        return
    client.views_open(trigger_id=body["trigger_id"], view=blocks.support_modal(idea))


def review_button_callback(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond | None, context: BoltContext,
    logger: Logger,
) -> None:
    """Met, Partly, Missed: a form for what was measured and learned. Not yet: ask again later."""
    ack()
    d = deps(context)
    idea = _idea_from(context, action)
    if idea is None or idea.stage != Stage.SHIPPED:
        tell_presser(client, respond, context.user_id, blocks.REVIEW_CLOSED, logger)
        return
    pm = is_pm(client, d, context.team_id, context.user_id, logger)
    if not may_review(context.user_id, idea, pm):
        tell_presser(client, respond, context.user_id, blocks.REVIEW_WHO, logger)
        return
    result = blocks.REVIEW_ACTIONS.get(action["action_id"])
    if result is None:
        with d.sessions.begin() as session:
            again = ask_again_later(session, context.team_id, idea.id, context.user_id, utcnow())
        tell_presser(client, respond, context.user_id, blocks.asked_again(idea, again), logger)
        return
    client.views_open(trigger_id=body["trigger_id"], view=blocks.review_modal(idea, result))


def _idea_from(context: BoltContext, action: dict) -> Idea | None:
    """The idea a button names, if it exists in the presser's team; the value is only a pointer."""
    value = action.get("value") or ""
    if not value.isdigit():
        return None
    with deps(context).sessions() as session:
        return get_idea(session, context.team_id, int(value))


def set_objective_callback(
    ack: Ack, action: dict, client: WebClient, respond: Respond | None, context: BoltContext, logger: Logger
) -> None:
    """A PM links the idea on the card to an objective (or to none)."""
    ack()
    d = deps(context)
    config = team(d, context.team_id)
    if not is_pm_of(client, config, context.user_id, logger):
        text = blocks.refusal_text(Refused(Refusal.NOT_A_PM), config.triage_channel)
        tell_presser(client, respond, context.user_id, text, logger)
        return
    idea_id = blocks.read_objective(action.get("block_id", "").removeprefix("objective_"))
    chosen = blocks.read_objective((action.get("selected_option") or {}).get("value"))
    with d.sessions.begin() as session:
        linked = link(session, context.team_id, idea_id, chosen) if idea_id is not None else None
    if linked is None:
        tell_presser(client, respond, context.user_id, blocks.refusal_text(Refused(Refusal.NOT_FOUND), None), logger)
        return
    refresh_card(client, d, context.team_id, idea_id, logger)


def objective_form_callback(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond | None, context: BoltContext,
    logger: Logger,
) -> None:
    """Add an objective, or edit one (PMs)."""
    ack()
    d = deps(context)
    if not is_pm(client, d, context.team_id, context.user_id, logger):
        tell_presser(client, respond, context.user_id, blocks.OBJECTIVES_FOR_PMS, logger)
        return
    objective_id = blocks.read_objective(action.get("value"))
    with d.sessions() as session:
        objective = find_objective(session, context.team_id, objective_id) if objective_id else None
        form = blocks.okr_modal(objective)
    client.views_open(trigger_id=body["trigger_id"], view=form)


def merge_button_callback(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond | None, context: BoltContext,
    logger: Logger,
) -> None:
    """"Merge into another idea": checked like any move, then a form for the target and the reason."""
    ack()
    move = blocks.read_move(blocks.MOVE_ACTION_PREFIX + Stage.MERGED, action.get("value"))
    idea = _checked_move(client, respond, context, logger, move, flow="merge")
    if idea is not None:
        client.views_open(trigger_id=body["trigger_id"], view=blocks.merge_modal(idea))
