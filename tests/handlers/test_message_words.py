"""A message's words prefilled into the idea form read as the message did: Slack sends every message's people
and channels by id alone (`<@U7>`, `<#C123>`) and its links and `@here` as tokens; the form shows `@ana`,
`#finance`, `the brief (https://…)` and `@here`, from the message shortcut, a nudge and the feedback inbox."""

from __future__ import annotations

import time

import pytest

from tests.handlers.test_feedback import integration_post, listen_here, open_home, settled
from tests.handlers.test_listening import message, say
from tests.slack_requests import buttons

SENT = "Could we get a dark mode <!here>, as <@U7> asked in <#C123> and <#C124|> for <https://x.example/b|the brief>"
SHOWN = "Could we get a dark mode @here, as @ana asked in #finance and #design for the brief (https://x.example/b)"
UNNAMED = "Could we get a dark mode @here, as <@U7> asked in <#C123> and <#C124|> for the brief (https://x.example/b)"


def by_shortcut(bot, slack) -> None:
    bot.slack.message_shortcut({"type": "message", "user": "U1", "ts": "1700000000.000200", "text": SENT},
                               user="U2", channel="CSALES")


def by_nudge(bot, slack) -> None:
    say(bot, message(SENT, channel="CSALES"))
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    bot.slack.press(buttons(nudge["blocks"])["nudge_share"], user="U1")


def by_inbox(bot, slack) -> None:
    listen_here(bot, slack)
    bot.slack.event(integration_post(SENT))
    settled(bot, bot.engine, 1)
    bot.slack.press(buttons(open_home(bot, slack)["blocks"])["inbox_make_idea"], user="UPM", channel=None,
                    message_ts=None)


WAYS = {"message shortcut": by_shortcut, "nudge": by_nudge, "feedback inbox": by_inbox}
# A feedback channel's requests are kept as their sentences' words (a link by its label), people by name.
SHOWN_BY = {"feedback inbox": SHOWN.removesuffix(" (https://x.example/b)")}


def asked(slack) -> str:
    view = slack.wait_for("views.open")[-1].args["view"]
    return next(b for b in view["blocks"] if b.get("block_id") == "ask")["element"]["initial_value"]


@pytest.mark.parametrize("way", list(WAYS))
def test_people_channels_and_links_read_as_the_message_showed_them(bot, slack, way):
    slack.users["U7"] = {"profile": {"display_name": "ana"}}
    slack.channels["C123"] = {"name": "finance"}
    slack.channels["C124"] = {"name": "design"}
    WAYS[way](bot, slack)
    assert asked(slack) == SHOWN_BY.get(way, SHOWN)


@pytest.mark.parametrize("failure", [
    {"error": "internal_error", "status": 503},
    {"error": "ratelimited", "status": 429, "headers": {"Retry-After": "30"}},
    {"latency": 4.0},
    {"trickle": 4.0},
], ids=["503", "429", "slow", "trickling"])
@pytest.mark.refusals_expected
def test_names_slack_does_not_give_in_time_stay_ids_and_the_form_opens_in_time(bot, slack, failure):
    """The form must open within the 3 s its trigger lasts: the names are asked once, briefly, all at once. An
    answer that trickles in (each piece within a socket timeout of the last, the whole far past it) is not
    waited for either: the second is for every name, end to end."""
    for method in ("users.info", "conversations.info"):
        if "latency" in failure:
            slack.set_latency(failure["latency"], method)
        elif "trickle" in failure:
            slack.set_trickle(failure["trickle"], method)
        else:
            slack.fail(method, **failure, times=None)
    started = time.monotonic()
    by_shortcut(bot, slack)
    assert asked(slack) == UNNAMED
    assert time.monotonic() - started < 2.5
