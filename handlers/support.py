"""Closing the loop: "+1 / I have this problem too" with a line of evidence, and the answers to "did
the outcome happen?" (Met, Partly and Missed ask what was measured and learned; Not yet asks again)."""

from __future__ import annotations

import re
from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.decisions import Refusal, Refused, decide, latest_decision, reason_error
from bot.ideas import UNSTORABLE, get_idea, storable
from bot.reviews import (
    ask_again_later,
    check_ins_of,
    may_review,
    may_support,
    measured_error,
    support,
    to_support,
)
from bot.team_settings import team_config
from handlers import notify
from handlers.access import (
    Deps,
    Standing,
    changing,
    deps,
    guarded,
    open_form,
    refused_for,
    remember_slack_user,
    standing,
    team,
    tell,
)
from models import Idea, Stage, utcnow
from runtime import outbox
from runtime.failures import Permanent, classify
from runtime.scheduled import questions_redrawn, stand_ins
from runtime.sender import Job
from ui.decisions import refusal_text
from ui.ids import REVIEW_CALLBACK, REVIEW_PREFIX, SUPPORT_ACTION, SUPPORT_CALLBACK
from ui.kit import read_id
from ui.loop import (
    REVIEW_ACTIONS,
    REVIEW_CLOSED,
    REVIEW_WHO,
    SUPPORT_OWN,
    asked_again,
    check_in_not_yet,
    check_in_recorded,
    read_review,
    read_support,
    recorded,
    review_closed,
    review_modal,
    review_taken,
    support_closed,
    support_modal,
    supported,
    thanks_view,
)


def register(app: App, d: Deps) -> None:
    app.action(SUPPORT_ACTION)(guarded(support_button_callback))
    app.view(SUPPORT_CALLBACK)(guarded(support_submission_callback))
    app.action(re.compile("^" + re.escape(REVIEW_PREFIX)))(guarded(review_button_callback))
    app.view(REVIEW_CALLBACK)(guarded(review_submission_callback))
    d.sender.register("look_up_person", lambda job: look_up_person(d, job))


def look_up_person(d: Deps, job: Job) -> None:
    """users.info for someone about to be asked a dated question, so it reaches them on its date where they are.
    Asked by the sender, never inside a transaction; a person Slack does not know is remembered without a
    time zone (UTC), so the scheduler does not ask again every minute."""
    user_id = str(job.payload.get("user", ""))
    try:
        user = job.client().users_info(user=user_id)["user"]
    except SlackApiError as error:
        if not isinstance(classify(error), Permanent):
            raise  # Slack busy or away: the sender tries again
        user = {}
    with d.sessions.begin() as session:
        remember_slack_user(session, job.team_id, user_id, user, utcnow())
        job.finish(session)


def idea_named(d: Deps, team_id: str, value: str | None) -> Idea | None:
    """The idea a button names, if it exists in the presser's team; the value is only a pointer."""
    idea_id = read_id(value)
    if idea_id is None:
        return None
    with d.sessions() as session:
        return get_idea(session, team_id, idea_id)


def support_button_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                            logger: Logger) -> None:
    """A small form for one line of evidence."""
    ack()
    d = deps(context)
    idea_id = read_id(action.get("value"))
    with d.sessions() as session:
        idea = to_support(session, context.team_id, idea_id) if idea_id is not None else None
    if idea is None or not may_support(context.user_id, idea):
        own = idea is not None and idea.requester_id == context.user_id
        tell(d, body, context.team_id, context.user_id, SUPPORT_OWN if own else support_closed(idea_id, idea))
        return
    merged_from = idea_id if idea_id != idea.id else None
    open_form(client, d, body, context.team_id, context.user_id, support_modal(idea, merged_from), logger)


def support_submission_callback(ack: Ack, view: dict, context: BoltContext) -> None:
    d = deps(context)
    form = read_support(view)
    if form is not None and not storable(form.evidence):
        ack(response_action="errors", errors={"evidence": UNSTORABLE})
        return
    with changing(d) as session:
        idea = to_support(session, context.team_id, form.idea_id, lock=True) if form else None
        if idea is None or not may_support(context.user_id, idea):
            own = idea is not None and idea.requester_id == context.user_id
            said = SUPPORT_OWN if own else support_closed(form.idea_id if form else None, idea)
            ack(response_action="errors", errors={"evidence": said})
            return
        given = support(session, context.team_id, idea, context.user_id, form.evidence)
        if given.first or given.changed:  # the card shows the count and the evidence
            config = team_config(session, context.team_id, d.settings)
            outbox.owe(session, context.team_id, *notify.card_of(session, context.team_id, idea.id, config))
    ack(response_action="update", view=thanks_view(supported(idea, given)))


