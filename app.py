"""Composition root: settings -> engine -> sender -> Bolt app -> handlers -> serve.

`python app.py` runs Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT, with the scheduler
and the sender in the same process. `python app.py clock` runs only the scheduler and a sender, for
deployments whose web processes set RUN_SCHEDULER=false. `wsgi()` builds the web app as a WSGI
callable (POST /slack/events, GET /healthz) for any WSGI server.
"""

from __future__ import annotations

import atexit
import errno
import gc
import http.client
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from bot import usage
from bot.coach import make_coach
from bot.digests.intro import digest_intro_writer
from bot.listening import words as request_words
from bot.settings import ConfigError, Settings
from handlers import register_all
from handlers.access import Deps, bolt_error
from models import Idea, make_engine, make_sessions
from models.db import catch_up_ids
from runtime import calls, clock, trackers, webhooks
from runtime.logs import configure as configure_logging
from runtime.sender import Sender
from runtime.slack import check_token, make_client, oauth_settings, sender_clients
from runtime.web import WSGIApp, create_wsgi, serve_http

logger = logging.getLogger("outcome_bot")


def make_deps(settings: Settings, engine: Engine, oauth: OAuthSettings | None = None) -> Deps:
    """What listeners, the scheduler and the sender share: settings, sessions, the sender, the optional coach."""
    sessions = make_sessions(engine)
    coach = make_coach(settings, usage.recorder(sessions))
    sender = Sender(sessions, sender_clients(settings, oauth.installation_store if oauth else None),
                    threads=settings.delivery_threads, timeout=settings.slack_timeout)
    return Deps(settings=settings, sessions=sessions, sender=sender, coach=coach,
                digest_intro=digest_intro_writer(settings, coach), trackers=trackers.configured(settings))


class _WithoutTokenNote(logging.Filter):
    """Bolt warns that "`token` will be unused" whenever SLACK_BOT_TOKEN is set and a client is given, as
    it always is here (the client is made from that token): an operator would read it as their token ignored."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger("slack_bolt.App").addFilter(_WithoutTokenNote())


def create_app(settings: Settings, engine: Engine, *, client: WebClient | None = None, deps: Deps | None = None) -> App:
    """One workspace with SLACK_BOT_TOKEN; any number with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET."""
    oauth = oauth_settings(settings, engine)
    client = client or make_client(settings)
    check_token(settings, client)
    app = App(
        # Without a name Bolt takes the caller's file name from inspect.stack(), which reads the source of every
        # frame on the stack: a tenth of a second each time an app is made.
        name="outcome-bot",
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # runtime/web.py checks every request's signature before anything is parsed; Bolt need not again.
        request_verification_enabled=False,
        # Checked above, where an outage is told apart from a refusal; Bolt learns the bot's ids on
        # the first request instead.
        token_verification_enabled=False,
        oauth_settings=oauth,
        # Listeners wait on Slack and the database after their ack; Bolt's default of 5 threads would
        # make every other request wait for its ack behind them.
        listener_executor=ThreadPoolExecutor(max_workers=settings.listener_threads,
                                             thread_name_prefix="outcome-listener"),
    )
    if oauth is not None:
        app.enable_token_revocation_listeners()  # app_uninstalled and tokens_revoked clean up installations
    register_all(app, deps or make_deps(settings, engine, oauth))
    app.error(bolt_error)
    return app


def configuration_problem() -> str | None:
    """The sentence that stops start-up, from the settings alone (no Slack, no database), or None."""
    try:
        _load_settings()
    except ConfigError as error:
        return str(error)
    return None


@dataclass(frozen=True)
class Built:
    settings: Settings
    engine: Engine
    deps: Deps
    app: App


def build() -> Built:
    """Everything from the environment; raises ConfigError (or BoltError for a refused token)."""
    settings = _load_settings()
    configure_logging(settings.log_format)
    engine = make_engine(settings.database_url, settings.database_pool_size)
    problem = schema_problem(engine)
    if problem is not None:
        raise ConfigError(problem)
    for table in catch_up_ids(engine):
        logger.warning("ids of %s were behind rows written there with their own ids: the next is now past them", table)
    oauth = oauth_settings(settings, engine)
    deps = make_deps(settings, engine, oauth)
    built = Built(settings, engine, deps, create_app(settings, engine, deps=deps))
    _settle()
    return built


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def schema_problem(engine: Engine) -> str | None:
    """The sentence for a database the migrations have not reached (never run, or run by older code),
    where every request and the sender would fail on a missing table. A database out of reach is not
    one: the bot starts and retries, as it does during an outage. A revision this code does not know is
    newer code's: a deploy migrates first, and the processes still running meanwhile keep going."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
            tables = not current and inspect(connection).has_table(Idea.__tablename__)
    except SQLAlchemyError:
        return None
    script = ScriptDirectory(str(MIGRATIONS))
    heads = set(script.get_heads())
    where = engine.url.render_as_string(hide_password=True)
    fix = "run `make migrate` (or `alembic upgrade head`) first."
    if tables:  # made by another tool (create_all, a restore without alembic_version): migrating would fail
        return (f"the database at {where} has outcome-bot's tables but no record of the migrations that made them: "
                "if they are this version's, `alembic stamp head` records it (then `make migrate` works again).")
    if not current:
        return f"the database at {where} has no tables yet: {fix}"
    if current == heads or current - {revision.revision for revision in script.walk_revisions()}:
        return None
    return f"the database at {where} is not up to date (at {', '.join(sorted(current))}, not {', '.join(heads)}): {fix}"


