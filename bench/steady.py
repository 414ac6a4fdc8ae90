"""Steady load against a Slack that answers late: ack latency, forms opened in time, no work lost,
throughput and CPU at saturation, and a web worker's memory by listener thread count.

Our app and the bare Bolt app (`bench/bare_app.py`) run under the same gunicorn line as `bench/ack.py`
(2 workers x 8 threads) and get the same signed requests, a realistic mix: `/idea <an ask>` (ack, then
views.open), `/idea list` (answered in the ack, from the database), `/idea help` (answered in the ack)
and the "+1 / I have this problem too" button on an idea seeded into the database, pressed by someone
who did not ask for it (ack, then a database read and views.open of a small form).

Open-loop clients send at a fixed offered rate, each on its own beat and out of step with the others;
a request that falls behind its beat goes at once, and how far behind the worst one fell is reported.
Each trigger_id carries its send time (`trigger-<epoch>-<n>`); our app passes it to views.open
unchanged, so Slack's side can tell how long after its trigger each form was asked for.

Slack's side is one asyncio event loop in a process of its own, so it spends none of our CPU while it
waits: it answers every method the app calls with a plausible body after `await asyncio.sleep(delay)`,
and counts calls per method. The parent steers it over a pipe (the delay; "what have you seen"; "hand
over what you recorded and start again") and gets the figures back the same way.

Scenarios: (a) 150 requests/s for 30 s with Slack 150 ms away, alternating rounds; (b) 80 requests/s
for 30 s with Slack at 1 s a call; (c) saturation by closed-loop clients with Slack at 0 ms, with CPU
per request from the workers' /proc/<pid>/stat; (d) worker RSS after (a)'s load with LISTENER_THREADS
at 8, 32 (the default; (a)'s own runs) and 128. `python -m bench.steady` runs these alone and prints
their tables (`--write` puts them into bench/RESULTS.md, `--quick` is a short smoke run).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import quantiles
from typing import Any

from alembic import command
from alembic.config import Config

from bench.ack import APPS, ROOT, _serve
from bench.load import ASK, FORMS, MIX, REQUESTER, Load, closed, saturate, steady
from bench.slack_standin import TEAM, TRIGGER_LIFE, StandIn
from bench.steady_report import OURS, section, write
from bot.ideas import IdeaDraft, submit_idea
from models import make_engine, make_sessions
from tests.flows import GOOD
from tests.slack_requests import SIGNING_SECRET

# --- the workers ----------------------------------------------------------------------------------


def _workers(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def _cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (fields 14 and 15 of /proc/<pid>/stat, after the command name)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _status(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def _log_problems(path: Path, start: int) -> dict[str, Any]:
    """Warnings and errors in a server's stderr from `start` on: our JSON lines and gunicorn's own."""
    counts: Counter = Counter()
    samples: list[str] = []
    with path.open("rb") as log:
        log.seek(start)
        text = log.read().decode(errors="replace")
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            level, message = str(entry.get("level", "")), str(entry.get("message", line))
        except ValueError:
            level = next((name for name in ("CRITICAL", "ERROR", "WARNING") if f"[{name}]" in line), "")
            message = line
        if level in ("WARNING", "ERROR", "CRITICAL"):
            counts[level] += 1
            if len(samples) < 3 and message[:80] not in samples:
                samples.append(message[:80])
    return {"warnings": counts["WARNING"], "errors": counts["ERROR"] + counts["CRITICAL"], "samples": samples}


# --- one run --------------------------------------------------------------------------------------


def _outbox(database: str) -> Counter:
    """The outbox's rows by state: what the app owed people, and what became of it."""
    with sqlite3.connect(database.removeprefix("sqlite:///")) as connection:
        return Counter(dict(connection.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()))


@dataclass
class Bench:
    folder: Path
    slack: StandIn
    env: dict[str, str]
    idea_id: int
    runs: int = 0


def _run(bench: Bench, app: str, load: Callable[[str], Load], *, threads: int | None = None) -> dict[str, Any]:
    """Starts `app` fresh, warms it up, applies `load`, waits for the forms it owes, and measures."""
    target = dict(APPS)[app]
    env = bench.env | ({"LISTENER_THREADS": str(threads)} if threads else {})
    bench.runs += 1
    log_path = bench.folder / f"run-{bench.runs}.log"
    ours = app == OURS
    with log_path.open("w") as log:
        server, base = _serve(target, env, log=log)
        try:
            warm = closed(base, bench.slack.response_url, bench.idea_id, 8, 8)
            bench.slack.wait_for_forms(warm.sent(*FORMS) if ours else 0, timeout=15)
            bench.slack.collect()
            log.flush()
            start_of_load = log_path.stat().st_size  # start-up's and warm-up's lines are not the load's
            workers = _workers(server.pid)
            owed = _outbox(bench.env["DATABASE_URL"])
            cpu = _cpu_seconds(workers)
            done = load(base)
            forms = done.sent(*FORMS) if ours else 0
            drain = bench.slack.wait_for_forms(forms, timeout=15)
            cpu = _cpu_seconds(workers) - cpu
            time.sleep(1.0)  # the sender's poll: anything owed meanwhile has had its chance to go
            slack = bench.slack.collect()
            owed = _outbox(bench.env["DATABASE_URL"]) - owed
            rss = max(_status(pid, "VmRSS") for pid in workers) / 1024
            each = sorted((_status(pid, "Threads") for pid in workers), reverse=True)
            restarted = sorted(_workers(server.pid)) != sorted(workers)
        finally:
            server.terminate()
            server.wait(timeout=20)
    return _figures(done, slack, forms) | {
        "app": app, "drain": drain, "cpu_ms": cpu * 1000 / max(1, len(done.latencies)), "rss_mib": rss,
        "threads": each[0], "threads_each": each, "restarted": restarted, "listener_threads": threads or 32,
        "outbox": dict(owed),
    } | _log_problems(log_path, start_of_load)


