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
import asyncio
import functools
import itertools
import json
import multiprocessing
import multiprocessing.connection
import os
import random
import sqlite3
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median, quantiles
from typing import Any

from alembic import command
from alembic.config import Config

from bench.ack import APPS, ROOT, _serve
from bot.ideas import IdeaDraft, submit_idea
from models import make_engine, make_sessions
from tests.flows import GOOD
from tests.slack_requests import SIGNING_SECRET, Reply, SlackSender

BARE, OURS = (name for name, _ in APPS)
ASK = "Add a CSV export button to the reports page"
MIX = ("ask", "list", "help", "button")
FORMS = ("ask", "button")  # the kinds that end in views.open
TEAM, REQUESTER, SUPPORTER = "T1", "U1", "U2"
TRIGGER_LIFE = 3.0  # seconds: Slack's acks and triggers both last this long
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Steady load against a slow Slack (`bench/steady.py`)"
_sequence = itertools.count(1)


# --- Slack's side ---------------------------------------------------------------------------------


def slack_standin(control: multiprocessing.connection.Connection) -> None:
    """Sends (API url, response url) on `control`, then answers Slack's calls and the parent's commands."""
    asyncio.run(_standin(control))


@dataclass
class _Record:
    calls: Counter = field(default_factory=Counter)
    lags: list[float] = field(default_factory=list)  # views.open: seconds from its trigger's creation to arrival
    triggers: Counter = field(default_factory=Counter)
    in_flight: int = 0
    peak: int = 0  # most calls waiting on the delay at once

    def figures(self) -> dict[str, Any]:
        return {"calls": dict(self.calls), "lags": list(self.lags), "peak_in_flight": self.peak,
                "trigger_reused": sum(count - 1 for count in self.triggers.values() if count > 1)}


async def _standin(control: multiprocessing.connection.Connection) -> None:
    record = _Record()
    delay = 0.0
    numbers = itertools.count(1)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal record
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                headers = {name.strip().lower(): value.strip()
                           for name, value in (line.split(":", 1) for line in lines if ":" in line)}
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                arrived = time.time()
                path = request_line.split(" ")[1].split("?")[0]
                method = path.rsplit("/", 1)[-1] if "/api/" in path else "response_url"
                args = _arguments(body, headers.get("content-type", ""))
                mine = record  # a collect while we sleep starts a new record; this call belongs to the old one
                mine.calls[method] += 1
                if method == "views.open":
                    trigger = str(args.get("trigger_id", ""))
                    mine.triggers[trigger] += 1
                    sent = _trigger_time(trigger)
                    if sent is not None:
                        mine.lags.append(arrived - sent)
                mine.in_flight += 1
                mine.peak = max(mine.peak, mine.in_flight)
                try:
                    if delay:
                        await asyncio.sleep(delay)
                finally:
                    mine.in_flight -= 1
                writer.write(_response(method, args, next(numbers)))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, asyncio.CancelledError):
            pass  # the client closed the connection, or we are shutting down with it open
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, backlog=1024)
    base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    control.send((base + "/api/", base + "/respond"))
    loop = asyncio.get_running_loop()
    while True:
        order, *rest = await loop.run_in_executor(None, control.recv)
        if order == "delay":
            delay = float(rest[0])
            control.send(delay)
        elif order == "counts":
            control.send(dict(record.calls))
        elif order == "collect":
            control.send(record.figures())
            record = _Record()
        else:  # "stop"
            break
    server.close()


def _arguments(body: bytes, content_type: str) -> dict[str, Any]:
    """slack_sdk sends views.open and chat.postMessage as JSON, some methods as a form."""
    try:
        if "json" in content_type:
            return json.loads(body or b"{}")
        return {key: values[0] for key, values in urllib.parse.parse_qs(body.decode()).items()}
    except (ValueError, UnicodeDecodeError):
        return {}


def _trigger_time(trigger: str) -> float | None:
    """`trigger-<epoch>-<n>`, as the load generator makes them."""
    parts = trigger.split("-")
    try:
        return float(parts[1]) if len(parts) == 3 and parts[0] == "trigger" else None
    except ValueError:
        return None


