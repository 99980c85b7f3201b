"""Time of a bulk import of SYNTHETIC service requests on PostgreSQL.

Generates a CSV of synthetic requests (random communities, catalogue services, urgencies,
channels and timestamps; descriptions are labelled synthetic), then runs the product's
``services.bulk.bulk_import_requests`` as an administrator and prints a table: the time of
reading + validation alone (a dry run), the total import time (reading, validation and
writing) and the rows per second.

    python bench/bench_import.py [--rows 100000] [--communities 50]

Uses ``DATABASE_URL`` (default: a ``precision_supply_bench_import`` database on
127.0.0.1:5432, dropped, recreated and migrated). Not a test: figures go into the docs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import scratch_db  # noqa: E402
from bench.scratch_db import django_env  # noqa: E402

DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/precision_supply_bench_import"
)


def _env() -> dict[str, str]:
    return django_env(DATABASE_URL, "config.settings")


def recreate_database() -> None:
    scratch_db.recreate_database(DATABASE_URL, "config.settings")


def synthetic_requests_csv(
    *, rows: int, community_codes: list[str], categories: list[str]
) -> bytes:
    """A SYNTHETIC requests table in the upload format (docs/bulk-import.md)."""
    rng = np.random.default_rng(20251125)
    start = pd.Timestamp("2024-01-01T00:00:00+08:00")
    offsets = pd.to_timedelta(rng.integers(0, 600 * 24 * 3600, rows), unit="s")
    frame = pd.DataFrame(
        {
            "community": rng.choice(community_codes, rows),
            "category": rng.choice(categories, rows),
            "description": [f"Synthetic request {i}" for i in range(rows)],
            "urgency": rng.choice(["low", "normal", "high", "critical"], rows),
            "channel": rng.choice(["community_worker", "hotline", "open311"], rows),
            "created_at": (start + offsets).strftime("%Y-%m-%dT%H:%M:%S%z"),
            "resident_national_id": "",
        }
    )
    return frame.to_csv(index=False).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=50)
    args = parser.parse_args()

    recreate_database()
    os.environ.update(_env())
    import django

    django.setup()
    from residents.models import City, Community, Region, User
    from services import bulk
    from services.models import RequestStatusChange, ServiceCategory, ServiceRequest

    region = Region.objects.order_by("order").first()
    city, _ = City.objects.get_or_create(
        adcode="990100",
        defaults={"name": "Synthetic bench city", "province": "Synthetic", "region": region},
    )
    codes = [f"SYN-BENCH-{i:03d}" for i in range(args.communities)]
    Community.objects.bulk_create(
        Community(
            city=city,
            code=code,
            name=f"Synthetic community {code}",
            kind="urban",
            population=10_000,
            households=4_000,
        )
        for code in codes
    )
    categories = list(
        ServiceCategory.objects.filter(parent__isnull=False, active=True).values_list(
            "code", flat=True
        )
    )
    admin = User.objects.create(username="synthetic-bench-admin", role=User.Role.ADMIN)

    content = synthetic_requests_csv(rows=args.rows, community_codes=codes, categories=categories)
    # A dry run of reading and validation alone, to split the total into its two phases.
    started = time.perf_counter()
    _rows, problems = bulk.validate_requests(
        user=admin, frame=bulk.read_table(content, "synthetic.csv")
    )
    validation = time.perf_counter() - started
    assert not problems, problems[:5]

    started = time.perf_counter()
    result = bulk.bulk_import_requests(user=admin, file=content, filename="synthetic.csv")
    elapsed = time.perf_counter() - started
    assert ServiceRequest.objects.count() == args.rows == result.created
    assert RequestStatusChange.objects.count() == args.rows

    print("Bulk import of SYNTHETIC service requests (PostgreSQL)")
    print(f"{'rows':>10} {'file MB':>8} {'read+validate s':>16} {'total s':>8} {'rows/s':>9}")
    print(
        f"{result.created:>10,} {len(content) / 1e6:>8.1f} {validation:>16.1f} "
        f"{elapsed:>8.1f} {result.created / elapsed:>9,.0f}"
    )


if __name__ == "__main__":
    main()
