"""Writing down what the bot owes people, and the sender's bookkeeping of it.

`owe` is called inside the transaction that makes the change, so a message exists exactly when the
change does. Everything else here is the sender's: claiming due rows (with SKIP LOCKED on PostgreSQL,
a compare-and-set on the lease everywhere), and recording how each attempt went.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from models import Delivery, utcnow

PENDING, SENT, FAILED, SUPERSEDED, EXPIRED = "pending", "sent", "failed", "superseded", "expired"
RATE_LIMITED = "ratelimited"  # a row's error while it waits out a 429 (and holds its method back)
# Rows that write messages (a card by chat.postMessage or chat.update): a 429 met by one holds all back.
MESSAGE_WRITES = ("card", "chat.postMessage", "chat.revise", "chat.update")
REROUTED = "rerouted"  # could not go where it was meant to, and went to its alternate instead
LEASE = timedelta(minutes=2)
# Replies that only make sense now (under the message pressed, an invitation to share an idea).
SHORT_LIVED = timedelta(minutes=25)


@dataclass(frozen=True)
class Owed:
    """One thing to send, before it has a row: a Slack method and its arguments, or a job."""

    method: str
    payload: dict[str, Any]
    key: str | None = None
    collapses: bool = False  # a newer row with the same key makes pending older ones pointless
    expires_in: timedelta | None = None
    replies: Sequence[Owed] = field(default=())  # thread replies, sent once this has its ts
    after: timedelta = timedelta(0)  # due this long after it is owed (a burst paced below a rate limit)


PASSING_TRIES = 3


@dataclass
class Passing:
    """A reply owed only now: shaped like an outbox row so the same calls send it, but never stored."""

    team_id: str
    method: str
    payload: dict[str, Any]
    expires_at: datetime | None
    created_at: datetime
    id: int = 0
    parent_id: int | None = None
    uncertain: bool = False
    attempts: int = 0
    not_before: float = 0.0
    # (team, key) of a reply a newer one replaces (a Home tab, a form): one at a time, and only the newest
    # is sent, so an older one held up by a slow or failed call never lands over it.
    collapses_as: tuple[str, str] | None = None
    generation: int = 0

    @classmethod
    def of(cls, team_id: str, item: Owed) -> Passing:
        now = utcnow()
        expires = now + (item.expires_in or SHORT_LIVED)
        collapses_as = (team_id, item.key) if item.key is not None and item.collapses else None
        return cls(team_id, item.method, item.payload, expires, now, collapses_as=collapses_as)

    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at < utcnow()


def post(channel: str, message: dict[str, Any], *, thread_ts: str | None = None,
         alternates: Sequence[dict[str, Any]] = (), key: str | None = None) -> Owed:
    """A message in a channel, or a DM when `channel` is a user id. `alternates` are where to try next
    when Slack says this one can never be delivered there (a deactivated user, an archived channel)."""
    payload = {"channel": channel, **message}
    if thread_ts:
        payload["thread_ts"] = thread_ts
    if alternates:
        payload["alternates"] = list(alternates)
    return Owed("chat.postMessage", payload, key=key)


def ephemeral(channel: str, user: str, message: dict[str, Any], *, thread_ts: str | None = None) -> Owed:
    payload = {"channel": channel, "user": user, **message}
    if thread_ts:
        payload["thread_ts"] = thread_ts
    return Owed("chat.postEphemeral", payload, expires_in=SHORT_LIVED)


def reply(response_url: str, message: dict[str, Any], fallback: dict[str, str] | None = None) -> Owed:
    """An answer under what someone used (a response_url serves 5 times in 30 minutes; then `fallback`)."""
    return Owed("response_url", {"url": response_url, **message, "fallback": fallback}, expires_in=SHORT_LIVED)


def card(idea_id: int, channel: str) -> Owed:
    """An idea's triage card: posted the first time, redrawn in place after, drawn by the sender as it goes
    out; of several owed before one went, only the newest is sent."""
    return Owed("card", {"idea": idea_id, "channel": channel}, key=card_key(idea_id), collapses=True)


def card_key(idea_id: int) -> str:
    return f"card:{idea_id}"


def sent_or_pending(session: Session, key: str) -> bool:
    """A row with this key went out, or is still to: waiting, held back by Slack, or on its way. Asked of
    the outbox, not of what a row's delivery records elsewhere (a card's ts), which a transaction that
    read it earlier may still hold as it was."""
    found = select(Delivery.id).where(Delivery.key == key, Delivery.state.in_((PENDING, SENT))).limit(1)
    return session.scalar(found) is not None


def pending(session: Session, key: str) -> bool:
    """A row with this key is still to go: owing it again would only repeat it."""
    found = select(Delivery.id).where(Delivery.key == key, Delivery.state == PENDING).limit(1)
    return session.scalar(found) is not None


def done_before(session: Session, key: str, row_id: int) -> bool:
    """Another row with this key went out already: the work a job with this key stands for is done (rows
    with one key run in order, so a second delivery of the same work finds the first one done)."""
    found = select(Delivery.id).where(Delivery.key == key, Delivery.state == SENT, Delivery.id != row_id).limit(1)
    return session.scalar(found) is not None


def home(user_id: str, view: dict[str, Any]) -> Owed:
    return Owed("views.publish", {"user_id": user_id, "view": view}, key=f"home:{user_id}", collapses=True,
                expires_in=SHORT_LIVED)


def view_update(view_id: str, view_hash: str | None, view: dict[str, Any]) -> Owed:
    payload = {"view_id": view_id, "view": view}
    if view_hash:
        payload["hash"] = view_hash
    return Owed("views.update", payload, key=f"view:{view_id}", collapses=True, expires_in=SHORT_LIVED)


def upload(user_id: str, *, content: str, filename: str, title: str, comment: str, failed: str) -> Owed:
    """A file by DM (the export); if Slack will never take it, the person gets `failed` instead, with
    `{error}` replaced by what Slack said."""
    return Owed("files.upload", {"user": user_id, "content": content, "filename": filename, "title": title,
                                 "initial_comment": comment, "on_failure": {"channel": user_id, "text": failed}})


def revision(team_key: str, original_id: int, message: dict[str, Any]) -> Owed:
    """The message a row posted, redrawn (a notice that now knows its issue): sent after the original (same
    key), as an update of wherever it went; nothing if it never went anywhere updatable."""
    return Owed("chat.revise", {"original": original_id, **message}, key=team_key)


def owed_under(session: Session, team_id: str, *keys: str) -> list[Delivery]:
    """Messages posted (or to be) under these keys, and the alternates they went to instead."""
    return list(session.scalars(select(Delivery).where(Delivery.team_id == team_id, Delivery.key.in_(keys),
                                                       Delivery.method == "chat.postMessage")))


def job(name: str, payload: dict[str, Any], *, key: str | None = None, collapses: bool = False) -> Owed:
    """Work that ends in messages (looking for look-alikes before announcing an idea, asking the model,
    filing an issue in the tracker): done by the sender, after the commit, and again if its process dies
    halfway. With `collapses`, a newer job with the same key makes a pending older one pointless."""
    return Owed(f"job:{name}", payload, key=key, collapses=collapses)


def owe(session: Session, team_id: str, *items: Owed, now: datetime | None = None) -> list[int]:
    """Adds the rows in the caller's transaction; returns their ids, in order."""
    now = now or utcnow()
    ids: list[int] = []
    for item in items:
        ids.append(_add(session, team_id, item, None, now))
    return ids


