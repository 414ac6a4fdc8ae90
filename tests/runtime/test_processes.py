"""The app as platforms run it: real processes sharing one database, stopped and started again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Delivery, DigestSubscription, utcnow
from tests.fake_slack import FakeSlack
from tests.flows import GOOD, open_modal, submit_keeping_my_words, together, wait_until
from tests.slack_requests import SIGNING_SECRET, SlackSender
from tests.test_serving import procfile_web

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, slack: FakeSlack, port: int) -> dict[str, str]:
    return {"PORT": str(port), "DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url, "TRIAGE_CHANNEL": "CTRIAGE",
            "PM_USER_IDS": "UPM"}


class Served:
    """A process serving the app on a port, as a dyno runs it, and Slack's side of its requests."""

    def __init__(self, process: subprocess.Popen, port: int, log: Path, slack: FakeSlack) -> None:
        self.process, self.port, self.log = process, port, log
        self.slack = SlackSender(f"http://127.0.0.1:{port}", slack.response_url())

    def healthy(self, timeout: float = 30.0) -> Served:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                    assert json.loads(answer.read()) == {"ok": True}
                    return self
            except OSError:
                assert time.monotonic() < deadline and self.process.poll() is None, self.log.read_text()
                time.sleep(0.1)

    def stop(self, how: int = signal.SIGTERM, timeout: float = 60.0) -> float:
        """Stops it as the platform does; how long it took to exit."""
        started = time.monotonic()
        self.process.send_signal(how)
        self.process.wait(timeout)
        return time.monotonic() - started


def web_dyno(database_url: str, slack: FakeSlack, log: Path, port: int) -> Served:
    """The Procfile's `web:` line: gunicorn, two workers, each with its sender."""
    with log.open("ab") as output:
        process = procfile_web(environment(database_url, slack, port), output)
    return Served(process, port, log, slack)


def app_py(database_url: str, slack: FakeSlack, log: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    """`python app.py` (or `python app.py clock`): the scheduler and the sender in one process."""
    port = free_port()
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **environment(database_url, slack, port),
           **(env or {})}
    with log.open("ab") as output:
        process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT, env=env,
                                   stdout=output, stderr=output)
    return Served(process, port, log, slack)


@pytest.fixture
def stopped_after() -> Iterator[Callable[[Served], Served]]:
    """Every process a test starts is gone when it ends: one left running would deliver the next test's rows."""
    started: list[Served] = []
    yield lambda served: started.append(served) or served
    for served in started:
        served.process.terminate()  # gunicorn's master takes its workers with it
        try:
            served.process.wait(30)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait(10)


def pending(engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.scalars(select(Delivery).where(Delivery.state == "pending")))


def held(engine) -> list[Delivery]:
    """Rows a sender claimed and still holds: nobody else may send them until the lease runs out."""
    return [row for row in pending(engine) if row.lease_until is not None and row.lease_until > utcnow()]


def share(process: Served, slack: FakeSlack, user: str) -> None:
    """Shares an idea through the form without waiting for what it owes."""
    view = open_modal(process, slack, channel="C1", user=user)
    assert submit_keeping_my_words(process, view, GOOD, user=user).status == 200


def test_a_web_dyno_stopped_with_work_owed_hands_it_to_the_next_at_once(slack, engine, database_url, tmp_path,
                                                                        stopped_after):
    """Heroku stops a dyno with SIGTERM at every deploy and once a day. What its workers had claimed but not
    started is handed back, so the next process sends it at once rather than after the claim's lease,
    and every message still arrives once."""
    port, log = free_port(), tmp_path / "web.log"
    web = stopped_after(web_dyno(database_url, slack, log, port)).healthy()
    slack.set_latency(3.0, "chat.postMessage")  # a slow Slack day: more is owed than the workers send at once
    people = [f"U{n}" for n in range(20)]
    for user in people:
        share(web, slack, user)
    slack.wait_for("chat.postMessage", 4)
    assert web.stop() < 30  # Heroku's limit before it kills the dyno
    assert held(engine) == []
    assert "Traceback" not in log.read_text()

    slack.set_latency(0.0, "chat.postMessage")
    started = time.monotonic()
    stopped_after(web_dyno(database_url, slack, log, port)).healthy()
    wait_until(lambda: pending(engine) == [], timeout=60)
    assert time.monotonic() - started < 20  # not a two-minute lease later
    assert [len(slack.messages("D" + user)) for user in people] == [1] * len(people)
    assert len(slack.messages("CTRIAGE")) == len(people)


def a_digest_due(bot, engine, hours_ago: float = 2.0) -> None:
    """#product subscribed to the weekly digest, whose time came while no process was running."""
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    bot.finish_work()
    bot.close()
    due = utcnow() - timedelta(hours=hours_ago)
    with Session(engine) as session, session.begin():
        session.execute(update(DigestSubscription).values(
            weekday=due.weekday(), minute_of_day=due.hour * 60 + due.minute, timezone="UTC"))


