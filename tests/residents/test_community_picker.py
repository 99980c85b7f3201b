"""Community pickers above the threshold (``COMMUNITY_PICKER_MAX_OPTIONS``): pages offer an
area first and list communities only once an area holds few enough; the lazy JSON step
answers only among the communities the person is offered (staff: their scope)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from residents.community_picker import ScopeAreas, is_large, picker_answer
from residents.models import Community
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CityFactory,
    CommunityFactory,
    ServiceRequestFactory,
    UserFactory,
    WorkerFactory,
    area_node,
)
from tests.scope_checks import threshold_counts, threshold_counts_rendering

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"
LIMIT = 3

# Two districts of Chengdu (one with streets), one of Ya'an: the province has 3 + 2 + 2.
PLACES = {
    "510107001": 2,  # 浆洗街街道, 武侯区, 成都市
    "510107004": 1,  # 望江路街道, 武侯区
    "510104": 2,  # 锦江区, 成都市
    "511802": 2,  # 雨城区, 雅安市
}


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.COMMUNITY_PICKER_MAX_OPTIONS = LIMIT


@pytest.fixture
def province() -> dict[str, list[Community]]:
    chengdu = CityFactory(
        adcode="510100", name="成都市", province="四川省", region__code="southwest"
    )
    yaan = CityFactory(adcode="511800", name="雅安市", province="四川省", region__code="southwest")
    placed: dict[str, list[Community]] = {}
    for code, count in PLACES.items():
        city = yaan if code.startswith("5118") else chengdu
        placed[code] = [
            CommunityFactory(city=city, area=area_node(code), name=f"社区 {code}-{i}")
            for i in range(count)
        ]
    return placed


def _login(client, user):
    client.force_login(user, backend=BACKEND)
    return client


def _picker(client, area: str | None = None):
    return client.get(reverse("community_picker_data"), {"area": area} if area else {})


def test_is_large_counts_past_the_threshold_only(province):
    assert is_large(Community.objects.all())  # 7 > 3
    assert not is_large(Community.objects.filter(area__path__startswith="510000/511800/"))


def test_the_widest_areas_telling_communities_apart_are_the_cities(province):
    areas = ScopeAreas(Community.objects.all())
    # The province holds all seven: it is not offered, its two cities are.
    assert [choice.label for choice in areas.choices(areas.tops)] == ["成都市", "雅安市"]
    assert [choice.communities for choice in areas.choices(areas.tops)] == [5, 2]


def test_area_list_stays_within_the_threshold_and_opens_along_the_chosen_area(province):
    areas = ScopeAreas(Community.objects.all())
    # Cities (2) and their districts (3) would be 5 > 3: only the cities.
    assert [c.code for c in areas.choices(areas.shown(None, LIMIT))] == ["510100", "511800"]
    chosen = area_node("510107").path
    labels = [c.label for c in areas.choices(areas.shown(chosen, LIMIT))]
    assert labels == [
        "成都市",
        "成都市 › 锦江区",
        "成都市 › 武侯区",
        "成都市 › 武侯区 › 浆洗街街道",
        "成都市 › 武侯区 › 望江路街道",
        "雅安市",
    ]


def test_endpoint_for_a_province_administrator_steps_down_the_tree(client, province):
    _login(client, AdministratorFactory(area=area_node("510000")))
    top = _picker(client).json()
    assert [a["code"] for a in top["areas"]] == ["510100", "511800"]
    assert top == {**top, "listed": False, "communities": []}
    city = _picker(client, "510100").json()
    assert [(a["code"], a["communities"]) for a in city["areas"]] == [
        ("510104", 2),
        ("510107", 3),
    ]
    assert city["listed"] is False  # 5 communities > 3
    district = _picker(client, "510107").json()
    assert district["listed"] is True
    assert sorted(c["id"] for c in district["communities"]) == sorted(
        c.pk for code in ("510107001", "510107004") for c in province[code]
    )
    assert {c["group"] for c in district["communities"]} == {
        "成都市 › 武侯区 › 浆洗街街道",
        "成都市 › 武侯区 › 望江路街道",
    }


def test_endpoint_for_a_district_administrator_answers_inside_the_district_only(client, province):
    _login(client, AdministratorFactory(area=area_node("510107")))
    top = _picker(client).json()
    assert [a["code"] for a in top["areas"]] == ["510107001", "510107004"]
    assert top["listed"] is True and len(top["communities"]) == 3
    # Another district, its city and another city: the same answer as an unknown code.
    for outside in ("510104", "511800", "999999"):
        response = _picker(client, outside)
        assert response.status_code == 404
        assert "may choose" in response.json()["error"]


def test_endpoint_for_a_worker_answers_their_communities_only(client, province):
    served = province["510104"][:1] + province["511802"][:1]
    _login(client, WorkerFactory(communities=served))
    top = _picker(client).json()
    assert sorted(c["id"] for c in top["communities"]) == sorted(c.pk for c in served)
    assert [a["code"] for a in top["areas"]] == ["510100", "511800"]
    assert [c["id"] for c in _picker(client, "510104").json()["communities"]] == [served[0].pk]
    assert _picker(client, "510107").status_code == 404


def test_endpoint_for_residents_and_sign_up_offers_every_community(client, province):
    # People choose where they live (sign-up, their profile): every community is offered.
    assert _picker(client, "510100").json()["areas"][1]["communities"] == 3
    _login(client, UserFactory())
    assert len(_picker(client, "511800").json()["communities"]) == 2


def test_picker_answer_is_the_endpoints_shape(province):
    answer = picker_answer(Community.objects.all(), area_code="511802")
    assert answer.listed and [c.name for c in answer.communities] == [
        "社区 511802-0",
        "社区 511802-1",
    ]


# Pages ---------------------------------------------------------------------------------------


def _options(html: str, name: str) -> int:
    match = re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S)
    return match.group(0).count("<option") if match else 0


def _ids_on_queue(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="(?:/[a-z-]+)?/requests/(\d+)/"', html)}


@pytest.mark.parametrize("page", ["services:queue", "services:request_map"])
def test_page_size_does_not_grow_with_the_communities_above_the_threshold(client, settings, page):
    admin = AdministratorFactory()
    _login(client, admin)
    chengdu = CityFactory(
        adcode="510100", name="成都市", province="四川省", region__code="southwest"
    )
    counts = []
    for total in (10, 40):
        while Community.objects.count() < total:
            CommunityFactory(city=chengdu, area=area_node("510107001"))
        html = client.get(reverse(page), {"view": "all"}).content.decode()
        counts.append((html.count("<option"), _options(html, "community")))
    assert counts[0] == counts[1]
    assert counts[0][1] == 1  # "All my communities" only


def test_queue_filtered_by_area_holds_the_areas_rows(client, province):
    admin = AdministratorFactory(area=area_node("510000"))
    _login(client, admin)
    wuhou = [
        ServiceRequestFactory(community=c)
        for code in ("510107001", "510107004")
        for c in province[code]
    ]
    others = [ServiceRequestFactory(community=c) for c in province["510104"] + province["511802"]]
    html = client.get(reverse("services:queue"), {"view": "all", "area": "510107"}).content.decode()
    assert _ids_on_queue(html) == {r.pk for r in wuhou}
    assert not _ids_on_queue(html) & {r.pk for r in others}
    # The chosen district holds 3 communities (within the threshold): they are listed, and
    # the area list opened along the chosen district.
    assert _options(html, "community") == 1 + 3
    assert "成都市 › 武侯区 › 望江路街道" in html
    one = province["510107004"][0]
    html = client.get(
        reverse("services:queue"), {"view": "all", "area": "510107", "community": one.pk}
    ).content.decode()
    assert _ids_on_queue(html) == {r.pk for r in wuhou if r.community_id == one.pk}


def test_area_filter_does_not_widen_a_scope(client, province):
    district_admin = AdministratorFactory(area=area_node("510104"))
    _login(client, district_admin)
    ServiceRequestFactory(community=province["511802"][0])
    html = client.get(reverse("services:queue"), {"view": "all", "area": "511800"}).content.decode()
    assert _ids_on_queue(html) == set()
    assert ServiceRequest.objects.count() == 1


def test_api_filters_by_area_and_names_an_unknown_code(province):
    from tests.factories import api_client

    admin = AdministratorFactory()
    inside = ServiceRequestFactory(community=province["511802"][0])
    ServiceRequestFactory(community=province["510104"][0])
    api = api_client(admin)
    rows = api.get("/api/v1/requests/", {"area": "511800"}).json()["results"]
    assert [row["id"] for row in rows] == [inside.pk]
    response = api.get("/api/v1/requests/", {"area": "9999"})
    assert response.status_code == 400
    assert "9999" in str(response.json())


# Entry forms: the community as its code ---------------------------------------------------


def _log_need_data(community_code: str, category) -> dict:
    return {
        "category": category.pk,
        "description": "SYNTHETIC need logged for the picker test.",
        "urgency": "normal",
        "community": community_code,
        "channel": "community_worker",
    }


def test_log_need_over_a_large_scope_takes_a_community_code_within_scope(client, province):
    from tests.factories import ServiceCategoryFactory

    category = ServiceCategoryFactory()
    _login(client, AdministratorFactory(area=area_node("510000")))
    url = reverse("services:request_log_anonymous")
    html = client.get(url).content.decode()
    assert _options(html, "community") == 0
    assert 'name="community"' in html and "data-community-lookup" in html
    target = province["511802"][1]
    response = client.post(url, _log_need_data(target.code, category))
    assert response.status_code == 302
    assert ServiceRequest.objects.get().community == target


def test_log_need_refuses_a_code_outside_the_scope_with_a_message(client, province):
    from tests.factories import ServiceCategoryFactory

    category = ServiceCategoryFactory()
    outside = CommunityFactory(city=CityFactory(), code="SYN-OUTSIDE")
    many = [c for code in ("510107001", "510107004") for c in province[code]]
    _login(client, WorkerFactory(communities=[*many, *province["510104"]]))  # 5 > 3
    response = client.post(
        reverse("services:request_log_anonymous"), _log_need_data(outside.code, category)
    )
    assert response.status_code == 200
    assert "No community you may choose has this code." in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_resident_profile_edit_over_every_community_shows_the_stored_code(client, province):
    from tests.factories import ResidentFactory

    resident = ResidentFactory(community=province["510104"][0], with_account=True)
    _login(client, resident.user)
    html = client.get(reverse("profile_edit")).content.decode()
    assert _options(html, "community") == 0
    assert f'value="{province["510104"][0].code}"' in html


def test_signup_over_many_communities_takes_the_code(client, province):
    from tests.web.test_resident_pages import _signup_data

    target = province["510107004"][0]
    response = client.post(reverse("signup"), {**_signup_data(target), "community": target.code})
    assert response.status_code == 302
    assert Community.objects.get(residents__user__username__startswith="newresident-") == target


# Analysis pages' own forms -------------------------------------------------------------------


def test_forecast_series_form_over_a_province_asks_for_an_area(province):
    from analytics.forms import SeriesChoiceForm
    from services.models import ServiceCategory

    communities = Community.objects.order_by("code")
    form = SeriesChoiceForm(
        initial={"community": communities.first()},
        communities=communities,
        categories=ServiceCategory.objects.all(),
    )
    assert list(form.fields)[:2] == ["area", "community"]
    html = str(form["community"])
    assert html.count("<option") == 2  # "Choose an area" and the community shown
    bound = SeriesChoiceForm(
        {"area": "511802", "community": province["511802"][1].pk, "category": ""},
        communities=communities,
        categories=ServiceCategory.objects.all(),
    )
    assert str(bound["community"]).count("<option") == 1 + 2
    assert bound.fields["community"].queryset.count() == 7  # validation still over the scope


def test_allocation_line_filter_over_a_province_narrows_by_area(province):
    from analytics.forms import LineFilterForm

    form = LineFilterForm({"area": "510107"}, communities=Community.objects.all())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["area"].code == "510107"
    assert str(form["community"]).count("<option") == 1 + 3
    small = LineFilterForm(communities=Community.objects.filter(area__code="510104"))
    assert "area" not in small.fields


def test_what_if_start_form_over_a_province_takes_a_code(province):
    from analytics import kinds

    admin = AdministratorFactory(area=area_node("510000"))
    form = kinds.get("what_if").form(user=admin)
    field = next(name for name, f in form.fields.items() if "community" in name)
    assert "data-community-lookup" in str(form[field])


def test_the_admin_sites_account_page_searches_a_large_set_of_communities(
    client, settings, province
):
    worker = WorkerFactory(communities=province["510104"])
    _login(client, AdministratorFactory(is_superuser=True))

    def communities_select() -> str:
        html = client.get(f"/admin/residents/user/{worker.pk}/change/").content.decode()
        return re.search(r'<select name="communities"[^>]*>.*?</select>', html, re.S).group(0)

    select = communities_select()
    assert "admin-autocomplete" in select
    assert select.count("<option") == 2  # the worker's two communities only
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "residents", "model_name": "user", "field_name": "communities", "term": ""},
    ).json()["results"]
    assert len(found) == 7
    settings.COMMUNITY_PICKER_MAX_OPTIONS = 10
    select = communities_select()
    assert "admin-autocomplete" not in select and select.count("<option") == 7


def test_the_queue_offers_the_workers_of_the_pages_communities_over_a_large_scope(client, province):
    here = province["511802"][0]
    serving = WorkerFactory(username="w-serving", communities=[here])
    WorkerFactory(username="w-elsewhere", communities=[province["510104"][0]])
    ServiceRequestFactory(community=here)
    _login(client, AdministratorFactory())
    html = client.get(reverse("services:queue"), {"view": "all"}).content.decode()
    assignee = re.search(r'<select name="assignee"[^>]*>.*?</select>', html, re.S).group(0)
    assert f'value="{serving.pk}"' in assignee
    assert "w-elsewhere" not in assignee and assignee.count("<option") == 2


def test_the_map_draws_an_areas_communities_only_once_it_is_chosen(client, province):
    import json

    _login(client, AdministratorFactory())

    def drawn(params) -> tuple[int, str]:
        html = client.get(reverse("services:request_map"), params).content.decode()
        data = re.search(r'id="request-map-data"[^>]*>(.*?)</script>', html, re.S).group(1)
        return len(json.loads(data)["communities"]), html

    count, html = drawn({})
    assert count == 0 and 'id="map-landmarks-withheld"' in html
    count, html = drawn({"area": "510107"})
    assert count == 3 and 'id="map-landmarks-withheld"' not in html


# One decision per page ------------------------------------------------------------------------


def test_the_threshold_count_is_recognised(province):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        is_large(Community.objects.all())
    assert threshold_counts(captured.captured_queries, limit=LIMIT) == 1


@pytest.mark.parametrize("administrator", [True, False], ids=["large", "small"])
@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("services:queue", {"view": "all"}),
        ("services:queue", {"view": "all", "area": "510107"}),
        ("services:request_map", {}),
        ("services:request_map", {"area": "510107"}),
        ("services:request_log_anonymous", {}),
    ],
)
def test_a_staff_page_decides_whether_the_scope_is_large_once(
    client, province, administrator, page, params
):
    ServiceRequestFactory(community=province["510107001"][0])
    if administrator:
        user = AdministratorFactory(area=area_node("510000"))  # 7 communities > 3
    else:
        user = WorkerFactory(communities=province["510104"])  # 2 communities
    _login(client, user)
    assert threshold_counts_rendering(client, reverse(page), params, limit=LIMIT) == 1


def test_the_residents_request_form_decides_whether_the_scope_is_large_once(client, province):
    from tests.factories import ResidentFactory

    resident = ResidentFactory(community=province["510104"][0], with_account=True)
    _login(client, resident.user)
    assert threshold_counts_rendering(client, reverse("services:request_submit"), limit=LIMIT) == 1


@pytest.mark.parametrize("limit", [LIMIT, 10], ids=["large", "small"])
def test_the_admin_sites_account_page_decides_whether_the_scope_is_large_once(
    client, settings, province, limit
):
    settings.COMMUNITY_PICKER_MAX_OPTIONS = limit
    worker = WorkerFactory(communities=province["510104"])
    _login(client, AdministratorFactory(is_superuser=True))
    url = f"/admin/residents/user/{worker.pk}/change/"
    assert threshold_counts_rendering(client, url, limit=limit) == 1


# The group of communities with no place above them -------------------------------------------


def test_the_tree_and_the_json_answer_name_unplaced_communities_alike(client, province):
    from django.utils import translation

    from residents.community_tree import PATH_RELATED, tree_choices

    unplaced = CommunityFactory(
        city=CityFactory(adcode="990000", name=""), district="", area=None, name="无名社区"
    )
    _login(client, WorkerFactory(communities=[unplaced]))
    for language, expected in (("en", "Other"), ("zh-hans", "其他")):
        with translation.override(language):
            choices, _paths = tree_choices(
                Community.objects.filter(pk=unplaced.pk).select_related(*PATH_RELATED)
            )
        prefix = "" if language == "en" else f"/{language}"
        answer = client.get(prefix + reverse("community_picker_data")).json()
        assert answer["listed"] is True
        assert [(c["name"], c["group"]) for c in answer["communities"]] == [("无名社区", expected)]
        assert [label for label, _options in choices[1:]] == [expected]


# The pickers' scripts: on the pages that show a picker only ---------------------------------


def _scripts(html: str) -> list[str]:
    """The page's picker scripts in the order it loads them (``picker_levels``, ...)."""
    names = re.findall(r'<script src="[^"]*/js/(\w+?)(?:\.[0-9a-f]{12})?\.js"', html)
    return [name for name in names if name in {"picker_levels", "community_tree", "area_picker"}]


