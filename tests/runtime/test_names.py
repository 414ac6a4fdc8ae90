"""Names of people and channels kept per team for a while, so a busy channel does not spend Slack's rate limits
(users.info, conversations.info) asking the same names message after message."""

from __future__ import annotations

import logging

import pytest
from slack_sdk import WebClient

from runtime.names import KEPT_FOR, Names

LOG = logging.getLogger("test")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def asked(slack, one: str) -> int:
    return sum(c.args.get("user", c.args.get("channel")) == one
               for c in slack.calls("users.info") + slack.calls("conversations.info"))


@pytest.mark.parametrize(("failure", "first", "kept"), [
    (None, "ana", True),
    ({"error": "user_not_found"}, "", True),  # Slack says there is nobody to name: that is kept too
    ({"error": "ratelimited", "status": 429, "headers": {"Retry-After": "1"}}, None, False),
    ({"error": "internal_error", "status": 503}, None, False),
], ids=["named", "not found", "rate limited", "outage"])
@pytest.mark.refusals_expected
def test_a_name_is_asked_once_an_hour_and_a_passing_trouble_is_asked_again(slack, failure, first, kept):
    slack.users["U7"] = {"profile": {"display_name": "ana"}}
    if failure:
        slack.fail("users.info", **failure)
    clock = Clock()
    names = Names(clock=clock)
    client = WebClient(token="xoxb-test", base_url=slack.url)
    assert names.of(client, "T1", ["U7"], LOG).get("U7") == first
    clock.now += KEPT_FOR - 1
    assert names.of(client, "T1", ["U7"], LOG).get("U7") == (first if kept else "ana")
    assert asked(slack, "U7") == (1 if kept else 2)
    clock.now += KEPT_FOR  # an hour on, a renamed person is asked about again
    slack.users["U7"] = {"profile": {"display_name": "ana.b"}}
    assert names.of(client, "T1", ["U7"], LOG) == {"U7": "ana.b"}


def test_names_are_kept_per_team_and_the_least_used_go_first(slack):
    """Another team's U7 is another person; past `most` names, the one used longest ago is asked again."""
    for one, name in {"U7": "ana", "U8": "bo", "U9": "cy"}.items():
        slack.users[one] = {"profile": {"display_name": name}}
    names = Names(most=2)
    client = WebClient(token="xoxb-test", base_url=slack.url)
    assert names.of(client, "T1", ["U7", "U8"], LOG) == {"U7": "ana", "U8": "bo"}
    assert names.of(client, "T1", ["U7"], LOG) == {"U7": "ana"}
    assert names.of(client, "T1", ["U9"], LOG) == {"U9": "cy"}  # U8, used longest ago, goes
    assert names.of(client, "T1", ["U7", "U8", "U9"], LOG) == {"U7": "ana", "U8": "bo", "U9": "cy"}
    assert [asked(slack, one) for one in ("U7", "U8", "U9")] == [1, 2, 1]
    names.of(client, "T2", ["U7"], LOG)
    assert asked(slack, "U7") == 2
