"""What the bot owes people when an idea arrives or moves, as rows for the sender.

Each function reads what its messages need in the caller's transaction and returns them; the caller
writes them with `owe` in that same transaction, so the news exists exactly when the change does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.decisions import latest_decision
from bot.feedback import evidence_of
from bot.ideas import get_idea
from bot.merge import shared_into
from bot.objectives import objective_choices
from bot.reviews import SUPPORTABLE, check_ins_of, merge_ends, next_asked_on, supporters
from bot.settings import Settings
from bot.team_settings import TeamConfig, team_config
from models import Decision, Idea, Stage, utcnow
from runtime import outbox
from runtime.outbox import Owed
from runtime.scheduled import refused_askers
from ui.cards import triage_card
from ui.decisions import decision_notice, merged_here_notice
from ui.intake import confirmation, credit_notice
from ui.loop import outcome_recorded_notice


def dm(user_id: str, message: dict[str, Any], *, fallback_channel: str | None = None, key: str | None = None
       ) -> Owed:
    """A DM from the bot; where Slack cannot deliver it, a private note in the channel the idea came from.
    `key`: what to find it by when it is to be redrawn."""
    alternates = [{"method": "chat.postEphemeral", "channel": fallback_channel, "user": user_id}] \
        if fallback_channel else []
    return outbox.post(user_id, message, alternates=alternates, key=key)


def card(idea: Idea, config: TeamConfig) -> Owed | None:
    """The idea's triage card, owed: posted to the triage channel or redrawn where it is. The sender draws
    it as it goes out (`card_now`), so it shows the idea as it is then, whenever and however often it was
    owed (a card Slack held back, a change landing while another transaction owed the card)."""
    channel = idea.triage_channel_id or config.triage_channel
    return outbox.card(idea.id, channel) if channel is not None else None


def card_now(session: Session, idea: Idea, settings: Settings) -> dict[str, Any]:
    """The card as stored state says at this moment (the sender draws it as it goes out), with the triage
    channel of now: a card that could not be posted, or whose channel was archived, goes where an admin
    has since moved triage to."""
    config = team_config(session, idea.team_id, settings)
    looks_like = get_idea(session, idea.team_id, idea.looks_like_id) if idea.looks_like_id else None
    now_in = {"channel": config.triage_channel} if config.triage_channel else {}
    return now_in | triage_card(
        idea,
        latest_decision(session, idea.id),
        supporters(session, idea.id),
        objective_choices(session, idea.team_id),
        looks_like if looks_like is not None and looks_like.stage in SUPPORTABLE else None,
        trackers_on=bool(config.trackers),
        quotes=evidence_of(session, [idea.id]).get(idea.id, ()) if idea.customer_mentions else (),
        now=utcnow(),
        asked_on=next_asked_on(session, idea.id) if idea.stage == Stage.SHIPPED else None,
        merged_end=merge_ends(session, idea.team_id, [idea]).get(idea.id),
    )


def new_idea(idea: Idea, look_alikes: list[Idea], config: TeamConfig) -> list[Owed]:
    """The confirmation to whoever submitted, a word to the credited author, and the card for PMs."""
    owed = [dm(idea.submitted_by or idea.requester_id, confirmation(idea, look_alikes),
               fallback_channel=idea.source_channel_id)]
    if idea.submitted_by:
        owed.append(dm(idea.requester_id, credit_notice(idea), fallback_channel=idea.source_channel_id))
    drawn = card(idea, config)
    return owed + ([drawn] if drawn is not None else [])


def decision_made(session: Session, idea: Idea, decision: Decision, config: TeamConfig, *,
                  filing_in: str | None = None, already_supporting: frozenset[str] = frozenset()) -> list[Owed]:
    """The card; the requester, in the thread of their message when the idea came from one; whoever turned
    that message into the idea (by DM: the thread mentions only its author); then everyone who supported
    it; and, for a merge, the requester of the idea it went into. Nobody is DMed about a decision they made
    themselves (a PM deciding their own idea); a thread keeps its reply, which the channel reads. `filing_in`:
    the tracker the work is being filed in, whose issue every notice will show once it exists (each carries
    its `notice_key`, by which `notice_revised` finds it). `already_supporting`: for a merge, who supported the
    idea it went into before, who are told they already do."""
    backers = [backer for backer in supporters(session, idea.id) if backer.user_id != decision.decided_by]
    owed = [item for item in [card(idea, config)] if item is not None]
    merged_into = get_idea(session, idea.team_id, idea.merged_into_id) if idea.merged_into_id else None
    notice = decision_notice(idea, decision, filing_in=filing_in, merged_into=merged_into, reader=idea.requester_id,
                             supported_already=idea.requester_id in already_supporting)
    key = notice_key(decision.id)
    if idea.source_message_ts is not None and idea.source_channel_id is not None:
        in_thread = decision_notice(idea, decision, to=idea.requester_id, filing_in=filing_in,
                                    merged_into=merged_into, reader=idea.requester_id,
                                    supported_already=idea.requester_id in already_supporting)
        owed.append(outbox.post(idea.source_channel_id, in_thread, thread_ts=idea.source_message_ts, alternates=[
            {"channel": idea.requester_id, **notice},
            {"method": "chat.postEphemeral", "channel": idea.source_channel_id, "user": idea.requester_id},
        ], key=key))
    elif idea.requester_id != decision.decided_by:
        owed.append(outbox.post(idea.requester_id, notice, key=key, alternates=[
            {"method": "chat.postEphemeral", "channel": idea.source_channel_id, "user": idea.requester_id}
        ] if idea.source_channel_id else ()))
    heard = {idea.requester_id, decision.decided_by, *(backer.user_id for backer in backers)}
    sharers = _sharers(session, idea)
    for sharer, shared_as in sharers.items():
        if sharer not in heard:  # "You will both hear", they were told
            owed.append(dm(sharer, decision_notice(idea, decision, sharer=True, shared_as=shared_as,
                                                   filing_in=filing_in, merged_into=merged_into),
                           key=notice_key(decision.id, sharer)))
    to_backers = decision_notice(idea, decision, supporter=True, filing_in=filing_in, merged_into=merged_into)
    for backer in backers:
        if backer.user_id == idea.requester_id:
            continue
        owns_target = merged_into is not None and backer.user_id == merged_into.requester_id
        personal = owns_target or backer.user_id in already_supporting
        owed.append(dm(backer.user_id, decision_notice(
            idea, decision, supporter=True, merged_into=merged_into, reader=backer.user_id,
            supported_already=backer.user_id in already_supporting) if personal else to_backers,
            key=notice_key(decision.id, backer.user_id)))
    if decision.to_stage == Stage.REVIEWED:  # whoever shipped it was asked too; an edited question notifies nobody
        asked = check_ins_of(session, idea.id)
        for pm in sorted({check_in.ask_user_id for check_in in asked} - heard - {idea.submitted_by}
                         - refused_askers(session, idea, asked)):
            owed.append(dm(pm, outcome_recorded_notice(idea, decision), key=notice_key(decision.id, pm)))
    if merged_into is not None and merged_into.requester_id not in heard | sharers.keys():
        owner = merged_into.requester_id  # whose idea now carries this one's people: told who, and why
        owed.append(dm(owner, merged_here_notice(idea, decision, merged_into), key=notice_key(decision.id, owner)))
    return owed


def notice_key(decision_id: int, supporter: str | None = None) -> str:
    """The requester's notice of a decision, or one supporter's: a key each, so none waits on another's."""
    return f"notice:{decision_id}" if supporter is None else f"notice:{decision_id}:{supporter}"