def review_button_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                           logger: Logger) -> None:
    """Met, Partly, Missed: a form for what was measured and learned. Not yet: ask again later."""
    ack()
    d = deps(context)
    idea = idea_named(d, context.team_id, action.get("value"))
    if idea is None or idea.stage != Stage.SHIPPED:
        with d.sessions() as session:
            review = latest_decision(session, idea.id) if idea is not None else None
        tell(d, body, context.team_id, context.user_id, review_closed(idea, review) if idea else REVIEW_CLOSED)
        return
    said = standing(client, d, team(d, context.team_id), context.team_id, context.user_id, logger)
    if not may_review(context.user_id, idea, said is Standing.YES):
        tell(d, body, context.team_id, context.user_id, refused_for(said, REVIEW_WHO))
        return
    result = REVIEW_ACTIONS.get(action["action_id"])
    if result is None:
        with changing(d) as session:
            config = team_config(session, context.team_id, d.settings)
            instead = stand_ins(session, idea, config.pm_user_ids, context.user_id, said is Standing.YES)
            again = ask_again_later(session, context.team_id, idea.id, context.user_id, utcnow(), instead)
            if again is not None:
                not_yet = check_in_not_yet(idea, context.user_id, again.on)
                outbox.owe(session, context.team_id, *questions_redrawn(session, idea, again.closed, not_yet),
                           *notify.card_of(session, context.team_id, idea.id, config))
        tell(d, body, context.team_id, context.user_id, asked_again(idea, again.on if again is not None else None))
        return
    open_form(client, d, body, context.team_id, context.user_id, review_modal(idea, result), logger)


def review_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger
                               ) -> None:
    """Records the review as a decision shipped -> reviewed, with the result and what was measured."""
    d = deps(context)
    form = read_review(view)
    if form is None:
        ack(response_action="errors", errors={"learning": REVIEW_CLOSED})
        return
    if (problem := reason_error(form.learning)) is not None:
        ack(response_action="errors", errors={"learning": problem})
        return
    if (problem := measured_error(form.measured)) is not None:
        ack(response_action="errors", errors={"measured": problem})
        return
    config = team(d, context.team_id)
    said = standing(client, d, config, context.team_id, context.user_id, logger, waiting=True)
    try:
        with changing(d) as session:
            idea = get_idea(session, context.team_id, form.idea_id)
            if idea is None:
                raise Refused(Refusal.NOT_FOUND)
            if not may_review(context.user_id, idea, said is Standing.YES):
                ack(response_action="errors", errors={"learning": refused_for(said, REVIEW_WHO)})
                return
            idea, decision = decide(
                session, team_id=context.team_id, idea_id=form.idea_id, shown_stage=Stage.SHIPPED,
                to_stage=Stage.REVIEWED, reason=form.learning, decided_by=context.user_id, result=form.result,
                measured=form.measured or None,
            )
            outbox.owe(session, context.team_id, *notify.decision_made(session, idea, decision, config),
                       *questions_redrawn(session, idea, check_ins_of(session, idea.id),
                                          check_in_recorded(idea, decision)))
    except Refused as refused:
        ack(response_action="errors", errors={"learning": review_refused(d, context.team_id, refused)})
        return
    ack(response_action="update", view=thanks_view(recorded(idea, form.result)))


def review_refused(d: Deps, team_id: str, refused: Refused) -> str:
    """Why a review form recorded nothing: the outcome already recorded (said as what), or why not."""
    if refused.refusal is Refusal.ALREADY_MOVED and refused.idea_id is not None:
        with d.sessions() as session:
            idea = get_idea(session, team_id, refused.idea_id)
            taken = review_taken(idea, latest_decision(session, idea.id)) if idea is not None else None
        if taken is not None:
            return taken
    return refusal_text(refused, None)
