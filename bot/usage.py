"""Counting what the model costs: tokens per team and day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.coach import UsageSink
from models import ModelUsage, dialect_insert, utcnow


def record(session: Session, team_id: str, prompt_tokens: int, completion_tokens: int, day: date) -> None:
    """Adds one call to the day's row; concurrent calls add up correctly (one atomic upsert)."""
    table = ModelUsage.__table__
    session.execute(
        dialect_insert(session)(table)
        .values(team_id=team_id, day=day, calls=1, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        .on_conflict_do_update(
            index_elements=[table.c.team_id, table.c.day],
            set_={
                "calls": table.c.calls + 1,
                "prompt_tokens": table.c.prompt_tokens + prompt_tokens,
                "completion_tokens": table.c.completion_tokens + completion_tokens,
            },
        )
    )


def recorder(sessions: sessionmaker[Session]) -> UsageSink:
    """A usage sink for the coach: each call recorded in its own short transaction."""

    def sink(team_id: str, prompt_tokens: int, completion_tokens: int) -> None:
        with sessions.begin() as session:
            record(session, team_id, prompt_tokens, completion_tokens, utcnow().date())

    return sink


@dataclass(frozen=True)
class Usage:
    calls_today: int
    tokens_today: int
    calls_30_days: int
    tokens_30_days: int


def summary(session: Session, team_id: str, today: date) -> Usage:
    def totals(since: date) -> tuple[int, int]:
        row = session.execute(
            select(
                func.coalesce(func.sum(ModelUsage.calls), 0),
                func.coalesce(func.sum(ModelUsage.prompt_tokens + ModelUsage.completion_tokens), 0),
            ).where(ModelUsage.team_id == team_id, ModelUsage.day >= since, ModelUsage.day <= today)
        ).one()
        return int(row[0]), int(row[1])

    calls_today, tokens_today = totals(today)
    calls_30, tokens_30 = totals(today - timedelta(days=29))
    return Usage(calls_today, tokens_today, calls_30, tokens_30)
