"""What every listener needs besides the request, handed over through Bolt's context."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import BoltContext
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
