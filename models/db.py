"""Engine and session factory, built from a URL at start-up, never at import time.

A database that is down, or that drops packets, must not hold up Slack's answers: connections time
out quickly, PostgreSQL statements have a ceiling, and after a failed connect the engine refuses new
connections at once for a few seconds (then tries again by itself), so requests arriving meanwhile
are answered "try again in a minute" straight away instead of each waiting out its own timeout.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
from sqlalchemy import Engine, Integer, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models.base import Base, read_as_unknown

CONNECT_TIMEOUT_SECONDS = 2
STATEMENT_TIMEOUT_MS = 5_000
POOL_TIMEOUT_SECONDS = 2
# After a failed connect, refuse new ones at once for this long.
BACKOFF_SECONDS = 3.0


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """pool_pre_ping: a connection a database server dropped (a restart, a blip) is replaced, not failed on.

    A SQLite file has no server to drop it, so there the ping would be one more query per checkout.
    """
    sqlite_file = url.startswith("sqlite")
    connect_args = {} if sqlite_file else {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        # A server that stops answering mid-query (packets dropped) fails the query after this long.
        "tcp_user_timeout": CONNECT_TIMEOUT_SECONDS * 1000,
        "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 2,
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={STATEMENT_TIMEOUT_MS}",
    }
    engine = create_engine(url, pool_pre_ping=not sqlite_file, pool_size=pool_size, max_overflow=pool_size,
                           pool_timeout=POOL_TIMEOUT_SECONDS, connect_args=connect_args)
    if sqlite_file:
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.driver == "psycopg":
        event.listen(engine, "connect", _lenient_times)
    _fail_fast_while_down(engine)
    return engine


def _fail_fast_while_down(engine: Engine) -> None:
    down_until = [0.0]
    lock = threading.Lock()

    @event.listens_for(engine, "do_connect")
    def refuse_while_down(dialect, conn_rec, cargs, cparams):  # noqa: ANN001, ANN202 - SQLAlchemy's hook
        with lock:
            waiting = down_until[0] - time.monotonic()
        if waiting > 0:
            raise OperationalError("connect", {}, ConnectionRefusedError(f"database down; retrying in {waiting:.1f}s"))
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception:
            with lock:
                down_until[0] = time.monotonic() + BACKOFF_SECONDS
            raise


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """One factory per process; callers frame work with `with sessions.begin() as session:`."""
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI objects are untyped
    # WAL and a busy timeout let the web and clock processes share one file; foreign keys are off by default.
    # In WAL mode, synchronous=NORMAL syncs at checkpoints rather than at every commit: a crash of the
    # process loses nothing, and a lost power supply at most the last transactions (SQLite's own advice).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _lenient(loader: type) -> type:
    class Lenient(loader):
        def load(self, data: Any) -> Any:
            try:
                return super().load(data)
            except psycopg.DataError:
                return read_as_unknown(bytes(data))  # None: a date we do not know
    return Lenient


def _lenient_times(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI objects are untyped
    """A date or time PostgreSQL holds but Python cannot ('infinity', which other tools write for "never", a year
    past 9999 or before Christ) reads as unknown, as garbage in a SQLite date column does, instead of failing every
    query that reads its row: the stats, every Home, the export, the digest."""
    from psycopg.types import datetime as loaders

    for oid_name, loader in (("date", loaders.DateLoader), ("date", loaders.DateBinaryLoader),
                             ("timestamp", loaders.TimestampLoader), ("timestamp", loaders.TimestampBinaryLoader),
                             ("timestamptz", loaders.TimestamptzLoader),
                             ("timestamptz", loaders.TimestamptzBinaryLoader)):
        dbapi_connection.adapters.register_loader(oid_name, _lenient(loader))


def dialect_insert(session: Session):  # noqa: ANN201 - the dialects' insert() constructs share no public type
    """INSERT with ON CONFLICT, which both our databases speak and SQLAlchemy spells per dialect.

    Lets the database decide races ("whoever inserts first wins") in one statement.
    """
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]


def catch_up_ids(engine: Engine) -> list[str]:
    """PostgreSQL hands out ids from a sequence that rows written with their own ids (by a script, another
    tool, a partial restore) do not advance: the next idea would take an id already used and fail to store,
    again and again. At start-up each table's sequence is moved past the highest id stored, never back.
    Returns the tables caught up; a database out of reach is left for later (the bot starts anyway)."""
    if engine.dialect.name != "postgresql":
        return []  # SQLite numbers a row after the highest id there is
    caught_up = []
    try:
        with engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                key = list(table.primary_key.columns)
                if len(key) != 1 or key[0].autoincrement is False or not isinstance(key[0].type, Integer):
                    continue
                column = key[0].name
                sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                             {"t": table.name, "c": column})
                if sequence is None:
                    continue
                moved = connection.scalar(text(
                    f'SELECT setval(:s, m) FROM (SELECT max("{column}") AS m FROM "{table.name}") AS stored '
                    f"WHERE m >= (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {sequence})"
                ), {"s": sequence})
                if moved is not None:
                    caught_up.append(table.name)
    except SQLAlchemyError:
        return []
    return caught_up
