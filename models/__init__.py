"""SQLAlchemy models; this package imports nothing else of ours."""

from models.base import Base, utcnow
from models.db import make_engine, make_sessions
from models.decision import Decision
from models.idea import Idea, Stage

__all__ = ["Base", "Decision", "Idea", "Stage", "make_engine", "make_sessions", "utcnow"]
