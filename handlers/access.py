"""What every flow shares: its dependencies, the one answer to "is this person a PM?", and telling the
person who pressed something why nothing happened."""

from __future__ import annotations

import functools
import http.client
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from logging import Logger
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse, Respond
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.coach import Coach
from bot.decisions import may_decide
from bot.digests.intro import IntroWriter
from bot.people import FRESH, GOOD_ENOUGH, Known, recall, remember
from bot.settings import Settings
from bot.team_settings import NotHere, TeamConfig, team_config
from models import utcnow
from runtime import calls, deadline, outbox
from runtime.names import Names
from runtime.sender import Sender
from runtime.trackers import Tracker

WAITING_TIMEOUT = 1.5  # seconds: Slack's 3-second deadline for answering a form, with room to spare


@dataclass
class Roles:
    """The one place that knows what Slack says about people (admin or owner, time zone), asking
    users.info only when the database has nothing recent: a PM pressing five buttons costs one call,
    and a form submitted moments after its button was pressed (whichever process gets it) costs none."""

    sessions: sessionmaker[Session]

    def user(self, client: WebClient, team_id: str, user_id: str, logger: Logger, *, waiting: bool = False,
             within: timedelta | None = None) -> Known | None:
        """What is known, or None when Slack cannot say (not remembered, so asked again next time).
        `waiting`: someone waits for this answer, so what Slack said earlier today will do; `within`: how
        old an answer will do (a time zone holds for days, an admin's role for minutes)."""
        now = utcnow()
        with self.sessions() as session:
            known = recall(session, team_id, user_id, now, within or (GOOD_ENOUGH if waiting else FRESH))
        if known is not None:
            return known
        user = self.described(client, team_id, user_id, logger, waiting=waiting, now=now)
        return None if user is None else _known(user, team_id, now)

    def described(self, client: WebClient, team_id: str, user_id: str, logger: Logger, *, waiting: bool = False,
                  now: datetime | None = None) -> dict[str, Any] | None:
        """users.info's `user`, asked now and remembered; None when Slack did not answer (or said no)."""
        try:
            if waiting:  # the person's form waits on this: a short, single try, by the clock, not Slack's patience
                quick = WebClient(token=client.token, base_url=client.base_url, timeout=WAITING_TIMEOUT,
                                  retry_handlers=[])
                user = _by_the_clock(lambda: quick.users_info(user=user_id)["user"])
            else:
                user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            logger.warning("users.info for %s failed: %s", user_id, error.response.get("error"))
            return None
        except (OSError, http.client.HTTPException) as error:
            logger.warning("users.info for %s failed: %s", user_id, type(error).__name__)
            return None
        with self.sessions.begin() as session:
            remember_slack_user(session, team_id, user_id, user, now or utcnow())
        return user


def _by_the_clock(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`call`'s answer within WAITING_TIMEOUT end to end; one still coming raises Late (an OSError)."""
    [answer] = deadline.within(WAITING_TIMEOUT, call)
    if isinstance(answer, BaseException):
        raise answer
    return answer


def remember_slack_user(session: Session, team_id: str, user_id: str, user: dict[str, Any], now: datetime
                        ) -> Known:
    """What users.info said of a person (`{}` when Slack does not know them), remembered: an admin or owner
    may change settings, and their time zone dates what is due for them."""
    known = _known(user, team_id, now)
    remember(session, team_id, user_id, is_admin=known.is_admin, tz=known.tz, now=now)
    return known


def _known(user: dict[str, Any], team_id: str, now: datetime) -> Known:
    return Known(admin_here(user, team_id), user.get("tz"), now)


def admin_here(user: dict[str, Any], team_id: str) -> bool:
    """Whether users.info's `user` is an admin or owner of *this* workspace. In a Slack Connect channel Slack
    answers for people of other organisations too, and their `is_admin`/`is_owner` is about their own: so only
    someone whose workspace is this one (or, on Enterprise Grid, whose org's workspaces include it) counts, and
    never a guest (`is_restricted`, `is_ultra_restricted`), a stranger (`is_stranger`), a deactivated account
    or an app's user: whatever their rank, they are not this workspace's own people (`not_pm_here`)."""
    ranked = user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
    return bool(ranked) and not_pm_here(str(user.get("id", "")), user, team_id) is None


def _of_this_workspace(user: dict[str, Any], team_id: str) -> bool:
    grid = user.get("enterprise_user")
    grid_teams = grid.get("teams") if isinstance(grid, dict) else None
    return user.get("team_id") == team_id or (isinstance(grid_teams, list) and team_id in grid_teams)


def not_pm_here(user_id: str, user: dict[str, Any], team_id: str) -> NotHere | None:
    """Why users.info's `user` is not one of this workspace's own people, who alone can be its PMs (and, with
    the rank, its admins: `admin_here`), or None when they are."""
    if user.get("deleted"):
        return NotHere.DEACTIVATED
    if user.get("is_bot") or user.get("is_app_user") or user_id == "USLACKBOT":
        return NotHere.APP
    if user.get("is_stranger") or not _of_this_workspace(user, team_id):
        return NotHere.ELSEWHERE
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return NotHere.GUEST
    return None


@dataclass(frozen=True)
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    sender: Sender
    coach: Coach | None = None
    digest_intro: IntroWriter | None = None
    trackers: Mapping[str, Tracker] = field(default_factory=dict)
    names: Names = field(default_factory=Names)  # people's and channels' names Slack gave, kept a while

    @property
    def roles(self) -> Roles:
        return Roles(self.sessions)

    def __deepcopy__(self, memo: dict) -> Deps:
        # Bolt deep-copies the context for lazy listeners; these factories are shared and thread-safe.
        return self


def deps(context: BoltContext) -> Deps:
    return context["deps"]


@contextmanager
def changing(d: Deps) -> Iterator[Session]:
    """A transaction for a change and the messages it owes; the sender is woken once both are committed."""
    with d.sessions.begin() as session:
        yield session
    d.sender.wake()


class ProvideDeps(Middleware):
    """Puts the deps in every request's context. A class, not a function: Bolt calls a class's
    `process` directly, where a function middleware has its arguments worked out on each request."""

    def __init__(self, dependencies: Deps) -> None:
        self.dependencies = dependencies

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]  # noqa: A002 - Bolt's name
    ) -> BoltResponse:
        req.context["deps"] = self.dependencies
        return next()


