"""What applies to a workspace: its own settings where an admin set them in Slack, else the env's.

The env values stay the single-workspace default; a multi-workspace install sets these per team.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from bot.digests.schedule import DEFAULT_MINUTE, DEFAULT_WEEKDAY
from bot.settings import Settings
from models import TeamSettings
from models.base import utcnow
from models.db import dialect_insert


@dataclass(frozen=True)
class TeamConfig:
    triage_channel: str | None
    pm_user_ids: frozenset[str]
    digest_weekday: int
    digest_minute: int
    trackers: tuple[str, ...] = ()  # the delivery trackers configured: "github", "jira"


# Read on nearly every button press and command, so built once (Session.get builds its statement
# anew each time) and read as a plain row: loading an ORM object would cost more than the query.
_TABLE = TeamSettings.__table__
_TEAM_SETTINGS = select(_TABLE).where(_TABLE.c.team_id == bindparam("team_id"))


def team_config(session: Session, team_id: str, defaults: Settings) -> TeamConfig:
    own = session.execute(_TEAM_SETTINGS, {"team_id": team_id}).first()
    trackers = tuple(name for name in ("github", "jira") if getattr(defaults, name) is not None)
    if own is None:
        return TeamConfig(defaults.triage_channel, defaults.pm_user_ids, DEFAULT_WEEKDAY, DEFAULT_MINUTE, trackers)
    return TeamConfig(
        # Read as PM_USER_IDS is: a row written by hand as "U1, U2" (spaces, a trailing comma) means U1 and U2.
        triage_channel=(own.triage_channel or "").strip() or defaults.triage_channel,
        pm_user_ids=_listed(own.pm_user_ids) or defaults.pm_user_ids,
        # A value no picker could have sent (a row written before forms were checked) is the default.
        digest_weekday=own.digest_weekday if own.digest_weekday in range(7) else DEFAULT_WEEKDAY,
        digest_minute=own.digest_minute if own.digest_minute in range(24 * 60) else DEFAULT_MINUTE,
        trackers=trackers,
    )


def _listed(pm_user_ids: str | None) -> frozenset[str]:
    return frozenset(filter(None, (p.strip() for p in (pm_user_ids or "").split(","))))


def own_team_config(session: Session, team_id: str, defaults: Settings) -> TeamConfig:
    """What the workspace set itself, without the env's triage channel and PMs: what the settings form
    shows, so saving it untouched does not copy TRIAGE_CHANNEL or PM_USER_IDS into the workspace (where
    later changes to them would no longer reach it)."""
    return team_config(session, team_id, replace(defaults, triage_channel=None, pm_user_ids=frozenset()))


def save_team_settings(
    session: Session, *, team_id: str, user_id: str, triage_channel: str | None, pm_user_ids: list[str],
    digest_weekday: int | None, digest_minute: int | None,
) -> TeamSettings:
    """Empty fields mean "use the default" (the env's, or Monday 09:00). One upsert, so two admins saving
    a workspace's first settings at once both get through and the later one stays."""
    values = {
        "triage_channel": triage_channel or None,
        "pm_user_ids": ",".join(sorted(set(pm_user_ids))) or None,
        "digest_weekday": digest_weekday,
        "digest_minute": digest_minute,
        "updated_by": user_id,
        "updated_at": utcnow(),  # ON CONFLICT DO UPDATE skips the column's onupdate
    }
    session.execute(
        dialect_insert(session)(_TABLE)
        .values(team_id=team_id, **values)
        .on_conflict_do_update(index_elements=[_TABLE.c.team_id], set_=values)
    )
    return session.get(TeamSettings, team_id, populate_existing=True)


def first_pm(config: TeamConfig) -> str | None:
    """The one PM who hears, in a DM, what is owed to "the PMs" when there is no triage channel (or it
    cannot be posted in): the same person every time, not whoever a set's order gives."""
    return min(config.pm_user_ids, default=None)


class NotHere(StrEnum):
    """Why someone an admin picked cannot be one of this workspace's PMs (people of this workspace only)."""

    GUEST = "guest"
    ELSEWHERE = "another organisation"
    APP = "app"
    DEACTIVATED = "deactivated"


def drop_pms(session: Session, team_id: str, user_ids: Collection[str]) -> tuple[list[str], frozenset[str]]:
    """Takes these people off the workspace's own PM list, each only if it still lists them (an admin may have
    saved again meanwhile): who was taken off, and who stays listed. On PostgreSQL the row is locked, so a
    save in flight is waited for and then read; SQLite has one writer at a time."""
    row = session.execute(
        select(_TABLE.c.pm_user_ids).where(_TABLE.c.team_id == team_id).with_for_update()
    ).first()
    listed = _listed(row.pm_user_ids if row is not None else None)
    gone = listed & set(user_ids)
    if gone:
        session.execute(update(_TABLE).where(_TABLE.c.team_id == team_id)
                        .values(pm_user_ids=",".join(sorted(listed - gone)) or None, updated_at=utcnow()))
    return sorted(gone), listed - gone
