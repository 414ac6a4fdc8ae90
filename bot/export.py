"""Every idea of a team as rows: for `/idea export` (a CSV by DM) and `python -m bot export`.

A fixed handful of queries whatever the number of ideas: the ideas (with their objectives and key
results), their supporters, their latest customer quotes, their decisions. In the CSV, a cell that a
spreadsheet would run as a formula is neutralised (OWASP's rule), and a cell longer than a spreadsheet holds
(an idea hundreds of people support) is cut where it fits and says so; the JSON stays exactly what was typed.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.feedback import evidence_of
from models import Decision, Idea, Insight, KeyResult, Objective, Support

COLUMNS = (
    "id", "submitted", "stage", "requester", "outcome", "problem", "evidence", "how_we_would_know", "original_ask",
    "source_channel", "original_message", "objective", "key_results", "tracker_issue", "tracker_url", "supporters",
    "supporter_evidence", "customer_mentions", "customer_quotes", "decisions",
)
QUOTES_EXPORTED = 10  # the latest customer quotes of each idea
# A spreadsheet takes a cell starting with one of these as a formula (=HYPERLINK(...), +1+1, @SUM...).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel holds at most this many characters in a cell, and Google Sheets refuses a file with a cell over
# 50,000: a longer cell would break the whole sheet, not just itself.
CELL_MAX = 32_767
CUT = ("\n… cut here: a spreadsheet cell holds no more "
       "(an operator's `python -m bot export --format json` has all of it)")


def export_rows(session: Session, team_id: str) -> list[dict[str, str | int]]:
    ideas = list(session.scalars(
        select(Idea).where(Idea.team_id == team_id).order_by(Idea.id)
        .options(selectinload(Idea.objective).selectinload(Objective.key_results))
    ))
    backers: dict[int, list[Support]] = defaultdict(list)
    for backer in session.scalars(select(Support).where(Support.team_id == team_id).order_by(Support.created_at)):
        backers[backer.idea_id].append(backer)
    quotes = evidence_of(session, [idea.id for idea in ideas if idea.customer_mentions], per_idea=QUOTES_EXPORTED)
    history: dict[int, list[Decision]] = defaultdict(list)
    for decision in session.scalars(select(Decision).where(Decision.team_id == team_id).order_by(Decision.id)):
        history[decision.idea_id].append(decision)
    return [
        {
            "id": idea.id,
            "submitted": idea.created_at.isoformat(timespec="seconds") if idea.created_at else "",
            "stage": idea.stage,
            "requester": idea.requester_id,
            "outcome": idea.outcome,
            "problem": idea.problem,
            "evidence": idea.evidence or "",
            "how_we_would_know": idea.measure or "",
            "original_ask": idea.ask,
            "source_channel": idea.source_channel_id or "",
            "original_message": idea.source_permalink or "",
            "objective": idea.objective.title if idea.objective is not None else "",
            "key_results": "\n".join(_key_result_line(kr) for kr in idea.objective.key_results)
            if idea.objective is not None else "",
            "tracker_issue": idea.tracker_key or "",
            "tracker_url": idea.tracker_url or "",
            "supporters": len(backers[idea.id]),
            "supporter_evidence": "\n".join(f"{b.user_id}: {b.evidence or ''}" for b in backers[idea.id]),
            "customer_mentions": idea.customer_mentions,
            "customer_quotes": "\n".join(_quote_line(q) for q in quotes.get(idea.id, ())),
            "decisions": "\n".join(_decision_line(d) for d in history[idea.id]),
        }
        for idea in ideas
    ]


def _quote_line(insight: Insight) -> str:
    day = f"{insight.created_at:%Y-%m-%d}" if insight.created_at else "date unknown"
    return f"{day} {insight.author}: {insight.text}" + (
        f" ({insight.permalink})" if insight.permalink else "")


def _decision_line(decision: Decision) -> str:
    said = [part for part in (decision.result, f"measured: {decision.measured}" if decision.measured else "") if part]
    extra = f" [{'; '.join(said)}]" if said else ""
    via = f" in {decision.via}" if decision.via else ""
    day = f"{decision.decided_at:%Y-%m-%d}" if decision.decided_at else "date unknown"
    return (
        f"{day} {decision.from_stage} -> {decision.to_stage}{extra} by "
        f"{decision.decided_by}{via}: {decision.reason}"
    )


def _key_result_line(kr: KeyResult) -> str:
    span = " -> ".join(value for value in (kr.baseline, kr.target) if value)
    return kr.metric + (f": {span}" if span else "") + (f" by {kr.due_on:%Y-%m-%d}" if kr.due_on else "")


def inert(value: object) -> object:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def fitted(value: object) -> object:
    """A cell a spreadsheet can hold: a longer one keeps its start, up to the last whole line that fits (a
    supporter, a decision), and ends saying it was cut."""
    if not isinstance(value, str) or len(value) <= CELL_MAX:
        return value
    room = CELL_MAX - len(CUT)
    line_end = value.rfind("\n", 0, room + 1)
    return value[:line_end if line_end >= room // 2 else room] + CUT


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows({key: fitted(inert(value)) for key, value in row.items()} for row in rows)
    return out.getvalue()


def to_json(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)
