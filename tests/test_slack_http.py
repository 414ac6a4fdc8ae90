"""Slack calls keep their connection open between calls, and survive servers that close it."""

from __future__ import annotations

import ssl
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient

from runtime import slack_http
from tests.certificates import self_signed


class _Server:
    """An HTTP/1.1 server answering {"ok": true}, counting connections and answers, that treats each
    connection as `behaviour` says."""

    def __init__(self, behaviour: str, certificate: tuple[str, str] | None = None) -> None:
        self.connections = self.received = self.answered = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                server.connections += 1
                self.requests_here = 0

            def do_POST(self) -> None:  # http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.received += 1
                self.requests_here += 1
                if behaviour == "drops a second request" and self.requests_here == 2:
                    self.close_connection = True  # read, then gone: as if closed while we were sending
                    return
                if behaviour == "drops every request":
                    self.close_connection = True
                    return
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if behaviour == "says it closes":
                    self.send_header("Connection", "close")
                self.end_headers()
                server.answered += 1  # before the answer leaves: the client may count as soon as it has it
                self.wfile.write(body)
                if behaviour == "closes when idle":
                    self.close_connection = True  # without saying so

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        scheme = "http"
        if certificate is not None:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(*certificate)
            self._http.socket = tls.wrap_socket(self._http.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._http.server_address[1]}/api/"
        threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def serve() -> Iterator:
    servers: list[_Server] = []

    def start(behaviour: str, certificate: tuple[str, str] | None = None) -> _Server:
        servers.append(_Server(behaviour, certificate))
        return servers[-1]

    slack_http.install_opener()
    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize(
    ("behaviour", "connections"),
    [
        ("keeps connections open", 1),
        ("says it closes", 3),
        ("closes when idle", 3),  # seen closed before the next call, so that call takes a new connection
    ],
)
def test_three_calls_are_answered_on_as_few_connections_as_the_server_allows(serve, behaviour, connections):
    server = serve(behaviour)
    client = WebClient(token="xoxb-test", base_url=server.url, retry_handlers=[])  # no retries but ours

    answers = []
    for _ in range(3):
        answers.append(client.api_test()["ok"])
        time.sleep(0.05)  # a moment between calls, as between a person's clicks
    assert answers == [True] * 3
    assert (server.connections, server.answered) == (connections, 3)


def test_a_request_dropped_on_a_kept_connection_after_it_was_sent_is_not_sent_again(serve):
    """The server may have acted on it (posted a message): whether to try again is the caller's call."""
    server = serve("drops a second request")
    client = WebClient(token="xoxb-test", base_url=server.url, retry_handlers=[])

    assert client.api_test()["ok"]
    with pytest.raises(ConnectionError):
        client.api_test()
    assert (server.received, server.answered) == (2, 1)


def test_calls_over_tls_keep_their_connection(serve, tmp_path):
    """Production's case: the TLS handshake, too, is paid once per connection, not once per call."""
    certificate = self_signed(tmp_path)
    if certificate is None:
        pytest.skip("needs the openssl command to make a certificate")
    slack_http.tls_context().load_verify_locations(certificate[0])  # the process's one context now trusts it too
    server = serve("keeps connections open", certificate)
    client = WebClient(token="xoxb-test", base_url=server.url, retry_handlers=[])

    assert [client.api_test()["ok"] for _ in range(3)] == [True] * 3
    assert (server.connections, server.answered) == (1, 3)


def test_a_request_dropped_on_a_new_connection_is_not_sent_again(serve):
    """Only a reused connection may have been closed before our request reached the server; on a new
    one the server had it, so sending it again could post a message twice. slack_sdk's own retry
    handlers decide about that one."""
    server = serve("drops every request")
    client = WebClient(token="xoxb-test", base_url=server.url, retry_handlers=[])

    with pytest.raises(ConnectionError):
        client.api_test()
    assert (server.connections, server.received) == (1, 1)


def test_urlopen_without_a_timeout_reuses_a_connection_too(serve):
    """urllib's callers that give no timeout pass a marker, not a number; a kept connection takes it."""
    server = serve("keeps connections open")
    answers = []
    for _ in range(2):
        with urllib.request.urlopen(urllib.request.Request(server.url + "api.test", data=b"")) as response:
            answers.append(response.read())
    assert (answers, server.connections) == ([b'{"ok": true}'] * 2, 1)


def test_a_proxy_in_the_environment_is_used(serve, monkeypatch):
    """The environment's proxy, read when the opener is installed, carries the call: the proxy gets the
    request for the real host (an absolute URI), as urllib's own ProxyHandler sends it."""
    proxy = serve("keeps connections open")
    seen: list[str] = []
    original = proxy._http.RequestHandlerClass.do_POST

    def record(handler: BaseHTTPRequestHandler) -> None:
        seen.append(handler.path)
        original(handler)

    monkeypatch.setattr(proxy._http.RequestHandlerClass, "do_POST", record)
    monkeypatch.setenv("http_proxy", proxy.url.removesuffix("/api/"))
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    slack_http.install_opener()
    try:
        answer = WebClient(token="xoxb-test", base_url="http://slack.invalid/api/").api_call("auth.test")
    finally:
        monkeypatch.delenv("http_proxy")
        slack_http.install_opener()
    assert answer["ok"] and seen == ["http://slack.invalid/api/auth.test"]
