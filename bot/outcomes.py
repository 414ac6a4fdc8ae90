"""Does a stated outcome read like an output? "Add a CSV export button" names a thing to build;
"finance closes the month a day sooner" names a difference for someone. A fast heuristic, used on
submit to give a gentle, one-time nudge (never a refusal), with or without the model.
"""

from __future__ import annotations

import re

# A thing to build: an imperative build verb up front, or product nouns with nothing changing for anyone.
_BUILD_START = re.compile(
    r"^\W*(?:(?:we|i|they) (?:need|want|would like)|(?:please|pls) )?(?:to )?(?:add|adding|build|create|make|"
    r"implement|introduce|support|enable|allow|let|give|integrate|show|display|provide|include|put|have|get|"
    r"new|a|an|the ability|ability|option|support for)\b",
    re.IGNORECASE,
)
_PRODUCT = re.compile(
    r"\b(?:button|export|import|integration|dashboard|report|page|screen|tab|view|mode|dark mode|sso|saml|api|"
    r"endpoint|app|feature|toggle|filter|field|column|setting|option|widget|sync|pdf|csv|email|alert|reminder|"
    r"notification|template|checklist|login|portal|form|menu|calendar|search|bulk|support)s?\b",
    re.IGNORECASE,
)
# A difference for someone: change words, measures, or people doing things differently.
_CHANGE = re.compile(
    r"\b(?:sooner|faster|quicker|earlier|less|fewer|more often|reduce[sd]?|increase[sd]?|drops?|cut|halve|"
    r"save[sd]?|stop|stops|no longer|without|instead of|rather than|so that|so (?:they|we|our|people|customers|"
    r"users|staff|finance|support)|on their own|by themselves|don'?t have to|doesn'?t have to|never|within|"
    r"under|in (?:days|hours|minutes)|per (?:shift|day|week|month)|trust|understand|know|find|get to|"
    r"come back|handle|spend|walk|answer|close|closes|finish|finishes|hand in|miss|wait|waiting)\b|\d+ ?%|"
    r"\b\d+ (?:days?|hours?|minutes?|weeks?|tickets?|calls?|clicks?|steps?)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")


def reads_like_output(outcome: str) -> bool:
    """True when the text names something to build and no change for anyone."""
    text = outcome.strip()
    if not text:
        return False
    changes = len(_CHANGE.findall(text))
    builds = bool(_BUILD_START.search(text)) + len(_PRODUCT.findall(text))
    short = len(_WORD.findall(text)) <= 4
    return changes == 0 and (builds > 0 or short)


def rewrite_hint(outcome: str) -> str:
    """A nudge in plain words, with the person's own ask turned into the question that leads to an outcome."""
    thing = outcome.strip().rstrip(".!?")
    if len(thing) > 80:
        thing = thing[:79] + "…"
    return (
        f"\u201c{thing}\u201d sounds like something to build (an output). When it works, what will be different, "
        "and for whom? For example: \u201cfinance closes the month a day sooner\u201d. Submit again to keep yours."
    )
