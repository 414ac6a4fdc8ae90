"""Runs every benchmark and writes bench/RESULTS.md with the machine described."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from bench import ack, detect, digest, slack_call, steady

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
# Sized so that the whole of `make bench` takes about ten minutes on 2 cores; the steady-load scenarios
# (bench/steady.py) take about six of them.
SATURATED_PER_CLIENT = 80
STEADY_PER_CLIENT = 40
STEADY_ROUNDS = 2
DETECT_ROUNDS = 25


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), Python {sys.version.split()[0]}"


def main() -> None:
    figures = detect.run(rounds=DETECT_ROUNDS)
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}. Shared machines are noisy.",
        "",
        "## Ack latency under load (`bench/ack.py`)",
        "",
        f"50 concurrent clients, {SATURATED_PER_CLIENT} signed requests each (`/idea help`, `/idea <ask>`, a decision "
        "button), against",
        "gunicorn with 2 workers x 8 threads, the clients on the same 2 cores, and Slack's side (views.open,",
        "response_url) one event loop in a process of its own that only says ok. Targets: p99 under 100 ms, and at",
        "most 1.3 x the p99 of a Bolt app that only acks. Unloaded, both answer in about 10.5 ms: Bolt's request",
        "thread polls for the ack every 10 ms. The apps take turns, three rounds each.",
        "",
        "| round | app | requests | p50 ms | p95 ms | p99 ms | requests/s | worker RSS after the run (MiB) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    latency = ack.run(per_client=SATURATED_PER_CLIENT)
    for round_number, rows in enumerate(zip(*latency.values(), strict=True), start=1):
        for name, row in zip(latency, rows, strict=True):
            lines.append("| {n} | {name} | {requests:.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {rps:,.0f} | "
                         "{rss_mib:.0f} |".format(n=round_number, name=name, **row))
    ratios = ack.p99_ratios(latency)
    lines += [
        "", f"p99 ratio, outcome-bot to bare Bolt: median {median(ratios):.2f} "
        f"(rounds: {', '.join(f'{ratio:.2f}' for ratio in ratios)})", "",
        "The same 50 clients at a steady offered load (each sends on a fixed beat, out of step with the others),",
        "well below saturation as Slack's traffic to one app is: the ack path's own cost, with the work after",
        f"each ack still sharing the cores. {STEADY_PER_CLIENT} requests per client; figures are the median of "
        f"{STEADY_ROUNDS} rounds.",
        "",
        "| offered load | app | p50 ms | p95 ms | p99 ms | p99 ratio (median, range) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rate in (200, 400):
        beats = ack.run(per_client=STEADY_PER_CLIENT, interval=50 / rate, rounds=STEADY_ROUNDS)
        ratios = ack.p99_ratios(beats)
        for name, rows in beats.items():
            p50, p95, p99 = (median(row[cut] for row in rows) for cut in ("p50", "p95", "p99"))
            ratio = "1.00" if name == "bare Bolt app" else \
                f"{median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
            lines.append(f"| {rate} requests/s | {name} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {ratio} |")
    lines += ["", *steady.section(steady.run()), "## A Slack call over TLS (`bench/slack_call.py`)", ""]
    calls = slack_call.run()
    if calls is None:
        lines.append("Not measured: it needs the `openssl` command to make a certificate.")
    else:
        lines += [
            "The ack benchmark's stand-in for Slack speaks plain HTTP; the real Slack is HTTPS. CPU for one",
            "views.open from this process to a local HTTPS stand-in, trusting the system's CA bundle "
            f"({calls[0]['certificates']} certificates):",
            "",
            "| client | ms of CPU per call (mean of 100) |",
            "| --- | --- |",
            *(f"| {row['client']} | {row['ms']:.2f} |" for row in calls),
        ]
    lines.append("")
    lines += [
        "## Digest cost (`bench/digest.py`)",
        "",
        "One channel's weekly digest; the same week of activity (200 ideas), ever longer history.",
        "Target: under 200 ms, with a query count that does not grow.",
        "",
        "| ideas | decisions | ms (best of 5) | queries |",
        "| --- | --- | --- | --- |",
    ]
    for row in digest.run():
        lines.append("| {ideas:,} | {decisions:,} | {milliseconds:.1f} | {queries} |".format(**row))
    lines += [
        "",
        "## Request detector (`bench/detect.py`)",
        "",
        "Target: over 2,000 Slack messages per second (`detect`). A feedback channel's message is read sentence",
        "by sentence (`requests_in`), measured on the customer-voice tuning corpora.",
        "",
        "| what | texts | µs per text (best of 5) | texts per second |",
        "| --- | --- | --- | --- |",
        "| `detect`, Slack messages | {messages:.0f} | {microseconds_per_message:.1f} | {messages_per_second:,.0f} |"
        .format(**figures),
        "| `requests_in`, reviews and tickets | {reviews:.0f} | {microseconds_per_review:.1f} | "
        "{reviews_per_second:,.0f} |".format(**figures),
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
