"""Serving HTTP: Slack's endpoint (POST /slack/events, and OAuth's two pages), /healthz, and the small
threaded server behind `python app.py`; gunicorn serves the same WSGI callable in production.

Nothing from outside is parsed before it is known to be Slack's: a body is read only up to a cap
(413 past it, read no further), its signature is checked on the raw bytes (401), and only then is it
decoded and parsed (400 if it will not parse). None of that leaves a traceback in the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from runtime.logs import log_request, redact_secrets

logger = logging.getLogger("outcome_bot")
access_logger = logging.getLogger("outcome_bot.access")
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
# Slack's largest payloads (a form of 100 blocks, a 40,000-character message) are a small part of this.
MAX_BODY_BYTES = 1024 * 1024


class TooLarge(Exception):
    pass


def read_body(environ: dict, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, or TooLarge as soon as it is known to be bigger than `limit` (by its
    Content-Length, or, sent without one, by reading one byte past the limit and no further)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared.strip():
        try:
            length = int(declared)
        except ValueError:
            raise TooLarge from None  # a length that is not a number is not worth reading on
        if length > limit or length < 0:
            raise TooLarge
        return stream.read(length)
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise TooLarge
    return body


INSTALL_DATABASE_DOWN = ("<html><body><h2>outcome-bot can't reach its database just now</h2><p>So it is not installed "
                         "yet. Please try again in a minute: <a href=\"{install}\">install outcome-bot</a>.</p>"
                         "</body></html>")


class SlackEndpoint(SlackRequestHandler):
    """Bolt's WSGI adapter, guarded as the module says, and timing each dispatch: the latency logged
    is how long Slack waited. The line is written once the answer has gone (the server closes the body
    it sent), so writing it never keeps Slack waiting."""

    def __init__(self, app: App, signing_secret: str | None, path: str = "/slack/events") -> None:
        super().__init__(app, path)
        self.secret = signing_secret.encode() if signing_secret else None
        self._dispatched = threading.local()

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        started = time.perf_counter()
        try:
            raw = read_body(request.environ)
        except TooLarge:
            return BoltResponse(status=413, body="Payload Too Large")
        except TimeoutError:  # the body stopped arriving (the server's socket timeout): nothing to answer
            return BoltResponse(status=408, body="Request Timeout")
        headers = request.get_headers()
        if self.secret is not None and not _signed(self.secret, raw, headers):
            # Slack's check of a command URL's certificate (`ssl_check=1`) need not be signed; Bolt answers
            # it 200 and does nothing else, as it does for every unsigned one.
            if not _is_ssl_check(raw):
                return BoltResponse(status=401, body="")
        try:
            bolt_request = BoltRequest(body=raw.decode("utf-8"), query=request.query_string, headers=headers)
        except (UnicodeDecodeError, ValueError, TypeError, AttributeError, KeyError, RecursionError):
            logger.warning("a signed request that would not parse was refused (400)")
            return BoltResponse(status=400, body="Bad Request")
        response = self.app.dispatch(bolt_request)
        self._dispatched.line = (bolt_request, response, (time.perf_counter() - started) * 1000)
        return response

    def handle_installation(self, request: WsgiHttpRequest) -> BoltResponse:
        return self._installing(super().handle_installation, request)

    def handle_callback(self, request: WsgiHttpRequest) -> BoltResponse:
        return self._installing(super().handle_callback, request)

    def _installing(self, step: Callable[[WsgiHttpRequest], BoltResponse], request: WsgiHttpRequest) -> BoltResponse:
        """OAuth's pages (the install link, Slack's redirect back) keep their state and the installation in the
        database: with it away, the person installing is told so and to start again, not shown a bare 500."""
        try:
            return step(request)
        except SQLAlchemyError as error:
            logger.warning("installing: database unavailable: %s", type(error).__name__)
            install = self.app.oauth_flow.install_path if self.app.oauth_flow is not None else "/slack/install"
            return BoltResponse(status=503, body=INSTALL_DATABASE_DOWN.format(install=install),
                                headers={"content-type": "text/html; charset=utf-8"})

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        self._dispatched.line = None
        body = super().__call__(environ, start_response)
        line, self._dispatched.line = self._dispatched.line, None
        return body if line is None else _ThenLog(body, line)


def _is_ssl_check(raw: bytes) -> bool:
    try:
        return urllib.parse.parse_qs(raw.decode("ascii"), max_num_fields=10).get("ssl_check") == ["1"]
    except (UnicodeDecodeError, ValueError):
        return False


def _signed(secret: bytes, raw: bytes, headers: dict[str, Any]) -> bool:
    """Slack's v0 signature over the raw bytes. (slack_sdk's verifier decodes the body as UTF-8 first, so
    a forged body that is not UTF-8 would raise in it rather than be refused.)"""
    timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
    if not isinstance(timestamp, str) or not isinstance(signature, str) or not timestamp.isdigit():
        return False
    if abs(time.time() - int(timestamp)) > 5 * 60:
        return False
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class _ThenLog(list):
    """A WSGI body that logs its request when the server closes it, after sending it."""

    def __init__(self, body: Iterable[bytes], line: tuple[BoltRequest, BoltResponse, float]) -> None:
        super().__init__(body)
        self.line = line

    def close(self) -> None:
        log_request(*self.line)


# Other endpoints served next to Slack's (a tracker's webhooks): path -> WSGI app.
Routes = dict[str, WSGIApp]


def create_wsgi(app: App | None, engine: Engine, signing_secret: str | None, routes: Routes | None = None
                ) -> WSGIApp:
    """Slack's requests, a health check that touches the database, and any other routes given. Without
    an app (Socket Mode, where Slack's requests come over the socket) only the others are served."""
    slack = SlackEndpoint(app, signing_secret) if app is not None else _not_found
    others = dict(routes or {})

    def wsgi_app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, body = health(engine)
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        if path in others:
            return others[path](environ, start_response)
        return slack(environ, start_response)

    return wsgi_app


def _not_found(environ: dict, start_response: Callable) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"Not Found"]


def health(engine: Engine) -> tuple[str, dict[str, Any]]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return "503 Service Unavailable", {"ok": False, "database": "unreachable"}
    return "200 OK", {"ok": True}


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets bursts of connections; gunicorn's default is 2048.
    request_queue_size = 2048


class _StoppingGracefully(ThreadingWSGIServer):
    """Closing the server waits for the requests in flight, so a process told to stop (SIGTERM) answers
    them before it exits, as gunicorn's workers do; Slack shows the person an error for one it never hears."""

    daemon_threads = False


class LoggedRequestHandler(WSGIRequestHandler):
    """wsgiref writes its access log straight to stderr; this sends it through logging instead, so it
    follows LOG_FORMAT (one JSON object per line) and never records OAuth's one-time code or state."""

    timeout = 10  # seconds a connection may stay silent: one that never finishes cannot hold up a stop

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's signature
        access_logger.info("%s %s", self.address_string(), redact_secrets(format % args))


def serve_http(wsgi_app: WSGIApp, port: int) -> None:
    """A small threaded server for `python app.py`; production runs the same callable under a WSGI server."""
    with make_server("", port, wsgi_app, server_class=_StoppingGracefully,
                     handler_class=LoggedRequestHandler) as server:
        logger.info("outcome-bot listening on http://localhost:%s/slack/events", port)
        server.serve_forever()
