"""The sender: delivers what the bot owes people, after the commit, once, whatever Slack does.

A dispatcher thread claims due rows and hands each to a small pool, so one slow call holds one worker
and never a listener. Transient trouble (429 with its Retry-After, 5xx, timeouts, dropped connections)
reschedules the row with backoff; a 429 holds that method (every message write, for a message's) back
for the whole workspace, in every process (outbox.due). Permanent refusals (an archived channel, a
deactivated person, blocks Slack will not take) are recorded and logged once, shown to PMs on App Home,
and tried on the row's alternates where it has some (another PM, the channel the idea came from). Rows
of one key go out in order; a thread reply waits for its parent; of one person's Home tabs (or one
form's updates) only the newest is sent, after any still on its way. Several senders, in several
processes, share the work through the claim's lease; one whose process is exiting hands back what it
claimed and never started.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.digests.runs import mark_posted
from bot.ideas import remember_triage_card
from models import Delivery, Idea, utcnow
from runtime import calls, failures, outbox
from runtime.failures import Permanent, Transient, classify
from runtime.jobs import Job, JobFunction, ModelJobs
from runtime.slack import Clients

logger = logging.getLogger("outcome_bot.sender")

GIVE_UP_AFTER = timedelta(days=1)
MAX_BACKOFF = 300.0
KEEP = timedelta(days=7)


# An idea's card as stored state says now: (session, idea) -> its text and blocks.
CardDrawer = Callable[[Session, Idea], "dict[str, Any]"]


class Sender:
    def __init__(self, sessions: sessionmaker[Session], clients: Clients, *, jobs: Mapping[str, JobFunction] = (),
                 threads: int = 8, poll_seconds: float = 1.0, timeout: float = 15.0) -> None:
        self.sessions = sessions
        self.timeout = timeout
        self.clients = clients
        self.jobs = dict(jobs)
        self._model_jobs = ModelJobs(max(1, threads // 2))  # at most half the threads wait on the model at once
        self.id = uuid.uuid4().hex
        self.threads = threads
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._owed = True  # something was committed since the outbox was last read (under _lock)
        self._next_look = 0.0  # time.monotonic() of the next read anyway: the poll (under _lock)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._passing: list[outbox.Passing] = []
        self._newest: dict[tuple[str, str], int] = {}  # collapsing key -> generation of its newest reply
        self._keys_in_flight: set[tuple[str, str]] = set()
        self._generations = 0
        self._pool: ThreadPoolExecutor | None = None
        self._draw_card: CardDrawer | None = None
        self._thread: threading.Thread | None = None
        self._pruned_at = datetime.min.replace(tzinfo=utcnow().tzinfo)
        self._quiet_until = self._pruned_at

    # --- running ----------------------------------------------------------------------------------

    def register(self, name: str, function: JobFunction, *, waits_on_model: bool = False) -> None:
        """A job the outbox may owe; one that `waits_on_model` holds a thread for as long as the model takes."""
        self.jobs[name] = function
        if waits_on_model:
            self._model_jobs.add(name)

    def draw_cards(self, draw: CardDrawer) -> None:
        """How cards are drawn: as they go out, from what is stored then, so a card owed before a change
        that owed none of its own (or whose post Slack held back) still shows the idea as it is, and of
        many redraws owed in a burst only the one sent is drawn."""
        self._draw_card = draw

    def start(self) -> Sender:
        if self._thread is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="outcome-sender")
            self._thread = threading.Thread(target=self._run, name="outcome-sender", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Something was just committed: look now rather than at the next poll."""
        with self._lock:
            self._owed = True
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._in_flight > 0 or bool(self._passing)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                taken = self.dispatch()
                self._prune_now_and_then()
            except Exception:  # the database is away, most likely: try again at the next poll
                taken = 0
                if utcnow() >= self._quiet_until:
                    logger.exception("sender: could not read what is owed; trying again")
                    self._quiet_until = utcnow() + timedelta(minutes=5)
            if taken == 0:
                with self._lock:
                    wait = self._next_look - time.monotonic()
                self._wake.wait(wait if 0.0 < wait < self.poll_seconds else self.poll_seconds)

    def soon(self, team_id: str, *items: outbox.Owed) -> None:
        """Replies that only matter now (under a button, on a Home tab, an invitation in a thread): sent by
        this sender's threads, so no listener waits on Slack, but kept in memory only (retried a few times,
        never after a restart, and never a database write in the way of an answer)."""
        with self._lock:
            for item in items:
                passing = outbox.Passing.of(team_id, item)
                if (key := passing.collapses_as) is not None:
                    self._generations += 1
                    passing.generation = self._newest[key] = self._generations
                    self._passing = [p for p in self._passing if p.collapses_as != key]  # never sent now
                self._passing.append(passing)
        self._wake.set()  # in memory only: no reason to read the outbox

    def dispatch(self) -> int:
        """Claims what this sender has room for and starts delivering it; how many it took."""
        with self._lock:
            room = self.threads - self._in_flight
        if room <= 0 or self._pool is None:
            return 0
        started = self._dispatch_passing(room)
        room -= started
        with self._lock:
            model_room = self._model_jobs.room()  # only this dispatcher thread takes more; finishing frees room
            # Woken only by a reply in memory: the outbox is read when something was committed, and
            # once a poll (rows whose retry time came, rows other processes owe).
            if room <= 0 or not (self._owed or time.monotonic() >= self._next_look):
                return started
            self._owed = False
            self._next_look = time.monotonic() + self.poll_seconds
        now = utcnow()
        with self.sessions.begin() as session:
            rows = outbox.claim(session, self._model_jobs.due(session, now, room, model_room), self.id, now)
            session.expunge_all()
        with self._lock:
            self._owed = self._owed or len(rows) == room  # all it had room for: there may be more
            self._in_flight += len(rows)
            self._model_jobs.taken(rows)
        for n, row in enumerate(rows):
            if not self._submit(self._deliver_and_release, row, len(rows) - n):
                with self.sessions.begin() as session:  # claimed, never started: the next process sends them now
                    outbox.release(session, [r.id for r in rows[n:]], self.id)
                return started + n
        return started + len(rows)

    def _dispatch_passing(self, room: int) -> int:
        now = time.monotonic()
        with self._lock:
            ready = []
            for passing in self._passing:
                if len(ready) == room:
                    break
                if passing.not_before > now or passing.collapses_as in self._keys_in_flight:
                    continue  # not yet; or the one it replaces is still on its way: it goes after, over it
                if passing.collapses_as is not None:
                    self._keys_in_flight.add(passing.collapses_as)
                ready.append(passing)
            for passing in ready:
                self._passing.remove(passing)
            self._in_flight += len(ready)
        for n, passing in enumerate(ready):
            if not self._submit(self._pass_and_release, passing, len(ready) - n):
                return n  # in memory only: lost with the process, as the docstring of `soon` says
        return len(ready)

    def _submit(self, deliver: Callable[[Any], None], item: Any, unstarted: int) -> bool:
        """False once the pool is shut down (the process is exiting, a WSGI server's worker stopping): this
        sender then takes nothing more, and the `unstarted` counted in flight are not."""
        try:
            self._pool.submit(deliver, item)
            return True
        except RuntimeError:
            with self._lock:
                self._in_flight -= unstarted
            self._stop.set()
            return False

    def _pass_and_release(self, passing: outbox.Passing) -> None:
        again = False
        try:
            self._call(passing)
        except Exception as error:  # noqa: BLE001 - a passing reply is worth a few tries, and a log line
            outcome = classify(error)
            if isinstance(outcome, Transient) and passing.attempts < outbox.PASSING_TRIES and not passing.expired():
                passing.attempts += 1
                passing.not_before = time.monotonic() + (outcome.retry_after or 2.0 ** passing.attempts)
                again = True
            else:
                logger.info("sender: a %s reply was not delivered: %s", passing.method, outcome.error)
        finally:
            with self._lock:
                self._in_flight -= 1
                if (key := passing.collapses_as) is not None:
                    self._keys_in_flight.discard(key)
                    newest = self._newest.get(key) == passing.generation
                    again = again and newest  # a newer one was asked for meanwhile: it says what this said
                    if newest and not again:
                        del self._newest[key]
                if again:
                    self._passing.append(passing)
            self._wake.set()

    def _deliver_and_release(self, row: Delivery) -> None:
        try:
            self.deliver(row)
        except Exception:
            logger.exception("sender: delivery %s could not be recorded", row.id)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._model_jobs.done(row)
                self._owed = True  # the row after it (same key, or its thread reply) may be due now
            self._wake.set()

    # --- one row ----------------------------------------------------------------------------------

    def deliver(self, row: Delivery) -> None:
        now = utcnow()
        if row.expires_at is not None and row.expires_at < now:
            with self.sessions.begin() as session:
                outbox.mark_failed(session, row.id, self.id, now, row.error or "expired", state=outbox.EXPIRED)
            return
        if row.method.startswith("job:"):
            self._run_job(row)
            return
        try:
            channel, ts, posted_card = self._call(row)
        except Exception as error:  # noqa: BLE001 - every failure is classified, none is lost
            self._failed(row, classify(error))
            return
        with self.sessions.begin() as session:
            if outbox.mark_sent(session, row.id, self.id, utcnow(), channel_id=channel, message_ts=ts):
                self._after_sent(session, row, channel, ts, posted_card)

    def _call(self, row: Delivery) -> tuple[str | None, str | None, bool]:
        if row.method == "response_url":
            return (*calls.respond(row, self.timeout, lambda: self.clients(row.team_id)), False)
        client = self.clients(row.team_id)
        if row.method == "card":
            return self._card(client, row)
        if row.method in calls.SIMPLE:
            return (*calls.SIMPLE[row.method](client, row), False)
        thread_ts, channel = self._thread_of(row)
        if row.method == "chat.postMessage":
            return (*calls.post_message(client, row, thread_ts, channel), False)
        if row.method == "chat.postEphemeral":
            return (*calls.post_ephemeral(client, row, thread_ts), False)
        if row.method == "chat.revise":
            return (*self._revise(client, row), False)
        raise Permanent(f"unknown_method:{row.method}")

    def _revise(self, client, row: Delivery) -> tuple[str | None, str | None]:  # noqa: ANN001 - a WebClient
        with self.sessions.begin() as session:
            where = failures.revised(session.get(Delivery, int(row.payload["original"])), row.payload)
        if where is None:
            return None, None  # it never went anywhere (or went as an ephemeral note): nothing to redraw
        return calls.update_message(client, *where, failures.revision_message(row.payload))

    def _thread_of(self, row: Delivery) -> tuple[str | None, str | None]:
        """A thread reply's parent's ts and channel, once the parent went out."""
        if row.parent_id is None:
            return None, None
        with self.sessions() as session:
            parent = session.get(Delivery, row.parent_id)
            if parent is None or parent.state != outbox.SENT or parent.message_ts is None:
                raise Permanent(f"parent_{parent.error if parent is not None else 'gone'}"[:80])
            return parent.message_ts, parent.channel_id

    def _card(self, client, row: Delivery) -> tuple[str | None, str | None, bool]:  # noqa: ANN001 - a WebClient
        """Redraws the idea's card where it is; posts it when it has none yet (or it was deleted), or in the
        triage channel of now when the one it is in is gone (archived, say, and an admin chose another)."""
        with self.sessions() as session:
            idea = session.get(Idea, row.payload["idea"])
            where = (idea.triage_channel_id, idea.triage_message_ts) if idea is not None else (None, None)
            if self._draw_card is None:
                raise Permanent("no_card_drawer")
            drawn = self._draw_card(session, idea) if idea is not None else None
        if drawn is None:
            return None, None, False  # the idea is gone: no card to show
        payload = {**row.payload, **drawn}  # with the triage channel of now, where a card is posted
        if where[0] and where[1]:  # a ts without its channel (a row written by hand) is no card to redraw
            try:
                return (*calls.update_message(client, where[0], where[1], payload), False)
            except SlackApiError as error:
                moved = error.response.get("error") in failures.CHANNEL_GONE and payload["channel"] != where[0]
                if error.response.get("error") != "message_not_found" and not moved:
                    raise
        return (*calls.post_message(client, row, payload=payload), True)

    def _after_sent(self, session: Session, row: Delivery, channel: str | None, ts: str | None,
                    posted_card: bool) -> None:
        if posted_card and channel and ts:
            remember_triage_card(session, row.payload["idea"], channel, ts)
        run_id = (row.payload.get("on_sent") or {}).get("digest_run")
        if run_id is not None and ts:
            mark_posted(session, int(run_id), ts, utcnow())

    def _run_job(self, row: Delivery) -> None:
        function = self.jobs.get(row.method.removeprefix("job:"))
        if function is None:
            self._failed(row, Permanent("unknown_job"))
            return
        try:
            function(Job(row.id, row.team_id, row.payload, self, bool(row.uncertain)))
        except Exception as error:  # noqa: BLE001
            outcome = classify(error)
            if isinstance(outcome, Transient) and outcome.error.startswith("bug:") and row.attempts == 1:
                logger.exception("sender: job %s (%s) failed; it will be tried again", row.id, row.method)
            self._failed(row, outcome)

    # --- failures ---------------------------------------------------------------------------------

    def _failed(self, row: Delivery, outcome: Transient | Permanent) -> None:
        now = utcnow()
        if isinstance(outcome, Transient) and now - row.created_at > GIVE_UP_AFTER:
            outcome = Permanent(f"gave_up:{outcome.error}")
        with self.sessions.begin() as session:
            if isinstance(outcome, Transient):
                wait = outcome.retry_after or min(MAX_BACKOFF, 2.0 ** (row.attempts - 1)) * random.uniform(0.5, 1.0)
                at = now + timedelta(seconds=wait)
                outbox.mark_retry(session, row.id, self.id, at, outcome.error, uncertain=outcome.uncertain)
                logger.info("sender: delivery %s (%s) will be tried again in %.0f s: %s", row.id, row.method, wait,
                            outcome.error)
                return
            if (rerouted := failures.record_refusal(session, row, self.id, outcome, now)) is None:
                return  # the lease was lost meanwhile: whoever has the row records it
        if outcome.state == outbox.FAILED:
            logger.warning("sender: delivery %s (%s to %s) cannot be delivered: %s%s", row.id, row.method,
                           row.payload.get("channel") or row.payload.get("user") or row.payload.get("user_id") or "",
                           outcome.error, "; trying its alternate" if rerouted else "")
        self.wake()

    # --- upkeep -----------------------------------------------------------------------------------

    def _prune_now_and_then(self) -> None:
        now = utcnow()
        if now - self._pruned_at < timedelta(hours=1):
            return
        self._pruned_at = now
        with self.sessions.begin() as session:
            outbox.prune(session, now - KEEP)

    def drain(self, timeout: float = 10.0, *, retries_too: bool = False) -> None:
        """Waits until nothing due is left and nothing is in flight (tests, and a clean shutdown); with
        `retries_too`, also until what waits for a retry is done."""
        deadline = utcnow() + timedelta(seconds=timeout)
        while utcnow() < deadline:
            self.wake()
            with self.sessions() as session:
                left = outbox.outstanding(session, None if retries_too else utcnow())
            if left == 0 and not self.busy:
                return
            self._stop.wait(0.02)
        raise TimeoutError("the sender did not catch up")