def _cuts(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (0.0, 0.0, 0.0)
    cuts = quantiles(values, n=100)
    return cuts[49], cuts[94], cuts[98]


def _figures(load: Load, slack: dict[str, Any], forms: int) -> dict[str, Any]:
    seconds = [latency for _, latency, _ in load.latencies]
    p50, p95, p99 = _cuts(seconds)
    lags = slack["lags"]
    by_kind = {kind: _cuts([latency for k, latency, _ in load.latencies if k == kind])[2] * 1000 for kind in MIX}
    return {
        "requests": len(seconds), "rps": len(seconds) / load.seconds, "slip": load.slip,
        "p50": p50 * 1000, "p95": p95 * 1000, "p99": p99 * 1000, "max": max(seconds, default=0) * 1000,
        "p99_by_kind": by_kind,
        "acks_over_3s": sum(1 for latency in seconds if latency > TRIGGER_LIFE),
        "not_200": sum(1 for _, _, status in load.latencies if status != 200),
        "statuses": dict(Counter(status for _, _, status in load.latencies)),
        "forms_owed": forms, "views_open": slack["calls"].get("views.open", 0), "calls": slack["calls"],
        "lag_p50": _cuts(lags)[0], "lag_p99": _cuts(lags)[2], "lag_max": max(lags, default=0.0),
        "lags_over_3s": sum(1 for lag in lags if lag > TRIGGER_LIFE), "trigger_reused": slack["trigger_reused"],
        "peak_in_flight": slack["peak_in_flight"],
    }


# --- the scenarios --------------------------------------------------------------------------------


def _seed(folder: Path) -> tuple[str, int]:
    """A migrated SQLite file with one open idea asked for by U1, for U2 to support."""
    database = f"sqlite:///{folder}/outcomes.db"
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes.update(url=database, configure_logger=False)
    command.upgrade(config, "head")
    engine = make_engine(database)
    try:
        with make_sessions(engine).begin() as session:
            idea, _ = submit_idea(session, team_id=TEAM, submitter_id=REQUESTER, draft=IdeaDraft(ask=ASK, **GOOD))
            return database, idea.id
    finally:
        engine.dispose()


@dataclass
class Plan:
    seconds: float = 30.0  # each open-loop run
    rounds: int = 3  # of (a)
    saturation_seconds: float = 10.0
    saturation_rounds: int = 2
    thread_counts: tuple[int, ...] = (8, 128)  # besides the default 32, which (a) measures


QUICK = Plan(seconds=5.0, rounds=1, saturation_seconds=3.0, saturation_rounds=1)


def run(plan: Plan | None = None) -> dict[str, Any]:
    plan = plan or Plan()
    with tempfile.TemporaryDirectory() as name, StandIn() as slack:
        folder = Path(name)
        database, idea_id = _seed(folder)
        env = {
            "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": database, "RUN_SCHEDULER": "false",
            "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.api_url,
            "LOG_FORMAT": "json", "TRIAGE_CHANNEL": "CTRIAGE", "PM_USER_IDS": "UPM",
        }
        bench = Bench(folder, slack, env, idea_id)
        url = slack.response_url
        results: dict[str, Any] = {"plan": plan}

        slack.delay(0.15)
        at_150 = functools.partial(steady, response_url=url, idea_id=idea_id, rate=150, seconds=plan.seconds)
        results["a"] = [[_run(bench, app, at_150) for app, _ in APPS] for _ in range(plan.rounds)]
        results["d"] = [_run(bench, OURS, at_150, threads=threads) for threads in plan.thread_counts]

        slack.delay(1.0)
        at_80 = functools.partial(steady, response_url=url, idea_id=idea_id, rate=80, seconds=plan.seconds)
        results["b"] = [_run(bench, app, at_80) for app, _ in APPS]

        slack.delay(0.0)
        flat_out = functools.partial(saturate, response_url=url, idea_id=idea_id, seconds=plan.saturation_seconds)
        results["c"] = [[_run(bench, app, flat_out) for app, _ in APPS] for _ in range(plan.saturation_rounds)]
        return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.steady", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 s runs, one round: a smoke test")
    parser.add_argument("--write", action="store_true", help="put the tables into bench/RESULTS.md")
    args = parser.parse_args(argv)
    lines = section(run(QUICK if args.quick else None))
    print("\n".join(lines))
    if args.write:
        write(lines)


if __name__ == "__main__":
    main()
