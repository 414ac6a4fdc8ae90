"""Closing the loop with the delivery tracker: moving to delivery files the work (or links an issue that
exists), the tracker's "done" ships the idea (and schedules its outcome check-in), and its other news
reaches the PM who moved the idea to delivery. Webhooks bring the news; a daily sweep catches what they
missed. Everything slow (the tracker's API) is work for the sender, after Slack has been answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.ideas import get_idea
from bot.reviews import supporters
from bot.team_settings import first_pm, team_config
from bot.trackers import (
    LABELS,
    delivery_decider,
    filing_mark,
    followed,
    issue_body,
    issue_title,
    link,
    linking,
    needs_an_issue,
    noticed,
    relink,
    ship_through_tracker,
)
from handlers import notify, tracker_status
from handlers.access import Deps, changing, deps, guarded, open_form, refusal, team, tell
from models import Decision, Idea, Stage, utcnow
from runtime import calls, outbox, webhooks
from runtime.failures import Permanent, Transient
from runtime.outbox import Owed
from runtime.sender import Job
from runtime.trackers import (
    COMPLETED,
    DELETED,
    DUPLICATE,
    NOT_PLANNED,
    OPEN,
    REOPENED,
    UNSEEN,
    Issue,
    Refused,
    Tracker,
    Unavailable,
    later,
)
from ui.decisions import DecisionForm
from ui.ids import LINK_ISSUE, LINK_ISSUE_CALLBACK
from ui.kit import read_id
from ui.trackers import (
    LINK,
    TrackerOption,
    filing_failed,
    link_for_pms,
    link_issue_modal,
    read_link_issue,
    tracker_news,
)

OTHER = "other"  # an event that is no news of the issue's state (a move to another project: where it is)
# The issue's states from which it can be reopened.
CLOSED = (COMPLETED, NOT_PLANNED, DUPLICATE)
# How long a webhook delivery's id is kept (GitHub redelivers up to three days back; Jira retries for hours).
KEEP_DELIVERIES = timedelta(days=14)
# While the person waits for their form to be answered, the tracker gets this long to say an issue exists.
CHECK_TIMEOUT = 2.0


def register(app: App, d: Deps) -> None:
    app.action(LINK_ISSUE)(guarded(link_issue_callback))
    app.view(LINK_ISSUE_CALLBACK)(guarded(link_issue_submission_callback))
    d.sender.register("tracker_create", lambda job: create_issue(d, job))
    d.sender.register("tracker_event", lambda job: apply_event(d, job))
    d.sender.register("tracker_sweep", lambda job: sweep(d, job))
    d.sender.register("tracker_check", lambda job: check(d, job))


def tracker_options(d: Deps) -> list[TrackerOption]:
    return [TrackerOption(name, tracker.label, tracker.where) for name, tracker in d.trackers.items()]


@dataclass(frozen=True)
class Filing:
    """What the delivery form asked of the tracker, checked: create an issue, link a found one, or nothing."""

    kind: str | None = None  # "create", "link"
    tracker: str | None = None
    issue: Issue | None = None
    error: str | None = None
    issue_field: bool = False
    filing_in: str | None = None


def filing_plan(d: Deps, form: DecisionForm) -> Filing:
    if form.to_stage != Stage.DELIVERY or not d.trackers or form.tracker_choice in (None, "none"):
        return Filing()
    if form.tracker_choice.startswith("create:"):
        name = form.tracker_choice.removeprefix("create:")
        tracker = d.trackers.get(name)
        if tracker is None:
            return Filing(error="That tracker is not set up here; choose another.")
        return Filing("create", name, filing_in=f"{tracker.label} ({tracker.where})")
    found = find_issue(d.trackers, form.issue_reference)
    if isinstance(found, str):
        return Filing(error=found, issue_field=True)
    return Filing(LINK, found.tracker, issue=found)


def find_issue(trackers: Mapping[str, Tracker], reference: str) -> Issue | str:
    """The issue a reference names, checked against its tracker; or a sentence for the form's field."""
    if not reference:
        return "Paste the issue's link or key (such as OPS-142 or #57)."
    for tracker in trackers.values():
        key = tracker.parse(reference)
        if key is None:
            continue
        try:
            issue = tracker.find(key, timeout=CHECK_TIMEOUT)
        except Unavailable:
            return f"{tracker.label} did not answer just now: try again, or create the issue instead."
        except Refused as refused:
            return str(refused)[:300]
        if issue is None:
            return f"There is no issue {key} in {tracker.label}." if tracker.missing == DELETED else \
                f"{tracker.label} shows me no issue {key}: check the key, and that the account I use can see it."
        return issue
    where = ", ".join(f"{t.label} {t.where}" for t in trackers.values())
    return f"That is not a link or key of an issue I can see ({where}): paste the issue's link."


