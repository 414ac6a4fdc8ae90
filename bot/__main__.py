"""Operator commands: `python -m bot export --format csv|json [--team T0123]` writes every idea to stdout;
`python -m bot labels [--team T0123]` writes what PMs marked "Not a request" in the feedback inbox, as
labelled JSONL lines ({"text", "label": false, ...}) ready to add to a tuning corpus."""

from __future__ import annotations

import argparse
import json
import sys

from dotenv import find_dotenv, load_dotenv
from sqlalchemy import select

from bot.export import export_rows, to_csv, to_json
from bot.feedback import corrections
from bot.settings import ConfigError, database_url_from_env
from models import Idea, make_engine, make_sessions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="every idea with its stage, supporters and decisions")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--team", help="Slack team ID; needed only when the database holds several workspaces")
    labels = commands.add_parser("labels", help="the feedback inbox's corrections, as labelled JSONL")
    labels.add_argument("--team", help="Slack team ID; all workspaces when left out")
    args = parser.parse_args(argv)

    load_dotenv(find_dotenv(usecwd=True), override=False)
    try:
        sessions = make_sessions(make_engine(database_url_from_env()))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if args.command == "labels":
        with sessions() as session:
            for insight in corrections(session, args.team):
                sys.stdout.write(json.dumps({"text": insight.text, "label": False, "kind": "pm_correction",
                                             "team": insight.team_id, "at": insight.updated_at.isoformat()
                                             if insight.updated_at else None}, ensure_ascii=False) + "\n")
        return 0
    with sessions() as session:
        teams = list(session.scalars(select(Idea.team_id).distinct()))
        team = args.team or (teams[0] if len(teams) == 1 else None)
        if team is None and teams:
            print(f"Several workspaces here ({', '.join(teams)}): choose one with --team.", file=sys.stderr)
            return 2
        rows = export_rows(session, team) if team else []
    sys.stdout.write(to_csv(rows) if args.format == "csv" else to_json(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
