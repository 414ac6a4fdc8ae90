"""The `/idea` grammar (the README lists it): a subcommand word, or else the ask itself."""

from __future__ import annotations

import unicodedata
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
# Characters with no width that a paste or an input method leaves around a word, and punctuation a person
# ends a command with ("help?", "list."): neither makes a verb an ask.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_TRAILING = ".,;:!?\u2026\u3002\uff01\uff1f"  # and a Japanese or Chinese full stop, !, ?
# A verb's word as people also say it: one nudge or many, the objectives themselves.
_SAME_WORD = {"nudge": "nudges", "digests": "digest", "okrs": "okr", "objective": "okr", "objectives": "okr",
              "setting": "settings"}
# Whole commands said another way: `digest on` is `digest here`, and stop is off.
_SAME_VERB = {"digest on": "digest here", "digest stop": "digest off", "feedback on": "feedback here",
              "feedback stop": "feedback off", "nudges stop": "nudges off", "nudges start": "nudges on"}


def parse(text: str | None) -> IdeaCommand:
    """Subcommands are whole words: `/idea list` lists, "list all the reports" is an ask.

    Case, width, spacing of any kind and punctuation at a word's end do not matter (`/idea Help?`, `/idea LIST.`),
    nor one nudge or many (`/idea nudge off`), and `/idea ?` is help;
    anything more than the verb's words makes an ask (`/idea help me export csv`), except that
    `digest here` takes its schedule after it (`digest here weekly friday 16:00`).
    """
    text = _strip(text or "")
    words = text.split()
    # NFKC: an input method's full-width letters (`ｌｉｓｔ`) are the same word.
    keys = [unicodedata.normalize("NFKC", _strip(word)).rstrip(_TRAILING).lower() for word in words]
    keys = [_SAME_WORD.get(key, key) for key in keys]
    if words and not any(keys):
        return IdeaCommand(Verb.HELP)  # `/idea ?`: a question about the bot, not an idea called "?"
    said = " ".join(key for key in keys if key)
    verb = _WORDS.get(_SAME_VERB.get(said, said))
    if verb is not None:
        return IdeaCommand(verb)
    if len(words) > 2 and _WORDS.get(" ".join(keys[:2])) is Verb.DIGEST_HERE:
        return IdeaCommand(Verb.DIGEST_HERE, " ".join(words[2:]))
    return IdeaCommand(Verb.INTAKE, text)


def _strip(text: str) -> str:
    """Whitespace and zero-width characters off both ends (inside, a joiner may hold an emoji together)."""
    while text != (stripped := text.strip().strip(_INVISIBLE)):
        text = stripped
    return text


def is_digest(verb: Verb) -> bool:
    return verb in _DIGEST or verb is Verb.DIGEST_HELP


def is_feedback(verb: Verb) -> bool:
    return verb in (Verb.FEEDBACK_HERE, Verb.FEEDBACK_OFF, Verb.FEEDBACK_HELP)