def _settle() -> None:
    """What start-up made lives as long as the process: the detector's weights are loaded now, then all of
    it is moved out of the garbage collector's sight (gc.freeze), so a full collection walks only what
    requests make. Unfrozen, one walked some 160,000 objects for 80-100 ms, a pause that every request in
    the worker waited out: the ack's p99."""
    request_words.load()
    request_words.load(request_words.CUSTOMER_WEIGHTS_FILE)
    gc.freeze()


def start_background(built: Built, *, blocking_scheduler: bool = False) -> BaseScheduler | None:
    """The sender, always; the scheduler where RUN_SCHEDULER says (or blocking, for the clock process, and
    then this returns only when the process is stopping)."""
    built.deps.sender.start()
    if built.settings.run_scheduler or blocking_scheduler:
        d = built.deps
        return clock.start(d.sessions, d.settings, d.digest_intro, d.sender.wake, blocking=blocking_scheduler,
                           trackers=tuple(d.trackers))
    return None


def stop_on_sigterm() -> None:
    """Platforms stop a process with SIGTERM (Heroku at every deploy and once a day, and SIGKILL 30 s
    later). Python's default is to die at once, cutting off Slack calls halfway, whose rows then wait out
    their lease and are looked for in Slack before being sent again: raised as SystemExit instead, so the
    process stops the way Ctrl-C stops it, through `stop_background`."""
    signal.signal(signal.SIGTERM, _exit_quietly)


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def stop_background(built: Built, scheduler: BaseScheduler | None) -> None:
    """No new scheduled runs; the sender takes nothing more and finishes the calls it started (each ends
    within SLACK_TIMEOUT), so nothing is left claimed. Anything still owed waits for the next process."""
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
    built.deps.sender.stop()


def web_app(built: Built) -> WSGIApp:
    d = built.deps
    return create_wsgi(built.app, built.engine, built.settings.slack_signing_secret,
                       webhooks.routes(dict(d.trackers), d.sessions, d.sender.wake))


def wsgi() -> WSGIApp:
    """Factory for WSGI servers, one app per worker: `gunicorn 'app:wsgi()'` (see Procfile).

    Fails like `python app.py` does on bad configuration: one sentence, then exit.
    """
    try:
        built = build()
    except (ConfigError, BoltError) as error:
        print(f"outcome-bot cannot start: {_explain(error)}", file=sys.stderr)
        raise SystemExit(GUNICORN_HALT) from None
    # A worker stopping exits the interpreter, which freezes the sender's dispatcher (a daemon) wherever it is:
    # between claiming rows and handing them to its pool, they would wait out their lease. Stopped first, it
    # hands back what it claimed and did not start, and finishes what it did.
    atexit.register(stop_background, built, start_background(built))
    return web_app(built)


# A worker exiting with this status makes gunicorn's master stop ("Worker failed to boot") instead of
# starting the worker again, and again; gunicorn.conf.py checks the settings before any worker anyway.
GUNICORN_HALT = 3


def _explain(error: ConfigError | BoltError) -> str:
    return str(error) if isinstance(error, ConfigError) else f"Slack refused SLACK_BOT_TOKEN ({error})."


def connect_socket_mode(connect: Callable[[], None], *, first_wait: float = 1.0, longest_wait: float = 60.0
                        ) -> str | None:
    """Opens Socket Mode, waiting out Slack being unreachable or failing (as the bot token's check does,
    an outage says nothing about the token); Slack's error when it refuses the app token, else None."""
    wait = first_wait
    while True:
        try:
            connect()
            return None
        except SlackApiError as error:
            if not calls.passing(error):
                return str(error.response.get("error") or error.response.status_code)
            why = error.response.get("error") or error.response.status_code
        except (OSError, http.client.HTTPException) as error:
            why = type(error).__name__
        logger.warning("Slack could not be reached to open Socket Mode (%s); trying again in %gs", why, wait)
        time.sleep(wait)
        wait = min(wait * 2, longest_wait)


def _load_settings() -> Settings:
    from dotenv import find_dotenv, load_dotenv

    load_dotenv(find_dotenv(usecwd=True), override=False)
    return Settings.from_env()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        built = build()
    except (ConfigError, BoltError) as error:
        print(f"outcome-bot cannot start: {_explain(error)}", file=sys.stderr)
        return 2
    stop_on_sigterm()
    scheduler = None
    try:
        if args[:1] == ["clock"]:
            logger.info("outcome-bot clock: digests and check-ins every %ss; delivering what is owed",
                        clock.TICK_SECONDS)
            start_background(built, blocking_scheduler=True)
            return 0
        scheduler = start_background(built)
        return _serve(built)
    finally:
        stop_background(built, scheduler)


def _serve(built: Built) -> int:
    """Slack's requests (over Socket Mode or HTTP) until the process is stopped."""
    if built.settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        if built.deps.trackers:  # the trackers' webhooks still come over HTTP: served on $PORT, without Slack's
            d = built.deps
            hooks = create_wsgi(None, built.engine, None, webhooks.routes(dict(d.trackers), d.sessions, d.sender.wake))
            threading.Thread(target=serve_http, args=(hooks, built.settings.port), daemon=True).start()
        handler = SocketModeHandler(built.app, built.settings.slack_app_token)
        refused = connect_socket_mode(handler.connect)
        if refused is not None:
            print(f"outcome-bot cannot start: Slack refused SLACK_APP_TOKEN ({refused}).", file=sys.stderr)
            return 2
        logger.info("outcome-bot is connected to Slack in Socket Mode")
        threading.Event().wait()
        return 0
    try:
        serve_http(web_app(built), built.settings.port)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(f"outcome-bot cannot start: port {built.settings.port} is already in use; stop what is using it "
              "or set PORT to another.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