def test_pages_without_a_picker_load_no_picker_script(client, province):
    assert _scripts(client.get(reverse("login")).content.decode()) == []
    _login(client, AdministratorFactory(area=area_node("510000")))
    assert _scripts(client.get(reverse("services:overview")).content.decode()) == []


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("services:queue", {"view": "all"}),
        ("services:request_map", {}),
        ("services:request_log_anonymous", {}),
    ],
)
def test_a_large_scopes_pages_load_the_shared_levels_then_the_area_picker(
    client, province, page, params
):
    _login(client, AdministratorFactory(area=area_node("510000")))
    # The area picker's community list is filled by its script, not the tree's.
    for query in (params, {**params, "area": "510107"}):
        html = client.get(reverse(page), query).content.decode()
        assert _scripts(html) == ["picker_levels", "area_picker"]


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("services:queue", {"view": "all"}),
        ("services:request_map", {}),
        ("services:request_log_anonymous", {}),
    ],
)
def test_a_small_scopes_pages_load_the_shared_levels_then_the_tree(client, province, page, params):
    _login(client, WorkerFactory(communities=province["510104"]))
    assert _scripts(client.get(reverse(page), params).content.decode()) == [
        "picker_levels",
        "community_tree",
    ]


def test_sign_up_and_an_analysis_start_form_load_the_picker_scripts(client, province):
    from analytics.models import AnalysisRun

    assert _scripts(client.get(reverse("signup")).content.decode())[0] == "picker_levels"
    _login(client, AdministratorFactory(area=area_node("510000")))
    html = client.get(
        reverse("analytics:run_list", kwargs={"kind": AnalysisRun.Kind.WHAT_IF})
    ).content.decode()
    assert "data-community-lookup" in html
    assert _scripts(html) == ["picker_levels", "area_picker"]
