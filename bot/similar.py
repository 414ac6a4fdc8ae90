"""Is a new idea one we already have? Ideas that look alike, so people support one instead of filing two.

The measure is TF-IDF cosine over an idea's words, with the inverse document frequencies taken from
the team's own open ideas: words every idea shares ("report", "customers") count for little, the
words that tell ideas apart count for much. Words are lowercased, lightly stemmed and common
abbreviations spelled out ("SSO" and "single sign-on" match). Ideas that say the opposite of each
other on one axis ("import" against "export") are pulled apart, because that is the commonest way
two ideas share nearly every word and are still different asks.

Whether two asks are the same is decided by a stricter measure (`Corpus.alike`) than the cosine: one ask
may add words to the other ("a CSV export *button* to the reports page"), but when each names
something the other does not ("the due date on the invoice *PDF*" against "on the invoice *list*"),
they are different asks. Ideas are compared ask to ask as well as whole text to whole text, and a
customer's sentence is compared with each idea's ask, which is what a short sentence can match.

Lexical matching cannot see that "second signer" and "dual authorisation" are the same need; when a
model is configured it gets the closest candidates and confirms which are the same need.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.ask_words import ASK_STOP as _ASK_STOP
from bot.ask_words import OPPOSITES as _OPPOSITES
from bot.ask_words import STOP_WORDS as _STOP_WORDS
from bot.asks import AUDIENCE as _AUDIENCE
from bot.asks import HOW_ROOTS as _HOW_ROOTS
from bot.asks import PHRASAL as _PHRASAL
from bot.asks import TEXTS_REMEMBERED as _TEXTS_REMEMBERED
from bot.asks import WORD as _WORD
from bot.asks import ask_terms as _ask_terms
from bot.asks import contrary as _contrary
from bot.asks import opposed
from bot.asks import root as _root
from bot.spelling import acronyms_spelled, reconciled, spelled
from models import Idea

# Tuned on tests/data/duplicates_dev*.jsonl for precision over recall: a wrong "looks like #12" costs
# a reader's attention and some trust, a missed one only what we had before. Words alone find few
# reworded duplicates (tests/bot/test_similar.py has the figures); the model finds the rest.
THRESHOLD = 0.55  # the cosine, for ranking and for grouping alike texts
SAME_ASK = 0.7  # `Corpus.alike`, for saying "looks like #12"
# Two ideas whose asks match are the same ask only if their outcomes and problems have something in common
# (cosine): "Add a dashboard" asked for two unrelated reasons is two needs.
SAME_REASONS = 0.3
# What each word a customer's sentence adds to an ask costs `Corpus.covers`: reviews explain at length.
EXTRA_WORDS = 0.1
SHOWN = 3

def words(text: str) -> list[str]:
    """Lowercased words with abbreviations spelled out, and with their plural and -ing/-ed endings off."""
    out: list[str] = []
    for word in _WORD.findall(_PHRASAL.sub(r"\1\2", text.lower())):
        out += spelled(word).split()
    return [_stem(w) for w in out]


def _stem(word: str) -> str:
    for ending in ("ations", "ation", "ings", "ing", "ers", "er", "ed", "es", "s", "ly"):
        if len(word) - len(ending) >= 3 and word.endswith(ending):
            return word[: -len(ending)]
    return word


@lru_cache(maxsize=_TEXTS_REMEMBERED)
def _terms(text: str) -> tuple[str, ...]:
    return tuple(w for w in words(text) if w not in _STOP and len(w) > 1)


_STOP = frozenset(_stem(w) for w in _STOP_WORDS) | _STOP_WORDS
_OPPOSITE_STEMS = [(_stem(a), _stem(b)) for a, b in _OPPOSITES]



@dataclass(frozen=True)
class Corpus:
    """Document frequencies of a set of texts, for weighting the words of any two of them."""

    frequencies: Counter[str]
    size: int
    roots: Counter[str] = field(default_factory=Counter)  # the same, over `_ask_terms`

    @classmethod
    def of(cls, texts: Iterable[str]) -> Corpus:
        frequencies: Counter[str] = Counter()
        roots: Counter[str] = Counter()
        size = 0
        for text in texts:
            frequencies.update(set(_terms(text)))
            roots.update(_ask_terms(text))
            size += 1
        return cls(frequencies, size, roots)

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
        return score / 3 if opposed(set(va), set(vb), _OPPOSITE_STEMS) else score

    def alike(self, a: str, b: str) -> float:
        """How nearly two asks are the same ask, 0 to 1. Words one adds to the other cost little ("a CSV export
        button" and "CSV export"); words each has that the other lacks cost much ("invoice PDF" against
        "invoice list"), because that is how near-identical asks ask for different things. Opposites, a
        "prevent" on one side only, and a reversed "from X to Y" count for a third."""
        a, b = acronyms_spelled(a, b)
        ta = _ask_terms(a)
        tb = reconciled(ta, _ask_terms(b))
        shared = sum(self._weight(t) for t in ta & tb)
        if not shared:
            return 0.0
        only_a, only_b = sum(self._weight(t) for t in ta - tb), sum(self._weight(t) for t in tb - ta)
        score = shared / (shared + 3 * min(only_a, only_b) + 0.75 * max(only_a, only_b))
        return score / 3 if _contrary(a, b, ta, tb) else score

    def covers(self, text: str, ask: str) -> float:
        """How fully a customer's sentence says what an ask asks for, 0 to 1: the sentence's own extra words
        (why, how annoying) cost little, words of the ask it leaves out cost much, and who the ask is for
        ("let customers…") is not expected in a customer's sentence. Contrary asks count for a third."""
        text, ask = acronyms_spelled(text, ask)
        ta = _ask_terms(ask) - _AUDIENCE
        tt = reconciled(ta, _ask_terms(text))
        shared = sum(self._weight(t) for t in tt & ta)
        if not shared:
            return 0.0
        missing, extra = sum(self._weight(t) for t in ta - tt), sum(self._weight(t) for t in tt - ta)
        score = shared / (shared + 2 * missing + EXTRA_WORDS * extra)
        return score / 3 if _contrary(text, ask, tt, ta) else score

    def _weight(self, root: str) -> float:
        return math.log((1 + self.size) / (1 + self.roots[root])) + 1


