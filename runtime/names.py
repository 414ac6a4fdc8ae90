"""The names of people and channels a message points at by id alone (`<@U123>`, `<#C123>`, as Slack sends
every message), asked of Slack while someone waits for a form: quickly, all at once, and never for long,
since the form must open within the 3 s its trigger lasts. Whatever Slack does not say in time stays an id.

A busy feedback channel names the same people and channels in message after message, and users.info and
conversations.info have rate limits: `Names` keeps what Slack said, per team, for an hour (people rename
themselves rarely), so each is asked about once an hour at most, not once a message."""

from __future__ import annotations

import http.client
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import partial
from logging import Logger

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from runtime.deadline import Late, within

LOOKUP_TIMEOUT = 1.0  # seconds, for every name at once, end to end
MOST = 8  # names looked up for one form; a message naming more keeps the rest as ids
KEPT_FOR = 3600.0  # seconds a name Slack gave (or its "no such") is trusted
KEPT_MOST = 20_000  # names kept, every team's together; the least recently used go first
# Slack's answers that say the id names nothing this app may see (not a passing trouble): kept as no name.
NO_SUCH = frozenset({"user_not_found", "user_not_visible", "channel_not_found", "not_in_channel", "missing_scope",
                     "method_not_supported_for_channel_type"})


class Names:
    """The names Slack gave, by team and id, for KEPT_FOR seconds; thread-safe (requests and the sender share
    it). A name Slack could not give in time, or refused for now (rate limit, outage), is not kept: it is
    asked again next time."""

    def __init__(self, kept_for: float = KEPT_FOR, most: int = KEPT_MOST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._kept: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()
        self._kept_for, self._most, self._clock = kept_for, most, clock
        self._lock = threading.Lock()

    def of(self, client: WebClient, team_id: str, ids: Sequence[str], logger: Logger) -> dict[str, str]:
        """id -> name (`""` for an id Slack says names nothing it may see), Slack asked only for those not kept."""
        known: dict[str, str] = {}
        unknown = []
        with self._lock:
            now = self._clock()
            for one in dict.fromkeys(ids):
                kept = self._kept.get((team_id, one))
                if kept is not None and now - kept[0] < self._kept_for:
                    known[one] = kept[1]
                    self._kept.move_to_end((team_id, one))
                else:
                    unknown.append(one)
        asked = names_of(client, unknown, logger) if unknown else {}
        with self._lock:
            now = self._clock()
            for one, name in asked.items():
                self._kept[(team_id, one)] = (now, name)
                self._kept.move_to_end((team_id, one))
            while len(self._kept) > self._most:
                self._kept.popitem(last=False)
        return {**known, **asked}


def names_of(client: WebClient, ids: Sequence[str], logger: Logger) -> dict[str, str]:
    """id -> name, for the ids Slack named in time (users.info for a person, conversations.info for a channel);
    `""` for those Slack says name nothing this app may see.
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
        elif answer is not None:
            named[one] = answer
    return named


def _name(client: WebClient, one: str, logger: Logger) -> str | None:
    """The name, `""` when Slack says there is none to see, None when Slack could not say."""
    try:
        if one[0] in "UW":
            user = client.users_info(user=one)["user"]
            profile = user.get("profile") or {}
            return str(profile.get("display_name") or profile.get("real_name") or user.get("real_name")
                       or user.get("name") or "")
        return str(client.conversations_info(channel=one)["channel"].get("name") or "")
    except SlackApiError as error:
        logger.info("no name for %s: %s", one, error.response.get("error"))
        if error.response.get("error") in NO_SUCH:
            return ""
    except (OSError, http.client.HTTPException) as error:
        logger.info("no name for %s: %s", one, type(error).__name__)
    return None
