"""Real processes for the fault tests: a throwaway Redis server to be the broker (so a test
may stop, restart or empty it without touching the broker CI shares) and Celery workers
pointed at it and at the test database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from config.celery import worker_argv

ROOT = Path(__file__).resolve().parents[2]

# Short periods, so a test sees the sweeper act within seconds: (heartbeat, stale, sweep).
FAST_LIFECYCLE = {
    "RUN_HEARTBEAT_SECONDS": "0.5",
    "RUN_STALE_AFTER_SECONDS": "3",
    "RUN_SWEEP_SECONDS": "2",
}


def test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(predicate, timeout: float, poll: float = 0.05, what: str = "the worker"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of our own with no persistence: stopping it loses every message."""

    def __init__(self, directory: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("REQUIRE_SERVICES") == "1":
                pytest.fail("REQUIRE_SERVICES=1 but redis-server is not installed")
            pytest.skip("needs redis-server for a broker of its own")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_for(answers, timeout=10, what="redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # no shutdown save: what a crash or a fresh container does
            self.process.wait()
        self.process = None


@contextmanager
def app_broker(url: str) -> Iterator[None]:
    """Publish from this process to ``url`` (the app caches its connection pools)."""
    from config.celery import app

    names = ("broker_url", "broker_write_url", "broker_read_url")
    saved = {name: app.conf[name] for name in names}

    def reset() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.task_always_eager = False
    for name in names:
        app.conf[name] = url
    reset()
    try:
        yield
    finally:
        for name, value in saved.items():
            app.conf[name] = value
        reset()


class Worker:
    """A Celery worker process (prefork, one child) with celery beat inside it, so the
    sweeper runs on its schedule, serving both queues (as `make demo`'s worker does) under
    the node name ``name`` (``name@host``). Its result backend is this process's, so a chord
    published here is counted where the workers count it."""

    def __init__(
        self,
        broker_url: str,
        directory: Path,
        name: str = "worker",
        queues: str = "interactive,heavy",
        **env: str,
    ):
        from django.conf import settings

        self.env = dict(
            os.environ,
            DATABASE_URL=test_database_url(),
            DATABASE_CONN_MAX_AGE="0",
            CELERY_BROKER_URL=broker_url,
            **FAST_LIFECYCLE,
            **env,
        )
        if settings.CELERY_RESULT_BACKEND:
            self.env.setdefault("CELERY_RESULT_BACKEND", settings.CELERY_RESULT_BACKEND)
        self.name = f"{name}@{socket.gethostname()}"
        self.queues = queues
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            worker_argv(
                queues=self.queues.split(","),
                hostname=self.name,
                beat_schedule=self.directory / f"beat-{time.monotonic_ns()}",
            ),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, to kill it whole
        )

    def kill(self) -> None:
        """SIGKILL the worker and its children at once: no redelivery, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