def team(d: Deps, team_id: str) -> TeamConfig:
    """The workspace's own settings (from /idea settings), falling back to the env's."""
    with d.sessions() as session:
        return team_config(session, team_id, d.settings)


class Standing(Enum):
    """Whether someone may do a PM's (or an admin's) thing: yes, no, or Slack did not say."""

    YES = "yes"
    NO = "no"  # not on the PM list
    NOT_ADMIN = "not admin"  # no PM list, and Slack says they are not one of this workspace's admins or owners
    UNSURE = "unsure"  # no PM list, and users.info did not answer: whether they are an admin is unknown

    @property
    def refused(self) -> bool:
        """Slack answered, and the answer is no."""
        return self in (Standing.NO, Standing.NOT_ADMIN)


def standing(client: WebClient, d: Deps, config: TeamConfig, team_id: str, user_id: str, logger: Logger, *,
             waiting: bool = False, admins_only: bool = False) -> Standing:
    """Product managers: the workspace's PM list, or when there is none, its admins and owners (with
    `admins_only`, admins and owners alone). The one place this is decided, from what is stored and what
    Slack says, never from what a button or form carried. `waiting`: a form waits for this (see Roles.user)."""
    unanswered = False

    def admin(user: str) -> bool:
        nonlocal unanswered
        known = d.roles.user(client, team_id, user, logger, waiting=waiting)
        unanswered = known is None
        return known is not None and known.is_admin

    allowed = admin(user_id) if admins_only else may_decide(user_id, config.pm_user_ids, admin)
    if allowed:
        return Standing.YES
    if unanswered:
        return Standing.UNSURE
    return Standing.NO if admins_only or config.pm_user_ids else Standing.NOT_ADMIN


def standing_stored(d: Deps, config: TeamConfig, team_id: str, user_id: str) -> Standing | None:
    """`standing` from what is stored alone (the PM list, or what Slack said of them in the last minutes), for
    an answer that goes back in the ack; None when only Slack can say."""
    if config.pm_user_ids:
        return Standing.YES if user_id in config.pm_user_ids else Standing.NO
    with d.sessions() as session:
        known = recall(session, team_id, user_id, utcnow())
    if known is None:
        return None
    return Standing.YES if known.is_admin else Standing.NOT_ADMIN


SLACK_UNSURE = "Slack did not say just now whether you are a workspace admin or owner, who may do this here, " \
               "so nothing changed. Please try again in a minute."
# Who decides with no PM list, for anyone refused then: an admin of another organisation in a Slack Connect
# channel (their Slack says "admin", about somewhere else) or a guest learns why they are not one here.
ADMINS_HERE = "With no PM list set, product managers here are this workspace's own admins and owners, never guests " \
              "nor people from another organisation in a shared channel."


def refused_for(said: Standing, note: str) -> str | None:
    """What to tell someone of that standing: nothing, `note` (with who the admins are, when they decide), or
    that Slack did not say (not a false "only PMs")."""
    if said is Standing.YES:
        return None
    if said is Standing.UNSURE:
        return SLACK_UNSURE
    return f"{note} {ADMINS_HERE}" if said is Standing.NOT_ADMIN else note


def refusal(client: WebClient, d: Deps, config: TeamConfig, team_id: str, user_id: str, logger: Logger, note: str,
            *, waiting: bool = False, admins_only: bool = False) -> str | None:
    """None when the person may (a PM, or with `admins_only` a workspace admin or owner); else what to tell
    them: `note`, or, when only Slack could say and it did not answer, that, rather than a false "only PMs"."""
    said = standing(client, d, config, team_id, user_id, logger, waiting=waiting, admins_only=admins_only)
    return refused_for(said, note)


