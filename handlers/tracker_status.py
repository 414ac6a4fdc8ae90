"""A tracker that refuses the bot's token (401, 403) fails every read and filing alike: the PMs of each
workspace following issues there hear it once, when it starts (in the triage channel, else the first PM's
DMs, else, with no PM list, the DMs of the workspace's admins the bot knows), and once when it works again;
App Home says so meanwhile. Not on every check of every sweep."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.people import known_admins
from bot.team_settings import first_pm, team_config
from bot.trackers import refusing, teams_following, token_accepted, token_refused
from handlers.access import Deps, changing
from models import utcnow
from runtime import outbox
from runtime.trackers import Refused, Tracker
from ui.kit import Block, section
from ui.trackers import token_refused_message, token_refused_text, token_works_message


def refused_now(d: Deps, tracker: Tracker, refused: Refused, *, team_id: str | None = None) -> None:
    """After a call the tracker refused (outside any session): the first refusal of the token is told, to
    the workspaces following issues there and to `team_id`'s (a filing's, which has no issue yet)."""
    if not refused.token:
        return
    with changing(d) as session:
        if token_refused(session, tracker.name, str(refused), utcnow()):
            _tell(session, d, tracker.name, token_refused_message(tracker.label, str(refused)), also=team_id)


def works(session: Session, d: Deps, tracker: Tracker) -> None:
    """In the transaction of a read the tracker answered: a token it had been refusing is said to work."""
    if token_accepted(session, tracker.name):
        _tell(session, d, tracker.name, token_works_message(tracker.label))


def _tell(session: Session, d: Deps, tracker: str, message: dict, also: str | None = None) -> None:
    """Each workspace's triage channel, else its first PM; with neither, the workspace's admins (who act as
    its PMs) whom Slack has described lately, each in a DM: the refusal is recorded once, so it must reach
    someone now. A workspace whose admins the bot has never seen has it on its admins' Home tab."""
    following = teams_following(session, tracker)
    for team_id in following + ([also] if also and also not in following else []):
        config = team_config(session, team_id, d.settings)
        pm = first_pm(config)
        to = config.triage_channel or pm
        if to is not None:
            alternates = [{"channel": pm}] if pm and to != pm else []
            outbox.owe(session, team_id, outbox.post(to, message, alternates=alternates))
            continue
        for admin in known_admins(session, team_id, utcnow()):
            outbox.owe(session, team_id, outbox.post(admin, message))


def home_alerts(session: Session, d: Deps) -> list[Block]:
    """For the PMs' Home tab: each configured tracker that refuses the token just now."""
    return [section(token_refused_text(d.trackers[status.tracker].label, status.reason or ""))
            for status in refusing(session, sorted(d.trackers))]
