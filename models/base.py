"""Declarative base with stable constraint names, and the types that read what others wrote: UTC timestamps,
dates, stage names.

SQLite keeps whatever a writer put in a column. Ours write ISO text; another tool, a hand or a script may
write a date with its time ("2026-11-01 00:00:00") or a Unix time (1700000000). Those read as the date or
time they mean, on SQLite as on PostgreSQL (whose columns are typed), instead of failing every query that
reads the row: one such row stopped every workspace's check-ins.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


logger = logging.getLogger("outcome_bot.models")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_datetime(value: Any) -> datetime | None:
    """A timestamp as SQLite holds it: ISO text (with a "T", a "Z" or an offset, or none), or a Unix time.
    Garbage ("yesterday", "", "31/02/2026") is an unknown time, None, logged once: one such row must not fail
    every query that reads it, for everyone."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        text = str(value).strip()
        return datetime.fromtimestamp(float(text), UTC) if text.replace(".", "", 1).isdigit() else \
            datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return read_as_unknown(value)


def _sqlite_date(value: Any) -> date | None:
    """A date as SQLite holds it: ISO text, maybe with a time after it, YYYYMMDD, or a Unix time; garbage is
    None, as for a timestamp."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    text = str(value).strip()
    try:
        if text.isdigit() and len(text) == 8:
            return datetime.strptime(text, "%Y%m%d").date()
        return date.fromisoformat(text[:10])
    except ValueError:
        moment = _sqlite_datetime(text)
        return None if moment is None else moment.date()


_SEEN_UNKNOWN: set[str] = set()


def read_as_unknown(value: Any) -> None:
    """Logs a value that is no date or time once per process (not once per read: Home is read all day)."""
    shown = repr(value)[:100]
    if shown not in _SEEN_UNKNOWN and len(_SEEN_UNKNOWN) < 1000:
        _SEEN_UNKNOWN.add(shown)
        logger.warning("a date or time column holds %s, which is no date: read as unknown", shown)
    return None


class UTCDateTime(TypeDecorator[datetime]):
    """Always hands back aware UTC datetimes; SQLite would otherwise return naive ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return lambda value: self.process_result_value(_sqlite_datetime(value), dialect)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class LenientDate(TypeDecorator[date]):
    """A date; on SQLite, read as `_sqlite_date` reads it."""

    impl = Date
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_date


_YES = frozenset({"1", "true", "t", "yes", "y", "on"})


class LenientBool(TypeDecorator[bool]):
    """A yes or no; on SQLite, where any text read as true, a word another tool wrote ("false", "no", "0")
    reads as meant, and one we do not know as no: whether someone is an admin is never a guess in their favour."""

    impl = Boolean
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return lambda value: None if value is None else (
            value != 0 if isinstance(value, int | float) else str(value).strip().lower() in _YES)


class StageName(TypeDecorator[str]):
    """A stage as we write it, lower case: one written by hand or by another tool ("Shipped", " parked ")
    reads as ours, so nothing that compares or looks it up meets a spelling it does not know."""

    impl = String(16)
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else value.strip().lower()


# A review's result as we write it ("met", "partly", "missed"), and as others spell it.
RESULT_SPELLINGS = {"met": "met", "fully met": "met", "partly": "partly", "partly met": "partly",
                    "partially": "partly", "partially met": "partly", "partial": "partly", "missed": "missed",
                    "not met": "missed", "unmet": "missed"}


def result_as_ours(value: str) -> str:
    """"Met", " met ", "Partly met", "not_met" as we write them; one we do not know, as written."""
    words = " ".join(value.lower().replace("_", " ").replace("-", " ").split())
    return RESULT_SPELLINGS.get(words, value)


class ResultName(TypeDecorator[str]):
    """A review's result: one written by hand or another tool in another spelling reads as ours, so the stats
    and the digest count it; one we do not know reads as written (and counts as no result)."""

    impl = String(16)
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else result_as_ours(value)


def utcnow() -> datetime:
    return datetime.now(UTC)