def _response(method: str, args: dict[str, Any], number: int) -> bytes:
    """A plausible ok answer for each method the app calls (and a bare ok for any other)."""
    ts = f"{int(time.time())}.{number:06d}"  # fresh each time
    channel = str(args.get("channel") or "C1")
    view = {"id": f"V{number:08d}", "hash": f"{number}.h", "type": "modal", "team_id": TEAM}
    answers: dict[str, dict[str, Any]] = {
        "views.open": {"view": view}, "views.update": {"view": view}, "views.push": {"view": view},
        "views.publish": {"view": {**view, "type": "home"}},
        "chat.postMessage": {"channel": channel, "ts": ts, "message": {"type": "message", "ts": ts}},
        "chat.update": {"channel": channel, "ts": str(args.get("ts") or ts)},
        "chat.postEphemeral": {"message_ts": ts},
        "chat.getPermalink": {"channel": channel, "permalink": f"https://acme.slack.com/archives/{channel}/p1"},
        "conversations.open": {"channel": {"id": f"D{number:08d}"}},
        "conversations.join": {"channel": {"id": channel}},
        "conversations.history": {"messages": [], "has_more": False},
        "conversations.replies": {"messages": [], "has_more": False},
        "users.info": {"user": {"id": str(args.get("user") or "U1"), "is_admin": False, "tz": "UTC",
                                "tz_offset": 0}},
        "auth.test": {"team_id": TEAM, "user_id": "UBOT", "bot_id": "BBOT"},
    }
    if method == "response_url":
        body, kind = b"ok", b"text/plain"
    else:
        body, kind = json.dumps({"ok": True, **answers.get(method, {})}).encode(), b"application/json"
    return (b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s" % (kind, len(body), body))


class StandIn:
    """The stand-in's process and the parent's end of its pipe."""

    def __enter__(self) -> StandIn:
        self._pipe, theirs = multiprocessing.Pipe()
        self._process = multiprocessing.Process(target=slack_standin, args=(theirs,), daemon=True)
        self._process.start()
        self.api_url, self.response_url = self._pipe.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._pipe.send(("stop",))
        except OSError:
            pass  # it is gone already
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()

    def _ask(self, *order: object) -> Any:
        self._pipe.send(order)
        return self._pipe.recv()

    def delay(self, seconds: float) -> None:
        self._ask("delay", seconds)

    def counts(self) -> dict[str, int]:
        return self._ask("counts")

    def collect(self) -> dict[str, Any]:
        return self._ask("collect")

    def wait_for_forms(self, expected: int, timeout: float) -> float:
        """Seconds until `expected` views.open calls have arrived (or `timeout` passed)."""
        started = time.perf_counter()
        while self.counts().get("views.open", 0) < expected and time.perf_counter() - started < timeout:
            time.sleep(0.05)
        return time.perf_counter() - started


# --- our side: what Slack sends, at a rate --------------------------------------------------------


def _trigger() -> str:
    return f"trigger-{time.time():.6f}-{next(_sequence)}"


def _send(sender: SlackSender, kind: str, idea_id: int) -> Reply:
    if kind == "button":
        return sender.interaction({
            "type": "block_actions", "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": SUPPORTER, "username": "u2", "name": "u2", "team_id": TEAM},
            "api_app_id": "A1", "token": "legacy-verification-token", "trigger_id": _trigger(),
            "is_enterprise_install": False,
            "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C1"},
            "channel": {"id": "C1", "name": "triage"},
            "message": {"type": "message", "ts": "1700000000.000100", "text": "", "user": "UBOT"},
            "response_url": sender.response_url,
            "actions": [{"type": "button", "action_id": "support_idea", "block_id": "b", "value": str(idea_id),
                         "text": {"type": "plain_text", "text": "+1 / I have this problem too"},
                         "action_ts": f"{time.time():.6f}"}],
        })
    text = {"ask": ASK, "list": "list", "help": "help"}[kind]
    return sender.form({
        "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "acme", "channel_id": "C1",
        "channel_name": "general", "user_id": REQUESTER, "user_name": "u1", "command": "/idea", "text": text,
        "api_app_id": "A1", "is_enterprise_install": "false", "response_url": sender.response_url,
        "trigger_id": _trigger(),
    })


@dataclass
class Load:
    latencies: list[tuple[str, float, int]]  # (kind, seconds, HTTP status; 0 for no answer)
    seconds: float
    slip: float = 0.0  # how far behind its beat the latest request went

    def sent(self, *kinds: str) -> int:
        return sum(1 for kind, _, _ in self.latencies if kind in kinds)


