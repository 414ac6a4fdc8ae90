"""Is a channel message a feature request? A fast heuristic that can say why.

A feature request has two parts: the *form* of an ask ("could we", "it would be great if", "customers
keep asking for", "why can't I", "X should") and a *product* that would behave differently: a system
or screen, a capability verb (export, filter, notify, let users...), or a manual workaround it would
end ("we do it by hand"). Talk that borrows the form for people, meetings, chores and logistics ("can
we move standup", "please add me to the rota"), or that reports, thanks or announces, counts against,
read in the sentence that asks. Each rule is a precompiled regular expression (or a word set) with a
weight, so a verdict can always be traced to the phrase that triggered it. A rule is searched only when
the message holds a word it needs (bot/listening/gates.py), so classifying a message takes about two
hundred microseconds (`make bench`).

The rules live in bot/listening/patterns.py. New authors keep finding forms no rule names, so word
weights learned from the labelled corpora (bot/listening/words.py) then move the rules' score up or
down. Both voices are read: Slack messages by colleagues and customer voice (app reviews, tickets,
NPS), tuned and trained on tests/data/requests_dev*.jsonl and reviews_dev*.jsonl only; the *_holdout
corpora, written separately, give the honest score. A message holding several requests is split into
them by bot/listening/sentences.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.listening import patterns
from bot.listening import words as request_words
from bot.listening.against import NOT
from bot.listening.gates import Rules, words_of

THRESHOLD = 1.8
# Scores in this band are "maybe": a model may be asked to confirm them, never those outside it.
BORDERLINE = (1.0, 2.8)


@dataclass(frozen=True)
class Detection:
    score: float
    trigger: str | None

    @property
    def is_request(self) -> bool:
        return self.score >= THRESHOLD

    @property
    def is_borderline(self) -> bool:
        return BORDERLINE[0] <= self.score < BORDERLINE[1]


# Rules are written in lower case and run on lower-cased text: faster than re.IGNORECASE. Each is searched
# only when the text has a word its gate names (bot/listening/gates.py): most rules are never searched.
_ASK = Rules(patterns.ASK)
_NOT = Rules(NOT)
_CAPABILITY = re.compile(patterns.CAPABILITY)
_SELF_EVIDENT = re.compile(patterns.SELF_EVIDENT)
_HOW_TO = re.compile(patterns.HOW_TO)
_TOKEN = re.compile(r"[\w-]+")

_SLACK_MARKUP = re.compile(r"<([@#!])[^>]*>|<(https?://[^|>]*)(?:\|([^>]*))?>")
_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_WORDS = re.compile(r"[^\W\d_]{2,}")
# A sentence ends at . ! ? … (possibly repeated, or closed by a quote) followed by a space, at a line
# break, or at emoji followed by a capital ("so calming 🙏 Can you add...").
_SPLIT = re.compile(
    r"(?<=[.!?…])[\"')\]]*\s+(?=\S)|\s*\n+\s*|(?<=[\U0001F300-\U0001FAFF\u2600-\u27BF])\s+(?=[A-Z])"
)
# A text of more sentences than this is judged by its most asking sentence: read whole, a long review's
# many small cues add up to an ask it never makes ("the developers should be ashamed... ads everywhere...").
LONG = 5
_LONG_CHARACTERS = 200  # shorter texts are not split at all: most Slack messages
_SPACES = re.compile(r"[ \t]+")


def plain_text(text: str, *, keep_mentions: bool = False) -> str:
    """Slack markup out: mentions keep a placeholder (with `keep_mentions`, themselves, for whoever shows the
    text to name them), links become their label, code is set aside."""
    text = _CODE_BLOCK.sub(" ", text)
    text = _INLINE_CODE.sub(" code ", text)

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(0) if keep_mentions else {"@": " <@U> ", "#": " channel ", "!": " everyone "}[
                match.group(1)]
        return f" {match.group(3) or ''} "

    return _SPACES.sub(" ", _SLACK_MARKUP.sub(replace, text)).strip()


def _words_only(text: str) -> str:
    """The text without code, mentions or bare links: what counts as someone's words."""
    text = _INLINE_CODE.sub(" ", _CODE_BLOCK.sub(" ", text))
    return _SLACK_MARKUP.sub(lambda match: f" {match.group(3) or ''} ", text)


