"""Bolt listeners, one module per flow: each parses what Slack sent, calls bot/, renders with Block Kit,
and hands what it owes people to the sender. `access` holds what they share."""

from __future__ import annotations

import re

from slack_bolt import App

from handlers import (
    admin,
    commands,
    digests,
    feedback,
    home,
    intake,
    listening,
    objectives,
    support,
    trackers,
    triage,
)
from handlers.access import Deps, ProvideDeps

__all__ = ["Deps", "register_all"]


def register_all(app: App, dependencies: Deps) -> None:
    app.middleware(ProvideDeps(dependencies))
    # Bolt tries each listener's matcher in turn, so the most frequent requests come first: channel
    # messages, then commands and buttons, then form submissions.
    for flow in (listening, commands, triage, intake, support, objectives, home, feedback, admin, trackers, digests):
        flow.register(app, dependencies)
    # Last: any other event (app_uninstalled in one workspace, where no installation is kept) is answered
    # 200 and left alone. Bolt answers 404 otherwise, which Slack retries, and counts towards turning the
    # app's events off.
    app.event(re.compile(".*"))(_ignored)


def _ignored() -> None:
    """Nothing to do for this event."""
