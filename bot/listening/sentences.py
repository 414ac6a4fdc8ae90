"""The requests in a piece of feedback, sentence by sentence.

A review or a ticket can praise, complain and ask in one breath ("Love the app. Crashes on login since
the update. Please add a widget!"), and can ask for several things: each request is its own insight,
so each is returned as the sentence that makes it. Every sentence is read by the message detector on
its own, with two kinds read in context, because alone they say too little:

- a short one that points back ("Bring it back.", "Please add that.") is read with the sentence before;
- one that continues a request ("Also a dark theme.", "Retainer tracking too.") is read as a request
  when the detector calls it at least borderline.

When only the whole message reads as a request, its strongest sentence is the one returned. In a
review that reports a bug, only a clear ask counts: "crashes on my tablet, you should see to it" asks
for a fix, which is a bug report, not a feature request.
"""

from __future__ import annotations

import re

from bot.listening import words as request_words
from bot.listening.detect import BORDERLINE, LONG, THRESHOLD, detect, sentences
from bot.listening.patterns import BUG_REPORT, BUG_REPORT_MARGIN

_LETTERS = re.compile(r"[^\W\d_]{2,}")
_POINTS_BACK = re.compile(r"\b(?:it|that|this|them|those|these)\b", re.IGNORECASE)
_CONTINUES = re.compile(r"^\W*(?:also|and|plus|bonus|oh and|p\.?s\.?|same for|as well as)\b|\b(?:too|as well)\W*$",
                        re.IGNORECASE)
SHORT = 8  # words: a sentence this short that says "it" or "that" leans on the one before

__all__ = ["requests_in", "sentences"]


def requests_in(text: str, weights: request_words.Weights | None = None) -> list[str]:
    """Each request the text makes, as the sentence that makes it; empty when it makes none.

    Read in the customer's voice (feedback channels), with the customer weights unless `weights` are
    given (a test scores weights trained without a corpus)."""
    weights = weights or request_words.load(request_words.CUSTOMER_WEIGHTS_FILE)
    parts = sentences(text)
    margin = BUG_REPORT_MARGIN if BUG_REPORT.search(text.lower()) else 0.0  # a bug report asks only clearly
    bar = THRESHOLD + margin
    found: list[str] = []
    scores: list[float] = []
    for n, sentence in enumerate(parts):
        detection = detect(sentence, weights)
        scores.append(detection.score)
        if detection.score >= bar:
            found.append(sentence)
        elif n > 0 and len(_LETTERS.findall(sentence)) <= SHORT and _POINTS_BACK.search(sentence):
            if detect(f"{parts[n - 1]} {sentence}", weights).score >= bar:
                found.append(sentence)  # "Bring it back.": the sentence before says what "it" is
        elif found and found[-1] == parts[n - 1] and _CONTINUES.search(sentence):
            if detection.score >= BORDERLINE[0] + margin:
                found.append(sentence)  # "Also a dark theme.": a second request, told briefly
    # Past LONG sentences a text is a review that grumbles, not one that asks only as a whole.
    if not found and 1 < len(parts) <= LONG and detect(text, weights).score >= bar:
        found.append(parts[max(range(len(parts)), key=scores.__getitem__)])  # asks only as a whole
    return found
