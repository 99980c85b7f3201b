"""A province run (issue 16) on one and on two heavy workers: wall time of a forecast and a
portraits run over the SYNTHETIC four-city demo, split city by city, and of the same run
computed whole on one worker.

Needs PostgreSQL holding the seeded demo and a Redis broker, e.g.

    createdb -h 127.0.0.1 -U postgres ps_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ps_bench
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/9 DJANGO_DEBUG=1
    python manage.py migrate && python manage.py seed_demo --seed 2026
    python bench/bench_province_runs.py [--kinds forecast portraits] [--horizon 3]

For each worker count it starts that many Celery workers on the ``heavy`` queue (one process
each, as a heavy worker is deployed; ``bench/celery_workers.py``, shared with
``bench_province.py``), waits until they answer, starts each run as the page does
(``analysis_run_start``) and times it from the start to the run's finish (the run's own
``created_at`` to ``finished_at``). The whole run (no cities) is timed on one worker too, on
the seeded demo rather than ``bench_province.py``'s loaded province, which times split runs
only. Not a test: figures go into the docs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from analytics import actions  # noqa: E402
from analytics.models import AnalysisRun  # noqa: E402
from bench.celery_workers import workers_start, workers_stop  # noqa: E402
from residents.models import City, User  # noqa: E402


def _time_run(kind: str, params: dict, user: User) -> tuple[float, AnalysisRun]:
    run = actions.analysis_run_start(kind=kind, params=params, user=user)
    while True:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.2)
    if run.status != AnalysisRun.Status.SUCCEEDED:
        raise SystemExit(f"run #{run.pk} failed: {run.error}")
    return (run.finished_at - run.created_at).total_seconds(), run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", nargs="+", default=["forecast", "portraits"])
    parser.add_argument("--horizon", type=int, default=3)
    args = parser.parse_args()
    admin = User.objects.filter(is_superuser=True).first() or User.objects.get(username="admin")
    cities = sorted(
        City.objects.filter(communities__isnull=False).distinct().values_list("adcode", flat=True)
    )
    print(f"cities: {', '.join(cities)}; load average {os.getloadavg()[0]:.1f}")
    logs = Path(tempfile.mkdtemp(prefix="bench-province-runs-"))
    print(f"worker logs in {logs}")
    rows = []
    for count in (1, 2):
        # The heavy queue only, as a heavy worker is deployed.
        workers = workers_start(count, logs=logs, queues=("heavy",))
        try:
            for kind in args.kinds:
                params = {"cities": cities}
                if kind == "forecast":
                    params["horizon"] = args.horizon
                seconds, run = _time_run(kind, params, admin)
                hosts = sorted({p.worker_host for p in run.parts.all()})
                rows.append((kind, f"{len(cities)} parts", count, seconds, len(hosts)))
                if count == 1:
                    whole = {k: v for k, v in params.items() if k != "cities"}
                    seconds, _run = _time_run(kind, whole, admin)
                    rows.append((kind, "whole", 1, seconds, 1))
        finally:
            workers_stop(workers)
    print(f"{'kind':<10} {'run':<9} {'workers':>7} {'wall s':>8} {'hosts used':>10}")
    for kind, shape, count, seconds, hosts in rows:
        print(f"{kind:<10} {shape:<9} {count:>7} {seconds:>8.1f} {hosts:>10}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
