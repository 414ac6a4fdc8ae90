"""The life of an idea: which stage may follow which. The only place the graph is written down."""

from __future__ import annotations

from models import Stage

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
