"""Each kind's parameters are declared once: the page's start form and the API's serializer
are made from the same ``ParamSet``, take the same fields, refuse the same out-of-range value
and store the same ``params``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from analytics import kinds
from analytics.kinds.params import AMOUNT_TYPES, Param
from tests.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


def _param_sets():
    for name, kind in kinds.registry().items():
        yield name, kind, kind.form.param_set


@pytest.mark.parametrize("name", sorted(kinds.registry()))
def test_form_and_serializer_are_made_from_one_declaration(name):
    kind = kinds.get(name)
    assert kind.form.param_set is kind.serializer.param_set
    declared = kind.form.param_set.names()
    assert tuple(kind.serializer().fields) == declared
    page = {p.name for p in kind.form.param_set.params if p.on_page and p.type not in AMOUNT_TYPES}
    form = kind.form(user=AdministratorFactory())
    assert page <= set(form.fields)


def _beyond(param: Param) -> object | None:
    if param.maximum is None or param.type not in ("int", "number"):
        return None
    step = 1 if param.type == "int" else Decimal("0.1")
    return param.maximum + step


@pytest.mark.parametrize(
    "name,param",
    [
        (name, param)
        for name, _kind, param_set in _param_sets()
        for param in param_set.params
        if _beyond(param) is not None and param.on_page
    ],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_both_channels_refuse_the_same_value_beyond_a_bound(name, param):
    kind = kinds.get(name)
    value = _beyond(param)
    page_value = value * 100 if param.share else value
    form = kind.form({param.name: str(page_value)}, user=AdministratorFactory())
    assert not form.is_valid()
    assert param.name in form.errors
    serializer = kind.serializer(data={param.name: str(value)}, context={"request": None})
    assert not serializer.is_valid()
    assert param.name in serializer.errors


def test_both_channels_store_the_same_params():
    kind = kinds.get("forecast")
    form = kind.form({"horizon": "4"}, user=AdministratorFactory())
    assert form.is_valid(), form.errors
    serializer = kind.serializer(data={"horizon": 4}, context={"request": None})
    assert serializer.is_valid(), serializer.errors
    assert form.params() == serializer.params() == {"horizon": 4}
    # Left out, the default is stored on both channels.
    serializer = kind.serializer(data={}, context={"request": None})
    assert serializer.is_valid()
    assert serializer.params() == {"horizon": 6}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_runs_parameters_are_shown_with_their_declared_labels(language):
    from django.utils import translation

    from analytics import reports
    from analytics.models import AnalysisRun

    run = AnalysisRun(
        kind="allocation",
        params={"budget": 560000.0, "strength": 1.5, "floor": 0.9, "min_coverage": 0.5},
    )
    with translation.override(language):
        shown = dict(reports.params_summary(run))
        declared = {str(p.label) for p in kinds.get("allocation").form.param_set.params}
    assert set(shown) <= declared  # no raw key such as "strength" or "floor"
    assert sorted(shown.values()) == sorted(["560,000", "1.5", "90%", "50%"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "colon", "comma"), [("en", ": ", ", "), ("zh-hans", "：", "、")]
)
def test_a_runs_budgets_per_service_are_listed_with_the_languages_punctuation(
    language, colon, comma
):
    from django.utils import translation

    from analytics import reports
    from analytics.models import AnalysisRun
    from tests.factories import ServiceCategoryFactory

    first = ServiceCategoryFactory(code="water_supply", name="Water", name_zh="供水")
    second = ServiceCategoryFactory(code="elderly_home_care", name="Care", name_zh="居家养老")
    run = AnalysisRun(
        kind="allocation",
        params={"budget": 1000.0, "category_budgets": {first.code: 300.0, second.code: 200.0}},
    )
    with translation.override(language):
        shown = dict(reports.params_summary(run))
        names = [str(first.name_zh if language != "en" else first.name)]
        names.append(str(second.name_zh if language != "en" else second.name))
    [budgets] = [v for v in shown.values() if "300" in v]
    assert budgets == f"{names[0]}{colon}300{comma}{names[1]}{colon}200"
