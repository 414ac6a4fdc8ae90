"""Composition root: settings -> engine -> Bolt app -> handlers -> run.

`python app.py` runs Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT. `wsgi()` builds the
same app as a WSGI callable (POST /slack/events, GET /healthz) for any WSGI server.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot import clock, usage
from bot.coach import digest_intro_writer, make_coach
from bot.settings import ConfigError, Settings
from bot.slack import check_in_asker, digest_poster, make_client
from handlers import register_all
from handlers.deps import Deps
from models import make_engine, make_sessions

logger = logging.getLogger("outcome_bot")
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def make_deps(settings: Settings, engine: Engine) -> Deps:
    """What listeners and the scheduler share: settings, the session factory, the optional coach."""
    sessions = make_sessions(engine)
    coach = make_coach(settings, usage.recorder(sessions))
    return Deps(settings=settings, sessions=sessions, coach=coach, digest_intro=digest_intro_writer(settings, coach))


def create_app(settings: Settings, engine: Engine, *, client: WebClient | None = None, deps: Deps | None = None) -> App:
    app = App(
        client=client or make_client(settings),
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not settings.socket_mode,
    )
    register_all(app, deps or make_deps(settings, engine))
    app.error(_log_error)
    return app


def _log_error(error: Exception, body: dict, logger: logging.Logger) -> BoltResponse | None:
    logger.exception("listener failed (team %s): %s", (body.get("team") or {}).get("id", body.get("team_id")), error)
    return None


def create_wsgi(app: App, engine: Engine) -> WSGIApp:
    """Bolt's WSGI adapter for Slack's requests, plus a health check that touches the database."""
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi_app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, body = _health(engine)
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        return slack(environ, start_response)

    return wsgi_app


def _health(engine: Engine) -> tuple[str, dict[str, Any]]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return "503 Service Unavailable", {"ok": False, "database": "unreachable"}
    return "200 OK", {"ok": True}


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve_http(wsgi_app: WSGIApp, port: int) -> None:
    """A small threaded server for `python app.py`; production runs the same callable under a WSGI server."""
    with make_server("", port, wsgi_app, server_class=_ThreadingWSGIServer) as server:
        logger.info("outcome-bot listening on http://localhost:%s/slack/events", port)
        server.serve_forever()


def wsgi() -> WSGIApp:
    """Factory for WSGI servers: `gunicorn 'app:wsgi()'`."""
    settings = _load_settings()
    engine = make_engine(settings.database_url)
    return create_wsgi(create_app(settings, engine), engine)


def _load_settings() -> Settings:
    from dotenv import find_dotenv, load_dotenv

    load_dotenv(find_dotenv(usecwd=True), override=False)
    return Settings.from_env()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = _load_settings()
        engine = make_engine(settings.database_url)
        deps = make_deps(settings, engine)
        app = create_app(settings, engine, deps=deps)
    except ConfigError as error:
        print(f"outcome-bot cannot start: {error}", file=sys.stderr)
        return 2
    except BoltError as error:
        print(f"outcome-bot cannot start: Slack refused SLACK_BOT_TOKEN ({error}).", file=sys.stderr)
        return 2
    if settings.run_scheduler:
        clock.start(deps.sessions, digest_poster(app.client, deps.digest_intro), check_in_asker(app.client))
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        SocketModeHandler(app, settings.slack_app_token).start()
    else:
        serve_http(create_wsgi(app, engine), settings.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
