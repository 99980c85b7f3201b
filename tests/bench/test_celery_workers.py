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


def test_no_bench_script_builds_its_own_worker_command():
    """The one command line is ``config.celery.worker_argv``; the bench's shared module starts
    its workers with it and no script spells one of its own."""
    spelled = {
        path.name: lines for path in sorted(BENCH.glob("*.py")) if (lines := _worker_commands(path))
    }
    assert spelled == {}
    assert "worker_argv(" in (BENCH / "celery_workers.py").read_text(encoding="utf-8")


def test_the_worker_command_line_is_one_quiet_single_process_worker():
    from config.celery import worker_argv

    argv = worker_argv(queues=["interactive", "heavy"], hostname="bench-0@here")
    assert argv[:6] == [sys.executable, "-m", "celery", "-A", "config", "worker"]
    assert argv[argv.index("--queues") + 1] == "interactive,heavy"
    assert argv[argv.index("--hostname") + 1] == "bench-0@here"
    assert {"--pool=prefork", "--concurrency=1", "--without-gossip", "--without-mingle"} <= set(
        argv
    )
    assert "--beat" not in argv and "--queues" not in worker_argv()


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
