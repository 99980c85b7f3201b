"""Helpers for the supply-engine benchmarks: run each size in a fresh process, time the
engine call and read its peak resident memory (Linux), print a table. ``bench_main`` is the
whole command line of such a benchmark."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def _rss_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(run: Callable[[], dict]) -> dict:
    """Time ``run()`` and report the process's peak RSS while it ran.

    On Linux the peak is reset just before the call (``/proc/self/clear_refs``), so the data
    generated beforehand counts only as far as it is still resident.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    start_rss = _rss_mb("VmRSS")
    started = time.perf_counter()
    extra = run()
    seconds = time.perf_counter() - started
    peak = _rss_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        "peak_above_start_mb": (peak - start_rss) if peak and start_rss else None,
        **extra,
    }


def run_sizes(script: str, sizes: Sequence[str], extra_args: Sequence[str] = ()) -> list[dict]:
    rows = []
    for size in sizes:
        done = subprocess.run(
            [sys.executable, script, "--one", str(size), *extra_args],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"size {size} failed")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return rows


def print_table(title: str, rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    """``columns``: (key, header, format spec)."""
    print(title)
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
        "(other work on the machine slows the figures down)"
    )
    widths = [max(len(header), 12) for _, header, _ in columns]
    print("  ".join(f"{h:>{w}}" for (_, h, _), w in zip(columns, widths, strict=True)))
    for row in rows:
        cells = []
        for (key, _, spec), width in zip(columns, widths, strict=True):
            value = row.get(key)
            cells.append(f"{'-' if value is None else format(value, spec):>{width}}")
        print("  ".join(cells))


def bench_main(
    script: str,
    description: str,
    one: Callable[[int], dict],
    *,
    default_sizes: str,
    title: str,
    columns: list[tuple[str, str, str]],
) -> None:
    """``--sizes a,b,c`` runs ``one(size)`` for each size in a fresh process of ``script``
    (so one size's memory does not inflate the next) and prints the table."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=default_sizes)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    print_table(title, run_sizes(script, args.sizes.split(",")), columns)
