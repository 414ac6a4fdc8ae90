"""Request detector throughput: Slack messages classified per second (detect), and customer-voice
texts split into their requests per second (requests_in reads every sentence, so it costs more)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from bot.listening.detect import detect
from bot.listening.sentences import requests_in

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def _texts(pattern: str) -> list[str]:
    return [json.loads(line)["text"] for path in sorted(DATA.glob(pattern))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _best_seconds_per_text(read: Callable[[str], object], texts: list[str], rounds: int) -> float:
    for text in texts:  # warm up the regex caches
        read(text)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(max(rounds // 5, 1)):
            for text in texts:
                read(text)
        best = min(best, (time.perf_counter() - started) / (max(rounds // 5, 1) * len(texts)))
    return best


def run(rounds: int = 200) -> dict[str, float]:
    messages, reviews = _texts("requests_*.jsonl"), _texts("reviews_dev*.jsonl")
    per_message = _best_seconds_per_text(detect, messages, rounds)
    per_review = _best_seconds_per_text(requests_in, reviews, max(rounds // 5, 1))
    return {
        "messages": len(messages),
        "microseconds_per_message": per_message * 1e6,
        "messages_per_second": 1 / per_message,
        "reviews": len(reviews),
        "microseconds_per_review": per_review * 1e6,
        "reviews_per_second": 1 / per_review,
    }
