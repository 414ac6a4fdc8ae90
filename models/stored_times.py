"""On SQLite, dates and times written in other forms are stored in ours, so range queries compare them rightly.

SQLite compares what it holds as text. We write a time as `2026-11-30 09:00:00.000000` (UTC) and a date as
`2026-11-30`; another tool may write `2026-11-30T09:00:00Z`, `2026-11-30T10:00:00+01:00`, a Unix time or a date
with its time. Those read as meant (models.base), but a query by range ("decided in this digest's week", "due
by today") compares text: the "T" sorts after the space, an offset is not applied, and the row falls on the
wrong side of the edge. Here each is rewritten in our form. PostgreSQL's columns are typed: nothing to do.

The look is one query per table, which writes nothing when every value is in our form; a value that is no
date at all ("yesterday") is left as written and reads as unknown.
"""

from __future__ import annotations

import logging
from datetime import UTC, date

from sqlalchemy import (
    Column,
    String,
    Table,
    and_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from models.base import Base, LenientDate, UTCDateTime, _sqlite_date, _sqlite_datetime

logger = logging.getLogger("outcome_bot.models")

_D = "[0-9][0-9]"
OUR_TIME = f"{_D}{_D}-{_D}-{_D} {_D}:{_D}:{_D}.{_D}{_D}{_D}"  # GLOB matches the whole text
OUR_DATE = f"{_D}{_D}-{_D}-{_D}"
# Written by the bot alone, and the largest: the outbox and its kin are not looked through every minute.
OURS_ALONE = frozenset({"outbox", "drafts", "webhook_deliveries"})


def _dated_columns(table: Table) -> list[Column]:
    return [column for column in table.columns if isinstance(column.type, UTCDateTime | LenientDate)]


def _otherwise(column: Column) -> object:
    """The value is not in our form (or not text at all)."""
    pattern = OUR_TIME if isinstance(column.type, UTCDateTime) else OUR_DATE
    raw = type_coerce(column, String())  # compared as stored, not as our type would bind a value
    return and_(raw.is_not(None), or_(func.typeof(raw) != literal("text", String()),
                                      raw.op("NOT GLOB", is_comparison=True)(literal(pattern, String()))))


def _ours(column: Column, raw: object) -> str | None:
    """The value in our form, or None when it is no date or time."""
    if isinstance(column.type, UTCDateTime):
        moment = _sqlite_datetime(raw)
        if moment is None:
            return None
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    day: date | None = _sqlite_date(raw)
    return None if day is None else day.isoformat()


def normalize_times(session: Session) -> int:
    """Rewrites every date and time stored in another form in ours; returns how many values it rewrote."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    fixed = 0
    for table in Base.metadata.sorted_tables:
        columns = _dated_columns(table)
        if table.name in OURS_ALONE or not columns:
            continue
        odd = or_(*(_otherwise(column) for column in columns))
        if session.scalar(select(literal_column("1")).select_from(table).where(odd).limit(1)) is None:
            continue
        for column in columns:
            fixed += _rewrite(session, table, column)
    return fixed


def _rewrite(session: Session, table: Table, column: Column) -> int:
    raw = type_coerce(column, NullType())  # as stored: text, a number, whatever it is
    rows = session.execute(select(literal_column("rowid"), raw).select_from(table).where(_otherwise(column))).all()
    fixed = 0
    update = text(f'UPDATE "{table.name}" SET "{column.name}" = :ours WHERE rowid = :row AND "{column.name}" IS :raw')
    for row, stored in rows:
        ours = _ours(column, stored)
        if ours is not None and ours != stored:
            fixed += session.execute(update.bindparams(bindparam("raw", type_=NullType())),
                                     {"ours": ours, "row": row, "raw": stored}).rowcount
    if fixed:
        logger.info("%s.%s: %d dates or times written in another form stored in ours", table.name, column.name, fixed)
    return fixed
