"""The `/idea` grammar (the README lists it): a subcommand word, or else the ask itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verb(StrEnum):
    INTAKE = "intake"
    LIST = "list"
    HELP = "help"
    STATS = "stats"
    EXPORT = "export"
    OKR = "okr"
    SETTINGS = "settings"
    NUDGES_ON = "nudges on"
    NUDGES_OFF = "nudges off"
    NUDGES_HELP = "nudges"
    DIGEST_HERE = "digest here"
    DIGEST_OFF = "digest off"
    DIGEST_NOW = "digest now"
    DIGEST_PREVIEW = "digest preview"
    DIGEST_HELP = "digest"
    FEEDBACK_HERE = "feedback here"
    FEEDBACK_OFF = "feedback off"
    FEEDBACK_HELP = "feedback"


@dataclass(frozen=True)
class IdeaCommand:
    verb: Verb
    text: str = ""


_WORDS = {verb.value: verb for verb in Verb if verb is not Verb.INTAKE}
_DIGEST = {Verb.DIGEST_HERE, Verb.DIGEST_OFF, Verb.DIGEST_NOW, Verb.DIGEST_PREVIEW}


def parse(text: str | None) -> IdeaCommand:
    """Subcommands are whole words: `/idea list` lists, "list all the reports" is an ask.

    `digest here` takes its schedule after it (`digest here weekly friday 16:00`).
    """
    text = (text or "").strip()
    words = text.split()
    verb = _WORDS.get(" ".join(words).lower())
    if verb is not None:
        return IdeaCommand(verb)
    if len(words) > 2 and _WORDS.get(" ".join(words[:2]).lower()) is Verb.DIGEST_HERE:
        return IdeaCommand(Verb.DIGEST_HERE, " ".join(words[2:]))
    return IdeaCommand(Verb.INTAKE, text)


def is_digest(verb: Verb) -> bool:
    return verb in _DIGEST or verb is Verb.DIGEST_HELP


def is_feedback(verb: Verb) -> bool:
    return verb in (Verb.FEEDBACK_HERE, Verb.FEEDBACK_OFF, Verb.FEEDBACK_HELP)
