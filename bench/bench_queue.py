"""The worker's queue page on 100,000 requests in PostgreSQL: latency per page view.

Seeds a SYNTHETIC city (100 communities, 100,000 requests over three years, about 4% still
open, a third of the open ones assigned), then renders ``/queue/`` in-process (Django's test
client: middleware, scoping, filters, the counts per tab, the template; no network) for a
community worker serving 3 communities and for an administrator, and prints p50/p95/max per
view. With ``--explain`` it also prints PostgreSQL's plans of the page's queries.

    python bench/bench_queue.py [--rows 100000] [--repeat 40] [--explain] [--keep]

Uses ``BENCH_DATABASE_URL`` (default: a ``precision_supply_bench_queue`` database on
127.0.0.1:5432, dropped and recreated unless ``--keep`` finds it seeded). Not a test: the
figures go into the README with this command.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import scratch_db  # noqa: E402
from bench.scratch_db import django_env  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/precision_supply_bench_queue"
)
COMMUNITIES = 100
WORKER_COMMUNITIES = 3
TARGET_P95_MS = 300

VIEWS = {
    "default (needs action, by deadline)": {},
    "all, newest first": {"view": "all", "sort": "newest"},
    "all, page 40": {"view": "all", "sort": "newest", "page": "40"},
    "open, by urgency": {"view": "open", "sort": "urgency"},
    "search text": {"view": "all", "q": "water"},
    "search number": {"view": "all", "q": "#50000"},
    "overdue, one community": {"view": "overdue", "community": "__first__"},
    "date range": {"view": "all", "submitted_from": "__month_ago__"},
}


def seed(rows: int) -> None:
    from django.utils import timezone

    from residents.models import City, Community, Region, User
    from services.models import ServiceCategory, ServiceRequest

    rng = random.Random(2026)
    region = Region.objects.get(code="southwest")
    city, _ = City.objects.get_or_create(
        adcode="510100", defaults={"name": "成都市", "province": "四川省", "region": region}
    )
    communities = Community.objects.bulk_create(
        [
            Community(
                city=city,
                code=f"BENCH-{i:03d}",
                name=f"Bench community {i} (synthetic)",
                kind="urban" if i % 3 else "rural",
                population=5000,
                households=2000,
            )
            for i in range(COMMUNITIES)
        ]
    )
    worker = User.objects.create_user("bench-worker", password=None, role="worker")
    worker.communities.set(communities[:WORKER_COMMUNITIES])
    colleague = User.objects.create_user("bench-colleague", password=None, role="worker")
    colleague.communities.set(communities[:WORKER_COMMUNITIES])
    User.objects.create_user("bench-admin", password=None, role="admin")
    categories = list(ServiceCategory.objects.filter(parent__isnull=False))
    now = timezone.now()
    words = ["water", "road", "lamp", "clinic", "school", "job", "pension", "noise", "waste"]
    batch = []
    for _ in range(rows):
        created = now - timedelta(minutes=int(rng.random() * 3 * 365 * 24 * 60))
        category = rng.choice(categories)
        age_days = (now - created).days
        # Most old requests are finished; recent ones are still being worked on.
        open_ = rng.random() < (0.5 if age_days < 14 else 0.01)
        status = (
            rng.choice(["submitted", "accepted", "assigned", "in_progress"])
            if open_
            else rng.choice(["resolved", "closed", "closed", "rejected"])
        )
        assignee = None
        if status in ("assigned", "in_progress") or (not open_ and rng.random() < 0.8):
            assignee = rng.choice([worker, colleague])
        sla = timedelta(hours=category.sla_hours or 72)
        batch.append(
            ServiceRequest(
                community=rng.choice(communities),
                category=category,
                description=f"Synthetic benchmark request about {rng.choice(words)}",
                urgency=rng.choice(["low", "normal", "normal", "high", "critical"]),
                channel="community_worker",
                status=status,
                assigned_to=assignee,
                created_at=created,
                expected_completion_at=created + sla if category.sla_hours else None,
                resolved_at=None if open_ else created + sla / 2,
            )
        )
    ServiceRequest.objects.bulk_create(batch, batch_size=5000)


def explain(username: str) -> None:
    """PostgreSQL's plan of each query the default page runs on the request table."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from residents.models import User

    client = Client()
    client.force_login(
        User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
    )
    with CaptureQueriesContext(connection) as captured:
        client.get("/queue/")
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or '"services_servicerequest"' not in sql:
                continue
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql)
            print(f"--- {username}: {sql[:160]}...")
            print("\n".join(row[0] for row in cursor.fetchall()))


def measure(username: str, repeat: int) -> dict[str, tuple[list[float], list[float], list[float]]]:
    """Per view: wall-clock milliseconds per page view, the CPU milliseconds the Django
    process spent, and the milliseconds its database queries took as the process saw them
    (sent to answered). The server-side time of a view is about CPU + database; the rest of
    the wall time is waiting for a core on a loaded machine."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from residents.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    served = sorted(user.communities.values_list("pk", flat=True))
    first = served[0] if served else 1
    month_ago = (timezone.localdate() - timedelta(days=30)).isoformat()
    timings: dict[str, list[float]] = {}
    for name, params in VIEWS.items():
        params = {
            k: {"__first__": str(first), "__month_ago__": month_ago}.get(v, v)
            for k, v in params.items()
        }
        client.get("/queue/", params)  # warm-up
        samples, cpu, db = [], [], []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get("/queue/", params)
                samples.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            db.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        timings[name] = (samples, cpu, db)
    return timings


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", action="store_true", help="reuse a seeded database")
    args = parser.parse_args()

    os.environ.update(django_env(DATABASE_URL))
    import django

    if not args.keep:
        scratch_db.recreate_database(DATABASE_URL)
    django.setup()
    from services.models import ServiceRequest

    if not ServiceRequest.objects.exists():
        start = time.perf_counter()
        seed(args.rows)
        print(f"seeded {args.rows:,} SYNTHETIC requests in {time.perf_counter() - start:.1f} s")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = ServiceRequest.objects.count()
    open_ = ServiceRequest.objects.filter(status__in=ServiceRequest.OPEN_STATUSES).count()
    print(f"{total:,} requests, {open_:,} open; {COMMUNITIES} communities")
    if args.explain:
        for username in ("bench-worker", "bench-admin"):
            explain(username)

    worst = worst_server = 0.0
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    for username, label in (("bench-worker", "community worker"), ("bench-admin", "administrator")):
        print(f"\n{label} ({username}), {args.repeat} views each, ms")
        print(
            f"{'view':40} {'p50':>7} {'p95':>7} {'max':>7} {'cpu p50':>8} {'cpu p95':>8}"
            f" {'db p50':>7} {'db p95':>7}"
        )
        for name, (samples, cpu, db) in measure(username, args.repeat).items():
            worst = max(worst, p95(samples))
            worst_server = max(worst_server, p95([c + d for c, d in zip(cpu, db, strict=True)]))
            print(
                f"{name:40} {statistics.median(samples):7.1f} {p95(samples):7.1f}"
                f" {max(samples):7.1f} {statistics.median(cpu):8.1f} {p95(cpu):8.1f}"
                f" {statistics.median(db):7.1f} {p95(db):7.1f}"
            )
    verdict = "met" if worst < TARGET_P95_MS else "NOT met"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nworst wall p95 {worst:.1f} ms: target {TARGET_P95_MS} ms {verdict}; worst server-side"
        f" (cpu + db) p95 {worst_server:.1f} ms (load average {load_before} before, {load} after;"
        f" {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
