"""People and channels change under the bot: requesters deactivated or gone, triage and digest channels
archived or changed. What PMs see of it is true, nothing is retried forever, and it recovers."""

from __future__ import annotations

import pytest

from tests.flows import decisions, share_idea, wait_until
from tests.handlers.test_triage import decide, open_home
from tests.slack_requests import buttons


def slack_calls(slack, method, **args):
    return [c for c in slack.calls(method) if all(c.args.get(k) == v for k, v in args.items())]


@pytest.mark.parametrize(("gone", "words"), [
    ("deactivated", "<@U1> is deactivated"),
    ("left", "<@U1> is not in this workspace any more"),
])
@pytest.mark.refusals_expected
def test_a_decision_nobody_could_tell_the_requester_is_shown_as_undelivered_once(bot, slack, engine, gone, words):
    """The DM is refused, and so is the private note in the channel it falls back to: PMs are told the
    requester never heard, not that it "went to its next recipient"; it is tried once, and the rest flows."""
    card = share_idea(bot, slack, user="U1")
    if gone == "deactivated":
        slack.users["U1"] = {"deleted": True}
    else:  # left the workspace (or a Slack Connect partner disconnected): Slack no longer knows them
        slack.fail("chat.postMessage", "user_not_found", match={"channel": "U1"}, times=None)
        slack.fail("chat.postEphemeral", "user_not_found", match={"user": "U1"}, times=None)
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""
    wait_until(lambda: slack_calls(slack, "chat.postEphemeral", user="U1"))
    share_idea(bot, slack, user="U2")  # nothing waits behind the requester who is gone
    bot.sender.drain(20, retries_too=True)

    assert [d.to_stage for d in decisions(engine)] == ["discovery"]
    assert len([c for c in slack_calls(slack, "chat.postMessage", channel="U1") if not c.ok]) == 1
    assert len(slack_calls(slack, "chat.postEphemeral", user="U1")) == 1
    home = open_home(bot, slack, "UPM")
    top = home["blocks"][0]["text"]["text"]
    assert "1 message could not be delivered" in top and words in top, top
    assert "went to its next recipient" not in top and "went elsewhere" not in top

    bot.slack.press(buttons(home["blocks"])["deliveries_retry"], user="UPM", view={**home, "id": "VHOME"})
    wait_until(lambda: len(slack_calls(slack, "chat.postEphemeral", user="U1")) == 2)
    bot.sender.drain(20, retries_too=True)
    top = open_home(bot, slack, "UPM")["blocks"][0]["text"]["text"]
    assert "1 message could not be delivered" in top and words in top, top  # tried again, still one