def file_or_link(session: Session, d: Deps, idea: Idea, decision: Decision, filing: Filing) -> list[Owed]:
    """In the decision's transaction: the found issue linked, or the filing owed (so it survives an outage)."""
    if filing.kind == LINK and filing.issue is not None:
        return link_found(session, idea, filing.issue)
    if filing.kind == "create":
        tracker = d.trackers[filing.tracker]
        payload = {"idea": idea.id, "tracker": filing.tracker, "decision": decision.id,
                   "on_failure": {"channel": decision.decided_by,
                                  "text": filing_failed(idea, tracker.label, tracker.where)}}
        return [outbox.job("tracker_create", payload, key=f"file:{idea.id}")]
    return []


def link_found(session: Session, idea: Idea, issue: Issue) -> list[Owed]:
    """Links an issue a PM named. One already closed is news no webhook will bring: it is read again at
    once, as the daily sweep would, so one closed as done ships the idea and any other close is told."""
    if issue.state == OPEN:
        link(session, idea, issue.tracker, issue.key, issue.url, issue.state)
        return []
    link(session, idea, issue.tracker, issue.key, issue.url, OPEN)
    return [outbox.job("tracker_check", {"tracker": issue.tracker, "idea": idea.id}, key=f"check:{idea.id}",
                       collapses=True)]


def create_issue(d: Deps, job: Job) -> None:
    tracker = d.trackers.get(job.payload["tracker"])
    if tracker is None:
        raise Permanent("the tracker is no longer configured.")
    with d.sessions() as session:
        idea = get_idea(session, job.team_id, int(job.payload["idea"]))
        decision = session.get(Decision, int(job.payload["decision"]))
        backers = len(supporters(session, idea.id)) if idea is not None else 0
    if idea is None or decision is None or idea.tracker_key or idea.stage != Stage.DELIVERY:
        with d.sessions.begin() as session:
            job.finish(session)  # gone, linked meanwhile, or shipped before the tracker was back: nothing to file
        return
    try:
        # An earlier attempt may have filed it before its answer was lost: look before filing again.
        issue = tracker.filed(filing_mark(idea)) if job.uncertain else None
        if issue is None:
            body = issue_body(idea, supporters=backers, reason=decision.reason, card_link=card_link(job, idea),
                              limit=tracker.body_limit, markup=tracker.markup)
            issue = tracker.create(issue_title(idea), body)
    except Unavailable as unavailable:
        # Perhaps filed: looked for once the tracker's search can find it, or it would be filed twice.
        wait = max(unavailable.retry_after or 0.0, tracker.settle) if unavailable.uncertain else None
        raise Transient(f"{tracker.name}_unavailable", retry_after=wait or unavailable.retry_after,
                        uncertain=unavailable.uncertain) from None
    except Refused as refused:
        tracker_status.refused_now(d, tracker, refused, team_id=job.team_id)  # and the PM, by on_failure
        raise Permanent(str(refused)) from None
    try:
        with changing(d) as session:
            idea = get_idea(session, job.team_id, idea.id)
            if idea is not None and not idea.tracker_key:
                link(session, idea, tracker.name, issue.key, issue.url, issue.state)
                config = team_config(session, job.team_id, d.settings)
                outbox.owe(session, job.team_id, *notify.card_of(session, job.team_id, idea.id, config),
                           *notify.notice_revised(session, idea, session.get(Decision, decision.id)))
            tracker_status.works(session, d, tracker)  # after the link: this workspace follows an issue now
            job.finish(session)
    except SQLAlchemyError:
        # The issue exists but is not recorded: the next attempt must look for it rather than file another.
        raise Transient("database_after_filing", uncertain=True) from None


def card_link(job: Job, idea: Idea) -> str | None:
    """A link back to the idea's card, for the issue's body; the issue is filed without one if Slack says no."""
    if not idea.triage_channel_id or not idea.triage_message_ts:
        return None
    return calls.permalink(job.client(), idea.triage_channel_id, idea.triage_message_ts)


