"""Is a new idea one we already have? Ideas that look alike, so people support one instead of filing two.

The measure is TF-IDF cosine over an idea's words, with the inverse document frequencies taken from
the team's own open ideas: words every idea shares ("report", "customers") count for little, the
words that tell ideas apart count for much. Words are lowercased, lightly stemmed and common
abbreviations spelled out ("SSO" and "single sign-on" match). Ideas that say the opposite of each
other on one axis ("import" against "export") are pulled apart, because that is the commonest way
two ideas share nearly every word and are still different asks.

Lexical matching cannot see that "second signer" and "dual authorisation" are the same need; when a
model is configured it gets the closest candidates and confirms which are the same need.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.reviews import SUPPORTABLE
from models import Idea

# Tuned on tests/data/duplicates_dev*.jsonl for precision over recall: a wrong "looks like #12" costs
# a reader's attention and some trust, a missed one only what we had before. Words alone find few
# reworded duplicates (tests/bot/test_similar.py has the figures); the model finds the rest.
THRESHOLD = 0.55
SHOWN = 3
POOL = 500  # the newest open ideas compared against; older ones have had their chance

_STOP_WORDS = frozenset(
    """a about after again all allow also an and any app are as at be been before being but by can cannot could
    did do does done don't each easily easy every fast faster for from get gets give go has have having how i if
    in into is it it's its just let lets like make me more most much my need needs new no not now of on one only
    or other our out own people please same see so some stop such than that the their them then there they this
    those through to too up us use user users very want wants was way we were what when where which who why will
    with without would you your""".split()
)
# Spelled the same way whoever writes them; values are phrases, split into words.
_SAME = {
    "sso": "single signon", "single-sign-on": "single signon", "2fa": "two factor", "mfa": "two factor",
    "otp": "one time code",
    "sms": "text message", "texts": "text message", "mobile": "phone", "smartphone": "phone", "cell": "phone",
    "e-mail": "email", "emails": "email", "emailed": "email", "excel": "spreadsheet", "xlsx": "spreadsheet",
    "sheets": "spreadsheet", "dashboards": "dashboard", "notify": "notification", "alert": "notification",
    "alerts": "notification", "ping": "notification", "pto": "time off", "leave": "time off",
    "approve": "approval", "approves": "approval", "approved": "approval", "signoff": "approval",
    "bulk": "many", "batch": "many", "multiple": "many", "several": "many",
    "auto": "automatic", "automatically": "automatic", "automate": "automatic",
}
# Ideas that differ by one of these are different asks even when every other word is shared.
_OPPOSITES = [
    ("import", "export"), ("upload", "download"), ("send", "receive"), ("buyer", "seller"), ("incoming", "outgoing"),
    ("enable", "disable"), ("show", "hide"), ("lock", "unlock"), ("add", "remove"), ("start", "end"),
    ("checkin", "checkout"), ("login", "logout"), ("clockin", "clockout"),
    ("optin", "optout"), ("inbound", "outbound"), ("credit", "debit"),
    ("web", "phone"), ("ios", "android"), ("admin", "customer"),
]
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
# Two-word verbs written as one, so "check in" and "check out" keep the word that tells them apart.
_PHRASAL = re.compile(r"\b(check|log|sign|opt|clock)[ -]?(in|out|on|up)\b")


def words(text: str) -> list[str]:
    """Lowercased words with abbreviations spelled out, and with their plural and -ing/-ed endings off."""
    out: list[str] = []
    for word in _WORD.findall(_PHRASAL.sub(r"\1\2", text.lower())):
        out += _SAME.get(word, word).split()
    return [_stem(w) for w in out]


def _stem(word: str) -> str:
    for ending in ("ations", "ation", "ings", "ing", "ers", "er", "ed", "es", "s", "ly"):
        if len(word) - len(ending) >= 3 and word.endswith(ending):
            return word[: -len(ending)]
    return word


def _terms(text: str) -> list[str]:
    return [w for w in words(text) if w not in _STOP and len(w) > 1]


_STOP = frozenset(_stem(w) for w in _STOP_WORDS) | _STOP_WORDS
_OPPOSITE_STEMS = [(_stem(a), _stem(b)) for a, b in _OPPOSITES]


def _opposed(a: set[str], b: set[str]) -> bool:
    """One idea names one side of an opposite pair and the other the other side, and neither names both."""
    for x, y in _OPPOSITE_STEMS:
        if (x in a and y in b and y not in a and x not in b) or (y in a and x in b and x not in a and y not in b):
            return True
    return False


@dataclass(frozen=True)
class Corpus:
    """Document frequencies of a set of texts, for weighting the words of any two of them."""

    frequencies: Counter[str]
    size: int

    @classmethod
    def of(cls, texts: Iterable[str]) -> Corpus:
        frequencies: Counter[str] = Counter()
        size = 0
        for text in texts:
            frequencies.update(set(_terms(text)))
            size += 1
        return cls(frequencies, size)

    def vector(self, text: str) -> dict[str, float]:
        counts = Counter(_terms(text))
        # Smoothed idf: a word in every text still weighs a little, so a pool of two ideas works.
        weights = {
            w: (1 + math.log(n)) * (math.log((1 + self.size) / (1 + self.frequencies[w])) + 1)
            for w, n in counts.items()
        }
        norm = math.sqrt(sum(x * x for x in weights.values())) or 1.0
        return {w: x / norm for w, x in weights.items()}

    def similarity(self, a: str, b: str) -> float:
        """Cosine of the two texts' weighted words, 0 to 1; opposed asks count for a third."""
        va, vb = self.vector(a), self.vector(b)
        score = sum(x * vb.get(w, 0.0) for w, x in va.items())
        return score / 3 if _opposed(set(va), set(vb)) else score


