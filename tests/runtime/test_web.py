"""Nothing is parsed before it is known to be Slack's: oversized, unsigned and malformed requests get a
plain status, read no further than needed, and leave no traceback in the log."""

from __future__ import annotations

import hmac
import io
import logging
import socket
import time
import urllib.request

import pytest

from runtime.web import MAX_BODY_BYTES, TooLarge, read_body
from tests.slack_requests import SIGNING_SECRET, Reply, _send


def signed_post(bot, body: bytes, content_type: str) -> Reply:
    timestamp = str(int(time.time()))  # Slack signs the raw bytes, whatever they are
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body, "sha256").hexdigest()
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    return _send(urllib.request.Request(bot.slack.url, data=body, headers=headers, method="POST"))


@pytest.mark.parametrize(
    ("body", "content_type", "signed", "status"),
    [
        (b"{not json", "application/json", False, 401),
        (b"payload=%7Bbad", "application/x-www-form-urlencoded", False, 401),
        (b"{not json", "application/json", True, 400),
        (b"payload=%7Bbad", "application/x-www-form-urlencoded", True, 400),
        (b"payload=\xff\xfe\xfa", "application/x-www-form-urlencoded", True, 400),
        (b"\xff\xfe{}", "application/json", True, 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", True, 400),  # nested deeper than the parser goes
    ],
)
def test_bad_bodies_get_a_plain_status_and_no_traceback(bot, slack, caplog, body, content_type, signed, status):
    with caplog.at_level(logging.DEBUG):
        if signed:
            reply = signed_post(bot, body, content_type)
        else:
            reply = bot.slack.post(body.decode("latin-1"), content_type, signed=False)
    assert reply.status == status
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert slack.calls() == [c for c in slack.calls() if c.method == "auth.test"]


@pytest.mark.parametrize("body", ["ssl_check=1&token=x", "ssl_check=1&command=%2Fidea&text=export&user_id=UPM"])
def test_slacks_unsigned_certificate_check_is_answered_200_and_does_nothing(bot, slack, body):
    reply = bot.slack.post(body, "application/x-www-form-urlencoded", signed=False)
    assert (reply.status, reply.body) == (200, "")
    assert [c.method for c in slack.calls()] in ([], ["auth.test"])


def test_a_huge_unsigned_body_is_refused_before_it_is_read(bot):
    """The server answers 413 from the Content-Length alone; the client gets the answer without
    having sent more than a few bytes of the 300 MB it announced."""
    host, port = bot.server.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as connection:
        connection.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 300000000\r\n\r\n{\"a\":")
        answer = connection.recv(200)
    assert answer.startswith(b"HTTP/1.") and b" 413 " in answer.split(b"\r\n")[0]


class _Counting(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


@pytest.mark.parametrize("declared", ["", str(MAX_BODY_BYTES + 1), "-1", "lots"])
def test_reading_stops_at_the_cap_whatever_the_length_says(declared):
    stream = _Counting(b"x" * (MAX_BODY_BYTES + 100))
    with pytest.raises(TooLarge):
        read_body({"wsgi.input": stream, "CONTENT_LENGTH": declared})
    assert stream.taken <= MAX_BODY_BYTES + 1


def test_a_body_within_the_cap_is_read_whole():
    stream = _Counting(b"y" * 1000)
    assert read_body({"wsgi.input": stream, "CONTENT_LENGTH": ""}) == b"y" * 1000
    assert read_body({"wsgi.input": io.BytesIO(b"abc"), "CONTENT_LENGTH": "3"}) == b"abc"


def test_a_burst_of_connections_is_served_without_resets(bot):
    """socketserver's listen backlog is 5; `python app.py` serves with gunicorn's 2048, so a burst of
    clients connecting at once all get their answer."""
    import threading

    results: list = []
    start = threading.Barrier(80)
    host, port = bot.server.server_address[:2]

    def client() -> None:
        start.wait()
        try:
            with socket.create_connection((host, port), timeout=10) as connection:
                connection.sendall(b"GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n")
                results.append(connection.recv(20))
        except OSError as error:
            results.append(error)

    threads = [threading.Thread(target=client) for _ in range(80)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, bytes) and r.startswith(b"HTTP/1.0 200") for r in results), results[:3]
