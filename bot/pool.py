"""The open ideas a new idea or a customer's request is compared with (look-alikes on intake, matching a
feedback channel's requests, ranking Attach to #N). Comparing is done in Python over every idea of the pool,
so the pool is bounded; but a workspace with more open ideas than that still has its older ones found: those
that share the rarer words of what is asked are looked for in SQL, which reads no idea it does not return."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from functools import reduce

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.reviews import SUPPORTABLE
from bot.similar import search_words
from models import Idea

POOL = 500  # the newest open ideas, always compared with
OLDER = 100  # besides, at most this many older open ideas: those sharing the most of the rarer words asked
WORDS = 24  # words looked for among the older ones, the longest (most often the rarest) of each text first


def open_ideas(session: Session, team_id: str, *, excluding: int | None = None, about: Sequence[str] = ()
               ) -> list[Idea]:
    """The team's open ideas to compare `about` (a new idea's text, customers' requests) with: the newest POOL,
    and when there are more, the older ones that share most of its rarer words, weighted as TF-IDF weighs
    them (a word few older ideas use counts for much)."""
    where: list[ColumnElement[bool]] = [Idea.team_id == team_id, Idea.stage.in_(SUPPORTABLE)]
    if excluding is not None:
        where.append(Idea.id != excluding)
    newest = list(session.scalars(select(Idea).where(*where).order_by(Idea.created_at.desc(), Idea.id.desc())
                                  .limit(POOL)))
    words = _words_of(about)
    if len(newest) < POOL or not words:
        return newest
    last = newest[-1]
    where.append(or_(Idea.created_at < last.created_at, and_(Idea.created_at == last.created_at, Idea.id < last.id)))
    text = func.lower(Idea.ask + " " + Idea.outcome + " " + Idea.problem)
    has = [text.contains(word, autoescape=True) for word in words]
    older, *uses = session.execute(select(func.count(), *(func.sum(case((h, 1), else_=0)) for h in has))
                                   .where(*where)).one()
    weights = [(h, math.log((1 + older) / (1 + used)) + 1) for h, used in zip(has, uses, strict=True) if used]
    if not weights:
        return newest
    score = reduce(operator.add, (case((h, weight), else_=0.0) for h, weight in weights))
    found = session.scalars(select(Idea).where(*where, or_(*(h for h, _ in weights)))
                            .order_by(score.desc(), Idea.created_at.desc(), Idea.id.desc()).limit(OLDER))
    return newest + list(found)


def _words_of(texts: Sequence[str]) -> list[str]:
    """Up to WORDS words, taken in turn from each text (so twenty requests each have theirs looked for)."""
    each = [search_words(text) for text in texts]
    taken: dict[str, None] = {}
    for rank in range(max((len(words) for words in each), default=0)):
        for words in each:
            if rank < len(words) and len(taken) < WORDS:
                taken.setdefault(words[rank])
    return list(taken)
