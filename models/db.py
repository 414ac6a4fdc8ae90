"""Engine and session factory, built from a URL at start-up, never at import time."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """pool_pre_ping: a connection a database server dropped (a restart, a blip) is replaced, not failed on.

    A SQLite file has no server to drop it, so there the ping would be one more query per checkout.
    """
    sqlite = url.startswith("sqlite")
    engine = create_engine(url, pool_pre_ping=not sqlite, pool_size=pool_size, max_overflow=pool_size)
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """One factory per process; callers frame work with `with sessions.begin() as session:`."""
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI objects are untyped
    # WAL and a busy timeout let the web and clock processes share one file; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def dialect_insert(session: Session):  # noqa: ANN201 - the dialects' insert() constructs share no public type
    """INSERT with ON CONFLICT, which both our databases speak and SQLAlchemy spells per dialect.

    Lets the database decide races ("whoever inserts first wins") in one statement.
    """
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
