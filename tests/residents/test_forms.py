"""Web forms for accounts and resident profiles (residents.forms)."""

from __future__ import annotations

import pytest
from django.utils import translation

from residents.forms import CommunityChoiceField
from residents.models import City, Community


@pytest.mark.parametrize(
    ("language", "district", "label"),
    [
        ("en", "西湖区", "翠苑一区 (西湖区, 杭州市)"),
        ("zh-hans", "西湖区", "翠苑一区（西湖区、杭州市）"),
        ("en", "", "翠苑一区 (杭州市)"),
        ("zh-hans", "", "翠苑一区（杭州市）"),
    ],
)
def test_a_community_is_offered_with_its_place_in_the_languages_punctuation(
    language, district, label
):
    community = Community(name="翠苑一区", district=district, city=City(name="杭州市"))
    field = CommunityChoiceField(queryset=Community.objects.none())
    with translation.override(language):
        assert field.label_from_instance(community) == label
