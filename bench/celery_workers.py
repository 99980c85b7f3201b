"""Real Celery workers for the benchmarks that time runs on them (``bench_province.py``,
``bench_province_runs.py``): started as a heavy worker is deployed (``celery -A config
worker``, one pool process each, every worker in a process group of its own so that it is
measured and stopped whole), waited for until each answers a ping, and stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def workers_start(
    count: int,
    *,
    logs: Path,
    queues: Sequence[str] = ("heavy", "interactive"),
    name: str = "bench",
    env: Mapping[str, str] | None = None,
    answer_within: float = 180.0,
) -> list[subprocess.Popen]:
    """``count`` workers on ``queues`` (prefork, concurrency 1), named ``<name>-<n>@<host>``,
    with ``env`` (default: this process's environment: its database and broker), each
    writing to ``logs/worker-<count>-<n>.log``. Returns once every one answers a ping; when
    they do not within ``answer_within`` seconds (or one exits), stops them and exits naming
    the logs."""
    from config.celery import app, worker_argv

    processes = []
    for n in range(count):
        log = open(logs / f"worker-{count}-{n}.log", "w")  # noqa: SIM115 (kept open for the worker)
        processes.append(
            subprocess.Popen(
                worker_argv(queues=queues, hostname=f"{name}-{n}@{socket.gethostname()}"),
                cwd=ROOT,
                env=dict(env) if env is not None else None,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: measured and stopped whole
            )
        )
    deadline = time.monotonic() + answer_within
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0) or []) >= count:
            return processes
        if any(p.poll() is not None for p in processes):
            break
    workers_stop(processes)
    raise SystemExit(f"the {count} worker(s) did not answer; their logs are in {logs}")


def workers_stop(processes: Sequence[subprocess.Popen]) -> None:
    """Stop each worker's process group (a warm shutdown, then a kill after a minute)."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
