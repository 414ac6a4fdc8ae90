"""Customer feedback channels, and the requests found in them (insights).

A feedback channel's messages (a review feed, ticket notifications, sales notes) are read for requests.
Each request becomes an insight: attached to the open idea that asks for the same thing, as customer
evidence counted apart from +1s, or waiting in the PMs' inbox until a PM makes it an idea, attaches it,
or says it is not a request (a correction kept as labelled data for the detector).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.reviews import SUPPORTABLE
from bot.similar import Corpus
from models import FeedbackChannel, Idea, Insight, Stage, WithdrawnMessage, dialect_insert

NEW, INBOX, ATTACHED, IDEA, NOT_A_REQUEST = "new", "inbox", "attached", "idea", "not_a_request"
EVIDENCE = (ATTACHED, IDEA)  # insights that count as an idea's customer mentions
QUOTES_SHOWN = 3
# Requests kept from one message: a pasted export of 200 reviews is not 200 asks to sort one by one (nor 200
# model calls); its first ones are kept, and the message stays in the channel for the rest.
PER_MESSAGE = 20
TEXT_MAX_CHARS = 2000
INBOX_SHOWN = 60
# Inbox items this alike are shown as one group ("3 say this"); a wrong group costs little, since every
# quote is shown and a PM decides.
GROUP_THRESHOLD = 0.45
# How long a deleted message is remembered: Slack retries an event for minutes, not days.
WITHDRAWN_KEPT = timedelta(days=7)


# --- channels -----------------------------------------------------------------------------------------


def listen(session: Session, team_id: str, channel_id: str, user_id: str) -> bool:
    """Makes the channel a feedback channel; False when it was one already."""
    table = FeedbackChannel.__table__
    added = session.scalar(
        dialect_insert(session)(table).values(team_id=team_id, channel_id=channel_id, created_by=user_id)
        .on_conflict_do_nothing().returning(table.c.channel_id)
    )
    return added is not None


def stop_listening(session: Session, team_id: str, channel_id: str) -> bool:
    """False when the channel was not a feedback channel. Its insights stay where they are."""
    gone = session.execute(delete(FeedbackChannel).where(
        FeedbackChannel.team_id == team_id, FeedbackChannel.channel_id == channel_id))
    return gone.rowcount == 1  # of two at once, one says it stopped and the other that it was not on


def feedback_channels(session: Session, team_id: str) -> list[str]:
    return list(session.scalars(select(FeedbackChannel.channel_id).where(FeedbackChannel.team_id == team_id)
                                .order_by(FeedbackChannel.created_at, FeedbackChannel.channel_id)))


def is_feedback_channel(session: Session, team_id: str, channel_id: str) -> bool:
    return session.get(FeedbackChannel, (team_id, channel_id)) is not None


# --- insights arrive ----------------------------------------------------------------------------------


def record(session: Session, *, team_id: str, channel_id: str, message_ts: str, author: str,
           requests: list[str], now: datetime) -> list[int]:
    """The new insights of a message, once however often it is delivered: their ids (none the second time, and
    none for a message deleted before Slack delivered it again)."""
    if _withdrawn(session, team_id, channel_id, message_ts):
        return []
    table = Insight.__table__
    ids = []
    for part, text in enumerate(requests):
        inserted = session.scalar(
            dialect_insert(session)(table).values(
                team_id=team_id, channel_id=channel_id, message_ts=message_ts, part=part,
                text=text.replace("\x00", "")[:TEXT_MAX_CHARS], author=(author or "someone")[:100], state=NEW,
                created_at=now,
            ).on_conflict_do_nothing().returning(table.c.id)
        )
        if inserted is not None:
            ids.append(inserted)
    return ids


def already_read(session: Session, team_id: str, channel_id: str, message_ts: str) -> bool:
    """Whether a message's requests are recorded, or it was deleted: Slack delivers a message again when an ack
    was slow, and may do so after the message was deleted."""
    return session.scalar(select(Insight.id).where(
        Insight.team_id == team_id, Insight.channel_id == channel_id, Insight.message_ts == message_ts).limit(1)
    ) is not None or _withdrawn(session, team_id, channel_id, message_ts)


def _withdrawn(session: Session, team_id: str, channel_id: str, message_ts: str) -> bool:
    return session.get(WithdrawnMessage, (team_id, channel_id, message_ts)) is not None


def withdrawn(session: Session, team_id: str, channel_id: str, message_ts: str, now: datetime, *,
              remember: bool) -> int:
    """A deleted message takes its requests still waiting (or being matched) out of the inbox; those a PM or
    the matcher put on an idea stay its evidence. With `remember` (a feedback channel's message) the deletion
    is kept a while, so the message delivered again after it, or before it was ever read, adds nothing. How
    many left."""
    if remember:
        session.execute(delete(WithdrawnMessage).where(WithdrawnMessage.team_id == team_id,
                                                       WithdrawnMessage.deleted_at < now - WITHDRAWN_KEPT))
        table = WithdrawnMessage.__table__
        session.execute(dialect_insert(session)(table).values(
            team_id=team_id, channel_id=channel_id, message_ts=message_ts, deleted_at=now).on_conflict_do_nothing())
    gone = session.execute(delete(Insight).where(
        Insight.team_id == team_id, Insight.channel_id == channel_id, Insight.message_ts == message_ts,
        Insight.state.in_((NEW, INBOX))))
    return gone.rowcount


def arriving(session: Session, team_id: str, ids: list[int], *, lock: bool = False) -> list[Insight]:
    """Those of these insights still to be matched (the job that matches them may run twice); `lock` as
    for `waiting`."""
    return _in_state(session, team_id, ids, NEW, lock)


def settle(session: Session, insight: Insight, idea: Idea | None, permalink: str | None, now: datetime) -> None:
    """A new insight goes to the idea that asks the same (when it is still open) or to the inbox."""
    if permalink and not insight.permalink:
        insight.permalink = permalink[:500]
    if idea is not None and idea.team_id == insight.team_id and idea.stage in SUPPORTABLE:
        insight.state, insight.idea_id, insight.updated_at = ATTACHED, idea.id, now
        recount(session, [idea.id])
    else:
        insight.state, insight.updated_at = INBOX, now


# --- a PM decides -------------------------------------------------------------------------------------


def waiting(session: Session, team_id: str, ids: list[int], *, lock: bool = False) -> list[Insight]:
    """Those of these insights that still wait in the inbox (a forged or stale id finds nothing). With `lock`,
    held until the transaction ends, for a caller about to sort them: two PMs sorting the same request at
    once then sort it once (the second finds it sorted), rather than both, each counting it on an idea."""
    return _in_state(session, team_id, ids, INBOX, lock)


def made_into_idea(session: Session, team_id: str, ids: list[int]) -> list[Insight]:
    """Those of these insights an idea submitted from the inbox is made of, locked as for `waiting`: those still
    waiting, and those another PM set aside as not a request while the form was open (the PM who made an idea
    of it read it as one, and the correction would label a request as none). One attached meanwhile stays."""
    return _in_state(session, team_id, ids, (INBOX, NOT_A_REQUEST), lock=True)


def attach(session: Session, insights: list[Insight], idea: Idea, by: str, now: datetime) -> None:
    for insight in insights:
        insight.state, insight.idea_id, insight.decided_by, insight.updated_at = ATTACHED, idea.id, by, now
    recount(session, [idea.id])


def became(session: Session, insights: list[Insight], idea: Idea, by: str, now: datetime) -> None:
    """These insights started this idea: they are its first customer mentions."""
    for insight in insights:
        insight.state, insight.idea_id, insight.decided_by, insight.updated_at = IDEA, idea.id, by, now
    recount(session, [idea.id])


def not_a_request(session: Session, team_id: str, ids: list[int], by: str, now: datetime) -> int:
    """Out of the inbox; kept, as what a PM says the detector got wrong (`python -m bot labels`). Only those
    still waiting, in one statement, so a request another PM sorted meanwhile stays sorted; how many."""
    if not ids:
        return 0
    return session.execute(
        update(Insight).where(Insight.team_id == team_id, Insight.id.in_(set(ids)), Insight.state == INBOX)
        .values(state=NOT_A_REQUEST, idea_id=None, decided_by=by, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def move_evidence(session: Session, source_id: int, target_id: int) -> None:
    """A merged idea's customer mentions go with it to the idea it was merged into."""
    session.execute(update(Insight).where(Insight.idea_id == source_id).values(idea_id=target_id)
                    .execution_options(synchronize_session=False))
    recount(session, [source_id, target_id])


def recount(session: Session, idea_ids: list[int]) -> None:
    """Each idea's customer mentions, counted from its insights (so the number can never drift): the messages
    that ask for it, since a review that asks for the same thing in two sentences is one customer's mention."""
    session.flush()
    message = Insight.channel_id + " " + Insight.message_ts
    counted = (select(func.count(func.distinct(message))).select_from(Insight)
               .where(Insight.idea_id == Idea.id, Insight.state.in_(EVIDENCE)).scalar_subquery())
    session.execute(update(Idea).where(Idea.id.in_(idea_ids))
                    .values(customer_mentions=counted, updated_at=Idea.updated_at)
                    .execution_options(synchronize_session=False))
    for idea_id in idea_ids:
        loaded = session.identity_map.get(session.identity_key(Idea, idea_id))
        if loaded is not None:
            session.refresh(loaded, ["customer_mentions"])


# --- reading ------------------------------------------------------------------------------------------


def get_insight(session: Session, team_id: str, insight_id: int) -> Insight | None:
    return session.scalar(select(Insight).where(Insight.id == insight_id, Insight.team_id == team_id))


def inbox(session: Session, team_id: str, limit: int = INBOX_SHOWN) -> tuple[list[Insight], int]:
    """What waits for a PM, newest first, and how many wait in all."""
    where = (Insight.team_id == team_id, Insight.state == INBOX)
    shown = list(session.scalars(select(Insight).where(*where)
                                 .order_by(Insight.created_at.desc(), Insight.id.desc()).limit(limit)))
    total = len(shown) if len(shown) < limit else session.scalar(select(func.count()).where(*where)) or 0
    return shown, total


def grouped(insights: list[Insight]) -> list[list[Insight]]:
    """Insights that say the same thing, together, in the order given (each group led by its first)."""
    if not insights:
        return []
    corpus = Corpus.of(i.text for i in insights)
    groups: list[list[Insight]] = []
    for insight in insights:
        home = next((g for g in groups if _alike(corpus, g[0].text, insight.text)), None)
        if home is None:
            groups.append([insight])
        else:
            home.append(insight)
    return groups


def _alike(corpus: Corpus, a: str, b: str) -> bool:
    """Two requests say the same when either's words cover what the other asks (reviews are wordy)."""
    return max(corpus.similarity(a, b), corpus.covers(a, b), corpus.covers(b, a)) >= GROUP_THRESHOLD


def evidence_of(session: Session, idea_ids: list[int], per_idea: int = QUOTES_SHOWN) -> dict[int, list[Insight]]:
    """The latest customer quotes of each idea, newest first, in one query however many ideas."""
    found: dict[int, list[Insight]] = defaultdict(list)
    if not idea_ids:
        return found
    rank = func.row_number().over(partition_by=Insight.idea_id,
                                  order_by=(Insight.created_at.desc(), Insight.id.desc())).label("rank")
    ranked = (select(Insight.id, rank).where(Insight.idea_id.in_(set(idea_ids)), Insight.state.in_(EVIDENCE))
              .subquery())
    latest = (select(Insight).join(ranked, ranked.c.id == Insight.id).where(ranked.c.rank <= per_idea)
              .order_by(Insight.idea_id, Insight.created_at.desc(), Insight.id.desc()))
    for insight in session.scalars(latest):
        found[insight.idea_id].append(insight)
    return found


def received(session: Session, team_id: str, start: datetime, end: datetime) -> tuple[int, int]:
    """Customer mentions received in (start, end], and how many of them went to ideas in discovery or delivery.
    A mention is a message, as `recount` counts them: a review that asks twice is one customer's mention."""
    rows = session.execute(
        select(Insight.channel_id, Insight.message_ts, Insight.state, Idea.stage)
        .outerjoin(Idea, Idea.id == Insight.idea_id)
        .where(Insight.team_id == team_id, Insight.created_at > start, Insight.created_at <= end,
               Insight.state != NOT_A_REQUEST)
    ).all()
    messages = {(channel, ts) for channel, ts, _, _ in rows}
    on_work = {(channel, ts) for channel, ts, state, stage in rows
               if state in EVIDENCE and stage in (Stage.DISCOVERY, Stage.DELIVERY)}
    return len(messages), len(on_work)


def corrections(session: Session, team_id: str | None = None) -> list[Insight]:
    """What PMs said was not a request, oldest first: labelled data for the detector."""
    query = select(Insight).where(Insight.state == NOT_A_REQUEST).order_by(Insight.id)
    if team_id is not None:
        query = query.where(Insight.team_id == team_id)
    return list(session.scalars(query))


def _in_state(session: Session, team_id: str, ids: list[int], state: str | tuple[str, ...], lock: bool = False
              ) -> list[Insight]:
    """On PostgreSQL a locked read waits for a transaction sorting the same rows, then reads them afresh (one
    sorted meanwhile is no longer in `state`); SQLite has one writer at a time, so there it needs nothing."""
    if not ids:
        return []
    states = (state,) if isinstance(state, str) else state
    query = select(Insight).where(Insight.team_id == team_id, Insight.id.in_(set(ids)), Insight.state.in_(states))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(query.order_by(Insight.id)))
