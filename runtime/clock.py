"""The scheduler: every minute, owe the digests that are due and the outcome check-ins.

The web process runs it in the background by default; `python app.py clock` runs it alone (with a
sender), for deployments that set RUN_SCHEDULER=false on their web processes. Running it in several
processes at once is safe: each digest period and each check-in is claimed in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot.digests.intro import IntroWriter
from bot.settings import Settings
from models import utcnow
from runtime.scheduled import owe_due_check_ins, owe_due_digests, owe_sweeps

TICK_SECONDS = 60


SWEEP_HOURS = 24


def start(sessions: sessionmaker[Session], settings: Settings, intro: IntroWriter | None,
          wake: Callable[[], None], *, blocking: bool = False, trackers: tuple[str, ...] = ()) -> BaseScheduler:
    """Every minute the digests and check-ins; every day, with a tracker configured, the sweep that reads
    the state of every linked issue (webhooks get lost)."""
    # APScheduler logs "Running job" and "executed successfully" for every run: four lines a minute, all
    # day. A run that fails, or is missed or skipped, is still logged (a warning or an error), by name.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    scheduler = BlockingScheduler(timezone="UTC") if blocking else BackgroundScheduler(timezone="UTC", daemon=True)
    jobs = {
        "digests": lambda: owe_due_digests(sessions, intro, utcnow(), wake),
        "check_ins": lambda: owe_due_check_ins(sessions, settings, utcnow(), wake),
    }
    for job_id, job in jobs.items():
        # A run late by less than a tick (the process starved, a long GC) still runs; coalesce keeps it one.
        scheduler.add_job(job, "interval", seconds=TICK_SECONDS, id=job_id, name=job_id, next_run_time=utcnow(),
                          max_instances=1, coalesce=True, misfire_grace_time=TICK_SECONDS)
    if trackers:
        scheduler.add_job(lambda: owe_sweeps(sessions, trackers, wake), "interval", hours=SWEEP_HOURS,
                          id="tracker_sweep", name="tracker_sweep", next_run_time=utcnow() + timedelta(minutes=5),
                          # APScheduler's default grace is 1 s: a late sweep would wait a whole day.
                          max_instances=1, coalesce=True, misfire_grace_time=None)
    scheduler.start()
    return scheduler
