"""The names of people and channels a message points at by id alone (`<@U123>`, `<#C123>`, as Slack sends
every message), asked of Slack while someone waits for a form: quickly, all at once, and never for long,
since the form must open within the 3 s its trigger lasts. Whatever Slack does not say in time stays an id."""

from __future__ import annotations

import http.client
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from logging import Logger

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

LOOKUP_TIMEOUT = 1.0  # seconds, for every name at once, end to end
MOST = 8  # names looked up for one form; a message naming more keeps the rest as ids


def names_of(client: WebClient, ids: Sequence[str], logger: Logger) -> dict[str, str]:
    """id -> name, for the ids Slack named in time (users.info for a person, conversations.info for a channel).
    The client's timeout bounds each wait on the socket, not a whole answer (one that trickles in, a slow DNS
    lookup): the deadline is kept here, by the clock, and a lookup still going then is left to finish alone."""
    wanted = list(dict.fromkeys(ids))[:MOST]
    if not wanted:
        return {}
    quick = WebClient(token=client.token, base_url=client.base_url, timeout=LOOKUP_TIMEOUT, retry_handlers=[])
    pool = ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="names")
    try:
        asked = {pool.submit(_name, quick, one, logger): one for one in wanted}
        done, late = wait(asked, timeout=LOOKUP_TIMEOUT)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if late:
        logger.info("no name in time for %d of %d", len(late), len(wanted))
    named = {}
    for future in done:
        if (error := future.exception()) is not None:  # an answer not shaped as Slack's: no name, and no failed form
            logger.warning("no name for %s: %s", asked[future], type(error).__name__)
        elif name := future.result():
            named[asked[future]] = name
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