def tell(d: Deps, body: dict[str, Any], team_id: str, user_id: str, text: str) -> None:
    """Ephemeral under the message or command used; from the Home tab or a modal (no response_url), a DM.
    A word about what just happened, so sent soon rather than kept (nor waited for)."""
    said = {"text": text, "response_type": "ephemeral", "replace_original": False}
    d.sender.soon(team_id, answer(body, said) if body.get("response_url") else outbox.post(user_id, {"text": text}))


def answer(body: dict[str, Any], message: dict[str, Any]) -> outbox.Owed:
    """`message` through the response_url of the command or button in `body`, and where to say it instead once
    Slack no longer takes it there (5 uses, 30 minutes): the channel it was used in, and who used it."""
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id") \
        or (body.get("container") or {}).get("channel_id")
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    return outbox.reply(body["response_url"], message, fallback={"channel": channel or "", "user": user or ""})


FORM_FAILED = "Slack could not open the form just now (it took too long, or said no), so nothing changed. " \
              "Please try again."


def open_form(client: WebClient, d: Deps, body: dict[str, Any], team_id: str, user_id: str, view: dict[str, Any],
              logger: Logger, *, failed: str = FORM_FAILED) -> dict[str, Any] | None:
    """views.open, the one call made while the person waits (a trigger lasts 3 s); when Slack refuses or
    does not answer, the person hears it (`failed`) rather than nothing."""
    try:
        return client.views_open(trigger_id=body["trigger_id"], view=view)["view"]
    except SlackApiError as error:
        logger.warning("views.open for %s failed: %s", user_id, error.response.get("error"))
    except (OSError, http.client.HTTPException) as error:
        logger.warning("views.open for %s failed: %s", user_id, type(error).__name__)
    tell(d, body, team_id, user_id, failed)
    return None


DATABASE_DOWN = "outcome-bot can't reach its database just now. Nothing was lost; please try again in a minute."
WENT_WRONG = "Something went wrong on our side, so nothing changed. Please try again in a minute."


def guarded(listener: Callable[..., None]) -> Callable[..., None]:
    """Every listener runs through this: whatever fails, Slack is answered and the person hears why.

    An exception escaping a listener after its ack would make Bolt take the ack back (Slack then shows
    the person an error for something that may have worked), and one before it would answer 500. Here a
    failure before the ack is the ack (a field error keeps a form open with all that was typed); after
    it, the person is told directly, without the database, which is the likeliest thing to be down."""

    @functools.wraps(listener)
    def run(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except Exception as error:  # noqa: BLE001 - the whole point: nothing escapes to Bolt
            _failed(error, kwargs)

    return run


def _failed(error: Exception, kwargs: dict[str, Any]) -> None:
    context: BoltContext = kwargs["context"]
    database = isinstance(error, SQLAlchemyError)
    text = DATABASE_DOWN if database else WENT_WRONG
    if database:
        context.logger.warning("database unavailable (team %s): %s", context.team_id, type(error).__name__)
    else:
        context.logger.exception("listener failed (team %s): %s", context.team_id, type(error).__name__)
    if "event" in kwargs:
        return  # nobody asked anything of us: a channel message, a Home tab opened
    ack = context.ack
    if ack.response is None:
        view = kwargs.get("view")
        inputs = [b["block_id"] for b in (view or {}).get("blocks", []) if b.get("type") == "input" and "block_id" in b]
        if inputs:
            ack(response_action="errors", errors={inputs[0]: text})
        elif "command" in kwargs:
            ack(text=text, response_type="ephemeral")
        else:
            ack()
            _say_directly(context, text)
        return
    _say_directly(context, text)


def _say_directly(context: BoltContext, text: str) -> None:
    """Straight to Slack: the sender works from the database. Under what was used while its response_url
    still takes it (5 uses, 30 minutes), else ephemeral where the person was, or in their DM."""
    try:
        if context.respond is not None and context.get("response_url"):
            if context.respond(text=text, response_type="ephemeral", replace_original=False).status_code < 300:
                return
        if context.user_id:
            calls.answer_elsewhere(context.client, {"channel": context.channel_id or "", "user": context.user_id},
                                   {"text": text})
    except Exception:  # noqa: BLE001 - best effort; the failure is logged above
        context.logger.warning("could not tell %s that something failed", context.user_id)


def bolt_error(
    error: Exception, body: dict, logger: logging.Logger, respond: Respond | None
) -> BoltResponse | None:
    """Errors Bolt meets outside our listeners (its own middleware: authorizing a workspace while the
    database is away, say). A database outage gets a polite word to the person; everything is logged."""
    logger.exception("listener failed (team %s): %s", (body.get("team") or {}).get("id", body.get("team_id")),
                     type(error).__name__)
    if isinstance(error, DBAPIError) and respond is not None:
        try:
            respond(text=DATABASE_DOWN, response_type="ephemeral", replace_original=False)
        except Exception:  # noqa: BLE001 - telling them is best effort; the error is already logged
            logger.warning("could not tell the user about the database outage")
    return None
