"""Request detector throughput: messages classified per second over the labelled corpora."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bot.listening.detect import detect

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def run(rounds: int = 200) -> dict[str, float]:
    texts = [json.loads(line)["text"] for path in sorted(DATA.glob("requests_*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for text in texts:  # warm up the regex caches
        detect(text)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds // 5):
            for text in texts:
                detect(text)
        best = min(best, (time.perf_counter() - started) / (rounds // 5 * len(texts)))
    return {"messages": len(texts), "microseconds_per_message": best * 1e6, "messages_per_second": 1 / best}
