"""Request intake and list throughput under gunicorn against PostgreSQL.

Runs the product's ``/api/v1/requests/`` (create and list) and a minimal DRF endpoint on the
same table (``bench/urls.py``) side by side, with the same clients, in one run, and prints
requests/s and p50/p99 latency for each, plus the product's share of the baseline.

    python bench/bench_api.py [--clients 8] [--seconds 20] [--rows 100000] [--workers 4]
                              [--rounds 4]

Uses the PostgreSQL server of ``BENCH_DATABASE_URL`` (default: a ``precision_supply_bench``
database on 127.0.0.1:5432, dropped and recreated). Not a test: figures go into the docs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import scratch_db  # noqa: E402
from bench.scratch_db import django_env  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/precision_supply_bench"
)


def _env() -> dict[str, str]:
    return django_env(DATABASE_URL, "bench.settings")


def recreate_database() -> None:
    scratch_db.recreate_database(DATABASE_URL, "bench.settings")


def seed(rows: int) -> dict:
    """Fill the table with ``rows`` requests and return ids and a worker's API token."""
    os.environ.update(_env())
    import django

    django.setup()
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from residents.models import City, Community, Region, User
    from services.models import ServiceCategory, ServiceRequest

    region = Region.objects.get(code="southwest")
    city, _ = City.objects.get_or_create(
        adcode="510100", defaults={"name": "成都市", "province": "四川省", "region": region}
    )
    communities = [
        Community.objects.create(
            city=city,
            code=f"BENCH-{i:03d}",
            name=f"Bench community {i} (synthetic)",
            kind="urban" if i % 3 else "rural",
            population=5000,
            households=2000,
        )
        for i in range(20)
    ]
    worker = User.objects.create_user("bench-worker", password=None, role="worker")
    worker.communities.set(communities)
    token = Token.objects.create(user=worker).key
    categories = list(ServiceCategory.objects.filter(parent__isnull=False))
    now = timezone.now()
    rng = random.Random(7)
    batch = [
        ServiceRequest(
            community=rng.choice(communities),
            category=rng.choice(categories),
            description="Synthetic benchmark request",
            channel="community_worker",
            logged_by=worker,
            created_at=now - timezone.timedelta(minutes=i),
        )
        for i in range(rows)
    ]
    ServiceRequest.objects.bulk_create(batch, batch_size=5000)
    return {
        "token": token,
        "communities": [c.pk for c in communities],
        "categories": [(c.pk, c.code) for c in categories if not c.extra_fields],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_env(),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def hammer(port, clients, seconds, make_request) -> dict:
    """``clients`` threads, each on its own keep-alive connection, for ``seconds``."""
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(index: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rng = random.Random(index)
        mine = []
        while time.monotonic() < stop:
            method, path, body, headers = make_request(rng)
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            mine.append(time.perf_counter() - t0)
            if response.status >= 400:
                errors.append((response.status, payload[:200]))
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "elapsed": time.perf_counter() - started, "errors": errors}


def summarise(rounds: list[dict]) -> dict:
    """One scenario's rounds pooled: requests/s over all its time, latency percentiles."""
    latencies = sorted(x for r in rounds for x in r["latencies"])
    errors = [e for r in rounds for e in r["errors"]]
    return {
        "requests": len(latencies),
        "rps": len(latencies) / sum(r["elapsed"] for r in rounds),
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="scenarios take turns this many times (each for seconds/rounds), so a change in "
        "the machine's load falls on product and baseline alike",
    )
    args = parser.parse_args()

    recreate_database()
    data = seed(args.rows)
    auth = {"Authorization": f"Token {data['token']}", "Content-Type": "application/json"}

    def create(path, category_key, keyed=False):
        def make(rng):
            category = rng.choice(data["categories"])
            body = {
                "community": rng.choice(data["communities"]),
                "category": category[category_key],
                "description": "Street light out near the east gate (benchmark)",
                "urgency": "normal",
                "channel": "community_worker",
            }
            # A fresh key each time: every round re-seeds the clients' generators, so a key
            # drawn from them would repeat and measure replays instead of creations.
            headers = {**auth, "Idempotency-Key": str(uuid.uuid4())} if keyed else auth
            return "POST", path, json.dumps(body), headers

        return make

    def listing(path):
        return lambda rng: ("GET", path, None, auth)

    scenarios = [
        ("create", "product", create("/api/v1/requests/", 1)),
        ("create", "baseline", create("/bench/baseline/requests/", 0)),
        # Not part of the target: the same create with an Idempotency-Key (one more lookup and
        # one more row per request), against the same baseline.
        ("create", "product, Idempotency-Key", create("/api/v1/requests/", 1, keyed=True)),
        ("list", "product", listing("/api/v1/requests/")),
        ("list", "baseline", listing("/bench/baseline/requests/")),
    ]
    port = free_port()
    server = start_gunicorn(port, args.workers)
    try:
        for _, _, make in scenarios:  # warm every worker's connections and caches
            hammer(port, args.clients, 2, make)
        rounds: dict[tuple[str, str], list[dict]] = {(op, who): [] for op, who, _ in scenarios}
        for _ in range(args.rounds):
            for op, who, make in scenarios:
                rounds[(op, who)].append(
                    hammer(port, args.clients, args.seconds / args.rounds, make)
                )
        results = {key: summarise(value) for key, value in rounds.items()}
    finally:
        server.terminate()
        server.wait()

    print(
        f"\nAPI throughput: gunicorn {args.workers} workers, {args.clients} concurrent clients, "
        f"{args.seconds:.0f} s per scenario in {args.rounds} turns, {args.rows:,} rows in the "
        f"table, PostgreSQL, "
        f"{os.cpu_count()} cores\n"
    )
    print("| operation | endpoint | requests/s | p50 ms | p99 ms | errors | share of baseline |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for op in ("create", "list"):
        base = results[(op, "baseline")]["rps"]
        for who in [w for o, w in results if o == op]:
            r = results[(op, who)]
            print(
                f"| {op} | {who} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                f"{r['errors']} | {r['rps'] / base:.0%} |"
            )
            if r["first_error"]:
                print(f"  first error: {r['first_error']}")


if __name__ == "__main__":
    main()
