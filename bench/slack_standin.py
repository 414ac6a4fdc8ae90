"""Slack's side of bench/steady.py: one asyncio event loop in a process of its own, so it spends none of
the app's CPU while it waits. It answers every method the app calls with a plausible body after a delay
the parent sets, counts calls per method, and measures each views.open against its trigger's send time
(`trigger-<epoch>-<n>`). The parent steers it over a pipe through `StandIn`."""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing
import multiprocessing.connection
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TEAM = "T1"
TRIGGER_LIFE = 3.0  # seconds: Slack's acks and triggers both last this long


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
