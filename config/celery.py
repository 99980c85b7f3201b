"""The Celery application. Settings come from Django's settings, prefixed ``CELERY_``."""

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("precision_supply")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def worker_argv(
    *, queues: Sequence[str] = (), hostname: str | None = None, beat_schedule: Path | None = None
) -> list[str]:
    """The command line of one worker of this app with one prefork child, quiet (no gossip,
    no mingle, warnings only): how the benchmarks that count workers and the tests that kill
    them start one. ``queues`` default to the app's; ``beat_schedule`` also runs the beat."""
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker"]
    if beat_schedule is not None:
        argv += ["--beat", "--schedule", str(beat_schedule)]
    argv += ["--pool=prefork", "--concurrency=1"]
    if hostname is not None:
        argv += ["--hostname", hostname]
    if queues:
        argv += ["--queues", ",".join(queues)]
    return [*argv, "--without-gossip", "--without-mingle", "--loglevel=WARNING"]