def search_words(text: str) -> list[str]:
    """The words of `text` that tell asks apart, as written (to look for in ideas' text, in SQL), longest first:
    a longer word is most often a rarer one. Each is cut to what its forms share ("exports": "export")."""
    found = []
    for word in _WORD.findall(text.lower()):
        for one in dict.fromkeys((word, *spelled(word).split())):
            root = _root(one)
            if one not in _ASK_STOP and root not in _HOW_ROOTS and len(stem := os.path.commonprefix([one, root])) > 2:
                found.append(stem)
    return sorted(dict.fromkeys(found), key=len, reverse=True)


def idea_text(idea: Idea) -> str:
    """What an idea says: the ask, the outcome and the problem."""
    return " ".join(part for part in (idea.ask, idea.outcome, idea.problem) if part)


@dataclass(frozen=True)
class Match:
    idea: Idea
    score: float


# Confirms which candidate ideas are the same need as a new one: (team_id, text, [(id, text)]) -> ids or None.
Confirm = Callable[[str, str, list[tuple[int, str]]], list[int] | None]


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
# A model naming all of this many candidates (or more) is not telling them apart.
UNDISCERNING = 3

# Embeds texts for a team: (team_id, texts) -> one vector per text, or None.
Embed = Callable[[str, list[str]], list[list[float]] | None]


def looks_like(idea: Idea, pool: Sequence[Idea], confirm: Confirm | None = None, embed: Embed | None = None
               ) -> list[Match]:
    """The ideas of `pool` (the team's other open ideas) that look like this one; with a model, the ones
    it says are the same need, chosen from the closest by meaning (embeddings) or else by words.
    Called outside any transaction: the model may take seconds."""
    return same_need(idea.team_id, idea_text(idea), pool, confirm, embed, like=idea)