def apply_event(d: Deps, job: Job) -> None:
    """A webhook's news for every idea that links the issue, in whatever workspace it is: as the webhook
    says, unless the tracker, read now, says the issue changed after it (webhooks come in no promised
    order, so a late "closed" must not ship a reopened issue; a Jira resolution set after the move to Done
    sends none). A tracker that cannot be read, or that says nothing newer, leaves the webhook's word."""
    payload = job.payload
    kind, actor = payload["kind"], payload.get("actor")
    tracker = d.trackers.get(payload["tracker"])
    newer = changed_since(d, tracker, payload["key"], payload.get("updated")) \
        if tracker is not None and kind != OTHER else False
    if isinstance(newer, tuple) and newer[0] != kind:
        kind, actor = newer
    with changing(d) as session:
        if tracker is not None and newer is not False:  # read: the tracker takes the token
            tracker_status.works(session, d, tracker)
        for idea in relink(session, payload["tracker"], payload["was"], payload["key"], payload.get("url")) \
                if payload.get("was") else []:  # moved to another project or repository: followed there
            outbox.owe(session, idea.team_id, *notify.card_of(session, idea.team_id, idea.id,
                                                              team_config(session, idea.team_id, d.settings)))
        for idea in linking(session, payload["tracker"], payload["key"]) if kind != OTHER else []:
            outbox.owe(session, idea.team_id, *news(session, d, idea, payload["tracker"], kind, actor))
        job.finish(session)


def changed_since(d: Deps, tracker: Tracker, key: str, updated: str | None) -> tuple[str, str | None] | bool:
    """What the issue is now (as news, and who closed it), if the tracker last changed it after `updated`;
    read outside any session. True when it was read and did not (or says no time); False when it cannot
    be read just now (a refused token is told: see tracker_status)."""
    try:
        issue = tracker.find(key)
    except Unavailable:
        return False
    except Refused as refusal:
        tracker_status.refused_now(d, tracker, refusal)
        return False
    return as_news(issue) if issue is not None and later(issue.updated, updated) else True


def as_news(issue: Issue) -> tuple[str, str | None]:
    """An issue's state as news, and who closed it: open reads as reopened, which news() tells only after
    a close."""
    return (REOPENED, None) if issue.state == OPEN else (issue.state, issue.closed_by)


def now_is(d: Deps, tracker: Tracker, key: str) -> tuple[str, str | None, Issue | None]:
    """What became of an issue, read from the tracker outside any session, as news (`as_news`; deleted when
    it is gone), who closed it where the tracker says, and the issue as found. A refused token is told."""
    try:
        issue = tracker.find(key)
    except Unavailable as unavailable:
        raise Transient(f"{tracker.name}_unavailable", retry_after=unavailable.retry_after) from None
    except Refused as refused:
        tracker_status.refused_now(d, tracker, refused)
        raise Permanent(str(refused)) from None
    return (tracker.missing, None, None) if issue is None else (*as_news(issue), issue)


def news(session: Session, d: Deps, idea: Idea, tracker: str, kind: str, actor: str | None) -> list[Owed]:
    """Done ships an idea in delivery, exactly as "Mark shipped" would; anything else (not planned,
    reopened, deleted) moves nothing and is told, once, to the PM who moved it to delivery."""
    if kind == REOPENED and idea.tracker_state not in CLOSED:
        return []  # open all along, as far as the bot knew: work moving along is no news
    if kind == UNSEEN and idea.tracker_state == DELETED:
        return []  # Jira's 404 after its webhook said deleted: the same news, told already in plainer words
    if not noticed(session, idea.id, kind):
        return []  # heard already (a webhook and the sweep, or a redelivery)
    config = team_config(session, idea.team_id, d.settings)
    pm_first = first_pm(config)
    if kind == COMPLETED and idea.stage == Stage.DELIVERY:
        moved = ship_through_tracker(session, idea, tracker=tracker, actor=actor, today=utcnow().date(),
                                     pm=pm_first)
        return notify.decision_made(session, *moved, config) if moved is not None else []
    if kind == COMPLETED:
        return []
    # The card offers to link the issue that has the work now, when this one no longer does.
    redrawn = notify.card_of(session, idea.team_id, idea.id, config) if needs_an_issue(idea, kind) else []
    pm = delivery_decider(session, idea.id) or pm_first
    to = pm or config.triage_channel
    if to is None:
        return redrawn
    message = tracker_news(idea, kind, actor, LABELS.get(tracker, tracker))
    alternates = [{"channel": config.triage_channel}] if pm and config.triage_channel else []
    return [outbox.post(to, message, alternates=alternates), *redrawn]


