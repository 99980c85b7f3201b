"""Chengdu's district names are the current ones: in the demo city's reference list and, after
the data migration, in communities stored under the old names."""

from __future__ import annotations

import csv
import importlib

from django.apps import apps

from demo.city import DISTRICTS_CSV
from residents.models import Community
from tests.factories import CityFactory, CommunityFactory

migration = importlib.import_module("residents.migrations.0006_current_district_names")


def test_the_demo_reference_list_uses_the_current_names_and_codes():
    with DISTRICTS_CSV.open(encoding="utf-8") as handle:
        districts = {row["adcode"]: row["name"] for row in csv.DictReader(handle)}
    assert districts["510117"] == "郫都区"
    assert districts["510118"] == "新津区"
    assert not {"郫县", "新津县"} & set(districts.values())
    assert sum(code.startswith("5101") for code in districts) == 20  # Chengdu's, of the demo's


def test_the_migration_renames_districts_and_demo_names_only(db):
    chengdu = CityFactory(adcode="510100", name="成都市", province="四川省")
    demo = CommunityFactory(
        city=chengdu, code="DEMO-510124-01", name="郫县第1村（合成）", district="郫县"
    )
    real = CommunityFactory(city=chengdu, code="R-1", name="郫县老街社区", district="新津县")
    elsewhere = CommunityFactory(code="N-1", name="郫县路社区", district="郫县")  # not Chengdu

    migration.forwards(apps, None)
    demo.refresh_from_db()
    real.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (demo.name, demo.district) == ("郫都区第1村（合成）", "郫都区")
    assert (real.name, real.district) == ("郫县老街社区", "新津区")  # a real name is its own
    assert (elsewhere.name, elsewhere.district) == ("郫县路社区", "郫县")

    migration.backwards(apps, None)
    demo.refresh_from_db()
    assert (demo.name, demo.district) == ("郫县第1村（合成）", "郫县")
    assert Community.objects.filter(district="新津县").count() == 1