def same_need(team_id: str, text: str, pool: Sequence[Idea], confirm: Confirm | None = None,
              embed: Embed | None = None, *, like: Idea | None = None) -> list[Match]:
    """The ideas of `pool` that ask for the same thing as `text` (a customer's sentence, or the text of the idea
    `like`), most alike first, at most SHOWN. Without a model, by words; with one, the model judges the closest
    by meaning (embeddings) or else by words, and if it fails the words stand. Called outside any transaction."""
    if not pool:
        return []
    if confirm is None:
        return _same_by_words(text, pool, like)
    candidates = (embed and nearest(team_id, text, pool, embed)) or _candidates(text, pool, like)
    if not candidates:
        return []
    same = confirm(team_id, text, [(m.idea.id, idea_text(m.idea)) for m in candidates])
    chosen = {idea_id for idea_id in same or () if any(m.idea.id == idea_id for m in candidates)}
    if same is None or _undiscerning(chosen, candidates):  # the model could not say: the words stand
        return _same_by_words(text, pool, like)
    return [m for m in candidates if m.idea.id in chosen][:SHOWN]


def _undiscerning(chosen: set[int], candidates: Sequence[Match]) -> bool:
    """The model called every one of several different open ideas the same need: text that talks it into
    "these are all the same", or a model that says so of anything. Precision first: its word is not taken."""
    return len(candidates) >= UNDISCERNING and len(chosen) == len(candidates)


def ranked(text: str, pool: Sequence[Idea], limit: int = 25) -> list[Idea]:
    """Every idea of `pool`, the one most like `text` first (ties: newest first), for choosing where a piece
    of feedback belongs: no threshold, since a person picks."""
    if not pool:
        return []
    corpus = _corpus(text, pool)
    scored = [(_near(corpus, text, idea, None), idea) for idea in pool]
    return [idea for _, idea in sorted(scored, key=lambda pair: (-pair[0], -(pair[1].id or 0)))][:limit]


def _corpus(text: str, pool: Sequence[Idea]) -> Corpus:
    return Corpus.of([text, *(idea_text(idea) for idea in pool)])


def _reasons(idea: Idea) -> str:
    return " ".join(part for part in (idea.outcome, idea.problem) if part)


def _same_ask(corpus: Corpus, text: str, idea: Idea, like: Idea | None) -> float:
    """How nearly `text` asks for what `idea` asks for (SAME_ASK and up: the same). A sentence is held against the
    idea's ask, which is what a short sentence can say the same as, and its whole text unless it contradicts the
    ask. Two ideas with asks are compared ask to ask: reasons are worded too freely to decide, but reasons with
    nothing in common mean two needs behind the same words."""
    whole = corpus.alike(text, idea_text(idea))
    if not idea.ask:
        return whole
    if like is None:
        asked = corpus.covers(text, idea.ask)
        return asked if _contrary(text, idea.ask, _ask_terms(text), _ask_terms(idea.ask)) else max(asked, whole)
    if not like.ask:
        return whole
    asked = corpus.alike(like.ask, idea.ask)
    reasons, theirs = _reasons(like), _reasons(idea)
    related = not reasons or not theirs or corpus.similarity(reasons, theirs) >= SAME_REASONS
    return asked if related else min(asked, whole)


def _near(corpus: Corpus, text: str, idea: Idea, like: Idea | None) -> float:
    """A looser nearness for ranking and for picking what a model is shown: the cosine or the ask measure."""
    return max(corpus.similarity(text, idea_text(idea)), _same_ask(corpus, text, idea, like))


def _same_by_words(text: str, pool: Sequence[Idea], like: Idea | None) -> list[Match]:
    corpus = _corpus(text, pool)
    scored = [Match(idea, _same_ask(corpus, text, idea, like)) for idea in pool]
    return sorted((m for m in scored if m.score >= SAME_ASK), key=lambda m: (-m.score, -m.idea.id))[:SHOWN]


def _candidates(text: str, pool: Sequence[Idea], like: Idea | None) -> list[Match]:
    corpus = _corpus(text, pool)
    scored = [Match(idea, _near(corpus, text, idea, like)) for idea in pool]
    kept = sorted((m for m in scored if m.score >= MODEL_THRESHOLD), key=lambda m: (-m.score, -m.idea.id))
    return kept[:MODEL_CANDIDATES]


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
