"""Customer feedback channels: `/idea feedback here|off`; reading what lands there (integrations' and
workflows' posts too) for requests; matching each to the open idea that asks the same; and the PMs'
Inbox on App Home (Make it an idea, Attach to #N, Not a request).

Reading a message only finds its requests and records them, with the work of matching them, in one
transaction: a retried event finds them recorded and adds nothing. Matching (which may ask the model) and
the permalink (which asks Slack) are the sender's work, after the ack.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import feedback
from bot.command import IdeaCommand, Verb
from bot.ideas import FIELDS, Source
from bot.listening.sentences import requests_in
from bot.pool import open_ideas
from bot.reviews import SUPPORTABLE, to_support
from bot.similar import same_need
from bot.team_settings import team_config
from handlers import notify
from handlers.access import Deps, answer, changing, deps, guarded, refusal, team, tell
from handlers.digests import can_post_in
from handlers.home import home_of
from handlers.intake import open_intake
from models import utcnow
from runtime import calls, outbox
from runtime.outbox import Owed
from runtime.sender import Job
from ui.feedback import (
    FEEDBACK_FOR_PMS,
    FEEDBACK_OFF,
    FEEDBACK_WAS_OFF,
    INBOX_FOR_PMS,
    INBOX_GONE,
    NOT_IN_A_DM,
    NOT_OPEN,
    FeedbackMessage,
    evidence_quotes,
    feedback_help,
    feedback_on,
    read_inbox_ids,
)
from ui.ids import INBOX_ATTACH, INBOX_MAKE_IDEA, INBOX_NOT_A_REQUEST
from ui.kit import read_id
from ui.tokens import as_read, unnamed

EVIDENCE_QUOTES = 5  # quotes the intake form's evidence starts with, when an idea is made from several


def register(app: App, d: Deps) -> None:
    app.action(INBOX_MAKE_IDEA)(guarded(make_idea_callback))
    app.action(INBOX_ATTACH)(guarded(attach_callback))
    app.action(INBOX_NOT_A_REQUEST)(guarded(not_a_request_callback))
    d.sender.register("insight", lambda job: match_insights(d, job), waits_on_model=d.coach is not None)


# --- /idea feedback here|off ----------------------------------------------------------------------------


def feedback_command(ack: Ack, parsed: IdeaCommand, command: dict, client: WebClient, context: BoltContext,
                     logger: Logger) -> None:
    if parsed.verb is Verb.FEEDBACK_HELP:
        ack(**feedback_help(), response_type="ephemeral")
        return
    ack()
    d = deps(context)
    team_id, channel, user = context.team_id, command["channel_id"], context.user_id
    if (refused := refusal(client, d, team(d, team_id), team_id, user, logger, FEEDBACK_FOR_PMS)) is not None:
        tell(d, command, team_id, user, refused)
        return
    if parsed.verb is Verb.FEEDBACK_OFF:
        with changing(d) as session:
            was_on = feedback.stop_listening(session, team_id, channel)
        tell(d, command, team_id, user, FEEDBACK_OFF if was_on else FEEDBACK_WAS_OFF)
        return
    problem = NOT_IN_A_DM if channel.startswith("D") else can_post_in(client, channel, logger, group_dm=NOT_IN_A_DM)
    if problem is not None:
        tell(d, command, team_id, user, problem)
        return
    with changing(d) as session:
        added = feedback.listen(session, team_id, channel, user)
    d.sender.soon(team_id, answer(command, {**feedback_on(channel, already=not added), "response_type": "ephemeral"}))


# --- reading a feedback channel -------------------------------------------------------------------------


def read_feedback(d: Deps, client: WebClient, team_id: str, message: FeedbackMessage, logger: Logger) -> None:
    """Records each request of the message as an insight, and owes their matching; nothing for praise, bugs
    and chatter, and nothing the second time the same message arrives. The people and channels it names by
    id are kept by name, as the channel showed them (in the inbox, the quotes and the form made from it)."""
    requests = requests_in(message.text)[:feedback.PER_MESSAGE]
    if not requests:
        return
    with d.sessions() as session:  # delivered again: recorded the first time, and Slack is not asked again
        if feedback.already_read(session, team_id, message.channel_id, message.ts):
            return
    names = d.names.of(client, team_id, unnamed(" ".join(requests)), logger)
    requests = [as_read(request, names) for request in requests]
    with changing(d) as session:
        ids = feedback.record(session, team_id=team_id, channel_id=message.channel_id, message_ts=message.ts,
                              author=message.author, requests=requests, now=utcnow())
        if ids:
            outbox.owe(session, team_id, outbox.job("insight", {"insights": ids, "channel": message.channel_id,
                                                                "ts": message.ts}))


def match_insights(d: Deps, job: Job) -> None:
    """Each new insight to the open idea that asks the same (the model judges, when there is one), or to
    the inbox; the cards of the ideas that gained evidence are redrawn. Each is kept as soon as it is
    matched: a long review judged by a slow model can outlast the job's lease, and another process's
    attempt then carries on from there rather than starting over (and losing its work in turn)."""
    ids = [int(i) for i in job.payload.get("insights", [])]
    with d.sessions() as session:
        asking = feedback.arriving(session, job.team_id, ids)
        arriving = [insight.id for insight in asking]
        pool = open_ideas(session, job.team_id, about=[insight.text for insight in asking]) if arriving else []
    permalink = calls.permalink(job.client(), job.payload["channel"], job.payload["ts"]) if arriving else None
    coach = d.coach
    for insight_id in arriving:
        with d.sessions() as session:  # matched meanwhile by another attempt: not judged twice
            insight = next(iter(feedback.arriving(session, job.team_id, [insight_id])), None)
        if insight is None:
            continue
        found = (same_need(job.team_id, insight.text, pool, coach and coach.same_need, coach and coach.embed)
                 if pool else [])
        with changing(d) as session:
            # one merged since it was chosen: the request goes where its need went, as Attach and +1 do
            idea = to_support(session, job.team_id, found[0].idea.id, lock=True) if found else None
            for still in feedback.arriving(session, job.team_id, [insight_id], lock=True):
                feedback.settle(session, still, idea, permalink, utcnow())
                if still.idea_id is not None:
                    outbox.owe(session, job.team_id, *_cards(session, d, job.team_id, {still.idea_id}))
    with changing(d) as session:
        job.finish(session)


def _cards(session: Session, d: Deps, team_id: str, idea_ids: set[int]) -> list[Owed]:
    config = team_config(session, team_id, d.settings)
    return [owed for idea_id in sorted(idea_ids) for owed in notify.card_of(session, team_id, idea_id, config)]


# --- the inbox ----------------------------------------------------------------------------------------


def _pm_and_waiting(client: WebClient, d: Deps, body: dict, context: BoltContext, logger: Logger, value: object
                    ) -> list[int] | None:
    """The insight ids pressed, when a PM pressed; otherwise the person is told, and None."""
    refused = refusal(client, d, team(d, context.team_id), context.team_id, context.user_id, logger, INBOX_FOR_PMS)
    if refused is not None:
        tell(d, body, context.team_id, context.user_id, refused)
        return None
    return read_inbox_ids(value)


def make_idea_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                       logger: Logger) -> None:
    """Opens the intake form filled from the request(s): the PM is the requester, the message the source."""
    ack()
    d = deps(context)
    ids = _pm_and_waiting(client, d, body, context, logger, action.get("value"))
    if ids is None:
        return
    with d.sessions() as session:
        waiting = feedback.waiting(session, context.team_id, ids)
    if not waiting:
        tell(d, body, context.team_id, context.user_id, INBOX_GONE)
        return
    lead = waiting[-1]  # the newest says it as the group shows it
    evidence = evidence_quotes(list(reversed(waiting[-EVIDENCE_QUOTES:])), FIELDS["evidence"].max_chars)
    open_intake(client, d, body, ask=lead.text, source=Source(channel_id=lead.channel_id),
                team_id=context.team_id, user_id=context.user_id, logger=logger, evidence=evidence,
                insights=tuple(i.id for i in waiting))


def attach_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                    logger: Logger) -> None:
    ack()
    d = deps(context)
    ids = _pm_and_waiting(client, d, body, context, logger, action.get("block_id"))
    if ids is None:
        return
    idea_id = read_id((action.get("selected_option") or {}).get("value"))
    with changing(d) as session:
        # An idea merged since the Home was drawn: the request goes where its need lives now, as a +1 does.
        idea = to_support(session, context.team_id, idea_id, lock=True) if idea_id is not None else None
        waiting = feedback.waiting(session, context.team_id, ids, lock=True)
        problem = NOT_OPEN if idea is None or idea.stage not in SUPPORTABLE else None if waiting else INBOX_GONE
        if problem is None:
            feedback.attach(session, waiting, idea, context.user_id, utcnow())
            outbox.owe(session, context.team_id, *_cards(session, d, context.team_id, {idea.id}))
    if problem is not None:
        tell(d, body, context.team_id, context.user_id, problem)
    _refresh_home(d, context)


def not_a_request_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                           logger: Logger) -> None:
    ack()
    d = deps(context)
    ids = _pm_and_waiting(client, d, body, context, logger, action.get("value"))
    if ids is None:
        return
    with changing(d) as session:
        dismissed = feedback.not_a_request(session, context.team_id, ids, context.user_id, utcnow())
    if not dismissed:  # another PM sorted it from their Home: this press corrected nothing
        tell(d, body, context.team_id, context.user_id, INBOX_GONE)
    _refresh_home(d, context)


def _refresh_home(d: Deps, context: BoltContext) -> None:
    with d.sessions() as session:
        home = home_of(session, d, context.team_id, context.user_id, True)
    d.sender.soon(context.team_id, home)


def forget_deleted(d: Deps, team_id: str, channel_id: str, message_ts: str, *, remember: bool) -> None:
    """A deleted message's requests leave the inbox (what is on ideas stays their evidence); in a feedback
    channel (`remember`) the deletion is kept, so the message delivered again is not read."""
    with changing(d) as session:
        feedback.withdrawn(session, team_id, channel_id, message_ts, utcnow(), remember=remember)