def idea_text(idea: Idea) -> str:
    """What an idea says: the ask, the outcome and the problem."""
    return " ".join(part for part in (idea.ask, idea.outcome, idea.problem) if part)


@dataclass(frozen=True)
class Match:
    idea: Idea
    score: float


# Confirms which candidate ideas are the same need as a new one: (team_id, text, [(id, text)]) -> ids or None.
Confirm = Callable[[str, str, list[tuple[int, str]]], list[int] | None]


def open_ideas(session: Session, team_id: str, *, excluding: int | None = None) -> list[Idea]:
    query = select(Idea).where(Idea.team_id == team_id, Idea.stage.in_(SUPPORTABLE))
    if excluding is not None:
        query = query.where(Idea.id != excluding)
    return list(session.scalars(query.order_by(Idea.created_at.desc(), Idea.id.desc()).limit(POOL)))


def closest(text: str, pool: Sequence[Idea], *, threshold: float = THRESHOLD, limit: int = SHOWN) -> list[Match]:
    """The pool's ideas at or above the threshold, most alike first."""
    texts = [idea_text(idea) for idea in pool]
    corpus = Corpus.of([text, *texts])
    scored = [Match(idea, corpus.similarity(text, other)) for idea, other in zip(pool, texts, strict=True)]
    scored = [m for m in scored if m.score >= threshold]
    return sorted(scored, key=lambda m: (-m.score, -m.idea.id))[:limit]


# Candidates a model is shown: a lower bar, since it decides; enough to catch reworded asks.
MODEL_THRESHOLD = 0.12
MODEL_CANDIDATES = 8

# Embeds texts for a team: (team_id, texts) -> one vector per text, or None.
Embed = Callable[[str, list[str]], list[list[float]] | None]


def looks_like(idea: Idea, pool: Sequence[Idea], confirm: Confirm | None = None, embed: Embed | None = None
               ) -> list[Match]:
    """The ideas of `pool` (the team's other open ideas) that look like this one; with a model, the ones
    it says are the same need, chosen from the closest by meaning (embeddings) or else by words.
    Called outside any transaction: the model may take seconds."""
    text = idea_text(idea)
    if confirm is None:
        return closest(text, pool)
    candidates = (embed and nearest(idea.team_id, text, pool, embed)) or closest(
        text, pool, threshold=MODEL_THRESHOLD, limit=MODEL_CANDIDATES)
    if not candidates:
        return []
    same = confirm(idea.team_id, text, [(m.idea.id, idea_text(m.idea)) for m in candidates])
    if same is None:  # the model failed: the lexical measure stands
        return closest(text, pool)
    chosen = set(same)
    return [m for m in candidates if m.idea.id in chosen][:SHOWN]


def nearest(team_id: str, text: str, pool: Sequence[Idea], embed: Embed) -> list[Match] | None:
    """The pool's ideas closest in meaning (cosine of embeddings), for the model to judge; None on failure."""
    vectors = embed(team_id, [text, *(idea_text(idea) for idea in pool)])
    if vectors is None:
        return None
    new, others = _unit(vectors[0]), [_unit(v) for v in vectors[1:]]
    scored = [Match(idea, sum(a * b for a, b in zip(new, vector, strict=False)))
              for idea, vector in zip(pool, others, strict=True)]
    return sorted(scored, key=lambda m: -m.score)[:MODEL_CANDIDATES]


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def remember_looks_like(session: Session, idea_id: int, looks_like_id: int) -> None:
    session.execute(update(Idea).where(Idea.id == idea_id).values(looks_like_id=looks_like_id))
