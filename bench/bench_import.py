"""Time of a bulk import of SYNTHETIC service requests or resident profiles on PostgreSQL.

Generates a CSV of synthetic requests (random communities, catalogue services, urgencies,
channels and timestamps; descriptions are labelled synthetic) or residents (synthetic names,
phones under the unallocated prefix 100, ID numbers under the unassigned region 99), then
runs the product's ``services.bulk.bulk_import_requests`` / ``bulk_import_residents`` as an
administrator and prints a table: the time of reading + validation alone (a dry run), the
total import time (reading, validation, encryption and writing) and the rows per second.

    python bench/bench_import.py [--kind requests|residents] [--rows 100000] [--communities 50]

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


def _synthetic_answer(spec: dict) -> str:
    """An answer of the question's type: a list's first key, a number, some text."""
    if spec.get("values"):
        return str(spec["values"][0]["key"])
    return "2018" if spec.get("datatype") == "number" else "Synthetic answer"


def synthetic_requests_csv(
    *, rows: int, community_codes: list[str], categories: dict[str, list[dict]]
) -> bytes:
    """A SYNTHETIC requests table in the upload format (docs/bulk-import.md), with an
    ``answer:<code>`` column for every required question of the services (``categories``:
    code -> extra questions), filled on the rows of a service that asks it."""
    rng = np.random.default_rng(20251125)
    start = pd.Timestamp("2024-01-01T00:00:00+08:00")
    offsets = pd.to_timedelta(rng.integers(0, 600 * 24 * 3600, rows), unit="s")
    chosen = rng.choice(sorted(categories), rows)
    answers: dict[str, list[str]] = {}
    for code, questions in categories.items():
        for spec in questions or []:
            if spec.get("required"):
                column = answers.setdefault(f"answer:{spec['code']}", [""] * rows)
                for i in np.flatnonzero(chosen == code):
                    column[i] = _synthetic_answer(spec)
    frame = pd.DataFrame(
        {
            "community": rng.choice(community_codes, rows),
            "category": chosen,
            "description": [f"Synthetic request {i}" for i in range(rows)],
            "urgency": rng.choice(["low", "normal", "high", "critical"], rows),
            "channel": rng.choice(["community_worker", "hotline", "open311"], rows),
            "created_at": (start + offsets).strftime("%Y-%m-%dT%H:%M:%S%z"),
            "resident_national_id": "",
            **answers,
        }
    )
    return frame.to_csv(index=False).encode()


def synthetic_residents_csv(*, rows: int, community_codes: list[str]) -> bytes:
    """A SYNTHETIC residents table in the upload format (docs/bulk-import.md); every ID
    number is distinct, as the import requires."""
    from residents.models import Resident
    from residents.pii import national_id_check_character

    rng = np.random.default_rng(20251125)
    birth_year = rng.integers(1930, 2008, rows)
    bodies = [
        f"99{n // 1000 % 10000:04d}{year}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        for n, year in enumerate(birth_year)
    ]
    frame = pd.DataFrame(
        {
            "community": rng.choice(community_codes, rows),
            "name": [f"Synthetic resident {n}" for n in range(rows)],
            "phone": [f"100{n:08d}" for n in range(rows)],
            "national_id": [body + national_id_check_character(body) for body in bodies],
            "birth_year": birth_year,
            "gender": rng.choice(["female", "male"], rows),
            "household_size": rng.integers(1, 6, rows),
            "employment_status": rng.choice(Resident.Employment.values, rows),
            "income_band": rng.choice(Resident.IncomeBand.values, rows),
            "education": rng.choice(Resident.Education.values, rows),
            "health_needs": rng.choice(Resident.HealthNeeds.values, rows),
            "elderly_living_alone": rng.choice(["false", "true"], rows, p=[0.9, 0.1]),
            "children_in_household": rng.integers(0, 3, rows),
            "hukou_type": rng.choice(Resident.Hukou.values, rows),
            "preferred_channel": rng.choice(Resident.Channel.values, rows),
        }
    )
    return frame.to_csv(index=False).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=["requests", "residents"], default="requests")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=50)
    args = parser.parse_args()

    recreate_database()
    os.environ.update(_env())
    import django

    django.setup()
    from residents.models import City, Community, Region, Resident, User
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
    categories = dict(
        ServiceCategory.objects.filter(parent__isnull=False, active=True).values_list(
            "code", "extra_fields"
        )
    )
    admin = User.objects.create(username="synthetic-bench-admin", role=User.Role.ADMIN)

    if args.kind == "residents":
        content = synthetic_residents_csv(rows=args.rows, community_codes=codes)
        validate, run_import, model = bulk.validate_residents, bulk.bulk_import_residents, Resident
    else:
        content = synthetic_requests_csv(
            rows=args.rows, community_codes=codes, categories=categories
        )
        validate, run_import, model = (
            bulk.validate_requests,
            bulk.bulk_import_requests,
            ServiceRequest,
        )
    # A dry run of reading and validation alone, to split the total into its two phases.
    started = time.perf_counter()
    _rows, problems = validate(user=admin, frame=bulk.read_table(content, "synthetic.csv"))
    validation = time.perf_counter() - started
    assert not problems, problems[:5]

    started = time.perf_counter()
    result = run_import(user=admin, file=content, filename="synthetic.csv")
    elapsed = time.perf_counter() - started
    assert model.objects.count() == args.rows == result.created
    if args.kind == "requests":
        assert RequestStatusChange.objects.count() == args.rows

    print(f"Bulk import of SYNTHETIC {args.kind} (PostgreSQL)")
    print(f"{'rows':>10} {'file MB':>8} {'read+validate s':>16} {'total s':>8} {'rows/s':>9}")
    print(
        f"{result.created:>10,} {len(content) / 1e6:>8.1f} {validation:>16.1f} "
        f"{elapsed:>8.1f} {result.created / elapsed:>9,.0f}"
    )


if __name__ == "__main__":
    main()
