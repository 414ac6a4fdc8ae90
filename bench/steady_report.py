"""bench/steady.py's tables for bench/RESULTS.md, with each target's verdict."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING, Any

from bench.ack import APPS
from bench.load import MIX
from bench.slack_standin import TRIGGER_LIFE

if TYPE_CHECKING:
    from bench.steady import Plan

BARE, OURS = (name for name, _ in APPS)
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Steady load against a slow Slack (`bench/steady.py`)"


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _range(values: list[float]) -> str:
    return f"median {median(values):.2f} ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 \
        else f"{values[0]:.2f}"


def section(results: dict[str, Any]) -> list[str]:
    """bench/RESULTS.md's lines for these scenarios."""
    plan: Plan = results["plan"]
    lines = [
        HEADING,
        "",
        "Slack's side answers every call (views.open, chat.postMessage, conversations.open, response_url...) after",
        "a fixed delay, from one event loop in a process of its own, so it spends none of our CPU while it waits.",
        "The clients send a realistic mix in equal parts: `/idea <an ask>` (ack, then views.open), `/idea list`",
        "(answered in the ack, from the database), `/idea help` (answered in the ack) and the \"+1 / I have this",
        "problem too\" button on an idea in the database (ack, a read, then views.open). At a fixed offered rate,",
        "100 clients each send on a fixed beat, out of step with one another. Both apps run under the same",
        "gunicorn line (2 workers x 8 threads) on the same 2 cores as the clients, and get the same requests; the",
        "bare Bolt app only acks. The lag of a form is from its trigger's creation (the trigger_id carries the",
        "send time) to views.open arriving at Slack's side.",
        "",
    ]
    lines += _section_a(results["a"], plan)
    lines += _section_b(results["b"], plan)
    lines += _section_c(results["c"], plan)
    lines += _section_d(results["a"], results["d"], results["b"][1])
    return lines


def _problems(row: dict[str, Any]) -> str:
    said = f"{row['warnings']} warnings, {row['errors']} errors" + (", a worker restarted" if row["restarted"] else "")
    return said + (f" (e.g. \"{row['samples'][0]}\")" if row["samples"] else "")


