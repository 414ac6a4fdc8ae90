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


def forget_old_drafts(session: Session, now: datetime) -> int:
    return session.execute(delete(Draft).where(Draft.created_at < now - KEEP)).rowcount
