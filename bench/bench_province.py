"""Province size on PostgreSQL: a SYNTHETIC province loaded with COPY, then the pages timed.

Generates a SYNTHETIC province (every figure and row made here): ``--communities`` communities
(default 20,000) over the real prefecture cities of Sichuan, ``--residents`` residents (2
million, profile codes only: names, phones and ID numbers left empty) and ``--requests``
requests (5 million) over the last three years with their status history, written with
PostgreSQL's COPY into the partitioned tables in steps of ``--step`` requests. After each
step in ``--measure-at`` (default: after the first million and at the end) it prints, each
figure with the machine's load average beside it:

* disk: the requests and their history (tables, partitions and indexes), per million requests;
* the list API (``/api/v1/requests/``) and the queue page (``/queue/``) for a community
  worker serving 3 communities, a district administrator (scoped to one of Sichuan's
  districts, 149 communities at the default size) and a nationwide administrator: p50/p99 per view,
  in-process through Django's test client (middleware, scoping, serializer or template; no
  network), and the public Open311 list (anonymous); ``--users`` picks some of them
  (``bench-worker``, ``bench-district``, ``bench-admin``, ``open311``);

and at the end the product's bulk import (``services.bulk``: a CSV of ``--import-rows``
requests read, validated and written) in rows per second; then (unless ``--skip-runs``) a
province forecast and a province allocation against it, split by city, started as the page
starts them, with one and then two real Celery workers (``celery -A config worker`` on the
``heavy`` and ``interactive`` queues, Redis at ``--broker``, default database 11): wall time
per run and peak RSS per worker (``province_runs_measure``); and, with ``--explain FILE``,
PostgreSQL's plans (EXPLAIN ANALYZE) of every query the queue page, list API, request page,
overview and Open311 list run on the request tables, for both users. ``--runs-only`` times
the runs alone on a database loaded earlier (it never recreates it).

    python bench/bench_province.py [--communities 20000] [--residents 2000000]
        [--requests 5000000] [--step 1000000] [--measure-at 1000000,5000000]
        [--repeat 40] [--users bench-worker,bench-district,bench-admin,open311]
        [--explain plans.txt] [--keep] [--drop]
        [--skip-runs | --runs-only] [--broker redis://127.0.0.1:6379/11]
        [--runs-workers 1,2] [--runs-horizon 3] [--runs-budget 50000000]

Uses ``BENCH_DATABASE_URL`` (default: a ``precision_supply_bench_province`` database on
127.0.0.1:5432, dropped and recreated unless ``--keep`` finds it loaded; ``--drop`` drops it
at the end). About 6 GB of disk at the default size. Not a test: the figures go into the
README and docs/deployment.md with this command.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import scratch_db  # noqa: E402
from bench.celery_workers import workers_start, workers_stop  # noqa: E402
from bench.scratch_db import django_env  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/precision_supply_bench_province"
)
WORKER_COMMUNITIES = 3
YEARS = 3
OPEN = ("submitted", "accepted", "assigned", "in_progress")
PATHS: dict[str, tuple[str, ...]] = {
    "submitted": ("submitted",),
    "accepted": ("submitted", "accepted"),
    "assigned": ("submitted", "accepted", "assigned"),
    "in_progress": ("submitted", "accepted", "assigned", "in_progress"),
    "resolved": ("submitted", "accepted", "assigned", "in_progress", "resolved"),
    "closed": ("submitted", "accepted", "assigned", "in_progress", "resolved", "closed"),
    "rejected": ("submitted", "rejected"),
}
WORDS = np.array(["water", "road", "lamp", "clinic", "school", "job", "pension", "noise", "waste"])
QUEUE_VIEWS = {
    "queue: default (needs action)": {},
    "queue: all, newest first": {"view": "all", "sort": "newest"},
    "queue: all, page 40": {"view": "all", "sort": "newest", "page": "40"},
    "queue: open, by urgency": {"view": "open", "sort": "urgency"},
    "queue: search number": {"view": "all", "q": "#4000000"},
    "queue: overdue, one community": {"view": "overdue", "community": "__first__"},
    "queue: all, one district (area)": {"view": "all", "area": "__area__"},
}
USERS = (
    ("bench-worker", "community worker (3 communities)"),
    ("bench-district", "district administrator (one district)"),
    ("bench-admin", "administrator (nationwide)"),
)
API_VIEWS = {
    "api: list, first page": {},
    "api: list, status open": {"status": "in_progress"},
    "api: list, one community": {"community": "__first__"},
}


def load() -> str:
    return "load " + "/".join(f"{x:.1f}" for x in os.getloadavg())


def psycopg_url() -> str:
    return DATABASE_URL.replace("postgres://", "postgresql://", 1)


def copy_frame(conn, table: str, frame: pd.DataFrame) -> None:
    """COPY a frame's rows into ``table`` (CSV; a missing value is NULL, an empty string stays
    an empty string)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')"
    with conn.cursor() as cursor:
        # The generated rows are consistent by construction: no foreign-key trigger per row
        # (a superuser's bulk load; the product's own import is measured separately).
        cursor.execute("SET LOCAL session_replication_role = replica")
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(buffer.getvalue())