def _clients(base: str, response_url: str, idea_id: int, clients: int,
             requests: Callable[[int], Callable[[], bool]], beat: Callable[[int], Callable[[], float | None]]
             ) -> Load:
    """Runs `clients` threads; each sends the mix (starting at its own place in it) while its `requests`
    says go, waiting for what its `beat` returns first (None: at once)."""
    latencies: list[tuple[str, float, int]] = []
    slips = [0.0]
    lock = threading.Lock()

    def client(number: int) -> None:
        sender, mine, slip = SlackSender(base, response_url), [], 0.0
        go, wait = requests(number), beat(number)
        for n in itertools.count(number):
            if not go():
                break
            due = wait()
            if due is not None:
                late = time.perf_counter() - due
                if late < 0:
                    time.sleep(-late)
                slip = max(slip, late)
            kind = MIX[n % len(MIX)]
            started = time.perf_counter()
            try:
                status = _send(sender, kind, idea_id).status
            except OSError:  # no answer within the client's 10 s
                status = 0
            mine.append((kind, time.perf_counter() - started, status))
        with lock:
            latencies.extend(mine)
            slips.append(slip)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(latencies, time.perf_counter() - started, max(slips))


def steady(base: str, response_url: str, idea_id: int, rate: float, seconds: float, clients: int = 100) -> Load:
    """Open loop: `rate` requests/s in all, each client on a fixed beat, starting at a random phase."""
    interval = clients / rate
    each = max(1, round(seconds / interval))
    start = time.perf_counter() + 0.2

    def beat(number: int) -> Callable[[], float]:
        beats = itertools.count(start + random.uniform(0, interval), interval)
        return lambda: next(beats)

    return _clients(base, response_url, idea_id, clients, _each(each), beat)


def saturate(base: str, response_url: str, idea_id: int, seconds: float, clients: int = 50) -> Load:
    """Closed loop, as bench/ack.py: each client sends as soon as it has its last answer, for `seconds`."""
    deadline = time.perf_counter() + seconds
    return _clients(base, response_url, idea_id, clients, lambda _: lambda: time.perf_counter() < deadline,
                    lambda _: lambda: None)


def closed(base: str, response_url: str, idea_id: int, clients: int, each: int) -> Load:
    """A fixed number of requests, closed loop: the warm-up."""
    return _clients(base, response_url, idea_id, clients, _each(each), lambda _: lambda: None)


def _each(requests: int) -> Callable[[int], Callable[[], bool]]:
    """Each client goes `requests` times."""
    def client(_: int) -> Callable[[], bool]:
        left = iter(range(requests))
        return lambda: next(left, None) is not None
    return client


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


# --- the report -----------------------------------------------------------------------------------


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _range(values: list[float]) -> str:
    return f"median {median(values):.2f} ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 \
        else f"{values[0]:.2f}"


def section(results: dict[str, Any]) -> list[str]:
    """bench/RESULTS.md's lines for these scenarios."""
    plan: Plan = results["plan"]
    lines = [
        HEADING,
        "",
        "Slack's side answers every call (views.open, chat.postMessage, conversations.open, response_url...) after",
        "a fixed delay, from one event loop in a process of its own, so it spends none of our CPU while it waits.",
        "The clients send a realistic mix in equal parts: `/idea <an ask>` (ack, then views.open), `/idea list`",
        "(answered in the ack, from the database), `/idea help` (answered in the ack) and the \"+1 / I have this",
        "problem too\" button on an idea in the database (ack, a read, then views.open). At a fixed offered rate,",
        "100 clients each send on a fixed beat, out of step with one another. Both apps run under the same",
        "gunicorn line (2 workers x 8 threads) on the same 2 cores as the clients, and get the same requests; the",
        "bare Bolt app only acks. The lag of a form is from its trigger's creation (the trigger_id carries the",
        "send time) to views.open arriving at Slack's side.",
        "",
    ]
    lines += _section_a(results["a"], plan)
    lines += _section_b(results["b"], plan)
    lines += _section_c(results["c"], plan)
    lines += _section_d(results["a"], results["d"], results["b"][1])
    return lines


def _problems(row: dict[str, Any]) -> str:
    said = f"{row['warnings']} warnings, {row['errors']} errors" + (", a worker restarted" if row["restarted"] else "")
    return said + (f" (e.g. \"{row['samples'][0]}\")" if row["samples"] else "")


