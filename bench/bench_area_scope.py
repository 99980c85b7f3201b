"""The scope of an administrator of an area, on PostgreSQL: loading the whole tree, and the
one query that finds their communities, for a province, a city, a district and a street.

Creates a scratch database, migrates it (the data migration loads provinces, cities and
districts), loads every street and township (``load_areas``), spreads SYNTHETIC communities
over random streets of the whole country, and prints, per level, how many communities the
administrator answers for, the median time of ``scoped_community_ids`` counted, and whether
PostgreSQL's plan uses the path's pattern index.

    python bench/bench_area_scope.py [--communities 20000] [--repeat 20]

Uses ``BENCH_DATABASE_URL`` (default: a ``precision_supply_bench_area`` database on
127.0.0.1:5432, dropped and recreated). Not a test: the figures go into the docs with this
command.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import scratch_db  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/precision_supply_bench_area"
)
# One area of each level, nested: 四川省 ⊃ 成都市 ⊃ 武侯区 ⊃ 浆洗街街道.
LEVELS = (("province", "510000"), ("city", "510100"), ("district", "510107"))
LEVELS += (("street", "510107001"),)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    scratch_db.recreate_database(DATABASE_URL)
    migrated = time.perf_counter() - started
    os.environ.update(scratch_db.django_env(DATABASE_URL))
    import django

    django.setup()
    from django.db import connection

    from residents import actions
    from residents.models import Area, City, Community, User
    from residents.queries import scoped_community_ids

    started = time.perf_counter()
    added = actions.areas_load()
    loaded = time.perf_counter() - started
    print(f"migrate (with provinces, cities, districts): {migrated:.1f} s wall")
    print(f"load_areas: {added} streets and townships in {loaded:.1f} s")

    rng = random.Random(16)
    streets = list(Area.objects.filter(level=Area.Level.STREET).values_list("pk", "path"))
    cities = dict(City.objects.values_list("adcode", "pk"))
    fallback = next(iter(cities.values()))
    rows = []
    for n in range(args.communities):
        pk, path = rng.choice(streets)
        codes = path.strip("/").split("/")
        rows.append(
            Community(
                city_id=cities.get(codes[1]) or cities.get(codes[0]) or fallback,
                area_id=pk,
                code=f"SYN-AREA-{n:06d}",
                name=f"Synthetic community {n}",
                kind=Community.Kind.URBAN,
                population=1000,
                households=300,
            )
        )
    Community.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE residents_area; ANALYZE residents_community")
        cursor.execute("SELECT pg_total_relation_size('residents_area')")
        size = cursor.fetchone()[0]
    print(f"areas table with its indexes: {size / 2**20:.1f} MiB")
    print(f"{args.communities} SYNTHETIC communities on random streets of the whole country")

    for level, code in LEVELS:
        area = Area.objects.get(code=code)
        admin = User(username=f"bench-{code}", role=User.Role.ADMIN, area=area, is_active=True)
        scope = Community.objects.filter(pk__in=scoped_community_ids(user=admin))
        sql, params = scope.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            count = scope.count()
            times.append((time.perf_counter() - started) * 1000)
        uses_index = "residents_area_path" in plan
        print(
            f"{level:<9} {area.name}: {count} communities, median {statistics.median(times):.2f}"
            f" ms, path index used: {uses_index}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
