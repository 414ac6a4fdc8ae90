"""Ack latency under load, and a web worker's memory after it.

Runs our app and a bare Bolt app that only acks under the same gunicorn settings as the Procfile (2
workers, 8 threads), against a local fake Slack, and sends each the same signed requests from
concurrent clients: `/idea help`, `/idea <an ask>` (ack, then views.open) and a decision button for an
idea that does not exist (ack, then a database read and a reply). Reports p50/p95/p99 and requests per
second, our p99 as a ratio of the baseline's, and the RSS of our workers after the run. By default
each client sends as soon as it has its answer (saturation); with `interval` it sends on a steady beat.
The two apps take turns for several rounds, so a noisy minute on a shared machine falls on both.

Slack's side runs in a process of its own: only our app calls it, and served from the load
generator's process it would take that process's interpreter lock from the clients timing us, and
from no one timing the bare app. By default it is a responder that only says ok and, like Slack, keeps
connections open, since the real Slack spends none of our CPU; `run(checked=True)` uses the tests'
fake, which validates every payload.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing
import multiprocessing.connection
import multiprocessing.synchronize
import os
import random
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from statistics import quantiles
from typing import IO

from alembic import command
from alembic.config import Config

from tests.fake_slack import FakeSlack
from tests.slack_requests import SIGNING_SECRET, SlackSender

ROOT = Path(__file__).resolve().parent.parent


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(target: str, env: dict[str, str], log: IO[str] | None = None) -> tuple[subprocess.Popen, str]:
    """Starts gunicorn as the Procfile does (2 workers x 8 threads); its stderr goes to `log`, if given."""
    port = _port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "8", target],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            return server, base
        except urllib.error.HTTPError:  # the bare app has no /healthz: a 404 means it is up
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{target} did not start")


def _load(base: str, response_url: str, clients: int, per_client: int, interval: float = 0.0
          ) -> tuple[list[float], float]:
    """Each client sends as soon as its last request is answered, or with `interval`, on a fixed beat
    (a late request goes at once): closed-loop saturation, or a steady offered load."""
    senders = [SlackSender(base, response_url) for _ in range(clients)]
    button = {"action_id": "idea_move_discovery", "value": "999999:candidate", "block_id": "b"}
    latencies: list[float] = []
    lock = threading.Lock()

    def client(sender: SlackSender) -> None:
        mine = []
        beat = time.perf_counter() + random.uniform(0, interval)  # clients out of step, as people are
        for n in itertools.islice(itertools.count(), per_client):
            if interval:
                time.sleep(max(0.0, beat - time.perf_counter()))
                beat += interval
            started = time.perf_counter()
            kind = n % 3
            if kind == 0:
                reply = sender.command("help")
            elif kind == 1:
                reply = sender.command("Add a CSV export button to the reports page")
            else:
                reply = sender.press(button, user="UPM")
            mine.append(time.perf_counter() - started)
            assert reply.status == 200, reply
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(sender,)) for sender in senders]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, len(latencies) / (time.perf_counter() - started)


def _rss_mib(master: int) -> float:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total = max(total, int(line.split()[1]))
    return total / 1024


def _figures(latencies: list[float], rate: float) -> dict[str, float]:
    cuts = quantiles(latencies, n=100)
    return {"p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000, "rps": rate,
            "requests": len(latencies)}


def fake_slack(addresses: multiprocessing.connection.Connection, stop: multiprocessing.synchronize.Event,
               checked: bool, certificate: tuple[str, str] | None = None) -> None:
    """Sends (API url, response url) on `addresses`, then answers until `stop`; over TLS with a
    (certificate, key) pair."""
    if checked:
        with FakeSlack() as slack:
            addresses.send((slack.url, slack.response_url()))
            stop.wait()
        return
    asyncio.run(_answer_ok(addresses, stop, certificate))


_OK_BODY = json.dumps({"ok": True, "view": {"id": "VBENCH", "hash": "h"}, "channel": "C1", "ts": "1.1"}).encode()
_OK = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
       b"Content-Length: %d\r\n\r\n%s" % (len(_OK_BODY), _OK_BODY))


async def _answer_ok(addresses: multiprocessing.connection.Connection, stop: multiprocessing.synchronize.Event,
                     certificate: tuple[str, str] | None) -> None:
    """Slack's side at the least CPU: one event loop that reads each request and says ok, keeping the
    connection open for the next, as Slack does."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                writer.write(_OK)
                await writer.drain()
                if b"\r\nconnection: close" in head.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client closed the connection, or we are shutting down with it open
        writer.close()

    tls = None
    if certificate is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*certificate)
    server = await asyncio.start_server(answer, "127.0.0.1", 0, backlog=1024, ssl=tls)
    base = f"{'https' if tls else 'http'}://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    addresses.send((base + "/api/", base + "/respond"))
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    server.close()


APPS = (("bare Bolt app", "bench.bare_app:wsgi()"), ("outcome-bot", "app:wsgi()"))


def run(clients: int = 50, per_client: int = 200, checked: bool = False, interval: float = 0.0, rounds: int = 3
        ) -> dict[str, list[dict[str, float]]]:
    """Each app's figures, one per round."""
    receiving, sending = multiprocessing.Pipe(duplex=False)
    stop = multiprocessing.Event()
    fake = multiprocessing.Process(target=fake_slack, args=(sending, stop, checked), daemon=True)
    fake.start()
    slack_url, response_url = receiving.recv()
    try:
        return _run(slack_url, response_url, clients, per_client, interval, rounds)
    finally:
        stop.set()
        fake.join(timeout=10)


def _run(slack_url: str, response_url: str, clients: int, per_client: int, interval: float, rounds: int
         ) -> dict[str, list[dict[str, float]]]:
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/outcomes.db"
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes.update(url=database, configure_logger=False)
        command.upgrade(config, "head")
        env = {
            "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": database, "RUN_SCHEDULER": "false",
            "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack_url,
            "LOG_FORMAT": "json",
        }
        results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in APPS}
        for _ in range(rounds):
            for name, target in APPS:
                server, base = _serve(target, env)
                try:
                    _load(base, response_url, 10, 10)  # warm up both workers
                    latencies, rate = _load(base, response_url, clients, per_client, interval)
                    results[name].append(_figures(latencies, rate) | {"rss_mib": _rss_mib(server.pid)})
                finally:
                    server.terminate()
                    server.wait(timeout=20)
        return results


def p99_ratios(results: dict[str, list[dict[str, float]]]) -> list[float]:
    """Our p99 over the bare app's, round by round."""
    pairs = zip(results["bare Bolt app"], results["outcome-bot"], strict=True)
    return [ours["p99"] / bare["p99"] for bare, ours in pairs]