def _section_a(rounds: list[list[dict[str, Any]]], plan: Plan) -> list[str]:
    ratios = [ours["p99"] / bare["p99"] for bare, ours in rounds]
    lines = [
        f"### (a) 150 requests/s for {plan.seconds:.0f} s, Slack 150 ms away",
        "",
        f"Target: our ack p99 at most 1.3 x the bare app's. The apps take turns, {len(rounds)} rounds.",
        "",
        "| round | app | requests | requests/s | p50 ms | p95 ms | p99 ms | max ms | not 200 | forms owed / "
        "views.open | max form lag s | CPU ms per request |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, pair in enumerate(rounds, start=1):
        for row in pair:
            forms = f"{row['forms_owed']} / {row['views_open']}" if row["app"] == OURS else "-"
            lag = f"{row['lag_max']:.2f}" if row["app"] == OURS else "-"
            lines.append(f"| {number} | {row['app']} | {row['requests']} | {row['rps']:.0f} | {row['p50']:.1f} | "
                         f"{row['p95']:.1f} | {row['p99']:.1f} | {row['max']:.0f} | {row['not_200']} | {forms} | "
                         f"{lag} | {row['cpu_ms']:.2f} |")
    ours = [pair[1] for pair in rounds]
    kinds = ", ".join(f"{kind} {median(row['p99_by_kind'][kind] for row in ours):.1f}" for kind in MIX)
    lines += [
        "",
        f"p99 ratio, outcome-bot to bare Bolt: {_range(ratios)} (rounds: {', '.join(f'{r:.2f}' for r in ratios)}); "
        f"target <= 1.3: {_verdict(median(ratios) <= 1.3)}.",
        f"Our p99 by request, ms (median of rounds): {kinds}. The latest a client fell behind its beat: "
        f"{max(row['slip'] for pair in rounds for row in pair) * 1000:.0f} ms. "
        f"Our logs: {_problems(ours[-1])} (last round).",
        "",
    ]
    return lines


def _section_b(pair: list[dict[str, Any]], plan: Plan) -> list[str]:
    bare, ours = pair
    lost = (ours["forms_owed"] != ours["views_open"] or ours["not_200"] or ours["trigger_reused"]
            or set(ours["outbox"]) - {"sent"})
    met = (ours["acks_over_3s"] == 0 and ours["max"] < TRIGGER_LIFE * 1000 and ours["lags_over_3s"] == 0
           and not lost)
    others = {method: count for method, count in ours["calls"].items() if method != "views.open"}
    lines = [
        f"### (b) 80 requests/s for {plan.seconds:.0f} s, Slack at 1,000 ms a call",
        "",
        "Targets: every ack under 3 s, every form asked for within 3 s of its trigger, no work lost (a views.open",
        "for every `/idea <ask>` and button sent, every request answered 200). One run each.",
        "",
        "| app | requests | requests/s | p50 ms | p99 ms | max ack ms | acks over 3 s | not 200 | forms owed | "
        "views.open received | form lag p50 / p99 / max s | lags over 3 s | CPU ms per request |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in pair:
        if row["app"] == OURS:
            tail = (f"{row['forms_owed']} | {row['views_open']} | {row['lag_p50']:.2f} / {row['lag_p99']:.2f} / "
                    f"{row['lag_max']:.2f} | {row['lags_over_3s']} |")
        else:
            tail = "- | - | - | - |"
        tail += f" {row['cpu_ms']:.2f} |"
        lines.append(f"| {row['app']} | {row['requests']} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | "
                     f"{row['max']:.0f} | {row['acks_over_3s']} | {row['not_200']} | {tail}")
    lines += [
        "",
        f"Targets: {_verdict(met)}. Slack answers each views.open 1 s after it arrives, so the last form "
        f"appeared {ours['lag_max'] + 1:.2f} s after its trigger. Our forms were all asked for {ours['drain']:.1f} s "
        f"after the last ack; at most {ours['peak_in_flight']} calls waited on Slack at once; triggers used twice: "
        f"{ours['trigger_reused']}; other Slack calls: {json.dumps(others) if others else 'none'}; rows the outbox "
        f"gained: {json.dumps(ours['outbox']) if ours['outbox'] else 'none'}. Our logs: {_problems(ours)}. "
        f"Statuses: bare {bare['statuses']}, ours {ours['statuses']}.",
        "",
    ]
    return lines


def _section_c(rounds: list[list[dict[str, Any]]], plan: Plan) -> list[str]:
    ratios = [ours["rps"] / bare["rps"] for bare, ours in rounds]
    lines = [
        f"### (c) Saturation, Slack 0 ms away: 50 closed-loop clients for {plan.saturation_seconds:.0f} s",
        "",
        "Target: our throughput at least 0.6 x the bare app's. CPU is the gunicorn workers' utime + stime",
        "(/proc/<pid>/stat) from the end of the warm-up until our last form was asked for, per request.",
        "",
        "| round | app | requests | requests/s | p50 ms | p99 ms | CPU ms per request | forms owed / views.open | "
        "forms done after the last ack, s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, pair in enumerate(rounds, start=1):
        for row in pair:
            forms = f"{row['forms_owed']} / {row['views_open']}" if row["app"] == OURS else "-"
            drain = f"{row['drain']:.1f}" if row["app"] == OURS else "-"
            lines.append(f"| {number} | {row['app']} | {row['requests']} | {row['rps']:,.0f} | {row['p50']:.1f} | "
                         f"{row['p99']:.1f} | {row['cpu_ms']:.2f} | {forms} | {drain} |")
    cpu = [ours["cpu_ms"] / bare["cpu_ms"] for bare, ours in rounds]
    lines += [
        "",
        f"Throughput ratio, outcome-bot to bare Bolt: {_range(ratios)}; target >= 0.6: "
        f"{_verdict(median(ratios) >= 0.6)}. CPU per request, ours to bare: {_range(cpu)}.",
        "",
    ]
    return lines


def _section_d(a: list[list[dict[str, Any]]], d: list[dict[str, Any]], b: dict[str, Any]) -> list[str]:
    rows = sorted([pair[1] for pair in a] + d, key=lambda row: row["listener_threads"])
    bare = [pair[0] for pair in a]
    lines = [
        "### (d) Worker memory by listener thread count",
        "",
        "The larger gunicorn worker's VmRSS after the (a) load (150 requests/s, Slack 150 ms away), with",
        "LISTENER_THREADS at 8, 32 (the default: the (a) runs above) and 128, and the threads the worker had",
        "by then (gunicorn's 8, the listener pool's, the sender's; a pool starts a thread only when none is",
        "idle, up to its limit). The last row is after (b), where the forms wait 1 s on Slack.",
        "",
        "| app | load | LISTENER_THREADS | worker RSS MiB | threads in each worker | p99 ack ms |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {BARE} | (a) | - | {median(row['rss_mib'] for row in bare):.0f} | "
        f"{' / '.join(map(str, bare[-1]['threads_each']))} | {median(row['p99'] for row in bare):.1f} |",
    ]
    for row in rows:
        lines.append(f"| {OURS} | (a) | {row['listener_threads']} | {row['rss_mib']:.0f} | "
                     f"{' / '.join(map(str, row['threads_each']))} | {row['p99']:.1f} |")
    lines.append(f"| {OURS} | (b) | {b['listener_threads']} | {b['rss_mib']:.0f} | "
                 f"{' / '.join(map(str, b['threads_each']))} | {b['p99']:.1f} |")
    ours = [row["rss_mib"] for row in rows]
    lines += [
        "",
        f"Our worker RSS spans {min(ours):.0f}-{max(ours):.0f} MiB whatever the limit: the pool grows only to the "
        "threads the load keeps busy, and an idle thread's stack is mostly untouched memory. The limit shows in "
        "the ack instead: Bolt runs the ack inside the listener, so while every listener thread waits on "
        "views.open, the next request's ack waits for one.",
        "",
    ]
    return lines


def write(lines: list[str]) -> None:
    """Puts `lines` in bench/RESULTS.md in place of this section (or at its end)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    head, found, rest = text.partition(HEADING)
    after = rest[rest.find("\n## ") + 1:] if found and "\n## " in rest else ""
    parts = [head.rstrip("\n"), "\n".join(lines).rstrip("\n"), after.rstrip("\n")]
    RESULTS.write_text("\n\n".join(part for part in parts if part) + "\n", encoding="utf-8")


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
