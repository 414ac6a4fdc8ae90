"""When the model is left alone: what this process has learnt about the endpoint, so that people do not pay for it.

A model call is made while someone waits for their card, their confirmation or their nudge. An endpoint that
hangs would make each of them wait the whole deadline in turn, one that refuses structured outputs would be
asked (and refuse) every time, and one that rate-limits would be hammered. So each kind of trouble rests the
model for a while, the heuristics answer meanwhile, and the next call after the rest tries again.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

CHAT, EMBEDDINGS = "chat", "embeddings"
KINDS = (CHAT, EMBEDDINGS)
# A 429 rests every call for its Retry-After (this long without one, at most the cap).
RATE_LIMIT_REST = 30.0
MAX_RATE_LIMIT_REST = 600.0
# A timeout or a refused connection (the endpoint is not answering) rests every call; server errors (a 5xx,
# its retry too) rest that kind of call. This long first, doubling while it stays down, at most the cap: long
# enough that a burst of people meets one deadline, short enough that a recovered endpoint is used again soon.
OUTAGE_REST = 30.0
MAX_OUTAGE_REST = 300.0
# A model that refuses structured outputs (a 400 naming them, or prose this many times in a row) is not asked
# for them again for this long: an endpoint can be upgraded without the bot restarting.
NO_STRUCTURED_REST = 3600.0
PROSE_IN_A_ROW = 3


@dataclass
class Health:
    """The rests and refusals seen so far, for one process; safe across threads."""

    outage_rest: float = OUTAGE_REST
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _until: dict[str, tuple[float, str]] = field(default_factory=dict, repr=False)  # kind -> (until, why)
    _outages: dict[str, int] = field(default_factory=dict, repr=False)  # kind -> rests in a row
    _unstructured: dict[str, float] = field(default_factory=dict, repr=False)  # model name -> until
    _prose: dict[str, int] = field(default_factory=dict, repr=False)  # model name -> unparsable answers in a row

    def resting(self, kind: str) -> str | None:
        """Why calls of this kind are not made now, or None when they may be."""
        with self._lock:
            until, why = self._until.get(kind, (0.0, ""))
        return why if time.monotonic() < until else None

    def rate_limited(self, retry_after: str | None) -> None:
        try:
            seconds = float(retry_after) if retry_after is not None else RATE_LIMIT_REST
        except ValueError:  # an HTTP date, or nonsense: the default rest
            seconds = RATE_LIMIT_REST
        seconds = min(max(seconds, 1.0), MAX_RATE_LIMIT_REST) if math.isfinite(seconds) else RATE_LIMIT_REST
        self._rest(KINDS, seconds, "resting after a rate limit")

    def down(self, kinds: tuple[str, ...], why: str) -> None:
        """The endpoint timed out, could not be reached or failed: rest, longer each time in a row."""
        with self._lock:
            outages = max(self._outages.get(kind, 0) for kind in kinds)
            for kind in kinds:
                self._outages[kind] = outages + 1
        self._rest(kinds, min(self.outage_rest * 2 ** outages, MAX_OUTAGE_REST), f"resting after {why}")

    def well(self, kind: str) -> None:
        with self._lock:
            self._outages.pop(kind, None)

    def _rest(self, kinds: tuple[str, ...], seconds: float, why: str) -> None:
        until = time.monotonic() + seconds
        with self._lock:
            for kind in kinds:
                if until > self._until.get(kind, (0.0, ""))[0]:
                    self._until[kind] = (until, why)

    def refuses_structured(self, model: str) -> bool:
        with self._lock:
            return time.monotonic() < self._unstructured.get(model, 0.0)

    def structured_refused(self, model: str) -> None:
        with self._lock:
            self._unstructured[model] = time.monotonic() + NO_STRUCTURED_REST
            self._prose.pop(model, None)

    def unparsable(self, model: str) -> None:
        """Prose where JSON was asked for: once is a slip, several in a row is an endpoint that ignores the schema."""
        with self._lock:
            self._prose[model] = self._prose.get(model, 0) + 1
            ignored = self._prose[model] >= PROSE_IN_A_ROW
        if ignored:
            self.structured_refused(model)

    def parsed(self, model: str) -> None:
        with self._lock:
            self._prose.pop(model, None)


def names_structured_outputs(message: str) -> bool:
    """A refusal that is about the response format (unsupported, or our schema refused), not about the text."""
    said = message.lower()
    return any(word in said for word in ("response_format", "json_schema", "structured output", "guided decoding"))
