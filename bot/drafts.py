"""Form state kept on the server: what a form needs between its versions but could outgrow the 3,000
characters Slack allows a form to carry (a suggestion in any script, an ask longer than its field).
The form carries only the short key; a key from another workspace, or a made-up one, finds nothing."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Draft, utcnow

KEEP = timedelta(days=7)


def save_draft(session: Session, team_id: str, data: dict[str, Any]) -> str:
    key = secrets.token_urlsafe(12)
    session.add(Draft(key=key, team_id=team_id, data=data, created_at=utcnow()))
    session.flush()
    return key


def load_draft(session: Session, team_id: str, key: str | None) -> dict[str, Any]:
    if not key or not isinstance(key, str) or len(key) > 32:
        return {}
    data = session.scalar(select(Draft.data).where(Draft.key == key, Draft.team_id == team_id))
    return data if isinstance(data, dict) else {}


def submitted_before(session: Session, team_id: str, form_id: str) -> bool:
    """Whether this form (a modal's view id) was already submitted and saved: Slack may deliver a
    submission twice (a double click), and the second must change nothing."""
    kept = session.get(Draft, _submitted_key(form_id))
    return kept is not None and kept.team_id == team_id


def remember_submitted(session: Session, team_id: str, form_id: str) -> None:
    """In the transaction that saves what the form said; the same form at the same moment then fails to
    commit (the key is taken), rather than saving twice."""
    session.add(Draft(key=_submitted_key(form_id), team_id=team_id, data={"submitted": True}, created_at=utcnow()))
    session.flush()


def _submitted_key(form_id: str) -> str:
    # A colon: no form's draft key (URL-safe base64) can ever be one of these.
    return f"submitted:{form_id}"[:32]


def forget_old_drafts(session: Session, now: datetime) -> int:
    return session.execute(delete(Draft).where(Draft.created_at < now - KEEP)).rowcount
