"""The `/idea` grammar (shared/DESIGN.md): a subcommand word, or else the ask itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verb(StrEnum):
    INTAKE = "intake"
    LIST = "list"
    HELP = "help"


@dataclass(frozen=True)
class IdeaCommand:
    verb: Verb
    text: str = ""


_WORDS = {"list": Verb.LIST, "help": Verb.HELP}


def parse(text: str | None) -> IdeaCommand:
    """`/idea list` and `/idea help` are subcommands only when alone: "list all the reports" is an ask."""
    text = (text or "").strip()
    verb = _WORDS.get(text.lower())
    if verb is not None:
        return IdeaCommand(verb)
    return IdeaCommand(Verb.INTAKE, text)
