"""The coach's embeddings: the vectors it keeps, and the batches it asks for the rest in.

A text's vector does not change while the model does not, so each is asked for once and kept (by text, the
newest used last out). The first look-alike check after a restart asks for the team's whole pool of open ideas
(up to some 600 texts of up to 2,000 characters); endpoints refuse a request that big (OpenAI past 2,048 inputs
or 300,000 tokens, Hugging Face's text-embeddings-inference past 32 inputs, small local servers past their
context), so the texts are asked for in batches any of them takes.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

# Vectors kept per process, by text: an idea is embedded once, not again for every idea or request after it.
EMBEDDINGS_KEPT = 2000
# One request's texts: at most this many, and this many characters in all (some 8,000 tokens), unless a single
# text is longer on its own (it is clipped where the model is shown it).
BATCH_TEXTS = 32
BATCH_CHARS = 32_000


def batches(texts: Sequence[str]) -> Iterator[list[str]]:
    """The texts in order, in batches of at most BATCH_TEXTS texts and BATCH_CHARS characters (a single text
    longer than that alone)."""
    batch: list[str] = []
    chars = 0
    for text in texts:
        if batch and (len(batch) == BATCH_TEXTS or chars + len(text) > BATCH_CHARS):
            yield batch
            batch, chars = [], 0
        batch.append(text)
        chars += len(text)
    if batch:
        yield batch


@dataclass
class Kept:
    """The vectors kept so far, for this process; safe across threads."""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _vectors: OrderedDict[str, array] = field(default_factory=OrderedDict, repr=False)

    def known(self, texts: Sequence[str]) -> dict[str, array]:
        """The vectors kept of these texts, each now the most recently used."""
        with self._lock:
            found = {text: self._vectors[text] for text in texts if text in self._vectors}
            for text in found:
                self._vectors.move_to_end(text)
        return found

    def keep(self, texts: Sequence[str], vectors: Sequence[list[float]]) -> dict[str, array]:
        kept = {text: array("f", vector) for text, vector in zip(texts, vectors, strict=True)}
        with self._lock:
            self._vectors.update(kept)
            for text in kept:
                self._vectors.move_to_end(text)
            while len(self._vectors) > EMBEDDINGS_KEPT:
                self._vectors.popitem(last=False)
        return kept

    def size(self) -> int | None:
        """How many numbers the kept vectors have; None when none is kept."""
        with self._lock:
            kept = next(iter(self._vectors.values()), None)
        return None if kept is None else len(kept)

    def forget(self) -> None:
        with self._lock:
            self._vectors.clear()


def meaningful(vector: list[float]) -> bool:
    """A vector that can rank anything: numbers, finite, not all zero."""
    try:
        return all(math.isfinite(x) for x in vector) and any(x != 0 for x in vector)
    except TypeError:
        return False