# Set-up ---------------------------------------------------------------------------------------


def secondary_indexes_dropped(conn, table: str) -> list[str]:
    """Drop ``table``'s indexes other than its primary key and unique ones (a bulk load
    builds them once afterwards, instead of row by row); returns their definitions."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = to_regclass(%s) AND NOT indisprimary AND NOT indisunique",
            [table],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {name}")
    conn.commit()
    return [definition.replace(" ON ONLY ", " ON ") for _name, definition in found]


def indexes_rebuilt(conn, definitions: list[str]) -> None:
    conn.commit()  # the rows' deferred foreign-key checks run first
    with conn.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)
    conn.commit()


def seed_places(conn, communities: int, residents: int, rng: np.random.Generator) -> None:
    """Communities dealt over Sichuan's districts and counties (the area tree's official
    codes) whose prefecture city is in the cities table, each in its district's prefecture city, and residents."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.name, c.id FROM residents_area a "
            "JOIN residents_area p ON p.id = a.parent_id JOIN residents_city c ON c.adcode = p.code "
            "WHERE a.level = 3 AND a.code LIKE '51%%' ORDER BY a.code"
        )
        districts = cursor.fetchall()
    index = np.arange(communities)
    district = [districts[i % len(districts)] for i in index]
    copy_frame(
        conn,
        "residents_community",
        pd.DataFrame(
            {
                "id": index + 1,
                "code": [f"SYN-PROV-{i:05d}" for i in index],
                "name": [f"SYNTHETIC community {i}" for i in index],
                "district": [name for _id, name, _city in district],
                "area_id": [area for area, _name, _city in district],
                "kind": np.where(index % 3 == 0, "rural", "urban"),
                "population": (population := rng.integers(1_000, 12_000, communities)),
                "households": population * 2 // 5,
                "city_id": [city for _id, _name, city in district],
                "schools": rng.integers(0, 4, communities),
            }
        ),
    )
    step = 500_000
    now = pd.Timestamp.now(tz="UTC")
    resident_indexes = secondary_indexes_dropped(conn, "residents_resident")
    for start in range(0, residents, step):
        ids = np.arange(start, min(start + step, residents))
        n = len(ids)
        copy_frame(
            conn,
            "residents_resident",
            pd.DataFrame(
                {
                    "id": ids + 1,
                    "name": "",
                    "phone": "",
                    "national_id": "",
                    "phone_hash": "",
                    "national_id_hash": "",
                    "birth_year": rng.integers(1930, 2010, n),
                    "gender": rng.choice(["female", "male"], n),
                    "household_size": rng.integers(1, 6, n),
                    "employment_status": rng.choice(
                        ["employed", "retired", "farmer", "student"], n
                    ),
                    "income_band": rng.choice(["low", "lower_middle", "upper_middle", "high"], n),
                    "education": rng.choice(["primary", "junior_secondary", "senior_secondary"], n),
                    "health_needs": rng.choice(["none", "none", "chronic", "disability"], n),
                    "elderly_living_alone": rng.random(n) < 0.05,
                    "children_in_household": rng.integers(0, 3, n),
                    "hukou_type": rng.choice(["local_urban", "local_rural", "non_local"], n),
                    "preferred_channel": rng.choice(["self_service", "community_worker"], n),
                    "created_at": now,
                    "updated_at": now,
                    # Resident i lives in community i mod communities.
                    "community_id": ids % communities_count(conn) + 1,
                }
            ),
        )
    indexes_rebuilt(conn, resident_indexes)
    with conn.cursor() as cursor:
        for table in ("residents_community", "residents_resident"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )


_communities_count: list[int] = []


def communities_count(conn) -> int:
    if not _communities_count:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM residents_community")
            _communities_count.append(cursor.fetchone()[0])
    return _communities_count[0]


def seed_users() -> None:
    """The community worker (3 communities) and a colleague, a district administrator (the
    area of the worker's first community) and a nationwide administrator."""
    from residents.models import Community, User

    served = list(Community.objects.order_by("id")[:WORKER_COMMUNITIES])
    for username in ("bench-worker", "bench-colleague"):
        User.objects.create_user(username, password=None, role="worker").communities.set(served)
    User.objects.create_user("bench-district", password=None, role="admin", area=served[0].area)
    User.objects.create_user("bench-admin", password=None, role="admin")


def requests_chunk(
    first_id: int, n: int, *, rng, communities: int, residents: int, categories, workers, now
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` SYNTHETIC requests from id ``first_id`` over the last three years, and their history."""
    ids = np.arange(first_id, first_id + n)
    seconds = rng.integers(0, YEARS * 365 * 24 * 3600, n)
    created = now - pd.to_timedelta(seconds, unit="s")
    age_days = seconds / 86400
    community = rng.integers(0, communities, n)
    # Most old requests are finished; recent ones are still being worked on.
    is_open = rng.random(n) < np.where(age_days < 14, 0.5, 0.01)
    status = np.where(
        is_open,
        rng.choice(np.array(OPEN), n),
        rng.choice(np.array(["resolved", "closed", "closed", "rejected"]), n),
    )
    category_ids = np.array([c for c, _ in categories])
    sla_hours = np.array([h or 72 for _, h in categories], dtype=float)
    pick = rng.integers(0, len(categories), n)
    sla = pd.to_timedelta(sla_hours[pick], unit="h")
    urgency = rng.choice(np.array(["low", "normal", "normal", "high", "critical"]), n)
    # The worker's own communities have their requests assigned to the two workers there.
    served = community < WORKER_COMMUNITIES
    assigned = np.isin(status, ["assigned", "in_progress", "resolved", "closed"]) & served
    assignee = np.where(assigned, np.array(workers)[rng.integers(0, len(workers), n)], 0)
    with_resident = rng.random(n) < 0.6
    resident = community + communities * rng.integers(0, max(residents // communities, 1), n) + 1
    finished = ~is_open & (status != "rejected")
    requests = pd.DataFrame(
        {
            "id": ids,
            "community_id": community + 1,
            "category_id": category_ids[pick],
            "description": np.char.add(
                "SYNTHETIC request about ", WORDS[rng.integers(0, len(WORDS), n)]
            ),
            "urgency": urgency,
            "channel": "community_worker",
            "attributes": "{}",
            "address_string": "",
            "photo": "",
            "status": status,
            "created_at": created,
            "updated_at": created,
            "expected_completion_at": created + sla,
            "resolved_at": pd.Series(created + sla / 2).where(finished),
            "satisfaction_comment": "",
            "assigned_to_id": pd.Series(assignee).where(assignee > 0).astype("Int64"),
            "resident_id": pd.Series(resident).where(with_resident).astype("Int64"),
        }
    )
    steps = []
    for name, path in PATHS.items():
        rows = np.flatnonzero(status == name)
        for i, to_status in enumerate(path):
            steps.append(
                pd.DataFrame(
                    {
                        "request_id": ids[rows],
                        "from_status": path[i - 1] if i else "",
                        "to_status": to_status,
                        "changed_at": created[rows] + pd.Timedelta(hours=3 * i),
                        "note": "",
                        "reason": "duplicate" if to_status == "rejected" else "",
                    }
                )
            )
    return requests, pd.concat(steps, ignore_index=True)


def seed_requests(conn, total: int, done: int, upto: int, *, seed: int) -> tuple[int, float]:
    """Load requests ``done+1 .. upto`` with their history; returns rows written and seconds."""
    from residents.models import User
    from services.models import ServiceCategory

    categories = list(
        ServiceCategory.objects.filter(parent__isnull=False)
        .order_by("id")
        .values_list("id", "sla_hours")
    )
    workers = list(
        User.objects.filter(username__in=["bench-worker", "bench-colleague"]).values_list(
            "id", flat=True
        )
    )
    rng = np.random.default_rng(seed + done)
    now = pd.Timestamp.now(tz="UTC")
    communities = communities_count(conn)
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM residents_resident")
        residents = cursor.fetchone()[0]
    written, seconds, chunk = 0, 0.0, 250_000
    began = time.perf_counter()
    dropped = [
        definition
        for table in ("services_servicerequest", "services_requeststatuschange")
        for definition in secondary_indexes_dropped(conn, table)
    ]
    seconds += time.perf_counter() - began
    for start in range(done, upto, chunk):
        n = min(chunk, upto - start)
        requests, history = requests_chunk(
            start + 1,
            n,
            rng=rng,
            communities=communities,
            residents=residents,
            categories=categories,
            workers=workers,
            now=now,
        )
        # In time order, so COPY fills one month's partition at a time.
        requests = requests.sort_values("created_at")
        history = history.sort_values("changed_at")
        began = time.perf_counter()
        copy_frame(conn, "services_servicerequest", requests)
        copy_frame(conn, "services_requeststatuschange", history)
        conn.commit()
        seconds += time.perf_counter() - began
        written += len(requests) + len(history)
    began = time.perf_counter()
    indexes_rebuilt(conn, dropped)
    seconds += time.perf_counter() - began
    with conn.cursor() as cursor:
        for table in ("services_servicerequest", "services_requeststatuschange"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
    conn.commit()
    return written, seconds


# Measurements ---------------------------------------------------------------------------------


def months_count() -> None:
    """The overview's kept counts of the closed months (docs/overview-counts.md), as the
    nightly task makes them: COPY wrote the requests past the product's actions. Before that,
    the overview counts every month from the requests (the same figures, slower)."""
    from services.actions import request_months_count

    began = time.perf_counter()
    months = request_months_count()
    print(
        f"counted {len(months)} closed months for the overview in "
        f"{time.perf_counter() - began:.0f} s ({load()})"
    )


def disk_bytes(conn) -> dict[str, int]:
    sizes = {}
    with conn.cursor() as cursor:
        for table in ("services_servicerequest", "services_requeststatuschange"):
            cursor.execute(
                "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree(%s)", [table]
            )
            sizes[table] = int(cursor.fetchone()[0])
    return sizes


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def _client(username: str):
    from django.test import Client

    from residents.models import User

    client = Client()
    client.force_login(
        User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def _resolve(params: dict, first_community: int) -> dict:
    from residents.models import Community

    area = Community.objects.filter(pk=first_community).values_list("area__code", flat=True)
    names = {"__first__": str(first_community), "__area__": area.first() or ""}
    return {k: names.get(v, v) for k, v in params.items()}


def measure_pages(username: str, repeat: int) -> dict[str, list[float]]:
    from residents.models import User

    user = User.objects.get(username=username)
    first = min(user.communities.values_list("pk", flat=True), default=1)
    client = _client(username)
    timings = {}
    for views, url in ((API_VIEWS, "/api/v1/requests/"), (QUEUE_VIEWS, "/queue/")):
        for name, params in views.items():
            params = _resolve(params, first)
            client.get(url, params)  # warm-up
            samples = []
            for _ in range(repeat):
                began = time.perf_counter()
                response = client.get(url, params)
                samples.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (name, response.status_code)
            timings[name] = samples
    return timings


OPEN311_VIEWS = {
    "open311: public list (90 days)": {},
    "open311: public list, open": {"status": "open"},
}


def measure_open311(repeat: int) -> dict[str, list[float]]:
    """The public Open311 list (anonymous, the newest 1,000 of the last 90 days), the one
    page whose query reads across every community whoever asks."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    timings = {}
    for name, params in OPEN311_VIEWS.items():
        client.get("/open311/v2/requests.json", params)  # warm-up
        samples = []
        for _ in range(repeat):
            began = time.perf_counter()
            response = client.get("/open311/v2/requests.json", params)
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        timings[name] = samples
    return timings


def _print_timings(timings: dict[str, list[float]]) -> None:
    print(f"{'view':36} {'p50':>8} {'p99':>8} {'max':>8}")
    for name, samples in timings.items():
        print(
            f"{name:36} {statistics.median(samples):8.1f} {p99(samples):8.1f} {max(samples):8.1f}"
        )
    print(f"  ({load()})")


def print_pages(requests: int, repeat: int, users: set[str] | None = None) -> None:
    """The pages for each bench user (``users``: only these user names; ``"open311"`` for
    the public list), ``repeat`` views of each after a warm-up."""
    for username, label in USERS:
        if users is not None and username not in users:
            continue
        print(f"\n{label}, {requests:,} requests, {repeat} views each, ms ({load()})")
        _print_timings(measure_pages(username, repeat))
    if users is None or "open311" in users:
        print(
            f"\nOpen311 public list (anonymous), {requests:,} requests, {repeat} views each, ms ({load()})"
        )
        _print_timings(measure_open311(repeat))


def explain_pages(path: Path) -> None:
    """EXPLAIN ANALYZE of each query the pages run on the request tables, for both users."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from residents.models import User
    from services.models import ServiceRequest

    lines = [f"SYNTHETIC province, {ServiceRequest.objects.count():,} requests ({load()})"]
    for username, _label in USERS:
        user = User.objects.get(username=username)
        first = min(user.communities.values_list("pk", flat=True), default=1)
        one = ServiceRequest.objects.filter(community_id=first).order_by("-id").first()
        client = _client(username)
        pages = {
            "queue page (default)": ("/queue/", {}),
            "queue page (all, newest)": ("/queue/", {"view": "all", "sort": "newest"}),
            "list API": ("/api/v1/requests/", {}),
            "request page": (f"/requests/{one.pk}/", {}),
            "overview (dashboard)": ("/overview/", {}),
            "Open311 list": ("/open311/v2/requests.json", {}),
        }
        for page, (url, params) in pages.items():
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, params)
            lines.append(f"\n==== {username}: {page} {url} -> {response.status_code}")
            with connection.cursor() as cursor:
                for query in captured.captured_queries:
                    sql = query["sql"]
                    if not sql.startswith("SELECT") or not (
                        '"services_servicerequest"' in sql
                        or '"services_requeststatuschange"' in sql
                    ):
                        continue
                    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql)
                    lines.append(f"--- {sql[:300]}")
                    lines.extend(row[0] for row in cursor.fetchall())
    path.write_text("\n".join(lines) + "\n")
    print(f"\nplans written to {path}")


def measure_bulk_import(rows: int) -> None:
    """The product's bulk import of a CSV of ``rows`` requests, as an administrator."""
    from bench.bench_import import synthetic_requests_csv
    from residents.models import Community, User
    from services import bulk
    from services.models import ServiceCategory

    codes = list(Community.objects.order_by("id").values_list("code", flat=True)[:500])
    categories = dict(
        ServiceCategory.objects.filter(parent__isnull=False, active=True).values_list(
            "code", "extra_fields"
        )
    )
    content = synthetic_requests_csv(rows=rows, community_codes=codes, categories=categories)
    admin = User.objects.get(username="bench-admin")
    began = time.perf_counter()
    result = bulk.bulk_import_requests(user=admin, file=content, filename="synthetic.csv")
    elapsed = time.perf_counter() - began
    print(
        f"\nbulk import (services.bulk, CSV read + validated + written with history): "
        f"{result.created:,} rows in {elapsed:.1f} s, {result.created / elapsed:,.0f} rows/s ({load()})"
    )


# Province runs on real workers ----------------------------------------------------------------


def _pgroup_rss() -> dict[int, list[int]]:
    """Resident set size (bytes) of every process, grouped by process group (a worker started
    in a session of its own is its group: the Celery parent and its pool's child)."""
    groups: dict[int, list[int]] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name is in parentheses and may hold spaces: split after it.
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as statm:
                rss = int(statm.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue  # the process ended while being read
        groups.setdefault(int(fields[2]), []).append(rss)
    return groups


class RssSampler:
    """Peak memory of each worker while a run computes, sampled from /proc every
    ``period`` seconds: per worker, the peak of its processes' summed RSS (shared pages of
    the forked child counted twice, so an upper bound) and of its largest process."""

    def __init__(self, worker_pids: list[int], period: float = 0.25):
        import threading

        self.pids = worker_pids
        self.period = period
        self.total = dict.fromkeys(worker_pids, 0)
        self.largest = dict.fromkeys(worker_pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            groups = _pgroup_rss()
            for pid in self.pids:
                sizes = groups.get(pid, [])
                self.total[pid] = max(self.total[pid], sum(sizes))
                self.largest[pid] = max(self.largest[pid], max(sizes, default=0))
            self._stop.wait(self.period)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _run_to_end(kind: str, params: dict, user, timeout: float):
    """Start a run as the page and API do (``analysis_run_start``, checked as the API checks
    it) and wait for its end; returns the run and the wall seconds seen from here."""
    from analytics import actions
    from analytics.management.commands._runs import checked_params

    began = time.perf_counter()
    run = actions.analysis_run_start(kind=kind, params=checked_params(kind, params), user=user)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.5)
    return run, time.perf_counter() - began


def province_runs_measure(
    *, broker: str, worker_counts: list[int], horizon: int, budget: float, timeout: float
) -> None:
    """A province forecast and then a province allocation against it (every city with
    communities, one part per city: the partitioned runs of ``analytics.partitions``), each
    started as the page starts it, with one and then two real Celery workers: wall time per
    run (the run's own start to finish) and peak RSS per worker process while it ran.

    Needs the Redis broker ``broker``: a database number no other run uses. One where workers
    answer or messages wait may be another run's broker (its queued parts and the chord's
    count), so the bench refuses it; it never empties a broker."""
    import tempfile
    from urllib.parse import urlsplit

    import redis

    from analytics import partitions
    from analytics.models import AnalysisRun
    from residents.models import User

    number = urlsplit(broker).path.strip("/")
    if not number.isdigit() or number == "0":
        raise SystemExit("--broker: give a Redis URL with a database number other than 0")
    from config.celery import app

    # Another run's workers answering there, or its messages, unacknowledged deliveries or
    # chord counts: in use. (What a finished run leaves, queue bindings and results that
    # expire, and kombu's own bookkeeping, is harmless.)
    answering = app.control.ping(timeout=1.0) or []
    live = [
        key.decode()
        for key in redis.Redis.from_url(broker).scan_iter()
        if not key.startswith((b"_kombu.", b"celery-task-meta-"))
    ]
    if answering or live:
        raise SystemExit(
            f"--broker {broker} is in use ({len(answering)} worker(s) answer; keys "
            f"{', '.join(sorted(live)[:5]) or '-'}): choose another database number."
        )
    admin = User.objects.get(username="bench-admin")
    cities = [code for code, _name in partitions.choices(None)]
    logs = Path(tempfile.mkdtemp(prefix="bench-province-runs-"))
    print(
        f"\nprovince runs: {len(cities)} cities, {AnalysisRun.objects.count()} earlier runs "
        f"in the database, broker {broker}, worker logs in {logs} ({load()})"
    )
    rows = []
    for count in worker_counts:
        workers = workers_start(
            count,
            logs=logs,
            name="bench-runs",
            env={**django_env(DATABASE_URL), "CELERY_BROKER_URL": broker},
        )
        forecast_run = None
        try:
            for kind in ("forecast", "allocation"):
                params: dict = {"cities": cities}
                if kind == "forecast":
                    params["horizon"] = horizon
                else:
                    if forecast_run is None:
                        continue
                    params.update(budget=budget, forecast_run=forecast_run)
                before = load()
                with RssSampler([w.pid for w in workers]) as rss:
                    run, seen = _run_to_end(kind, params, admin, timeout)
                parts = list(run.parts.order_by("partition"))
                hosts = sorted({p.worker_host for p in parts if p.worker_host})
                if run.status == AnalysisRun.Status.SUCCEEDED:
                    wall = (run.finished_at - run.created_at).total_seconds()
                    outcome = f"{wall:.1f} s"
                    if kind == "forecast":
                        forecast_run = run.pk
                elif run.is_finished:
                    outcome = f"FAILED after {seen:.0f} s: {run.error}"
                else:
                    outcome = f"NOT FINISHED within {timeout:.0f} s ({run.status})"
                peaks = "; ".join(
                    f"worker {n + 1}: {rss.total[w.pid] / 2**20:,.0f} MB "
                    f"(largest process {rss.largest[w.pid] / 2**20:,.0f} MB)"
                    for n, w in enumerate(workers)
                )
                rows.append((kind, count, run.pk, len(parts), len(hosts), outcome, peaks))
                print(
                    f"  {kind} run #{run.pk}, {len(parts)} parts on {len(hosts)} worker(s), "
                    f"{count} worker(s): {outcome}; peak RSS {peaks} ({before} → {load()})"
                )
        finally:
            workers_stop(workers)
    print(f"\nprovince runs ({load()})")
    print(f"{'run':<11} {'workers':>7} {'parts':>6} {'used':>5}  wall (start to finish)")
    for kind, count, _pk, n_parts, used, outcome, _peaks in rows:
        print(f"{kind:<11} {count:>7} {n_parts:>6} {used:>5}  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", type=int, default=20_000)
    parser.add_argument("--residents", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=5_000_000)
    parser.add_argument("--step", type=int, default=1_000_000)
    parser.add_argument("--measure-at", default="1000000,5000000")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--explain", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="reuse a loaded database")
    parser.add_argument(
        "--users",
        default="",
        help="time the pages only for these, comma-separated: bench-worker, bench-district, "
        "bench-admin, open311 (default: all)",
    )
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    runs = parser.add_argument_group("province runs on real workers (province_runs_measure)")
    runs.add_argument("--skip-runs", action="store_true", help="do not time the province runs")
    runs.add_argument(
        "--runs-only",
        action="store_true",
        help="only time the province runs, on the database as loaded (never recreated)",
    )
    runs.add_argument(
        "--broker",
        default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11"),
        help="Redis for the workers: a database no other run uses, not 0 (never emptied)",
    )
    runs.add_argument("--runs-workers", default="1,2", help="worker counts, in turn")
    runs.add_argument("--runs-horizon", type=int, default=3, help="forecast months ahead")
    runs.add_argument(
        "--runs-budget", type=float, default=50_000_000, help="the allocation's total, CNY"
    )
    runs.add_argument(
        "--runs-timeout", type=float, default=4 * 3600, help="seconds to wait for one run"
    )
    args = parser.parse_args()
    measure_at = {int(x) for x in args.measure_at.split(",") if x}
    users = {name for name in args.users.split(",") if name} or None

    os.environ.update(django_env(DATABASE_URL))
    if args.runs_only:
        # This process starts the runs: it publishes to the workers' broker (and reads the
        # chord's results from it), instead of running tasks eagerly.
        os.environ["CELERY_BROKER_URL"] = args.broker
    import django
    import psycopg

    if args.runs_only:
        django.setup()
        province_runs_measure(
            broker=args.broker,
            worker_counts=[int(x) for x in args.runs_workers.split(",") if x],
            horizon=args.runs_horizon,
            budget=args.runs_budget,
            timeout=args.runs_timeout,
        )
        return

    loaded = False
    if args.keep:
        try:
            with psycopg.connect(psycopg_url()) as conn, conn.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM services_servicerequest")
                loaded = cursor.fetchone()[0] >= args.requests
        except psycopg.Error:
            loaded = False
    if not loaded:
        scratch_db.recreate_database(DATABASE_URL)
    django.setup()
    from django.utils import timezone

    from services import partitions

    conn = psycopg.connect(psycopg_url())
    if not loaded:
        # Partitions for the three years of history before anything is written into them.
        today = timezone.localdate()
        first = (today - timedelta(days=YEARS * 366)).replace(day=1)
        began = time.perf_counter()
        from django.db import transaction

        with transaction.atomic():
            for target in partitions.PARTITIONED_TABLES:
                for month in partitions.months_from(first, today):
                    partitions.month_partition_ensure(target, month)
        rng = np.random.default_rng(2026)
        seed_places(conn, args.communities, args.residents, rng)
        conn.commit()
        seed_users()
        print(
            f"SYNTHETIC province: {args.communities:,} communities, {args.residents:,} residents "
            f"in {time.perf_counter() - began:.0f} s ({load()})"
        )
        done = 0
        steps = sorted({*range(args.step, args.requests, args.step), args.requests})
        for upto in steps:
            rows, seconds = seed_requests(conn, args.requests, done, upto, seed=2026)
            done = upto
            with conn.cursor() as cursor:
                cursor.execute("ANALYZE services_servicerequest")
                cursor.execute("ANALYZE services_requeststatuschange")
            conn.commit()
            print(
                f"\nloaded {upto:,} requests: COPY of {rows:,} request and history rows, indexes "
                f"built after, in "
                f"{seconds:.0f} s, {rows / seconds:,.0f} rows/s ({load()})"
            )
            if upto == steps[-1]:
                months_count()
            if upto in measure_at:
                report(conn, upto, args.repeat, users)
                if args.explain:
                    explain_pages(args.explain.with_suffix(f".{upto}.txt"))
    else:
        report(conn, args.requests, args.repeat, users)
        if args.explain:
            explain_pages(args.explain)
    measure_bulk_import(args.import_rows)
    # The import's rows are back-dated over the years loaded: it reopened their months (20
    # of 36 at 1,000 rows), which the overview would read from the requests until rolled up.
    months_count()
    conn.close()
    if not args.skip_runs:
        # In a process of its own, which publishes to the broker (this one ran tasks eagerly).
        import subprocess

        forwarded = ["--broker", args.broker, "--runs-workers", args.runs_workers]
        forwarded += ["--runs-horizon", str(args.runs_horizon), "--runs-budget"]
        forwarded += [str(args.runs_budget), "--runs-timeout", str(args.runs_timeout)]
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--runs-only", *forwarded],
            check=False,
        )
    if args.drop:
        from django.db import connections

        connections.close_all()
        name = DATABASE_URL.rsplit("/", 1)[1]
        with psycopg.connect(
            psycopg_url().rsplit("/", 1)[0] + "/postgres", autocommit=True
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"dropped {name}")


def report(conn, requests: int, repeat: int, users: set[str] | None = None) -> None:
    sizes = disk_bytes(conn)
    total = sum(sizes.values())
    per_million = total / (requests / 1e6)
    print(
        f"disk: requests {sizes['services_servicerequest'] / 1e9:.2f} GB, history "
        f"{sizes['services_requeststatuschange'] / 1e9:.2f} GB (with indexes): "
        f"{per_million / 1e9:.2f} GB per million requests ({load()})"
    )
    print_pages(requests, repeat, users)


if __name__ == "__main__":
    main()
