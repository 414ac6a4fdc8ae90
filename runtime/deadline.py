"""Calls to Slack that someone waits on (a form's trigger lasts 3 s, a form's answer is due in 3 s), bounded by
the clock. A client's timeout bounds each wait on its socket, not a whole answer: one that trickles in, or a
slow DNS lookup, can outlast it many times over. Here the calls run at once, each in a thread of its own, and
whatever has not answered by the deadline is left to finish alone."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


class Late(TimeoutError):
    """The call did not answer by the deadline (a TimeoutError, so an OSError, as a socket's timeout is)."""


def within(seconds: float, *calls: Callable[[], T]) -> list[T | BaseException]:
    """Each call's result, in order: what it returned, the exception it raised, or Late when it was still
    going `seconds` after they all began."""
    if not calls:
        return []
    pool = ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="deadline")
    try:
        futures = [pool.submit(call) for call in calls]
        wait(futures, timeout=seconds)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return [_outcome(future, seconds) for future in futures]


def _outcome(future: Future[T], seconds: float) -> T | BaseException:
    if not future.done() or future.cancelled():
        return Late(f"no answer in {seconds:g} s")
    return future.exception() or future.result()
