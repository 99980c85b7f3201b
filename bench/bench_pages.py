"""The pages a person opens every day, timed per role on PostgreSQL: server time, CPU time,
database time and query count per page view.

Two databases:

* ``--db demo`` (default): the SYNTHETIC demo city (``seed_demo``'s data and its finished run
  of every kind) in a scratch database, seeded on first use; users ``admin`` (nationwide
  administrator), ``admin-sichuan`` (an area administrator: one province) and ``worker``.
* ``--db province``: the SYNTHETIC province ``bench/bench_province.py`` loads (20,000
  communities, 2,000,000 residents, 5,000,000 requests); users ``bench-admin``
  (nationwide), ``bench-district`` (one district, 149 communities) and ``bench-worker`` (3
  communities). Its analysis pages show whatever runs the database holds (``--runs`` computes
  an equalization and a portraits run in this process first if there are none; the forecast
  and allocation come from ``bench_province.py --runs-only``).

Each page is rendered in-process through Django's test client (middleware, scoping, the
page's reads, the template; no network), once to warm up and then ``--repeat`` times. Per page
it prints the wall time, the CPU time of this (the Django) process, the time its queries took
as Django saw them ("db") and the number of queries, with the load average: the server time
of a page is about CPU + db; the rest of the wall time is waiting for a core on a shared
machine. ``--profile`` prints cProfile's heaviest functions for each page (one view),
``--explain FILE`` writes PostgreSQL's plan (EXPLAIN ANALYZE) of every query slower than
``--explain-ms`` on each page.

    python bench/bench_pages.py [--db demo|province] [--repeat 10] [--users admin,worker]
        [--pages overview,dashboard] [--profile] [--explain plans.txt] [--runs]

Uses ``BENCH_DATABASE_URL`` (default: ``precision_supply_bench_pages`` for the demo,
``precision_supply_bench_province`` for the province, on 127.0.0.1:5432). Not a test: the
figures go into bench/README.md with this command.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.scratch_db import django_env, recreate_database  # noqa: E402

SERVER = "postgres://postgres@127.0.0.1:5432/"
DATABASES = {
    "demo": "precision_supply_bench_pages",
    "province": "precision_supply_bench_province",
}
USERS = {
    "demo": (
        ("admin", "nationwide administrator"),
        ("admin-sichuan", "area administrator (one province)"),
        ("worker", "community worker"),
    ),
    "province": (
        ("bench-admin", "nationwide administrator"),
        ("bench-district", "district administrator (149 communities)"),
        ("bench-worker", "community worker (3 communities)"),
    ),
}
PAGES = {
    "overview": ("/overview/", {}),
    "dashboard": ("/analytics/dashboard/", {}),
    "analytics": ("/analytics/", {}),
    "equalization": ("/analytics/equalization/", {}),
    "allocation": ("/analytics/allocation/", {}),
    "forecast": ("/analytics/forecast/", {}),
    "portraits": ("/analytics/portraits/", {}),
    "supply": ("/analytics/supply/", {}),
    "queue": ("/queue/", {}),
    "queue newest": ("/queue/", {"view": "all", "sort": "newest"}),
    "queue newest p40": ("/queue/", {"view": "all", "sort": "newest", "page": "40"}),
}


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def demo_seed() -> None:
    """The demo city with its runs, as ``make seed`` makes it (seed 2026)."""
    from demo.city import demo_city_seed
    from demo.runs import demo_runs_compute

    began = time.perf_counter()
    demo_city_seed(seed=2026, reset=False)
    demo_runs_compute(missing_only=True, report=print)
    print(f"seeded the SYNTHETIC demo city in {time.perf_counter() - began:.0f} s")


def province_runs() -> None:
    """An equalization and a portraits run on the province, computed here, if it has none."""
    from analytics.actions import analysis_run_now
    from analytics.models import AnalysisRun
    from residents.models import User

    admin = User.objects.get(username="bench-admin")
    for kind in (AnalysisRun.Kind.EQUALIZATION, AnalysisRun.Kind.PORTRAITS):
        if AnalysisRun.objects.filter(kind=kind, status=AnalysisRun.Status.SUCCEEDED).exists():
            continue
        began = time.perf_counter()
        run = analysis_run_now(kind=kind, params={}, user=admin)
        print(f"{kind} run #{run.pk}: {run.status} in {time.perf_counter() - began:.0f} s")


def client_for(username: str):
    from django.test import Client

    from residents.models import User

    client = Client()
    client.force_login(
        User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def measure(client, url: str, params: dict, repeat: int) -> dict | None:
    """Per view: wall, CPU and database milliseconds, query count and page size; ``None``
    when the user may not open the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url, params)  # warm-up (and: may this user open it?)
    if response.status_code != 200:
        return None
    wall, cpu, db, queries = [], [], [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, params)
            wall.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        db.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries.append(len(captured.captured_queries))
        assert response.status_code == 200, (url, response.status_code)
    return {
        "wall": statistics.median(wall),
        "wall_max": max(wall),
        "cpu": statistics.median(cpu),
        "db": statistics.median(db),
        "queries": max(queries),
        "kb": len(response.content) / 1024,
    }