def sweep(d: Deps, job: Job) -> None:
    """Daily: one check per idea in delivery with an issue, each retried on its own; and the webhook
    deliveries too old to be redelivered forgotten."""
    name = job.payload["tracker"]
    with changing(d) as session:
        for idea in followed(session, name):
            outbox.owe(session, idea.team_id, outbox.job("tracker_check", {"tracker": name, "idea": idea.id},
                                                         key=f"check:{idea.id}", collapses=True))
        webhooks.forget(session, name, utcnow() - KEEP_DELIVERIES)
        job.finish(session)


def check(d: Deps, job: Job) -> None:
    """What the webhooks would have said, read from the tracker."""
    tracker = d.trackers.get(job.payload["tracker"])
    with d.sessions() as session:
        idea = session.get(Idea, int(job.payload["idea"]))
    if tracker is None or idea is None or idea.tracker != tracker.name or not idea.tracker_key:
        with d.sessions.begin() as session:
            job.finish(session)
        return
    key = idea.tracker_key
    kind, closer, issue = now_is(d, tracker, key)
    with changing(d) as session:
        tracker_status.works(session, d, tracker)
        idea = session.get(Idea, idea.id)
        if idea is not None and idea.tracker_key == key and idea.stage in (Stage.DELIVERY, Stage.SHIPPED):
            if issue is not None and issue.key != key:  # transferred (or moved to another project) since
                idea.tracker_key, idea.tracker_url = issue.key[:200], issue.url[:500]
                outbox.owe(session, idea.team_id, *notify.card_of(session, idea.team_id, idea.id,
                                                                  team_config(session, idea.team_id, d.settings)))
            outbox.owe(session, idea.team_id, *news(session, d, idea, tracker.name, kind, closer))
        job.finish(session)


def link_issue_callback(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext,
                        logger: Logger) -> None:
    """"Link a tracker issue" on the card of an idea in delivery (filed by hand, or after a failed filing)."""
    ack()
    d = deps(context)
    config = team(d, context.team_id)
    refused = refusal(client, d, config, context.team_id, context.user_id, logger,
                      link_for_pms(config.triage_channel))
    if refused is not None:
        tell(d, body, context.team_id, context.user_id, refused)
        return
    idea_id = read_id(action.get("value"))
    with d.sessions() as session:
        idea = get_idea(session, context.team_id, idea_id) if idea_id is not None else None
    if idea is None or not needs_an_issue(idea) or not d.trackers:
        tell(d, body, context.team_id, context.user_id, "That idea is not waiting for a tracker issue, so nothing "
                                                          "changed.")
        return
    open_form(client, d, body, context.team_id, context.user_id, link_issue_modal(idea), logger)


def link_issue_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext,
                                   logger: Logger) -> None:
    d = deps(context)
    form = read_link_issue(view)
    config = team(d, context.team_id)
    if form is None:  # forged or garbled metadata: no idea to link to
        ack(response_action="errors", errors={"issue": "That idea is no longer in delivery, so nothing changed."})
        return
    refused = refusal(client, d, config, context.team_id, context.user_id, logger,
                      link_for_pms(config.triage_channel), waiting=True)
    if refused is not None:
        ack(response_action="errors", errors={"issue": refused})
        return
    found = find_issue(d.trackers, form.reference)
    if isinstance(found, str):
        ack(response_action="errors", errors={"issue": found})
        return
    with changing(d) as session:
        idea = get_idea(session, context.team_id, form.idea_id)
        if idea is None or idea.stage != Stage.DELIVERY:
            ack(response_action="errors", errors={"issue": "That idea is no longer in delivery, so nothing changed."})
            return
        if not needs_an_issue(idea):  # another PM linked one meanwhile: theirs stands
            ack(response_action="errors", errors={"issue": "Another issue was linked to that idea meanwhile, so "
                                                           "nothing changed."})
            return
        outbox.owe(session, context.team_id, *link_found(session, idea, found),
                   *notify.card_of(session, context.team_id, idea.id, config))
    ack()
