"""Administrators scoped to an area of the administrative-division tree.

A province administrator sees every city of the province; a city, district or street
administrator only what lies inside; an administrator without an area (and a superuser)
the whole country. The expected scope is computed here from the areas' codes (a community
is inside an area when the area's code is on the community's chain of codes), independently
of ``residents.queries``.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import kinds
from analytics import queries as analytics_queries
from analytics.kinds.forecast.result import BacktestCell, ForecastResult
from analytics.models import AnalysisRun
from residents import queries as resident_queries
from residents.models import Area, Community, User
from services import exports
from services import queries as service_queries
from tests.factories import (
    AdministratorFactory,
    CityFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    SupplyCapacityFactory,
    UserFactory,
    WorkerFactory,
    api_client,
    area_node,
)

# Where communities are placed: streets, districts and whole cities (a community whose
# street is not known hangs off its district or city), in two provinces and a municipality.
PLACES = (
    "510107001",  # 浆洗街街道, 武侯区, 成都市, 四川省
    "510107004",  # 望江路街道, 武侯区
    "510107",  # 武侯区 (street unknown)
    "510104",  # 锦江区, 成都市
    "510100",  # 成都市 (district unknown)
    "511802",  # 雨城区, 雅安市, 四川省
    "330203",  # 海曙区, 宁波市, 浙江省
    "110101",  # 东城区, 北京市 (a municipality: its districts sit under the province)
)
# The areas administrators are given: every level, nationwide (None) included.
ADMIN_AREAS = (
    None,
    "510000",  # province
    "510100",  # city
    "510107",  # district
    "510107001",  # street
    "511800",  # another city of the province
    "330000",  # another province
    "330203",  # a district there
    "110000",  # a municipality
)
CITY_NAMES = {
    "510100": ("成都市", "四川省", "southwest"),
    "511800": ("雅安市", "四川省", "southwest"),
    "330200": ("宁波市", "浙江省", "east"),
    "110000": ("北京市", "北京市", "north"),
}
CATEGORY = "elderly_home_care"


def _city_code(place: str) -> str:
    return "110000" if place.startswith("11") else place[:4] + "00"


def _community(place: str, **fields) -> Community:
    adcode = _city_code(place)
    name, province, region = CITY_NAMES[adcode]
    city = CityFactory(adcode=adcode, name=name, province=province, region__code=region)
    return CommunityFactory(city=city, area=area_node(place), **fields)


def _admin(area_code: str | None, **fields) -> User:
    return AdministratorFactory(area=area_node(area_code) if area_code else None, **fields)


def _inside(community: Community, area_code: str | None) -> bool:
    """From first principles: the area's code is one of the codes on the community's chain."""
    if area_code is None:
        return True
    chain = []
    node = community.area
    while node is not None:
        chain.append(node.code)
        node = node.parent
    return area_code in chain


def _expected_communities(user: User, communities: list[Community]) -> set[int]:
    if not user.is_active:
        return set()
    if user.is_superuser:
        return {c.pk for c in communities}
    if user.role == User.Role.ADMIN:
        code = user.area.code if user.area_id else None
        return {c.pk for c in communities if _inside(c, code)}
    if user.role == User.Role.WORKER:
        return set(user.communities.values_list("pk", flat=True)) & {c.pk for c in communities}
    return set()


# The tree and the migration's reference rows ------------------------------------------------


@pytest.mark.django_db
def test_the_migration_loads_provinces_cities_and_districts_with_paths():
    sichuan = Area.objects.get(code="510000")
    assert sichuan.level == Area.Level.PROVINCE and sichuan.parent is None
    wuhou = Area.objects.get(code="510107")
    assert wuhou.name == "武侯区" and wuhou.level == Area.Level.DISTRICT
    assert wuhou.path == "510000/510100/510107/" and wuhou.parent.code == "510100"
    # A municipality's districts hang off the province node (there is no city node).
    assert Area.objects.get(code="110101").parent.code == "110000"
    # Province-administered county-level cities hang off the province, not a grouping code.
    assert Area.objects.get(code="429004").parent.code == "420000"
    assert not Area.objects.filter(code="429000").exists()
    assert Area.objects.filter(level=Area.Level.PROVINCE).count() == 31
    assert not Area.objects.filter(level=Area.Level.STREET).exists()  # loaded by the command


@pytest.mark.django_db
def test_load_areas_adds_the_streets_of_a_province_once():
    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_areas", "--province", "54", stdout=out)  # 西藏: the smallest tree
    added = int(out.getvalue().split()[0])
    streets = Area.objects.filter(level=Area.Level.STREET, code__startswith="54")
    assert added == streets.count() > 0
    lhasa_street = streets.filter(path__startswith="540000/540100/").first()
    assert lhasa_street.parent.path + lhasa_street.code + "/" == lhasa_street.path
    out = io.StringIO()
    call_command("load_areas", "--province", "54", stdout=out)
    assert out.getvalue().startswith("0 areas added")


def test_load_areas_refuses_a_malformed_province():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--province"):
        call_command("load_areas", "--province", "Sichuan")


@pytest.mark.django_db
def test_community_save_finds_the_area_from_city_and_district():
    from residents import actions

    admin = AdministratorFactory()
    city = CityFactory(adcode="510100", name="成都市", province="四川省", region__code="southwest")
    community = Community(
        city=city,
        code="SYN-AREA-1",
        name="Synthetic community",
        district="武侯区",
        kind="urban",
        population=100,
        households=40,
    )
    saved = actions.community_save(user=admin, community=community)
    assert saved.area.code == "510107"
    unknown = Community(
        city=city,
        code="SYN-AREA-2",
        name="Synthetic community 2",
        district="No such district",
        kind="urban",
        population=100,
        households=40,
    )
    assert actions.community_save(user=admin, community=unknown).area.code == "510100"


# The permission matrix ----------------------------------------------------------------------


@pytest.fixture
def matrix(db):
    category = ServiceCategoryFactory(code=CATEGORY)
    communities = {place: _community(place) for place in PLACES}
    for community in communities.values():
        ResidentFactory(community=community, with_account=True)
        ServiceRequestFactory(community=community, category=category)
        SupplyCapacityFactory(community=community, category=category)
    return communities


MATRIX = {
    # area -> the places whose communities its administrator sees
    None: set(PLACES),
    "510000": {"510107001", "510107004", "510107", "510104", "510100", "511802"},
    "510100": {"510107001", "510107004", "510107", "510104", "510100"},
    "510107": {"510107001", "510107004", "510107"},
    "510107001": {"510107001"},
    "511800": {"511802"},
    "330000": {"330203"},
    "330203": {"330203"},
    "110000": {"110101"},
}


@pytest.mark.parametrize("area_code", list(MATRIX))
def test_administrator_sees_exactly_their_area(matrix, area_code):
    admin = _admin(area_code)
    want = {matrix[place].pk for place in MATRIX[area_code]}
    got_requests = set(
        service_queries.request_list(user=admin).values_list("community_id", flat=True)
    )
    got_residents = set(
        resident_queries.resident_list(user=admin).values_list("community_id", flat=True)
    )
    got_capacities = set(
        service_queries.capacity_list(user=admin).values_list("community_id", flat=True)
    )
    got_choices = set(resident_queries.community_choices(user=admin).values_list("pk", flat=True))
    got_analysis = set(analytics_queries.community_scope(admin).values_list("pk", flat=True))
    assert got_requests == got_residents == got_capacities == want
    assert got_choices == got_analysis == want
    for community in matrix.values():
        assert resident_queries.user_serves_community(user=admin, community_id=community.pk) == (
            community.pk in want
        )


def test_superuser_with_an_area_still_sees_everything(matrix):
    superuser = UserFactory(is_superuser=True, role=User.Role.ADMIN, area=area_node("510107001"))
    assert service_queries.request_list(user=superuser).count() == len(PLACES)


def test_workers_and_residents_keep_their_scope_whatever_an_area(matrix):
    worker = WorkerFactory(communities=[matrix["510107001"], matrix["330203"]])
    got = set(service_queries.request_list(user=worker).values_list("community_id", flat=True))
    assert got == {matrix["510107001"].pk, matrix["330203"].pk}
    resident = matrix["510104"].residents.first().user
    assert set(service_queries.request_list(user=resident)) <= set(
        service_queries.request_list(user=_admin(None))
    )
    assert resident_queries.resident_list(user=resident).count() == 1


def test_api_and_csv_of_an_area_administrator(matrix):
    admin = _admin("510107")
    want = {matrix[place].pk for place in MATRIX["510107"]}
    client = api_client(admin)
    listed = client.get("/api/v1/requests/", {"page_size": 200}).json()["results"]
    assert {row["community"] for row in listed} <= {c.code for c in matrix.values()} | want
    listed_ids = {row["id"] for row in listed}
    in_area = set(service_queries.request_list(user=admin).values_list("pk", flat=True))
    assert listed_ids == in_area
    outside = service_queries.request_list(user=_admin(None)).exclude(community_id__in=want).first()
    assert client.get(f"/api/v1/requests/{outside.pk}/").status_code == 404
    exported = exports.requests_export(user=admin, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {int(row["id"]) for row in rows} == in_area


def test_an_area_administrator_cannot_write_outside_it(matrix):
    from core.errors import ActionNotAllowed
    from services import actions as service_actions

    admin = _admin("510100")
    ningbo = matrix["330203"]
    category = service_queries.category_for_request(code=CATEGORY)
    with pytest.raises(ActionNotAllowed):
        service_actions.capacity_set(
            user=admin,
            community=ningbo,
            category=category,
            period=date(2026, 3, 1),
            provider="government",
            capacity=3,
        )
    row, _ = service_actions.capacity_set(
        user=admin,
        community=matrix["510104"],
        category=category,
        period=date(2026, 3, 1),
        provider="government",
        capacity=3,
    )
    assert row.capacity == 3


# Analysis results -----------------------------------------------------------------------------


def _forecast_run(communities: list[Community]) -> AnalysisRun:
    result = ForecastResult(
        backtest_cells=[
            BacktestCell(community=c.code, category=CATEGORY, actual=actual, forecast=actual)
            for c in communities
            for actual in (2.0, 40.0)
        ]
    )
    return AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.FORECAST, status=AnalysisRun.Status.SUCCEEDED, result=result.to_json()
    )


@pytest.mark.parametrize("area_code", ["510000", "510107", "330000"])
def test_run_results_are_cut_to_the_area_with_exact_counts(matrix, area_code):
    run = _forecast_run(list(matrix.values()))
    admin = _admin(area_code)
    seen = kinds.get("forecast").for_audience(run, admin)
    codes = {matrix[place].code for place in MATRIX[area_code]}
    assert {cell.community for cell in seen.backtest_cells} == codes
    # Administrators are not subject to the small-count rule, scoped or not.
    assert not any(cell.suppressed for cell in seen.backtest_cells)
    body = api_client(admin).get(f"/api/v1/analysis-runs/{run.pk}/").json()
    assert {cell["community"] for cell in body["result"]["backtest_cells"]} == codes


# Property: every level of administrator, workers and residents ----------------------------------

worlds = st.fixed_dictionaries(
    {
        "places": st.lists(st.sampled_from(PLACES), min_size=1, max_size=6),
        "admins": st.lists(st.sampled_from(ADMIN_AREAS), min_size=1, max_size=4),
        "workers": st.lists(st.sets(st.integers(0, 5), max_size=3), max_size=2),
        "residents": st.lists(st.integers(0, 5), max_size=4),
        "requests": st.lists(st.integers(0, 5), max_size=6),
        "superuser": st.booleans(),
        "inactive_admin": st.booleans(),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=worlds)
def test_every_user_sees_exactly_the_communities_within_their_scope(spec):
    with transaction.atomic():
        category = ServiceCategoryFactory(code=CATEGORY)
        communities = [_community(place) for place in spec["places"]]

        def community(i: int) -> Community:
            return communities[i % len(communities)]

        users = [_admin(code) for code in spec["admins"]]
        users += [WorkerFactory(communities=[community(i) for i in s]) for s in spec["workers"]]
        if spec["superuser"]:
            users.append(UserFactory(is_superuser=True, role=User.Role.RESIDENT))
        if spec["inactive_admin"]:
            users.append(_admin("510000", is_active=False))
        residents = [
            ResidentFactory(community=community(i), with_account=True) for i in spec["residents"]
        ]
        users += [r.user for r in residents]
        requests = [
            ServiceRequestFactory(community=community(i), category=category)
            for i in spec["requests"]
        ]
        run = _forecast_run(communities)
        for user in users:
            inside = _expected_communities(user, communities)
            if user.role == User.Role.RESIDENT and not user.is_superuser:
                own = {r.pk for r in residents if r.user_id == user.pk}
                want_residents = own
                want_requests = {r.pk for r in requests if r.resident_id in own}
            else:
                want_residents = {r.pk for r in residents if r.community_id in inside}
                want_requests = {r.pk for r in requests if r.community_id in inside}
            got_requests = set(service_queries.request_list(user=user).values_list("pk", flat=True))
            got_residents = set(
                resident_queries.resident_list(user=user).values_list("pk", flat=True)
            )
            assert got_requests & {r.pk for r in requests} == want_requests
            assert got_residents & {r.pk for r in residents} == want_residents
            if user.role == User.Role.RESIDENT and not user.is_superuser:
                continue
            codes = {c.code for c in communities if c.pk in inside}
            if not user.is_active:
                continue
            seen = kinds.get("forecast").for_audience(run, user)
            assert {cell.community for cell in seen.backtest_cells} == codes
            client = api_client(user)
            listed = client.get("/api/v1/requests/", {"page_size": 200}).json()["results"]
            assert {row["id"] for row in listed} & {r.pk for r in requests} == want_requests
            exported = exports.requests_export(user=user, fmt="csv")
            rows = csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))
            assert {int(row["id"]) for row in rows} & {r.pk for r in requests} == want_requests
        transaction.set_rollback(True)