def profile(client, url: str, params: dict, lines: int = 18) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url, params)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    # The project's own functions by time inside them and below, then everything by time
    # inside itself (where the CPU went: templates, JSON, the ORM).
    stats.sort_stats("cumulative").print_stats(r"^(?!.*(site-packages|python3\.\d+/))", lines)
    stats.sort_stats("tottime").print_stats(lines // 2)
    return out.getvalue()


def explain(client, url: str, params: dict, slower_than_ms: float) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    parts = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if float(query["time"]) * 1000 < slower_than_ms or not sql.startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SUMMARY ON) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            parts.append(f"--- {float(query['time']) * 1000:.0f} ms: {sql[:600]}\n{plan}")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=sorted(DATABASES), default="demo")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--users", default="", help="comma-separated user names (default: all)")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--profile", action="store_true", help="cProfile each page once")
    parser.add_argument("--explain", type=Path, default=None, help="write slow queries' plans")
    parser.add_argument("--explain-ms", type=float, default=20.0)
    parser.add_argument("--runs", action="store_true", help="province: compute missing runs")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", SERVER + DATABASES[args.db])
    os.environ.update(django_env(url))
    import django
    import psycopg

    seeded = False
    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            seeded = bool(
                conn.execute("SELECT 1 FROM residents_user WHERE username = 'worker'").fetchone()
                if args.db == "demo"
                else conn.execute(
                    "SELECT 1 FROM residents_user WHERE username = 'bench-admin'"
                ).fetchone()
            )
    except psycopg.Error:
        seeded = False
    if not seeded:
        if args.db == "province":
            raise SystemExit("load the province first: python bench/bench_province.py ...")
        recreate_database(url)
    django.setup()
    if not seeded:
        from django.test import override_settings

        with override_settings(DEBUG=True):
            demo_seed()
    if args.runs and args.db == "province":
        province_runs()

    from analytics.models import AnalysisRun
    from residents.models import Community
    from services.models import ServiceRequest

    print(
        f"SYNTHETIC {args.db}: {Community.objects.count():,} communities, "
        f"{ServiceRequest.objects.count():,} requests, "
        f"{AnalysisRun.objects.filter(status='succeeded').count()} finished runs; "
        f"{args.repeat} views per page; load average {load()} at the start"
    )
    users = [u for u in USERS[args.db] if not args.users or u[0] in args.users.split(",")]
    pages = {k: v for k, v in PAGES.items() if not args.pages or k in args.pages.split(",")}
    plans = []
    for username, label in users:
        client = client_for(username)
        print(f"\n{label} ({username}), ms (load average {load()})")
        print(
            f"{'page':18} {'wall p50':>9} {'wall max':>9} {'cpu p50':>8} {'db p50':>7}"
            f" {'queries':>8} {'KB':>6}"
        )
        for name, (path, params) in pages.items():
            figures = measure(client, path, params, args.repeat)
            if figures is None:
                print(f"{name:18} {'(not this role’s page)':>40}")
                continue
            print(
                f"{name:18} {figures['wall']:9.1f} {figures['wall_max']:9.1f} "
                f"{figures['cpu']:8.1f} {figures['db']:7.1f} {figures['queries']:8d}"
                f" {figures['kb']:6.0f}"
            )
            if args.profile:
                print(profile(client, path, params))
            if args.explain:
                plans.append(
                    f"=== {username} {name}\n{explain(client, path, params, args.explain_ms)}"
                )
    print(f"\nload average {load()} at the end ({os.cpu_count()} cores)")
    if args.explain:
        args.explain.write_text("\n\n".join(plans))


if __name__ == "__main__":
    main()
