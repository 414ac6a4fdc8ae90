"""The baseline for the ack and steady-load benchmarks: a Bolt app that only acks (`/idea` and the two
buttons they press), served the same way as ours."""

from __future__ import annotations

import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def wsgi() -> SlackRequestHandler:
    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    )
    app.command("/idea")(lambda ack: ack())
    app.action({"action_id": "idea_move_discovery"})(lambda ack: ack())  # bench/ack.py's button
    app.action({"action_id": "support_idea"})(lambda ack: ack())  # bench/steady.py's
    return SlackRequestHandler(app)
