"""A response_url serves 5 times in 30 minutes (Slack answers the sixth use 404 `used_url`): what the bot still
owes the person then is said ephemerally where they asked, or in their DM, not lost."""

from __future__ import annotations

import pytest
from slack_sdk.webhook import WebhookClient

from models import make_engine
from ui.digests import DIGEST_WAS_OFF


def spent_url(slack, name: str) -> str:
    """A response_url already used 5 times (other answers to the same command or press, retries of them)."""
    url = slack.response_url(name)
    for n in range(5):
        assert WebhookClient(url, retry_handlers=[]).send(text=f"answer {n}").status_code == 200
    return url


def test_the_fake_slack_refuses_the_sixth_use_of_a_response_url(slack):
    url = spent_url(slack, "sixth")
    answer = WebhookClient(url, retry_handlers=[]).send(text="one too many")
    assert (answer.status_code, [c.error for c in slack.calls("response_url")][-1]) == (404, "used_url")
    assert WebhookClient(slack.response_url("another"), retry_handlers=[]).send(text="hi").status_code == 200


@pytest.mark.parametrize(("channel", "member", "method", "where"), [
    ("CPRODUCT", True, "chat.postEphemeral", "CPRODUCT"),  # ephemeral, where they asked
    ("COTHER", False, "chat.postMessage", "UPM"),  # a channel the bot is not in: their DM
    ("DSOMEONE", True, "chat.postMessage", "UPM"),  # a DM with someone else: the bot's DM with them
])
def test_an_answer_owed_after_the_response_url_is_spent_is_said_elsewhere(bot, slack, channel, member, method,
                                                                          where):
    if not member:
        slack.channels[channel] = {"is_member": False}
    url = spent_url(slack, f"spent-{channel}")
    bot.slack.command("digest off", user="UPM", channel=channel, response_url=url)
    bot.finish_work()
    told = [c for c in slack.calls(method) if c.ok and DIGEST_WAS_OFF in c.args.get("text", "")]
    assert [(c.args["channel"], c.args.get("user", "UPM")) for c in told] == [(where, "UPM")]
    assert slack.calls("response_url")[-1].error == "used_url"


def test_a_failure_told_straight_to_slack_after_the_response_url_is_spent_is_said_elsewhere(make_bot, slack, tmp_path):
    """With the database away, a command's listener tells the person directly (not through the outbox): a spent
    response_url does not swallow it."""
    dead = make_engine(f"sqlite:///{tmp_path}/missing/outcomes.db")
    bot = make_bot(on_engine=dead)
    url = spent_url(slack, "spent-outage")
    assert bot.slack.command("Add a CSV export", channel="CPRODUCT", response_url=url).status == 200
    told = slack.wait_for("chat.postEphemeral")
    assert told[0].args["channel"] == "CPRODUCT" and "can't reach its database" in told[0].args["text"]
