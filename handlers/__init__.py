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
    for surface in (commands, views, actions, shortcuts, home, events):
        surface.register(app)
