"""A message's words prefilled into the idea form read as the message did: Slack sends every message's people
and channels by id alone (`<@U7>`, `<#C123>`) and its links and `@here` as tokens; the form shows `@ana`,
`#finance`, `the brief (https://…)` and `@here`, from the message shortcut, a nudge and the feedback inbox."""

from __future__ import annotations

import time

import pytest

from tests.handlers.test_feedback import insights, integration_post, listen_here, open_home, settled
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


TYPED = {
    "link": ("Could we get a dark mode? Keep &lt;https://x.example|y&gt; as typed, <@U7> says",
             "Could we get a dark mode? Keep <https://x.example|y> as typed, @ana says"),
    "mention": ("Could we get a dark mode? Show &lt;@U7&gt; and &lt;#C123&gt; literally, R&amp;D asks in <#C123>",
                "Could we get a dark mode? Show <@U7> and <#C123> literally, R&D asks in #finance"),
    "here": ("Could we get a dark mode? Typed &lt;!here&gt; is not a mention, but <!here> is",
             "Could we get a dark mode? Typed <!here> is not a mention, but @here is"),
}


def shortcut_on(bot, slack, text: str) -> None:
    bot.slack.message_shortcut({"type": "message", "user": "U1", "ts": "1700000000.000300", "text": text},
                               user="U2", channel="CSALES")


def nudged_on(bot, slack, text: str) -> None:
    say(bot, message(text, channel="CSALES"))
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    bot.slack.press(buttons(nudge["blocks"])["nudge_share"], user="U1")


@pytest.mark.parametrize("typed", list(TYPED))
@pytest.mark.parametrize("way", [shortcut_on, nudged_on], ids=["message shortcut", "nudge"])
def test_what_a_person_typed_that_looks_like_a_token_stays_as_typed(bot, slack, way, typed):
    """Slack sends `<` and `>` a person typed as entities and its own tokens as `<…>`: the tokens are read
    first and the entities undone after, so typed text is never taken for a link or a mention."""
    slack.users["U7"] = {"profile": {"display_name": "ana"}}
    slack.channels["C123"] = {"name": "finance"}
    sent, shown = TYPED[typed]
    way(bot, slack, sent)
    assert asked(slack) == shown


def asked_about(slack) -> dict[str, int]:
    """How often Slack was asked each name (users.info, conversations.info)."""
    asked = [c.args.get("user") for c in slack.calls("users.info")]
    asked += [c.args.get("channel") for c in slack.calls("conversations.info")]
    return {one: asked.count(one) for one in asked if one in ("U7", "C123", "C124")}


def test_a_feedback_channel_asks_slack_each_name_once_and_a_retry_asks_nothing(bot, slack, engine):
    """A busy review feed names the same people and channels again and again: each is asked of Slack once
    (users.info and conversations.info have rate limits), and a message delivered again asks nothing."""
    slack.users["U7"] = {"profile": {"display_name": "ana"}}
    slack.channels["C123"] = {"name": "finance"}
    listen_here(bot, slack)
    posts = [integration_post(f"Please add a dark mode to the {screen} screen, as <@U7> asked in <#C123>.")
             for screen in ("reports", "settings", "billing")]
    for n, post in enumerate(posts):
        bot.slack.event(post, event_id=f"EvNAMES{n}")
        settled(bot, engine, n + 1)
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    bot.slack.event(posts[0], event_id="EvNAMES0", headers=retry)
    bot.slack.event(posts[1], event_id="EvNAMES9")  # the same message again, as a new event
    bot.finish_work()
    assert [i.text.endswith("as @ana asked in #finance.") for i in insights(engine)] == [True] * 3
    assert asked_about(slack) == {"U7": 1, "C123": 1}


def test_names_are_remembered_per_team_for_the_shortcut_too(bot, slack):
    """The form's names come from what the feedback channel or an earlier form asked; Slack is asked again
    only for a name not known yet."""
    slack.users["U7"] = {"profile": {"display_name": "ana"}}
    slack.channels["C123"] = {"name": "finance"}
    slack.channels["C124"] = {"name": "design"}
    for n in range(3):
        bot.slack.message_shortcut({"type": "message", "user": "U1", "ts": f"1700000000.00040{n}", "text": SENT},
                                   user="U2", channel="CSALES")
        slack.wait_for("views.open", n + 1)
        assert asked(slack) == SHOWN
    assert asked_about(slack) == {"U7": 1, "C123": 1, "C124": 1}
