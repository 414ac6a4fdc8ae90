"""The optional paragraph a digest opens with, written by the model from the period's decisions alone."""

from __future__ import annotations

from collections.abc import Callable
from itertools import zip_longest
from textwrap import shorten

from bot.coach import Coach
from bot.digests.compose import Digest
from bot.settings import Settings

# What the model is shown of a digest's decisions: a busy week (hundreds, each with its reason) would not fit a
# small model's context, and a refused call is a paragraph silently missing. Each decision is cut to a line.
DIGEST_INPUT_CHARS = 12_000
DECISION_CHARS = 300

# Writes the optional digest intro for a team's digest, or None.
IntroWriter = Callable[[str, Digest], str | None]


def digest_intro_writer(settings: Settings, coach: Coach | None) -> IntroWriter | None:
    """Only with DIGEST_SUMMARY=true and a model; the model sees this digest's decisions and nothing else."""
    if coach is None or not settings.digest_summary:
        return None

    def write(team_id: str, digest: Digest) -> str | None:
        kinds = [
            (label, [f"{label}: \"{idea.outcome}\"; reason given: \"{decision.reason}\"" for idea, decision in moved])
            for label, moved in (("moved to delivery", digest.to_delivery), ("shipped", digest.shipped),
                                 ("moved to discovery", digest.to_discovery), ("parked", digest.parked),
                                 ("declined", digest.declined))
        ]
        lines = decisions_shown(kinds)
        return coach.digest_intro(team_id, lines) if lines else None

    return write


def decisions_shown(kinds: list[tuple[str, list[str]]], budget: int = DIGEST_INPUT_CHARS) -> list[str]:
    """What the model is shown of a period's decisions, within `budget` characters: how many of each kind first,
    then the decisions themselves taken in turn from each kind, so a week too busy to show whole is still told
    by its numbers and an example of every kind, and says how many it leaves out."""
    total = sum(len(lines) for _, lines in kinds)
    if not total:
        return []
    shown = ["in all: " + ", ".join(f"{len(lines)} {label}" for label, lines in kinds if lines)]
    room = budget - len(shown[0])
    for line in (line for row in zip_longest(*(lines for _, lines in kinds)) for line in row if line is not None):
        line = shorten(line, DECISION_CHARS, placeholder=" …")
        if len(line) + 3 > room:  # each is sent as "- " and a newline
            break
        shown.append(line)
        room -= len(line) + 3
    if len(shown) - 1 < total:
        shown.append(f"({total - len(shown) + 1} more decisions not shown)")
    return shown
