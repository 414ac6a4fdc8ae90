"""The names of people and channels a message points at by id alone (`<@U123>`, `<#C123>`, as Slack sends
every message), asked of Slack while someone waits for a form: quickly, all at once, and never for long,
since the form must open within the 3 s its trigger lasts. Whatever Slack does not say in time stays an id."""

from __future__ import annotations

import http.client
from collections.abc import Sequence
from functools import partial
from logging import Logger

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from runtime.deadline import Late, within

LOOKUP_TIMEOUT = 1.0  # seconds, for every name at once, end to end
MOST = 8  # names looked up for one form; a message naming more keeps the rest as ids


def names_of(client: WebClient, ids: Sequence[str], logger: Logger) -> dict[str, str]:
    """id -> name, for the ids Slack named in time (users.info for a person, conversations.info for a channel).
    The deadline is kept by the clock (runtime.deadline), not by the client's timeout alone, which bounds each
    wait on the socket rather than a whole answer."""
    wanted = list(dict.fromkeys(ids))[:MOST]
    if not wanted:
        return {}
    quick = WebClient(token=client.token, base_url=client.base_url, timeout=LOOKUP_TIMEOUT, retry_handlers=[])
    answers = within(LOOKUP_TIMEOUT, *(partial(_name, quick, one, logger) for one in wanted))
    if late := sum(isinstance(answer, Late) for answer in answers):
        logger.info("no name in time for %d of %d", late, len(wanted))
    named = {}
    for one, answer in zip(wanted, answers, strict=True):
        if isinstance(answer, BaseException):  # late, or an answer not shaped as Slack's: no name, no failed form
            if not isinstance(answer, Late):
                logger.warning("no name for %s: %s", one, type(answer).__name__)
        elif answer:
            named[one] = answer
    return named


def _name(client: WebClient, one: str, logger: Logger) -> str | None:
    try:
        if one[0] in "UW":
            user = client.users_info(user=one)["user"]
            profile = user.get("profile") or {}
            return profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        return client.conversations_info(channel=one)["channel"].get("name")
    except SlackApiError as error:
        logger.info("no name for %s: %s", one, error.response.get("error"))
    except (OSError, http.client.HTTPException) as error:
        logger.info("no name for %s: %s", one, type(error).__name__)
    return None
