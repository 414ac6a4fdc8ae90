"""Move buttons on triage cards and the Home tab: check everything against stored state, then ask why."""

from __future__ import annotations

import re
from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks
from bot.decisions import Refusal, Refused, check_move, latest_decision, may_decide
from bot.ideas import get_idea
from handlers.deps import deps
from handlers.notify import refresh_card
from handlers.people import tell_presser, workspace_admin_check
from models import utcnow


def register(app: App) -> None:
    app.action(re.compile("^" + re.escape(blocks.MOVE_ACTION_PREFIX)))(move_button_callback)


def move_button_callback(
    ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond | None, context: BoltContext,
    logger: Logger,
) -> None:
    ack()
    d = deps(context)
    move = blocks.read_move(action["action_id"], action.get("value"))
    try:
        if move is None:
            raise Refused(Refusal.NOT_FOUND)
        idea_id, shown, to_stage = move
        with d.sessions.begin() as session:
            idea = check_move(session, team_id=context.team_id, idea_id=idea_id, shown_stage=shown, to_stage=to_stage)
        if not may_decide(context.user_id, d.settings.pm_user_ids, workspace_admin_check(client, logger)):
            raise Refused(Refusal.NOT_A_PM)
    except Refused as refused:
        tell_presser(client, respond, context.user_id, blocks.refusal_text(refused, d.settings.triage_channel), logger)
        if refused.refusal is Refusal.ALREADY_MOVED:
            # The card that was pressed is stale: bring it up to date now.
            with d.sessions.begin() as session:
                idea = get_idea(session, context.team_id, refused.idea_id)
                decision = latest_decision(session, refused.idea_id)
            refresh_card(client, idea, decision, logger)
        return
    origin = "home" if body.get("container", {}).get("type") == "view" else "message"
    view = blocks.decision_modal(idea, to_stage, utcnow().date(), origin=origin)
    client.views_open(trigger_id=body["trigger_id"], view=view)
