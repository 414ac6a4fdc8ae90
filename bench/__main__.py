"""Runs every benchmark and writes bench/RESULTS.md with the machine described."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import detect

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), Python {sys.version.split()[0]}"


def main() -> None:
    figures = detect.run()
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}. Shared machines are noisy: best of 5 runs.",
        "",
        "## Request detector (`bench/detect.py`)",
        "",
        "| messages in corpus | µs per message | messages per second |",
        "| --- | --- | --- |",
        "| {messages:.0f} | {microseconds_per_message:.1f} | {messages_per_second:,.0f} |".format(**figures),
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