def notice_revised(session: Session, idea: Idea, decision: Decision) -> list[Owed]:
    """Every notice of a decision (the requester's, in the thread of their message or in their DMs, the one to
    whoever shared the message, and each supporter's), redrawn now that the idea has changed (its issue was filed)."""
    readers: dict[str, str | None] = {notice_key(decision.id): None}
    readers |= {notice_key(decision.id, backer.user_id): backer.user_id for backer in supporters(session, idea.id)}
    shared = {notice_key(decision.id, sharer): shared_as for sharer, shared_as in _sharers(session, idea).items()}
    owed = []
    for original in outbox.owed_under(session, idea.team_id, *readers, *shared):
        if original.key in shared and original.key not in readers:
            notice = decision_notice(idea, decision, sharer=True, shared_as=shared[original.key])
        elif (backer := readers[original.key]) is not None:
            notice = decision_notice(idea, decision, supporter=True, reader=backer)
        elif original.payload.get("thread_ts"):
            notice = decision_notice(idea, decision, to=idea.requester_id, reader=idea.requester_id)
            # The words for their DMs, should the thread turn out closed after this was owed.
            direct = decision_notice(idea, decision, reader=idea.requester_id)
            notice = {**notice, "rerouted": {"text": direct["text"], "blocks": direct["blocks"]}}
        else:
            notice = decision_notice(idea, decision, reader=idea.requester_id)
        owed.append(outbox.revision(original.key, original.id, notice))
    return owed


def _sharers(session: Session, idea: Idea) -> dict[str, int | None]:
    """Whoever turned another's message into this idea (None: this one), then whoever shared an idea since
    merged into it (which one, for the news to say where theirs went): each hears its decisions."""
    own = {idea.submitted_by: None} if idea.submitted_by else {}
    return own | {sharer: shared for sharer, shared in shared_into(session, idea.team_id, idea.id).items()
                  if sharer not in own}


def card_of(session: Session, team_id: str, idea_id: int, config: TeamConfig) -> list[Owed]:
    """The card of an idea that changed without a decision (a +1, an objective): redrawn, if it has one or
    one is on its way (a card still with Slack is redrawn after it)."""
    idea = get_idea(session, team_id, idea_id)
    has_card = idea is not None and (idea.triage_message_ts is not None
                                     or outbox.sent_or_pending(session, outbox.card_key(idea.id)))
    drawn = card(idea, config) if has_card else None
    return [drawn] if drawn is not None else []
