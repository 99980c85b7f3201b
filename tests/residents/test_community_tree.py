"""The community tree picker: communities grouped by city and district in <optgroup>s (the
page works without JavaScript), each option carrying its path for the script, on sign-up,
the request pages and the queue filter."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from residents.community_tree import SEPARATOR, community_path, tree_choices
from residents.models import Community
from tests.factories import CityFactory, CommunityFactory, WorkerFactory

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def places():
    chengdu = CityFactory(
        adcode="510100", name="成都市", province="四川省", region__code="southwest"
    )
    yaan = CityFactory(adcode="511800", name="雅安市", province="四川省", region__code="southwest")
    return {
        "pidu_b": CommunityFactory(city=chengdu, district="郫都区", name="犀浦社区"),
        "pidu_a": CommunityFactory(city=chengdu, district="郫都区", name="红光社区"),
        "jinjiang": CommunityFactory(city=chengdu, district="锦江区", name="春熙社区"),
        "yucheng": CommunityFactory(city=yaan, district="雨城区", name="西城社区"),
    }


def test_choices_are_grouped_by_place_in_name_order(places):
    communities = Community.objects.filter(pk__in=[c.pk for c in places.values()])
    choices, paths = tree_choices(communities.select_related("city"))
    assert choices[0] == ("", "—")
    groups = [(label, [name for _pk, name in options]) for label, options in choices[1:]]
    assert groups == [
        (f"成都市{SEPARATOR}郫都区", ["犀浦社区", "红光社区"]),
        (f"成都市{SEPARATOR}锦江区", ["春熙社区"]),
        (f"雅安市{SEPARATOR}雨城区", ["西城社区"]),
    ]
    assert paths[str(places["yucheng"].pk)] == community_path(places["yucheng"])


def _select(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S)
    assert match, name
    return match.group(0)


def test_signup_offers_the_tree_with_optgroups(client, places):
    html = client.get(reverse("signup")).content.decode()
    select = _select(html, "community")
    assert "data-community-tree" in select
    assert f'<optgroup label="成都市{SEPARATOR}郫都区">' in select
    option = re.search(rf'<option value="{places["yucheng"].pk}"[^>]*>', select).group(0)
    assert json.loads(re.search(r'data-path="([^"]*)"', option).group(1).replace("&quot;", '"'))[
        :2
    ] == [
        "雅安市",
        "雨城区",
    ]


def test_the_worker_pages_and_the_queue_filter_offer_the_tree(client, places):
    worker = WorkerFactory(communities=[places["pidu_a"], places["yucheng"]])
    client.force_login(worker, backend=BACKEND)
    for url in (reverse("services:request_log_anonymous"), reverse("services:queue")):
        select = _select(client.get(url).content.decode(), "community")
        assert f'<optgroup label="雅安市{SEPARATOR}雨城区">' in select
        # Only the communities the worker serves.
        assert "春熙社区" not in select


def test_the_tree_script_is_a_file_and_labels_its_levels(client, places):
    html = client.get("/zh-hans" + reverse("signup")).content.decode()
    assert "js/community_tree.js" in html
    select = _select(html, "community")
    levels = re.search(r'data-levels="([^"]*)"', select).group(1).replace("&quot;", '"')
    assert json.loads(levels) == ["城市", "区县", "街道或乡镇"]


def test_the_path_follows_the_area_tree_down_to_the_street(places):
    from tests.factories import area_node

    street = CommunityFactory(
        city=places["pidu_a"].city, district="", name="郫筒社区", area=area_node("510117001")
    )
    communities = Community.objects.filter(pk__in=[street.pk, places["pidu_a"].pk])
    choices, paths = tree_choices(communities.select_related("city", "area__parent__parent"))
    assert paths[str(street.pk)] == ("成都市", "郫都区", "郫筒街道")
    assert f"成都市{SEPARATOR}郫都区{SEPARATOR}郫筒街道" in [label for label, _o in choices[1:]]
