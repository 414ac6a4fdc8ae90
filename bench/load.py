"""The clients of bench/steady.py: signed requests in a realistic mix, at a fixed offered rate (open
loop, each client on its own beat) or as fast as answers come (closed loop)."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.slack_standin import TEAM
from tests.slack_requests import Reply, SlackSender

ASK = "Add a CSV export button to the reports page"
MIX = ("ask", "list", "help", "button")
FORMS = ("ask", "button")  # the kinds that end in views.open
REQUESTER, SUPPORTER = "U1", "U2"
_sequence = itertools.count(1)


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
