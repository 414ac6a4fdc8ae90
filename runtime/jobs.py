"""Jobs: work the sender runs after the commit, from rows of the outbox as it sends messages (runtime/sender.py).

Most jobs take as long as a Slack call. Those that wait on the optional model (a borderline message confirmed,
a form's suggestion, a new idea's look-alikes, a customer's request matched) may each take the model's whole
deadline: together they may hold only some of the sender's threads, so that what people are owed meanwhile (a
decision's card and DMs, a confirmation) goes out at once instead of behind every one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from models import Delivery, utcnow
from runtime import outbox
from runtime.failures import Transient
from runtime.slack import Clients


class Running(Protocol):
    """What a job needs of the sender that runs it."""

    id: str
    clients: Clients


@dataclass
class Job:
    """A job row as its function sees it; `finish` marks it done inside the job's own transaction, so
    the rows the job adds and the job's completion commit together (or, if the lease was lost, neither)."""

    id: int
    team_id: str
    payload: dict[str, Any]
    sender: Running
    uncertain: bool = False  # an earlier attempt may have done its work before its answer was lost

    def finish(self, session: Session) -> None:
        if not outbox.mark_sent(session, self.id, self.sender.id, utcnow()):
            raise Transient("lease_lost")

    def client(self):  # noqa: ANN201 - the workspace's WebClient, for jobs that must ask Slack something
        return self.sender.clients(self.team_id)


JobFunction = Callable[[Job], None]


@dataclass
class ModelJobs:
    """The job rows that wait on the model (by method), and how many run now: at most `most` at once. Counted
    under the sender's lock."""

    most: int
    methods: set[str] = field(default_factory=set)
    running: int = 0

    def add(self, name: str) -> None:
        self.methods.add(f"job:{name}")

    def room(self) -> int:
        return self.most - self.running

    def due(self, session: Session, now: datetime, room: int, model_room: int) -> list[int]:
        """Rows the sender may take now (outbox.due), in order, of which at most `model_room` model jobs: the rest
        wait, and rows behind them go out meanwhile."""
        if not self.methods:
            return outbox.due(session, now, room)
        ids = outbox.due(session, now, room, Delivery.method.not_in(sorted(self.methods)))
        if (left := min(room, model_room)) > 0:
            ids = sorted([*ids, *outbox.due(session, now, left, Delivery.method.in_(sorted(self.methods)))])[:room]
        return ids

    def taken(self, rows: Sequence[Delivery]) -> None:
        self.running += sum(row.method in self.methods for row in rows)

    def done(self, row: Delivery) -> None:
        self.running -= row.method in self.methods