def _section_a(rounds: list[list[dict[str, Any]]], plan: Plan) -> list[str]:
    ratios = [ours["p99"] / bare["p99"] for bare, ours in rounds]
    lines = [
        f"### (a) 150 requests/s for {plan.seconds:.0f} s, Slack 150 ms away",
        "",
        f"Target: our ack p99 at most 1.3 x the bare app's. The apps take turns, {len(rounds)} rounds.",
        "",
        "| round | app | requests | requests/s | p50 ms | p95 ms | p99 ms | max ms | not 200 | forms owed / "
        "views.open | max form lag s | CPU ms per request |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, pair in enumerate(rounds, start=1):
        for row in pair:
            forms = f"{row['forms_owed']} / {row['views_open']}" if row["app"] == OURS else "-"
            lag = f"{row['lag_max']:.2f}" if row["app"] == OURS else "-"
            lines.append(f"| {number} | {row['app']} | {row['requests']} | {row['rps']:.0f} | {row['p50']:.1f} | "
                         f"{row['p95']:.1f} | {row['p99']:.1f} | {row['max']:.0f} | {row['not_200']} | {forms} | "
                         f"{lag} | {row['cpu_ms']:.2f} |")
    ours = [pair[1] for pair in rounds]
    kinds = ", ".join(f"{kind} {median(row['p99_by_kind'][kind] for row in ours):.1f}" for kind in MIX)
    lines += [
        "",
        f"p99 ratio, outcome-bot to bare Bolt: {_range(ratios)} (rounds: {', '.join(f'{r:.2f}' for r in ratios)}); "
        f"target <= 1.3: {_verdict(median(ratios) <= 1.3)}.",
        f"Our p99 by request, ms (median of rounds): {kinds}. The latest a client fell behind its beat: "
        f"{max(row['slip'] for pair in rounds for row in pair) * 1000:.0f} ms. "
        f"Our logs: {_problems(ours[-1])} (last round).",
        "",
    ]
    return lines


def _section_b(pair: list[dict[str, Any]], plan: Plan) -> list[str]:
    bare, ours = pair
    lost = (ours["forms_owed"] != ours["views_open"] or ours["not_200"] or ours["trigger_reused"]
            or set(ours["outbox"]) - {"sent"})
    met = (ours["acks_over_3s"] == 0 and ours["max"] < TRIGGER_LIFE * 1000 and ours["lags_over_3s"] == 0
           and not lost)
    others = {method: count for method, count in ours["calls"].items() if method != "views.open"}
    lines = [
        f"### (b) 80 requests/s for {plan.seconds:.0f} s, Slack at 1,000 ms a call",
        "",
        "Targets: every ack under 3 s, every form asked for within 3 s of its trigger, no work lost (a views.open",
        "for every `/idea <ask>` and button sent, every request answered 200). One run each.",
        "",
        "| app | requests | requests/s | p50 ms | p99 ms | max ack ms | acks over 3 s | not 200 | forms owed | "
        "views.open received | form lag p50 / p99 / max s | lags over 3 s | CPU ms per request |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in pair:
        if row["app"] == OURS:
            tail = (f"{row['forms_owed']} | {row['views_open']} | {row['lag_p50']:.2f} / {row['lag_p99']:.2f} / "
                    f"{row['lag_max']:.2f} | {row['lags_over_3s']} |")
        else:
            tail = "- | - | - | - |"
        tail += f" {row['cpu_ms']:.2f} |"
        lines.append(f"| {row['app']} | {row['requests']} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | "
                     f"{row['max']:.0f} | {row['acks_over_3s']} | {row['not_200']} | {tail}")
    lines += [
        "",
        f"Targets: {_verdict(met)}. Slack answers each views.open 1 s after it arrives, so the last form "
        f"appeared {ours['lag_max'] + 1:.2f} s after its trigger. Our forms were all asked for {ours['drain']:.1f} s "
        f"after the last ack; at most {ours['peak_in_flight']} calls waited on Slack at once; triggers used twice: "
        f"{ours['trigger_reused']}; other Slack calls: {json.dumps(others) if others else 'none'}; rows the outbox "
        f"gained: {json.dumps(ours['outbox']) if ours['outbox'] else 'none'}. Our logs: {_problems(ours)}. "
        f"Statuses: bare {bare['statuses']}, ours {ours['statuses']}.",
        "",
    ]
    return lines


def _section_c(rounds: list[list[dict[str, Any]]], plan: Plan) -> list[str]:
    ratios = [ours["rps"] / bare["rps"] for bare, ours in rounds]
    lines = [
        f"### (c) Saturation, Slack 0 ms away: 50 closed-loop clients for {plan.saturation_seconds:.0f} s",
        "",
        "Target: our throughput at least 0.6 x the bare app's. CPU is the gunicorn workers' utime + stime",
        "(/proc/<pid>/stat) from the end of the warm-up until our last form was asked for, per request.",
        "",
        "| round | app | requests | requests/s | p50 ms | p99 ms | CPU ms per request | forms owed / views.open | "
        "forms done after the last ack, s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, pair in enumerate(rounds, start=1):
        for row in pair:
            forms = f"{row['forms_owed']} / {row['views_open']}" if row["app"] == OURS else "-"
            drain = f"{row['drain']:.1f}" if row["app"] == OURS else "-"
            lines.append(f"| {number} | {row['app']} | {row['requests']} | {row['rps']:,.0f} | {row['p50']:.1f} | "
                         f"{row['p99']:.1f} | {row['cpu_ms']:.2f} | {forms} | {drain} |")
    cpu = [ours["cpu_ms"] / bare["cpu_ms"] for bare, ours in rounds]
    lines += [
        "",
        f"Throughput ratio, outcome-bot to bare Bolt: {_range(ratios)}; target >= 0.6: "
        f"{_verdict(median(ratios) >= 0.6)}. CPU per request, ours to bare: {_range(cpu)}.",
        "",
    ]
    return lines


def _section_d(a: list[list[dict[str, Any]]], d: list[dict[str, Any]], b: dict[str, Any]) -> list[str]:
    rows = sorted([pair[1] for pair in a] + d, key=lambda row: row["listener_threads"])
    bare = [pair[0] for pair in a]
    lines = [
        "### (d) Worker memory by listener thread count",
        "",
        "The larger gunicorn worker's VmRSS after the (a) load (150 requests/s, Slack 150 ms away), with",
        "LISTENER_THREADS at 8, 32 (the default: the (a) runs above) and 128, and the threads the worker had",
        "by then (gunicorn's 8, the listener pool's, the sender's; a pool starts a thread only when none is",
        "idle, up to its limit). The last row is after (b), where the forms wait 1 s on Slack.",
        "",
        "| app | load | LISTENER_THREADS | worker RSS MiB | threads in each worker | p99 ack ms |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {BARE} | (a) | - | {median(row['rss_mib'] for row in bare):.0f} | "
        f"{' / '.join(map(str, bare[-1]['threads_each']))} | {median(row['p99'] for row in bare):.1f} |",
    ]
    for row in rows:
        lines.append(f"| {OURS} | (a) | {row['listener_threads']} | {row['rss_mib']:.0f} | "
                     f"{' / '.join(map(str, row['threads_each']))} | {row['p99']:.1f} |")
    lines.append(f"| {OURS} | (b) | {b['listener_threads']} | {b['rss_mib']:.0f} | "
                 f"{' / '.join(map(str, b['threads_each']))} | {b['p99']:.1f} |")
    ours = [row["rss_mib"] for row in rows]
    lines += [
        "",
        f"Our worker RSS spans {min(ours):.0f}-{max(ours):.0f} MiB whatever the limit: the pool grows only to the "
        "threads the load keeps busy, and an idle thread's stack is mostly untouched memory. The limit shows in "
        "the ack instead: Bolt runs the ack inside the listener, so while every listener thread waits on "
        "views.open, the next request's ack waits for one.",
        "",
    ]
    return lines


def write(lines: list[str]) -> None:
    """Puts `lines` in bench/RESULTS.md in place of this section (or at its end)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    head, found, rest = text.partition(HEADING)
    after = rest[rest.find("\n## ") + 1:] if found and "\n## " in rest else ""
    parts = [head.rstrip("\n"), "\n".join(lines).rstrip("\n"), after.rstrip("\n")]
    RESULTS.write_text("\n\n".join(part for part in parts if part) + "\n", encoding="utf-8")
