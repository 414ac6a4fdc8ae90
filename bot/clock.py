"""The scheduler: every minute, post the digests that are due and ask the outcome check-ins.

The web process runs it in the background by default; `python -m bot.clock` runs it alone, for
deployments that set RUN_SCHEDULER=false on their web processes. Running it in several processes
at once is safe: each period is claimed in the database before it is posted.
"""

from __future__ import annotations

import logging
import sys

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot.digest_runs import Post, run_due_digests
from bot.reviews import Ask, ask_due_check_ins
from models import utcnow

TICK_SECONDS = 60


def start(sessions: sessionmaker[Session], post: Post, ask: Ask, *, blocking: bool = False) -> BaseScheduler:
    """Every minute: post due digests, and ask due outcome check-ins."""
    scheduler = BlockingScheduler(timezone="UTC") if blocking else BackgroundScheduler(timezone="UTC", daemon=True)
    jobs = {
        "digests": lambda: run_due_digests(sessions, post, utcnow()),
        "check_ins": lambda: ask_due_check_ins(sessions, ask, utcnow()),
    }
    for job_id, job in jobs.items():
        scheduler.add_job(
            job, "interval", seconds=TICK_SECONDS, id=job_id, next_run_time=utcnow(), max_instances=1, coalesce=True
        )
    scheduler.start()
    return scheduler


def main() -> int:
    from dotenv import find_dotenv, load_dotenv

    from bot import usage
    from bot.coach import digest_intro_writer, make_coach
    from bot.settings import ConfigError, Settings
    from bot.slack import check_in_asker, digest_poster, make_client
    from models import make_engine, make_sessions

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    load_dotenv(find_dotenv(usecwd=True), override=False)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"outcome-bot clock cannot start: {error}", file=sys.stderr)
        return 2
    sessions = make_sessions(make_engine(settings.database_url, settings.database_pool_size))
    intro = digest_intro_writer(settings, make_coach(settings, usage.recorder(sessions)))
    logging.getLogger(__name__).info("outcome-bot clock: checking for due digests every %ss", TICK_SECONDS)
    client = make_client(settings)
    start(sessions, digest_poster(client, intro), check_in_asker(client), blocking=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
