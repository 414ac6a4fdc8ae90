"""The scheduler's own timing: a run that comes late (the process starved, paused or busy) still runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Delivery, make_sessions, utcnow
from runtime import clock
from tests.flows import wait_until


def test_a_tracker_sweep_that_comes_late_still_runs_rather_than_waiting_a_day(engine, settings):
    """APScheduler skips a run more than its grace late (1 s unless told): for a daily job, a whole day."""
    scheduler = clock.start(make_sessions(engine), settings, None, lambda: None, trackers=("github",))
    try:
        scheduler.pause()
        scheduler.modify_job("tracker_sweep", next_run_time=utcnow() - timedelta(seconds=30))
        scheduler.resume()

        def swept() -> bool:
            with Session(engine) as session:
                return session.scalar(select(Delivery.id).where(Delivery.key == "sweep:github")) is not None

        wait_until(swept, timeout=10)
    finally:
        scheduler.shutdown(wait=False)
