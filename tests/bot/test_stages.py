import itertools

import pytest

from bot.stages import can_move, next_stages
from models import Stage

ALLOWED = {
    ("candidate", "discovery"),
    ("candidate", "parked"),
    ("candidate", "declined"),
    ("discovery", "delivery"),
    ("discovery", "parked"),
    ("discovery", "declined"),
    ("delivery", "shipped"),
    ("parked", "discovery"),
    ("shipped", "reviewed"),
    ("candidate", "merged"),
    ("discovery", "merged"),
    ("parked", "merged"),
}


@pytest.mark.parametrize("from_stage, to_stage", list(itertools.product(Stage, Stage)))
def test_every_pair_of_stages(from_stage, to_stage):
    assert can_move(from_stage, to_stage) == ((from_stage.value, to_stage.value) in ALLOWED)
    assert (to_stage in next_stages(from_stage)) == can_move(from_stage, to_stage)
