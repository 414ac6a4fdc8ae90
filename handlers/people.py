"""Who someone is in the workspace, and a word to the person who pressed a button."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.decisions import may_decide
from bot.team_settings import TeamConfig, team_config
from handlers.deps import Deps


def workspace_user(client: WebClient, user_id: str, logger: Logger) -> dict:
    """users.info's user, or an empty dict when Slack cannot say."""
    try:
        return client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        logger.warning("users.info for %s failed: %s", user_id, error.response.get("error"))
        return {}


def workspace_admin_check(client: WebClient, logger: Logger) -> Callable[[str], bool]:
    """users.info's admin and owner flags; if Slack cannot say, the answer is no."""

    def is_admin(user_id: str) -> bool:
        user = workspace_user(client, user_id, logger)
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    return is_admin


def tell_presser(client: WebClient, respond: Respond | None, user_id: str, text: str, logger: Logger) -> None:
    """Ephemeral under the message pressed; from the Home tab (no response_url), a DM."""
    try:
        if respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as error:
        logger.warning("could not tell %s why nothing changed: %s", user_id, error.response.get("error"))


def team(d: Deps, team_id: str) -> TeamConfig:
    """The workspace's own settings (from /idea settings), falling back to the env's."""
    with d.sessions() as session:
        return team_config(session, team_id, d.settings)


def is_pm(client: WebClient, d: Deps, team_id: str, user_id: str, logger: Logger) -> bool:
    """Product managers: the workspace's PM list, or when there is none, its admins and owners."""
    return is_pm_of(client, team(d, team_id), user_id, logger)


def is_pm_of(client: WebClient, config: TeamConfig, user_id: str, logger: Logger) -> bool:
    """`is_pm` with the workspace's settings already read."""
    return may_decide(user_id, config.pm_user_ids, workspace_admin_check(client, logger))