def _add(session: Session, team_id: str, item: Owed, parent_id: int | None, now: datetime) -> int:
    uncertain = False
    if item.collapses and item.key is not None:
        uncertain = _supersede(session, item.key, now)
    row = Delivery(
        team_id=team_id, method=item.method, payload=item.payload, key=item.key, parent_id=parent_id,
        state=PENDING, attempts=0, next_attempt_at=now + item.after, uncertain=uncertain, created_at=now,
        expires_at=now + item.expires_in if item.expires_in is not None else None,
    )
    session.add(row)
    session.flush()
    for child in item.replies:
        _add(session, team_id, child, row.id, now)
    return row.id


def _supersede(session: Session, key: str, now: datetime) -> bool:
    """Retires pending rows with this key that no sender holds; True if one of them may have reached
    Slack already (so the new row looks before it posts)."""
    idle = and_(Delivery.key == key, Delivery.state == PENDING,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
    uncertain = bool(session.scalar(select(func.count()).where(idle, Delivery.uncertain.is_(True))))
    session.execute(update(Delivery).where(idle).values(state=SUPERSEDED, finished_at=now)
                    .execution_options(synchronize_session=False))
    return uncertain


# --- the sender's side ------------------------------------------------------------------------------


def due(session: Session, now: datetime, limit: int, *where: ColumnElement[bool]) -> list[int]:
    """Ids of rows a sender may take now (of those `where` says): pending, due, not held, after every earlier row
    with their key, after their thread parent, and not while Slack has told anyone to wait: a row of the same
    method (any message write, for one) and workspace waits out a 429's Retry-After, and rows owed meanwhile, by
    any process, wait with it."""
    earlier, parent, limited = aliased(Delivery), aliased(Delivery), aliased(Delivery)
    query = (
        select(Delivery.id)
        .where(
            Delivery.state == PENDING, Delivery.next_attempt_at <= now, *where,
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
            or_(Delivery.key.is_(None), ~exists().where(
                earlier.key == Delivery.key, earlier.id < Delivery.id, earlier.state == PENDING)),
            or_(Delivery.parent_id.is_(None), exists().where(parent.id == Delivery.parent_id,
                                                             parent.state != PENDING)),
            ~exists().where(limited.team_id == Delivery.team_id, _held_as(limited) == _held_as(Delivery),
                            limited.state == PENDING, limited.error == RATE_LIMITED, limited.next_attempt_at > now),
        )
        .order_by(Delivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Delivery, skip_locked=True)
    return list(session.scalars(query))


def _held_as(rows: type[Delivery]) -> ColumnElement[str]:
    """What a 429 holds back with a row: its method, or every message write for one of them."""
    return case((rows.method.in_(MESSAGE_WRITES), "message"), else_=rows.method)


def claim(session: Session, ids: Iterable[int], sender_id: str, now: datetime) -> list[Delivery]:
    """Takes the rows no other sender took meanwhile (the lease is a compare-and-set)."""
    ids = list(ids)
    if not ids:
        return []
    taken = session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.state == PENDING,
               or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
        .values(lease_until=now + LEASE, claimed_by=sender_id, attempts=Delivery.attempts + 1,
                # a lease that ran out means its sender died mid-call: that call may have gone through
                uncertain=or_(Delivery.uncertain, Delivery.lease_until.is_not(None)))
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(taken, key=lambda row: row.id)


def release(session: Session, ids: Sequence[int], sender_id: str) -> None:
    """Hands back rows this sender claimed and never started: due at once for any sender, as if untried."""
    session.execute(
        update(Delivery).where(Delivery.id.in_(ids), Delivery.claimed_by == sender_id, Delivery.state == PENDING)
        .values(lease_until=None, attempts=Delivery.attempts - 1)
        .execution_options(synchronize_session=False)
    )


def _held(row_id: int, sender_id: str):  # noqa: ANN202 - a SQL condition
    return and_(Delivery.id == row_id, Delivery.claimed_by == sender_id, Delivery.state == PENDING)


def mark_sent(session: Session, row_id: int, sender_id: str, now: datetime, *, channel_id: str | None = None,
              message_ts: str | None = None) -> bool:
    """False when the lease was lost to another sender meanwhile: then that sender records the outcome."""
    done = session.execute(
        update(Delivery).where(_held(row_id, sender_id))
        .values(state=SENT, finished_at=now, lease_until=None, error=None, channel_id=channel_id,
                message_ts=message_ts)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def mark_retry(session: Session, row_id: int, sender_id: str, at: datetime, error: str, *, uncertain: bool) -> None:
    session.execute(
        update(Delivery).where(_held(row_id, sender_id))
        .values(next_attempt_at=at, lease_until=None, error=error[:80],
                uncertain=or_(Delivery.uncertain, uncertain))
        .execution_options(synchronize_session=False)
    )


def mark_failed(session: Session, row_id: int, sender_id: str | None, now: datetime, error: str,
                state: str = FAILED) -> bool:
    condition = _held(row_id, sender_id) if sender_id else and_(Delivery.id == row_id, Delivery.state == PENDING)
    done = session.execute(
        update(Delivery).where(condition)
        .values(state=state, finished_at=now, lease_until=None, error=error[:80])
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def chain_failed(session: Session, chain: Sequence[int], now: datetime) -> None:
    """Every place a message could go refused it: the original row failed (what PMs see, what Try again
    sends again, alternates and all), and the rows that tried its alternates are retired with it."""
    original, *tried = chain
    session.execute(update(Delivery).where(Delivery.id == original, Delivery.state == REROUTED)
                    .values(state=FAILED, finished_at=now).execution_options(synchronize_session=False))
    if tried:
        session.execute(update(Delivery).where(Delivery.id.in_(tried), Delivery.state == REROUTED)
                        .values(state=SUPERSEDED, finished_at=now).execution_options(synchronize_session=False))


def parent_of(session: Session, row: Delivery) -> Delivery | None:
    return session.get(Delivery, row.parent_id) if row.parent_id is not None else None


def next_due_at(session: Session) -> datetime | None:
    return session.scalar(select(func.min(Delivery.next_attempt_at)).where(Delivery.state == PENDING))


def outstanding(session: Session, now: datetime | None) -> int:
    """Pending rows due by `now` (all of them, given None): zero when the sender has caught up."""
    due_by = [Delivery.next_attempt_at <= now] if now is not None else []
    return session.scalar(select(func.count()).where(Delivery.state == PENDING, *due_by)) or 0


def prune(session: Session, before: datetime) -> int:
    """Forgets what was delivered, superseded or expired long ago; failures stay until PMs dismiss them."""
    old = session.execute(
        Delivery.__table__.delete().where(
            Delivery.state.in_((SENT, SUPERSEDED, EXPIRED)), Delivery.finished_at < before,
            ~exists().where(Delivery.__table__.alias("child").c.parent_id == Delivery.id),
        )
    )
    return old.rowcount


# --- what PMs see of it ------------------------------------------------------------------------------

# Methods whose failures someone should hear about: what was owed to a person or a channel. Replies
# under a message, Home tabs and form updates only mattered at the moment.
OWED_METHODS = ("chat.postMessage", "card", "files.upload", "chat.update")

UNDELIVERED_SHOWN = 50  # the newest, described on App Home; `failed_total` counts them all


def undelivered(session: Session, team_id: str, limit: int = UNDELIVERED_SHOWN) -> list[Delivery]:
    """What could not be delivered, newest first, until a PM retries or dismisses it."""
    return list(session.scalars(
        select(Delivery)
        .where(Delivery.team_id == team_id, Delivery.state.in_((FAILED, REROUTED)), Delivery.dismissed_at.is_(None),
               Delivery.method.in_(OWED_METHODS))
        .order_by(Delivery.id.desc())
        .limit(limit)
    ))


def failed_total(session: Session, team_id: str) -> int:
    """How many messages could not be delivered in all: as many as `retry_undelivered` sends again."""
    return session.scalar(
        select(func.count()).where(Delivery.team_id == team_id, Delivery.state == FAILED,
                                   Delivery.dismissed_at.is_(None), Delivery.method.in_(OWED_METHODS))
    ) or 0


def retry_undelivered(session: Session, team_id: str, now: datetime) -> int:
    """Sends what failed again (after a PM invited the bot back, say); it fails again, visibly, if not."""
    return session.execute(
        update(Delivery)
        .where(Delivery.team_id == team_id, Delivery.state == FAILED, Delivery.dismissed_at.is_(None),
               Delivery.method.in_(OWED_METHODS))
        .values(state=PENDING, attempts=0, next_attempt_at=now, finished_at=None, created_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


# Refusals a reinstall puts right: the workspace had no installation, or Slack no longer took its token.
NEEDS_INSTALL = ("not_installed", "invalid_auth", "not_authed", "token_revoked", "token_expired")


def resume_installed(session: Session, team_id: str, now: datetime, since: datetime) -> int:
    """Sends again what failed only because the workspace was not installed (owed since `since`), now it
    is: its people get what they were owed, not a list of failures to retry by hand."""
    return session.execute(
        update(Delivery)
        .where(Delivery.team_id == team_id, Delivery.state == FAILED, Delivery.dismissed_at.is_(None),
               Delivery.error.in_(NEEDS_INSTALL), Delivery.created_at >= since)
        .values(state=PENDING, attempts=0, next_attempt_at=now, finished_at=None, lease_until=None, created_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def dismiss_undelivered(session: Session, team_id: str, now: datetime) -> int:
    return session.execute(
        update(Delivery)
        .where(Delivery.team_id == team_id, Delivery.state.in_((FAILED, REROUTED)), Delivery.dismissed_at.is_(None))
        .values(dismissed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
