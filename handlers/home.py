"""What people see of the ideas: App Home (their own ideas; for PMs the triage queue, the metrics and what
could not be delivered), `/idea list`, `/idea stats` and `/idea export`."""

from __future__ import annotations

from datetime import datetime
from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import feedback, usage
from bot.command import IdeaCommand
from bot.decisions import triage
from bot.due import today_for
from bot.export import export_rows, to_csv
from bot.ideas import ideas_of
from bot.objectives import objectives_of
from bot.people import ZONE_KEPT, local_today
from bot.pool import open_ideas
from bot.reviews import merge_ends, support_counts
from bot.similar import ranked
from bot.stats import build_trap_stats
from handlers.access import Deps, Standing, answer, changing, deps, guarded, refusal, standing, team, tell
from handlers.tracker_status import home_alerts
from models import utcnow
from runtime import outbox
from runtime.outbox import Owed
from ui.feedback import GROUPS_SHOWN, carried_groups, inbox_blocks
from ui.home import (
    DELIVERIES_FOR_PMS,
    EXPORT_FAILED,
    EXPORT_FOR_PMS,
    LIST_LIMIT,
    export_comment,
    export_sending,
    home_view,
    my_ideas,
    stats_message,
)
from ui.ids import DISMISS_DELIVERIES, RETRY_DELIVERIES
from ui.kit import Block
from ui.objectives import objectives_blocks

QUEUE_LIMIT = 10
MINE_LIMIT = 15


def register(app: App, d: Deps) -> None:
    app.event("app_home_opened")(guarded(app_home_opened_callback))
    app.action(RETRY_DELIVERIES)(guarded(deliveries_callback))
    app.action(DISMISS_DELIVERIES)(guarded(deliveries_callback))


def app_home_opened_callback(event: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    if event.get("tab") != "home":
        return
    d = deps(context)
    said = standing(client, d, team(d, context.team_id), context.team_id, context.user_id, logger)
    pm = said is Standing.YES
    # What is due is due on the PM's own date: their time zone, asked of Slack about weekly.
    known = d.roles.user(client, context.team_id, context.user_id, logger, within=ZONE_KEPT) if pm else None
    with d.sessions() as session:
        home = home_of(session, d, context.team_id, context.user_id, pm, tz=known.tz if known else None,
                       unsure=said is Standing.UNSURE)
    d.sender.soon(context.team_id, home)


def home_of(session: Session, d: Deps, team_id: str, user_id: str, pm: bool, *, tz: str | None = None,
            unsure: bool = False) -> Owed:
    """The person's Home tab as it stands, to publish; `tz`, when the caller knows it, saves reading it.
    `unsure`: Slack did not say whether they are an admin, which the tab says rather than look emptied."""
    now = utcnow()
    today = (today_for(tz, now) if tz else local_today(session, team_id, user_id, now)) if pm else now.date()
    mine, total = ideas_of(session, team_id, user_id, MINE_LIMIT)
    undelivered = outbox.undelivered(session, team_id) if pm else []
    queue = triage(session, team_id, today, QUEUE_LIMIT) if pm else None
    shown = [*mine, *(queue.waiting if queue else ()), *(idea for idea, _ in (queue.due if queue else ()))]
    view = home_view(
        mine, total, now,
        quotes=feedback.evidence_of(session, [i.id for i in mine if i.customer_mentions], per_idea=1),
        inbox=inbox_section(session, team_id, now) if pm else (),
        triage=queue,
        model_use=usage.summary(session, team_id, now.date()) if pm and d.coach is not None else None,
        metrics=build_trap_stats(session, team_id) if pm else None,
        objectives=objectives_blocks(objectives_of(session, team_id), editable=pm),
        undelivered=undelivered,
        alerts=home_alerts(session, d) if pm and d.trackers else (),
        failed_total=outbox.failed_total(session, team_id) if len(undelivered) >= outbox.UNDELIVERED_SHOWN else None,
        people=support_counts(session, sorted({idea.id for idea in shown})),
        unsure=unsure,
        ends=merge_ends(session, team_id, mine),
    )
    return outbox.home(user_id, view)


def inbox_section(session: Session, team_id: str, now: datetime) -> list[Block]:
    """The customer feedback inbox as the PMs' Home shows it: alike requests together, each with the open
    ideas closest to it first."""
    waiting, total = feedback.inbox(session, team_id)
    groups = carried_groups(feedback.grouped(waiting))[:GROUPS_SHOWN]
    pool = open_ideas(session, team_id, about=[group[0].text for group in groups]) if groups else []
    choices = [ranked(group[0].text, pool) for group in groups]
    return inbox_blocks(groups, total, choices, feedback.feedback_channels(session, team_id), now)


def deliveries_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                        logger: Logger) -> None:
    """A PM sends what failed again (after inviting the bot back, say), or dismisses it."""
    ack()
    d = deps(context)
    refused = refusal(client, d, team(d, context.team_id), context.team_id, context.user_id, logger,
                      DELIVERIES_FOR_PMS)
    if refused is not None:
        tell(d, body, context.team_id, context.user_id, refused)
        return
    with changing(d) as session:
        if action["action_id"] == RETRY_DELIVERIES:
            outbox.retry_undelivered(session, context.team_id, utcnow())
        else:
            outbox.dismiss_undelivered(session, context.team_id, utcnow())
        home = home_of(session, d, context.team_id, context.user_id, True)
    d.sender.soon(context.team_id, home)


def list_command(ack: Ack, parsed: IdeaCommand, command: dict, client: WebClient, context: BoltContext,
                 logger: Logger) -> None:
    with deps(context).sessions() as session:
        ideas, total = ideas_of(session, context.team_id, context.user_id, LIST_LIMIT)
        reply = my_ideas(ideas, total, utcnow(), support_counts(session, [idea.id for idea in ideas]),
                         merge_ends(session, context.team_id, ideas))
    ack(**reply, response_type="ephemeral")


def stats_command(ack: Ack, parsed: IdeaCommand, command: dict, client: WebClient, context: BoltContext,
                  logger: Logger) -> None:
    with deps(context).sessions() as session:
        reply = stats_message(build_trap_stats(session, context.team_id))
    ack(**reply, response_type="ephemeral")


def export_command(ack: Ack, parsed: IdeaCommand, command: dict, client: WebClient, context: BoltContext,
                   logger: Logger) -> None:
    """A CSV of every idea, sent by DM to the product manager who asked."""
    ack()
    d = deps(context)
    refused = refusal(client, d, team(d, context.team_id), context.team_id, context.user_id, logger, EXPORT_FOR_PMS)
    if refused is not None:
        tell(d, command, context.team_id, context.user_id, refused)
        return
    with changing(d) as session:
        rows = export_rows(session, context.team_id)
        outbox.owe(session, context.team_id, outbox.upload(
            context.user_id, content=to_csv(rows), filename=f"outcome-bot-ideas-{utcnow():%Y-%m-%d}.csv",
            title="Ideas, stages, supporters and decisions",
            comment=export_comment(len(rows)), failed=EXPORT_FAILED,
        ))
    d.sender.soon(context.team_id, answer(command, {
        "text": export_sending(len(rows)), "response_type": "ephemeral"}))
