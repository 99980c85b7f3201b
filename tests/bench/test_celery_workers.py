"""The benchmarks' Celery workers are started and stopped by one module: no bench script
builds its own worker command line."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from bench.celery_workers import workers_stop

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _worker_commands(path: Path) -> list[int]:
    """Lines where ``path`` spells a ``celery ... worker`` command as a list of arguments."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.List):
            words = {e.value for e in node.elts if isinstance(e, ast.Constant)}
            if {"celery", "worker"} <= words:
                found.append(node.lineno)
    return found


def test_only_the_shared_module_builds_a_worker_command():
    spelled = {
        path.name: lines for path in sorted(BENCH.glob("*.py")) if (lines := _worker_commands(path))
    }
    assert spelled == {"celery_workers.py": spelled.get("celery_workers.py", [])}
    assert spelled["celery_workers.py"]


def test_stopping_sends_a_warm_shutdown_to_each_workers_process_group():
    import signal

    # A stand-in for a worker, in a process group of its own as the workers are started.
    worker = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True
    )
    finished = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    finished.wait()
    workers_stop([worker, finished])  # one already gone is passed over
    assert worker.returncode == -signal.SIGTERM
