"""SQLAlchemy models; this package imports nothing else of ours."""

from models.base import Base, utcnow
from models.db import dialect_insert, make_engine, make_sessions
from models.decision import Decision
from models.digest import DigestNowClaim, DigestRun, DigestSubscription
from models.idea import Idea, Stage
from models.insight import FeedbackChannel, Insight, WithdrawnMessage
from models.nudge import Nudge, NudgeOptOut, NudgeWindow
from models.oauth import BOTS, INSTALLATIONS, OAUTH_STATES
from models.objective import KeyResult, Objective
from models.outbox import Delivery, Draft
from models.people import Person
from models.review import CheckIn, Support
from models.team_settings import TeamSettings
from models.usage import ModelUsage
from models.webhook import TrackerStatus, WebhookDelivery

__all__ = [
    "BOTS",
    "INSTALLATIONS",
    "OAUTH_STATES",
    "Base",
    "CheckIn",
    "Decision",
    "Delivery",
    "DigestNowClaim",
    "DigestRun",
    "DigestSubscription",
    "Draft",
    "FeedbackChannel",
    "Idea",
    "Insight",
    "KeyResult",
    "ModelUsage",
    "Nudge",
    "NudgeOptOut",
    "NudgeWindow",
    "Objective",
    "Person",
    "Stage",
    "Support",
    "TeamSettings",
    "TrackerStatus",
    "WebhookDelivery",
    "WithdrawnMessage",
    "dialect_insert",
    "make_engine",
    "make_sessions",
    "utcnow",
]
