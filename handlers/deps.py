"""What every listener needs besides the request, handed over through Bolt's context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy.orm import Session, sessionmaker

from bot.coach import Coach, IntroWriter
from bot.settings import Settings


@dataclass(frozen=True)
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    coach: Coach | None = None
    digest_intro: IntroWriter | None = None

    def __deepcopy__(self, memo: dict) -> Deps:
        # Bolt deep-copies the context for lazy listeners; these factories are shared and thread-safe.
        return self


def deps(context: BoltContext) -> Deps:
    return context["deps"]


class ProvideDeps(Middleware):
    """Puts the deps in every request's context. A class, not a function: Bolt calls a class's
    `process` directly, where a function middleware has its arguments worked out on each request."""

    def __init__(self, dependencies: Deps) -> None:
        self.dependencies = dependencies

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]  # noqa: A002 - Bolt's name
    ) -> BoltResponse:
        req.context["deps"] = self.dependencies
        return next()
