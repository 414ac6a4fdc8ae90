"""The feedback inbox and customer evidence as PMs and stakeholders meet them, end to end: what each place
says about an idea's evidence, and what a PM's press does when the inbox or the idea changed meanwhile."""

from __future__ import annotations

import pytest

from tests.flows import ideas, wait_until
from tests.handlers.test_feedback import csv_idea, integration_post, listen_here, open_home, settled
from tests.handlers.test_triage import decide
from tests.slack_requests import buttons

SAID = "+1 person, 1 customer mention"
SURFACES = {
    "card": lambda bot, slack: str(slack.calls("chat.update")[-1].args["blocks"]),
    "home line": lambda bot, slack: str(open_home(bot, slack, "U1")["blocks"]),
    "digest item": lambda bot, slack: str(bot.slack.command("digest preview", user="U2").json()["blocks"]),
}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_every_place_that_shows_an_idea_counts_its_supporters_and_customers_alike(bot, slack, engine, surface):
    """README: the card, the Home line, the digest item and the export say "+3 people, 7 customer mentions"."""
    card = csv_idea(bot, slack)
    listen_here(bot, slack)
    bot.slack.event(integration_post())
    settled(bot, engine, 1)
    opened = len(slack.calls("views.open"))
    bot.slack.press(buttons(card["blocks"])["support_idea"], user="U2", channel="CTRIAGE")
    bot.slack.submit_view(slack.wait_for("views.open", opened + 1)[-1].args["view"], {"evidence": "me too"}, user="U2")
    wait_until(lambda: SAID in str(slack.calls("chat.update")[-1].args["blocks"]))
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""  # so the digest has it
    wait_until(lambda: ideas(engine)[0].stage == "discovery")
    bot.deliver()
    assert SAID in SURFACES[surface](bot, slack)
