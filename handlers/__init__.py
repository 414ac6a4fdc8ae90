"""Bolt listeners, one module per surface. Each listener parses the payload, calls bot/, renders, replies."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, home, shortcuts, views
from handlers.deps import Deps, ProvideDeps


def register_all(app: App, dependencies: Deps) -> None:
    app.middleware(ProvideDeps(dependencies))
    # Bolt tries each listener's matcher in turn, so the most frequent requests come first: channel
    # messages, then commands and buttons, then form submissions.
    for surface in (events, commands, actions, views, shortcuts, home):
        surface.register(app)
