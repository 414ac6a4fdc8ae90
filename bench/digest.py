"""Digest cost: building one channel's digest in a workspace with a long history.

Seeds N ideas with five decisions each straight into a migrated database: the same 200 ideas active
this week, the rest spread over four years. Then times `compose` for the latest week and counts its
queries. Neither may grow with history (targets: under 200 ms, constant queries).
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, insert

from bot.digests.compose import compose
from models import Decision, Idea, make_engine, make_sessions

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
PATH = ["discovery", "delivery", "shipped", "reviewed"]
RECENT = 200


def seed(url: str, ideas: int) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes.update(url=url, configure_logger=False)
    command.upgrade(config, "head")
    engine = make_engine(url)
    rng = random.Random(7)
    with engine.begin() as connection:
        for first in range(1, ideas + 1, 5000):
            batch = range(first, min(first + 5000, ideas + 1))
            idea_rows, decision_rows = [], []
            for idea_id in batch:
                recent = idea_id <= RECENT  # the same week of activity whatever the size of the history
                created = NOW - timedelta(days=rng.uniform(1, 6) if recent else rng.uniform(30, 1500))
                idea_rows.append(dict(id=idea_id, team_id="T1", requester_id="U1", ask="ask", outcome="outcome " * 5,
                                      problem="problem", stage="reviewed", source_channel_id="C1",
                                      created_at=created, updated_at=created))
                when = created
                stage = "candidate"
                for to in ["candidate"] + PATH:
                    if to == "candidate":
                        continue
                    when += timedelta(hours=rng.uniform(1, 20 if recent else 200))
                    decision_rows.append(dict(team_id="T1", idea_id=idea_id, from_stage=stage, to_stage=to,
                                              reason="because", decided_by="UPM", decided_at=min(when, NOW),
                                              result="met" if to == "reviewed" else None))
                    stage = to
                # a fifth decision: a re-review note long ago keeps the count at five per idea
                decision_rows.append(dict(team_id="T1", idea_id=idea_id, from_stage="candidate", to_stage="discovery",
                                          reason="first look", decided_by="UPM", decided_at=created, result=None))
            connection.execute(insert(Idea), idea_rows)
            connection.execute(insert(Decision), decision_rows)
    engine.dispose()


def measure(url: str) -> tuple[float, int]:
    engine = make_engine(url)
    queries: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: queries.append(args[2]))
    sessions = make_sessions(engine)
    best = float("inf")
    for _ in range(5):
        queries.clear()
        with sessions() as session:
            started = time.perf_counter()
            compose(session, "T1", NOW - timedelta(days=7), NOW, "C1")
            best = min(best, time.perf_counter() - started)
    engine.dispose()
    return best * 1000, len(queries)


def run(sizes: tuple[int, ...] = (10_000, 100_000)) -> list[dict[str, float]]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            url = f"sqlite:///{folder}/digest-{size}.db"
            seed(url, size)
            milliseconds, queries = measure(url)
            results.append({"ideas": size, "decisions": size * 5, "milliseconds": milliseconds, "queries": queries})
    return results
