"""Bolt listeners, one module per surface. Each listener parses the payload, calls bot/, renders, replies."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltContext

from handlers import actions, commands, events, home, shortcuts, views
from handlers.deps import Deps


def register_all(app: App, dependencies: Deps) -> None:
    def provide_deps(context: BoltContext, next: Callable[[], None]) -> None:
        context["deps"] = dependencies
        next()

    app.middleware(provide_deps)
    # Bolt tries each listener's matcher in turn, so the most frequent requests come first: channel
    # messages, then commands and buttons, then form submissions.
    for surface in (events, commands, actions, views, shortcuts, home):
        surface.register(app)
