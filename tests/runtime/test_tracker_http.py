"""The tracker's HTTP client, against local servers: where the token goes when a tracker redirects."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from runtime.trackers import call


class _Server:
    """A server that answers GETs with `answers` (status, headers) in turn, the last one again and again, and
    records the headers it was sent."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.answers: list[tuple[int, dict[str, str]]] = [(200, {})]
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.seen.append({key.lower(): value for key, value in self.headers.items()})
                status, headers = outer.answers[min(len(outer.seen), len(outer.answers)) - 1]
                body = b'{"ok": true}'
                self.send_response(status)
                for key, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def servers() -> Iterator[tuple[_Server, _Server]]:
    tracker, elsewhere = _Server(), _Server()
    yield tracker, elsewhere
    for server in (tracker, elsewhere):
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.mark.parametrize("code", [301, 302, 307])
def test_a_redirect_to_another_host_is_followed_without_the_token(servers, code):
    tracker, elsewhere = servers
    tracker.answers = [(code, {"Location": f"{elsewhere.url}/login"})]
    status, body = call("GET", f"{tracker.url}/repos/o/r/issues/1", headers={"Authorization": "Bearer secret"})
    assert (status, body) == (200, {"ok": True})
    assert tracker.seen[0]["authorization"] == "Bearer secret"
    assert "authorization" not in elsewhere.seen[0]


def test_a_redirect_on_the_trackers_own_host_keeps_the_token(servers):
    """GitHub answers a renamed repository's GET with a 301 on api.github.com: the token must follow it."""
    tracker, _ = servers
    tracker.answers = [(301, {"Location": "/repositories/42/issues/1"}), (200, {})]
    status, _ = call("GET", f"{tracker.url}/repos/o/r/issues/1", headers={"Authorization": "Bearer secret"})
    assert status == 200 and [seen["authorization"] for seen in tracker.seen] == ["Bearer secret"] * 2
