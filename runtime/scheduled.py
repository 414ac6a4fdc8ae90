"""What the scheduler does every minute: owe the digests that are due, and the outcome check-ins.

Each is claimed in the database, written (the digest maybe with the model's help, outside any
transaction), and owed in the transaction that marks it done; the sender delivers it. Running in
several processes at once is safe: claims decide who does each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.digests.compose import Digest
from bot.digests.intro import IntroWriter
from bot.digests.runs import Claim, claim, claim_due, digest_for, due_runs, take_claimed
from bot.reviews import (
    check_ins_of,
    claim_check_in,
    due_check_ins,
    schedule_missing_check_ins,
    to_look_up_for_check_ins,
)
from bot.settings import Settings
from bot.stages import normalize_stages
from bot.team_settings import team_config
from models import CheckIn, Delivery, DigestSubscription, Idea
from models.stored_times import normalize_times
from runtime import outbox
from runtime.failures import RECIPIENT_ERRORS
from runtime.outbox import Owed
from ui.digests import digest_messages
from ui.loop import check_in as question_of

logger = logging.getLogger("outcome_bot.scheduler")


def digest_owed(channel_id: str, digest: Digest, intro: str | None, run_id: int | None = None) -> Owed:
    """A digest as owed messages: the first in the channel, any others in its thread, one after another (rows
    of one key go out in order; replies without one would race each other, and the thread read out of order)."""
    first, *rest = digest_messages(digest, intro)
    if run_id is not None:
        first = {**first, "on_sent": {"digest_run": run_id}}
    thread = f"digest-thread:{channel_id}"
    return outbox.Owed("chat.postMessage", {"channel": channel_id, **first}, key=f"digest:{channel_id}",
                       replies=[outbox.Owed("chat.postMessage", {"channel": channel_id, **part}, key=thread)
                                for part in rest])


def write_intro(intro: IntroWriter | None, team_id: str, digest: Digest) -> str | None:
    if intro is None:
        return None
    try:
        return intro(team_id, digest)
    except Exception:  # noqa: BLE001 - the digest goes out without its paragraph rather than not at all
        logger.exception("digest intro failed for team %s", team_id)
        return None


def put_right(sessions: sessionmaker[Session]) -> None:
    """Rows written elsewhere, stored as ours before either job's queries read them by stage or by date: stages
    spelled otherwise, and (on SQLite) dates and times in other forms. Each looks first and writes only what
    it finds. A failure is logged and the jobs go on: the rows still read as meant."""
    try:
        with sessions.begin() as session:
            normalize_stages(session)
            normalize_times(session)
    except Exception:
        logger.exception("rows written elsewhere could not be put right this minute")


def owe_due_digests(sessions: sessionmaker[Session], intro: IntroWriter | None, now: datetime,
                    wake: Callable[[], None] = lambda: None) -> int:
    """Owes every digest whose time has come and that nobody has owed; returns how many. One channel
    failing (a bad row, a bug) does not stop the others."""
    put_right(sessions)
    with sessions() as session:
        runs = due_runs(session, now)
    owed = 0
    for subscription_id, period_end in runs:
        try:
            with sessions.begin() as session:
                taken = claim_due(session, subscription_id, period_end, now)
            if taken is not None and owe_claimed(sessions, intro, taken, now):
                owed += 1
                wake()
        except Exception:
            logger.exception("digest for subscription %s (period ending %s) failed", subscription_id, period_end)
    return owed


def owe_claimed(sessions: sessionmaker[Session], intro: IntroWriter | None, taken: Claim, now: datetime) -> bool:
    with sessions() as session:
        subscription = session.get(DigestSubscription, taken.subscription_id)
        if subscription is None:
            return False
        digest = digest_for(session, subscription, taken.period_end)
        team_id, channel_id = subscription.team_id, subscription.channel_id
    paragraph = write_intro(intro, team_id, digest)
    with sessions.begin() as session:
        if not take_claimed(session, taken, now):
            return False
        outbox.owe(session, team_id, digest_owed(channel_id, digest, paragraph, taken.run_id))
    return True


def owe_now(sessions: sessionmaker[Session], intro: IntroWriter | None, subscription_id: int, now: datetime) -> bool:
    """`/idea digest now`: a run like any other, so the next scheduled digest starts from here."""
    with sessions.begin() as session:
        taken = claim(session, subscription_id, now, now)
    return taken is not None and owe_claimed(sessions, intro, taken, now)


JUST_OWED = timedelta(minutes=1)


def digest_just_owed(session: Session, team_id: str, channel_id: str, now: datetime) -> bool:
    """A digest for this channel is on its way, or went out within the last minute: `/idea digest now`
    typed twice (or pressed twice by impatience) posts one."""
    recent = or_(Delivery.state == outbox.PENDING, and_(Delivery.state == outbox.SENT,
                                                        Delivery.created_at > now - JUST_OWED))
    found = select(Delivery.id).where(Delivery.team_id == team_id, Delivery.key == f"digest:{channel_id}", recent)
    return session.scalar(found.limit(1)) is not None


def digest_withdrawn(session: Session, team_id: str, channel_id: str, now: datetime) -> int:
    """`/idea digest off`: the channel's scheduled digest still waiting to go out (Slack busy or down, retried)
    is not posted after all, nor its thread: "no more digests" holds for it too. One a sender is posting
    this moment, or whose last try may have reached Slack (it timed out), goes out whole. Returns how many."""
    idle = and_(Delivery.team_id == team_id, Delivery.key == f"digest:{channel_id}",
                Delivery.state == outbox.PENDING, or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
                or_(Delivery.uncertain.is_(None), Delivery.uncertain.is_(False)))
    scheduled = [row.id for row in session.execute(select(Delivery.id, Delivery.payload).where(idle))
                 if isinstance(row.payload.get("on_sent"), dict) and row.payload["on_sent"].get("digest_run")]
    if not scheduled:
        return 0
    withdrawn = list(session.scalars(update(Delivery).where(idle, Delivery.id.in_(scheduled))
                                     .values(state=outbox.SUPERSEDED, finished_at=now).returning(Delivery.id)))
    if withdrawn:  # its thread waits on it, so no sender holds any of it
        session.execute(update(Delivery).where(Delivery.parent_id.in_(withdrawn), Delivery.state == outbox.PENDING)
                        .values(state=outbox.SUPERSEDED, finished_at=now).execution_options(synchronize_session=False))
    return len(withdrawn)


def owe_due_check_ins(sessions: sessionmaker[Session], settings: Settings, now: datetime,
                      wake: Callable[[], None] = lambda: None) -> int:
    """Asks every due check-in once of each person, on its date where they are: the PM who shipped
    it (or, if Slack cannot reach them, another PM, then the triage channel) and the requester. Returns
    how many check-ins someone was asked. Time zones are looked up (users.info, by the sender) in the days
    before, so nothing here waits on Slack. Rows written elsewhere are put right first: stages spelled
    otherwise, and a shipped idea without its check-in."""
    put_right(sessions)
    with sessions.begin() as session:
        schedule_missing_check_ins(session)
    with sessions() as session:
        due = due_check_ins(session, now)
        look_up = to_look_up_for_check_ins(session, now)
    if look_up:
        with sessions.begin() as session:
            for team_id, people in look_up.items():
                for user_id in people:
                    key = f"person:{team_id}:{user_id}"
                    if not outbox.pending(session, key):
                        outbox.owe(session, team_id, outbox.job("look_up_person", {"user": user_id}, key=key))
        wake()
    asked = 0
    for item in due:
        try:
            with sessions.begin() as session:
                claimed = claim_check_in(session, item, now)
                if claimed is None:
                    continue
                idea, check_in, pm, requester = claimed
                outbox.owe(session, idea.team_id, *check_in_questions(session, settings, idea, check_in,
                                                                      pm=pm, requester=requester))
            asked += 1
            wake()
        except Exception:
            logger.exception("check-in %s could not be asked", item.check_in_id)
    return asked


def check_in_questions(session: Session, settings: Settings, idea: Idea, check_in: CheckIn, *, pm: bool = True,
                       requester: bool = True) -> list[Owed]:
    """Each question carries its `question_key`, by which `questions_redrawn` finds it once it is answered."""
    config = team_config(session, idea.team_id, settings)
    question = question_of(idea)
    asker, asked = check_in.ask_user_id, idea.requester_id
    owed = []
    if pm:
        others = [{"channel": user} for user in sorted(config.pm_user_ids - {asker, asked})]
        if config.triage_channel:
            others.append({"channel": config.triage_channel})
        owed.append(outbox.post(asker, question, alternates=others, key=question_key(check_in.id, asker)))
    if requester and (asked != asker or not pm):
        owed.append(outbox.post(asked, question, key=question_key(check_in.id, asked)))
    return owed


def question_key(check_in_id: int, user_id: str) -> str:
    """One key per person asked, so one's question never waits on the other's retries."""
    return f"check-in:{check_in_id}:{user_id}"


def questions_redrawn(session: Session, idea: Idea, check_ins: Iterable[CheckIn], answered: dict[str, Any]
                      ) -> list[Owed]:
    """Every question asked for these check-ins, wherever it went (the DMs of the PM and the requester, or
    another PM or the triage channel in the PM's place), redrawn as `answered`: nobody is left with buttons
    that only say it was answered already. A question still on its way is redrawn after it goes."""
    keys = [question_key(check_in.id, user) for check_in in check_ins
            for user in sorted({check_in.ask_user_id, idea.requester_id})]
    if not keys:
        return []
    return [outbox.revision(row.key, row.id, answered) for row in outbox.owed_under(session, idea.team_id, *keys)]


def refused_askers(session: Session, idea: Idea, check_ins: Iterable[CheckIn]) -> set[str]:
    """The PMs asked about these check-ins whose own DMs Slack would not take the question in (deactivated, say):
    it went to another PM or the triage channel in their place, where it is redrawn once answered. Telling them
    the outcome by DM would only fail again, and sit among what PMs are asked to try again."""
    return _refused(idea, _questions(session, idea, check_ins))


def stand_ins(session: Session, idea: Idea, pm_user_ids: Iterable[str], presser: str, presser_is_pm: bool
              ) -> dict[str, str]:
    """For each PM asked about this idea whose DMs Slack refused the question (`refused_askers`), who is to be
    asked in their place next time: the PM answering now, else the PM the question went to instead, else the
    first other PM. Asking the refused one again would only be refused again, and add another line to what
    PMs see on App Home. Nobody when there is no one (the triage channel then takes it, as before)."""
    questions = _questions(session, idea, check_ins_of(session, idea.id))
    refused = _refused(idea, questions)
    if not refused:
        return {}
    shunned = refused | {idea.requester_id}
    took = [row.payload.get("channel") for _, rows in sorted(questions, key=lambda asked: asked[0].id, reverse=True)
            for row in rows if row.state == outbox.SENT]
    people = [str(channel) for channel in took if str(channel)[:1] in ("U", "W")]
    choices = ([presser] if presser_is_pm else []) + people + sorted(pm_user_ids)
    stand_in = next((user for user in choices if user not in shunned), None)
    return dict.fromkeys(refused, stand_in) if stand_in is not None else {}


def _questions(session: Session, idea: Idea, check_ins: Iterable[CheckIn]) -> list[tuple[CheckIn, list[Delivery]]]:
    """Each check-in with the outbox rows of its question to the PM asked: where it went, and how it went."""
    return [(check_in, outbox.owed_under(session, idea.team_id, question_key(check_in.id, check_in.ask_user_id)))
            for check_in in check_ins]


def _refused(idea: Idea, questions: Iterable[tuple[CheckIn, list[Delivery]]]) -> set[str]:
    return {check_in.ask_user_id for check_in, rows in questions if check_in.ask_user_id != idea.requester_id
            and any(row.payload.get("channel") == check_in.ask_user_id and row.state in (outbox.REROUTED, outbox.FAILED)
                    and row.error in RECIPIENT_ERRORS for row in rows)}


def owe_sweeps(sessions: sessionmaker[Session], trackers: tuple[str, ...], wake: Callable[[], None]) -> None:
    """The daily look at every linked issue, one sweep job per tracker (a newer one replaces a pending one)."""
    with sessions.begin() as session:
        for name in trackers:
            outbox.owe(session, "", outbox.job("tracker_sweep", {"tracker": name}, key=f"sweep:{name}",
                                               collapses=True))
    wake()
