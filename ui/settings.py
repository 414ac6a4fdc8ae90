"""The workspace settings form (triage channel, PMs, the digest's day and time) and its reading."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.digests.schedule import DAYS
from bot.team_settings import NotHere, TeamConfig
from ui.ids import SETTINGS_CALLBACK
from ui.kit import Block, carried, mention, modal, plain

SETTINGS_FOR_ADMINS = "Only workspace admins and owners can change outcome-bot's settings: this workspace's own, " \
                      "not guests nor people from another organisation in a shared channel."


def settings_modal(config: TeamConfig, *, configured_pms: bool = False, default_channel: str | None = None
                   ) -> dict[str, Any]:
    """Triage channel, PMs and the digest's default day and time, as this workspace set them. `configured_pms`
    and `default_channel`: PM_USER_IDS and TRIAGE_CHANNEL are set, so empty fields fall back to them."""
    channel: Block = {"type": "conversations_select", "action_id": "triage_channel",
                      "placeholder": plain("Where new ideas are posted for PMs", 150),
                      # Cards go to a channel PMs share: a direct message or a person would hide them.
                      "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
    # Only what a picker could hold: a row written by hand ("#product", "bob") would make Slack refuse the form.
    if config.triage_channel and _CHANNEL.match(config.triage_channel):
        channel["initial_conversation"] = config.triage_channel
    pms: Block = {"type": "multi_users_select", "action_id": "pm_user_ids",
                  "placeholder": plain("Who may decide on ideas", 150)}
    if people := sorted(filter(_PERSON.match, config.pm_user_ids)):
        pms["initial_users"] = people
    days = [{"text": plain(day.title(), 75), "value": str(n)} for n, day in enumerate(DAYS)]
    day = {"type": "static_select", "action_id": "digest_weekday", "options": days,
           "initial_option": days[config.digest_weekday if 0 <= config.digest_weekday < 7 else 0]}
    minute = config.digest_minute if 0 <= config.digest_minute < 24 * 60 else 9 * 60
    time = {"type": "timepicker", "action_id": "digest_time", "initial_time": f"{minute // 60:02d}:{minute % 60:02d}"}
    return modal(SETTINGS_CALLBACK, "outcome-bot settings", [
        {"type": "input", "block_id": "triage_channel", "optional": True, "label": plain("Triage channel", 2000),
         "hint": plain("Leave empty to use the bot's TRIAGE_CHANNEL setting." if default_channel else
                       "Where new ideas are posted for product managers; without one, they triage from App Home.",
                       2000),
         "element": channel},
        {"type": "input", "block_id": "pm_user_ids", "optional": True, "label": plain("Product managers", 2000),
         "hint": plain("Leave empty to let the product managers in the bot's PM_USER_IDS setting decide."
                       if configured_pms else "Leave empty to let workspace admins and owners decide.", 2000),
         "element": pms},
        {"type": "input", "block_id": "digest_weekday", "label": plain("Digests go out on", 2000), "element": day},
        {"type": "input", "block_id": "digest_time", "label": plain("at", 2000), "element": time},
    ], submit="Save")


@dataclass(frozen=True)
class SettingsForm:
    triage_channel: str | None
    pm_user_ids: list[str]
    digest_weekday: int | None
    digest_minute: int | None
    errors: dict[str, str]


_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# What Slack's pickers send: a channel's id (C or G), people's ids (U or W).
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,31}$")
_PERSON = re.compile(r"^[UW][A-Z0-9]{2,31}$")


def read_settings(view: dict[str, Any]) -> SettingsForm:
    """The inverse of `settings_modal`. Slack's pickers only send real days and times; anything else was
    forged, and comes back as a field error rather than, say, minute 6039 of the day."""
    values = view.get("state", {}).get("values", {})

    def state(name: str) -> dict[str, Any]:
        return values.get(name, {}).get(name, {}) or {}

    errors = {}
    day = (state("digest_weekday").get("selected_option") or {}).get("value")
    weekday = int(day) if isinstance(day, str) and day in {str(n) for n in range(7)} else None
    if day is not None and weekday is None:
        errors["digest_weekday"] = "Pick a day of the week."
    time = state("digest_time").get("selected_time")
    match = _TIME_OF_DAY.match(time) if isinstance(time, str) else None
    minute = int(match.group(1)) * 60 + int(match.group(2)) if match else None
    if time and match is None:
        errors["digest_time"] = "Pick a time of day, such as 09:00."
    channel = state("triage_channel").get("selected_conversation")
    if channel is not None and not (isinstance(channel, str) and _CHANNEL.match(channel)):
        errors["triage_channel"] = "Pick a channel (public or private), not a person or a direct message."
    users = state("pm_user_ids").get("selected_users") or []
    if not isinstance(users, list) or not all(isinstance(user, str) and _PERSON.match(user) for user in users):
        errors["pm_user_ids"] = "Pick people of this workspace."
    return SettingsForm(
        carried(channel) if "triage_channel" not in errors else None,
        [user for user in users if carried(user)] if "pm_user_ids" not in errors else [],
        weekday, minute, errors,
    )


def triage_channel_problem(channel: str, *, archived: bool) -> str:
    """The settings were saved, but new ideas' cards cannot be posted where the admin chose (yet)."""
    problem = "it is archived: pick another channel with `/idea settings`." if archived \
        else "I can't post there yet: invite me with `/invite @outcome-bot` in it."
    return (f"Settings saved. New ideas go to <#{channel}>, but {problem} Until then, product managers find "
            "new ideas on my Home tab.")


_WHY = {NotHere.GUEST: "is a guest", NotHere.ELSEWHERE: "is from another organisation", NotHere.APP: "is an app",
        NotHere.DEACTIVATED: "is deactivated"}


def pms_left_off(why: dict[str, NotHere], *, none_left: bool, configured_pms: bool) -> str:
    """The settings were saved without some of the product managers picked: who, and why, in one message.
    `none_left`: the list is empty now, so it falls back (to PM_USER_IDS when `configured_pms`)."""
    people = "; ".join(f"{mention(user)} {_WHY[reason]}" for user, reason in sorted(why.items()))
    text = (f"Settings saved, but I left {'this person' if len(why) == 1 else 'these people'} off the product "
            f"managers: {people}. Product managers here are this workspace's own people, never guests, apps, "
            "deactivated accounts nor people from another organisation.")
    if none_left:
        text += " With none left, " + ("the product managers in the bot's PM_USER_IDS setting decide."
                                      if configured_pms else "workspace admins and owners decide.")
    return text
