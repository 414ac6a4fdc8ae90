"""A workspace with years of history, written straight through the models (Slack would take hours to
type it): ideas in every stage, their decisions, supporters, customer mentions, objectives and digests."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Connection, Engine, insert, select

from models import (
    Decision,
    DigestSubscription,
    FeedbackChannel,
    Idea,
    Insight,
    KeyResult,
    Objective,
    Stage,
    Support,
    utcnow,
)

PATHS = {
    Stage.CANDIDATE: [],
    Stage.DISCOVERY: [Stage.DISCOVERY],
    Stage.DELIVERY: [Stage.DISCOVERY, Stage.DELIVERY],
    Stage.SHIPPED: [Stage.DISCOVERY, Stage.DELIVERY, Stage.SHIPPED],
    Stage.REVIEWED: [Stage.DISCOVERY, Stage.DELIVERY, Stage.SHIPPED, Stage.REVIEWED],
    Stage.PARKED: [Stage.PARKED],
    Stage.DECLINED: [Stage.DECLINED],
}
WORDS = ("export import invoice report dashboard finance sales support ticket approval signer calendar "
         "reminder mobile slack email billing refund search filter tag audit log password login chart "
         "budget forecast payroll vendor contract renewal upload attachment comment mention").split()


def sentence(rng: random.Random, n: int = 8) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _insert(db: Connection, model: type, rows: list[dict]) -> None:
    if rows:
        db.execute(insert(model), rows)


def seed_workspace(engine: Engine, *, team: str = "T1", ideas: int = 3000, supports: int = 20000,
                   insights: int = 5000, objectives: int = 200, subscriptions: int = 50,
                   requester: str = "U1", seed: int = 9) -> list[int]:
    """Returns the ids of the ideas, oldest first."""
    rng = random.Random(seed)
    now = utcnow()
    start = now - timedelta(days=3 * 365)
    with engine.begin() as db:
        _insert(db, Objective, [
            {"team_id": team, "title": f"Objective {n}: {sentence(rng, 6)}", "created_by": "UPM",
             "created_at": start + timedelta(days=n)} for n in range(objectives)])
        objective_ids = list(db.scalars(select(Objective.id).where(Objective.team_id == team)))
        _insert(db, KeyResult, [
            {"objective_id": o, "position": p, "metric": sentence(rng, 4), "baseline": "1", "target": "2"}
            for o in objective_ids for p in range(3)])
        stages = list(PATHS)
        rows = []
        for n in range(ideas):
            created = start + timedelta(minutes=n * (3 * 365 * 24 * 60) // ideas)
            rows.append({
                "team_id": team, "requester_id": requester if n % 10 == 0 else f"U{n % 300:04d}",
                "ask": sentence(rng, 10), "outcome": "=" + sentence(rng) if n % 50 == 0 else sentence(rng),
                "problem": sentence(rng, 12), "evidence": sentence(rng), "measure": None,
                "stage": stages[n % len(stages)], "source_channel_id": "C1",
                "objective_id": rng.choice(objective_ids) if objective_ids and n % 2 else None,
                "created_at": created, "updated_at": created,
            })
        _insert(db, Idea, rows)
        idea_rows = db.execute(select(Idea.id, Idea.stage, Idea.created_at).where(Idea.team_id == team)
                               .order_by(Idea.id)).all()
        decisions = []
        for idea_id, stage, created in idea_rows:
            before = Stage.CANDIDATE
            for step, to in enumerate(PATHS[Stage(stage)]):
                when = created + timedelta(days=step + 1)
                decisions.append({
                    "team_id": team, "idea_id": idea_id, "from_stage": before, "to_stage": to,
                    "reason": sentence(rng), "decided_by": "UPM", "decided_at": min(when, now),
                    "revisit_on": (when + timedelta(days=30)).date() if to in (Stage.PARKED, Stage.SHIPPED) else None,
                    "result": rng.choice(("met", "partly", "missed")) if to == Stage.REVIEWED else None,
                })
                before = to
        _insert(db, Decision, decisions)
        ids = [row[0] for row in idea_rows]
        pairs = set()
        while len(pairs) < supports:
            pairs.add((rng.choice(ids), f"US{rng.randrange(2000):04d}"))
        _insert(db, Support, [
            {"idea_id": i, "user_id": u, "team_id": team, "evidence": sentence(rng, 6)} for i, u in pairs])
        _insert(db, FeedbackChannel, [{"team_id": team, "channel_id": "CFEED", "created_by": "UPM"}])
        _insert(db, Insight, [
            {"team_id": team, "channel_id": "CFEED", "message_ts": f"{1700000000 + n}.000100", "part": 0,
             "text": sentence(rng, 12), "author": "Zendesk", "state": "inbox" if n % 2 else "attached",
             "idea_id": None if n % 2 else rng.choice(ids), "created_at": now - timedelta(minutes=n)}
            for n in range(insights)])
        _insert(db, DigestSubscription, [
            {"team_id": team, "channel_id": f"CD{n:03d}", "weekday": n % 7, "minute_of_day": 540,
             "timezone": "UTC", "created_by": "UPM"} for n in range(subscriptions)])
    return ids