@pytest.mark.parametrize("args", [("clock",), ()], ids=["clock", "web"])
def test_a_process_stopped_mid_delivery_finishes_what_it_started(bot, slack, engine, database_url, tmp_path, args,
                                                                 stopped_after):
    """The Procfile's clock (and `python app.py`) stopped by SIGTERM while Slack is still answering a post:
    the post is finished and recorded before the process exits, so nothing waits out a lease or is looked
    for again, and the digest is in the channel once."""
    a_digest_due(bot, engine)
    slack.reset()
    slack.set_latency(3.0, "chat.postMessage")
    log = tmp_path / "app.log"
    process = stopped_after(app_py(database_url, slack, log, *args))
    slack.wait_for("chat.postMessage", timeout=30)  # the digest is on its way
    assert process.stop() < 30
    assert held(engine) == [] and pending(engine) == [], log.read_text()
    assert len(slack.messages("CPRODUCT")) == 1


def test_a_request_in_flight_when_the_process_is_stopped_is_still_answered(slack, database_url, tmp_path,
                                                                           stopped_after):
    """`python app.py` over HTTP, stopped while Slack's request is still arriving: Slack gets its answer
    (an unanswered command shows the person an error), then the process exits."""
    process = stopped_after(app_py(database_url, slack, tmp_path / "app.log")).healthy()
    body = urllib.parse.urlencode({"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/idea",
                                   "text": "help", "response_url": slack.response_url(), "trigger_id": "t1"})
    timestamp = str(int(time.time()))
    head = (f"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: "
            f"{SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", process.port), timeout=10) as connection:
        connection.sendall(head.encode() + body[:10].encode())
        time.sleep(0.3)
        process.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        connection.sendall(body[10:].encode())
        answer = connection.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.0 200") and b"/idea list" in answer
    assert process.process.wait(30) == 0


def test_a_connection_that_stalls_does_not_hold_up_the_stop(slack, database_url, tmp_path, stopped_after):
    """Waiting for requests in flight has a limit: a body that stops arriving is dropped (408) after ten
    seconds of silence, well within the platform's 30, and without a traceback in the log."""
    log = tmp_path / "app.log"
    process = stopped_after(app_py(database_url, slack, log)).healthy()
    with socket.create_connection(("127.0.0.1", process.port), timeout=30) as connection:
        connection.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 100\r\n\r\nteam_id=T1")
        time.sleep(0.3)
        assert process.stop() < 20
        assert connection.makefile("rb").read().startswith(b"HTTP/1.0 408")
    assert "Traceback" not in log.read_text()


def test_the_clocks_log_is_not_a_line_every_tick(bot, slack, engine, database_url, tmp_path, stopped_after):
    """An operator reads the clock's log for what went wrong: not "Running job start.<locals>.<lambda>"
    and "executed successfully" for each job every minute, all day."""
    a_digest_due(bot, engine)
    slack.reset()
    log = tmp_path / "clock.log"
    clock = stopped_after(app_py(database_url, slack, log, "clock"))
    wait_until(lambda: slack.messages("CPRODUCT"), timeout=30)
    wait_until(lambda: pending(engine) == [])
    clock.stop()
    written = log.read_text()
    assert "outcome-bot clock" in written
    assert "Running job" not in written and "executed successfully" not in written and "<lambda>" not in written


@pytest.mark.parametrize("subscribed", [False, True], ids=["one-off", "subscribed"])
def test_digest_now_typed_at_once_in_two_processes_posts_one_digest(slack, model, engine, database_url, tmp_path,
                                                                   stopped_after, subscribed):
    """Two web processes (gunicorn's workers, two dynos) each get `/idea digest now` for one channel at the
    same moment, while the model takes its time over the digest's opening paragraph: one digest is posted,
    and the other PM hears it was just posted."""
    from bot.decisions import decide
    from bot.digests.runs import subscribe
    from bot.digests.schedule import Schedule
    from bot.ideas import IdeaDraft, submit_idea
    from ui.digests import DIGEST_JUST_POSTED

    with Session(engine) as session, session.begin():  # a week with a decision, for the model to write about
        idea, _ = submit_idea(session, team_id="T1", submitter_id="U1", draft=IdeaDraft(**GOOD))
        decide(session, team_id="T1", idea_id=idea.id, shown_stage="candidate", to_stage="discovery",
               reason="Finance asks for it every month", decided_by="UPM")
        if subscribed:
            subscribe(session, team_id="T1", channel_id="CPRODUCT", schedule=Schedule(0, 540, "UTC"),
                      only_this_channel=False, created_by="UPM", now=utcnow())
    model.delay = 1.5
    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": model.url, "OPENAI_EMBEDDING_MODEL": "off",
           "DIGEST_SUMMARY": "true"}
    web = [stopped_after(app_py(database_url, slack, tmp_path / f"web{n}.log", env=env)) for n in (1, 2)]
    for process in web:
        process.healthy()
    together(*(lambda process=process: process.slack.command("digest now", user="UPM", channel="CPRODUCT")
               for process in web))
    posted = lambda: [m for m in slack.messages("CPRODUCT") if m["thread_ts"] is None]  # noqa: E731
    told = lambda: [c.args["text"] for c in slack.calls("response_url")]  # noqa: E731
    wait_until(lambda: len(posted()) > 1 or (posted() and told() and pending(engine) == []), timeout=30)
    time.sleep(0.5)  # a second post would be on its way by now
    assert len(posted()) == 1 and told() == [DIGEST_JUST_POSTED]