def sentences(text: str) -> list[str]:
    """The sentences of a message, in order, as written (code set aside, links by their label; its people,
    channels and @here as Slack sent them, which read as placeholders and can be shown by name)."""
    written = plain_text(text, keep_mentions=True)
    return [part.strip() for part in _SPLIT.split(written) if part and _WORDS.search(plain_text(part))]


def detect(text: str, weights: request_words.Weights | None = None) -> Detection:
    """`weights` are the shipped ones unless given (a test scores weights trained without a corpus)."""
    if len(text) > _LONG_CHARACTERS and len(parts := sentences(text)) > LONG:
        return max((detect(part, weights) for part in parts), key=lambda detection: detection.score)
    plain = plain_text(text).lower()
    if len(_WORDS.findall(_words_only(text))) < 2:
        # Mentions, bare links, code only, emoji, "+1", "lol". Two words can ask: "add undo", "widget pls".
        return Detection(0.0, None)
    rules, trigger = rule_score(plain)
    weights = weights or request_words.load()
    found = request_words.features(plain)
    # The learned words move the rules' score, in the rules' units, so THRESHOLD still decides.
    score = rules + weights.evidence(found) / weights.rule
    if trigger is None and (cues := [f for f in found if weights.words.get(f, 0.0) > 0]):
        trigger = request_words.describe(max(cues, key=lambda cue: (weights.words[cue], cue)))  # ties: by name
    return Detection(round(score, 3), trigger)


def rule_score(plain: str) -> tuple[float, str | None]:
    """The hand-written rules' score for lower-cased plain text, and the phrase that asked."""
    words = words_of(plain)
    found = sorted(
        _ASK.search(plain, words),
        key=lambda item: item[0],
        reverse=True,
    )
    if not found:
        return 0.0, None  # no form of an ask at all: chatter, unless the words say otherwise
    # One strong phrase plus corroboration: the two strongest forms count.
    ask = sum(weight for weight, _ in found[:2])
    tokens = set(_TOKEN.findall(plain))
    tokens |= {token[:-1] for token in tokens if token.endswith("s")}
    product = 0.0
    if not tokens.isdisjoint(patterns.SYSTEM_WORDS) or any(phrase in plain for phrase in patterns.SYSTEM_PHRASES):
        product += patterns.SYSTEM_WEIGHT
    if not tokens.isdisjoint(patterns.CAPABILITY_WORDS) or _CAPABILITY.search(plain):
        product += patterns.CAPABILITY_WEIGHT
    if patterns.WORKAROUND.search(plain):
        product += patterns.WORKAROUND_WEIGHT
    # Cues against are read in the sentence that asks: the ones after it usually explain the pain
    # ("we do it by hand", "failed twice this week"), which is no reason to doubt the ask.
    asking = _sentence_around(plain, found[0][1].start())
    if product == 0.0 and not _SELF_EVIDENT.search(asking):
        product = -patterns.NO_PRODUCT_PENALTY  # an ask about nothing a team builds: pizza, rooms, people
    # The message's words include the asking sentence's: a gate may pass needlessly, never wrongly.
    against = sum(weight for weight, _ in _NOT.search(asking, words))
    if _HOW_TO.match(plain) and not _HOW_TO.match(asking):
        against += patterns.HOW_TO_WEIGHT  # "how do I export to PDF? my boss wants it printed": a question, then why
    return ask + product - against, found[0][1].group(0)


_SENTENCE_END = re.compile(r"[.?!]+(?:\s|$)|\n")


def _sentence_around(text: str, position: int) -> str:
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text, 0, position)]
    end = _SENTENCE_END.search(text, position)
    return text[starts[-1] : end.end() if end else len(text)]
