"""The life of an idea: which stage may follow which. The only place the graph is written down."""

from __future__ import annotations

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from models import Decision, Idea, Stage

MOVES: dict[Stage, tuple[Stage, ...]] = {
    Stage.CANDIDATE: (Stage.DISCOVERY, Stage.PARKED, Stage.DECLINED, Stage.MERGED),
    Stage.DISCOVERY: (Stage.DELIVERY, Stage.PARKED, Stage.DECLINED, Stage.MERGED),
    Stage.DELIVERY: (Stage.SHIPPED,),
    Stage.PARKED: (Stage.DISCOVERY, Stage.MERGED),
    Stage.SHIPPED: (Stage.REVIEWED,),
    Stage.REVIEWED: (),
    Stage.DECLINED: (),
    Stage.MERGED: (),
}


def next_stages(stage: str) -> tuple[Stage, ...]:
    """None from a stage we do not know (one a person or another tool wrote): nothing offers a move from it."""
    return MOVES.get(stage, ())  # a StrEnum's members hash as their strings


def can_move(from_stage: str, to_stage: str) -> bool:
    return to_stage in next_stages(from_stage)


_KNOWN = [stage.value for stage in Stage]


def normalize_stages(session: Session) -> int:
    """Stages written by hand or by another tool in another case or with spaces ("Shipped", " parked ") are
    stored as ours, so every query by stage (the triage queue, the check-ins, the digest) finds them; they
    already read as ours (models.StageName). Looked for first, so a database with none is not written to."""
    fixed = 0
    for column in (Idea.__table__.c.stage, Decision.__table__.c.from_stage, Decision.__table__.c.to_stage):
        spelled_otherwise = (column.not_in(_KNOWN), func.lower(func.trim(column)).in_(_KNOWN))
        if session.scalar(select(exists().where(*spelled_otherwise))):
            fixed += session.execute(
                update(column.table).where(*spelled_otherwise).values({column.name: func.lower(func.trim(column))})
            ).rowcount
    return fixed
