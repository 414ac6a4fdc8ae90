"""`/idea settings`: workspace admins and owners set the triage channel, the PMs and the digest's day and time."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.command import IdeaCommand
from bot.team_settings import NotHere, drop_pms, own_team_config, save_team_settings
from handlers.access import Deps, changing, deps, guarded, not_pm_here, open_form, refusal, team, tell
from handlers.digests import can_post_in
from runtime import outbox
from ui.digests import ARCHIVED, INVITE_ME
from ui.ids import SETTINGS_CALLBACK
from ui.settings import SETTINGS_FOR_ADMINS, pms_left_off, read_settings, settings_modal, triage_channel_problem


def register(app: App, d: Deps) -> None:
    app.view(SETTINGS_CALLBACK)(guarded(settings_submission_callback))


def settings_command(ack: Ack, parsed: IdeaCommand, command: dict, client: WebClient, context: BoltContext,
                     logger: Logger) -> None:
    ack()
    d = deps(context)
    refused = refusal(client, d, team(d, context.team_id), context.team_id, context.user_id, logger,
                      SETTINGS_FOR_ADMINS, admins_only=True)
    if refused is not None:
        tell(d, command, context.team_id, context.user_id, refused)
        return
    with d.sessions() as session:
        own = own_team_config(session, context.team_id, d.settings)
    form = settings_modal(own, configured_pms=bool(d.settings.pm_user_ids), default_channel=d.settings.triage_channel)
    open_form(client, d, command, context.team_id, context.user_id, form, logger)


def settings_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger
                                 ) -> None:
    d = deps(context)
    refused = refusal(client, d, team(d, context.team_id), context.team_id, context.user_id, logger,
                      SETTINGS_FOR_ADMINS, waiting=True, admins_only=True)
    if refused is not None:
        ack(response_action="errors", errors={"triage_channel": refused})
        return
    form = read_settings(view)
    if form.errors:
        ack(response_action="errors", errors=form.errors)
        return
    with changing(d) as session:
        before = own_team_config(session, context.team_id, d.settings).pm_user_ids
        save_team_settings(session, team_id=context.team_id, user_id=context.user_id,
                           triage_channel=form.triage_channel, pm_user_ids=form.pm_user_ids,
                           digest_weekday=form.digest_weekday, digest_minute=form.digest_minute)
    ack()
    if form.triage_channel is not None:
        _check_triage_channel(d, client, context.team_id, context.user_id, form.triage_channel, logger)
    if added := sorted(set(form.pm_user_ids) - before):
        _check_pms(d, client, context.team_id, context.user_id, added, logger)


def _check_triage_channel(d: Deps, client: WebClient, team_id: str, user_id: str, channel: str,
                          logger: Logger) -> None:
    """After the ack: a public channel is joined now; a private one the bot is not in, or an archived one,
    is said to the admin, who would otherwise learn it only when cards fail. Slack busy says nothing."""
    problem = can_post_in(client, channel, logger)
    if problem in (INVITE_ME, ARCHIVED):
        tell(d, {}, team_id, user_id, triage_channel_problem(channel, archived=problem == ARCHIVED))


def _check_pms(d: Deps, client: WebClient, team_id: str, user_id: str, added: list[str], logger: Logger) -> None:
    """After the ack: each newly listed PM as users.info describes them. A guest, someone of another
    organisation, an app or a deactivated account is taken off the list (if still on it) and the admin told
    who and why, once. Someone Slack does not describe just now stays listed: nothing is guessed against them."""
    why: dict[str, NotHere] = {}
    for pm in added:
        user = d.roles.described(client, team_id, pm, logger)
        if user is not None and (reason := not_pm_here(pm, user, team_id)) is not None:
            why[pm] = reason
    if not why:
        return
    with changing(d) as session:  # the admin is owed the word, in the same transaction as the change
        gone, left = drop_pms(session, team_id, why)
        if gone:
            said = pms_left_off({pm: why[pm] for pm in gone}, none_left=not left,
                                configured_pms=bool(d.settings.pm_user_ids))
            outbox.owe(session, team_id, outbox.post(user_id, {"text": said}))
