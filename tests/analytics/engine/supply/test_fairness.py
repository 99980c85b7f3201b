"""Fairness audit: allocation per unit of need by group, flags, forecast error by group."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics.engine.errors import EngineInputError
from analytics.engine.supply.allocation import allocate, default_suppliers
from analytics.engine.supply.catalogue import UNIT_COSTS
from analytics.engine.supply.fairness import (
    audit_allocation,
    fairness_audit,
    resident_groups,
    segment_need_weights,
)


def _residents():
    # Community A: young, local urban. Community B: old, rural hukou, some with disability.
    return pd.DataFrame(
        {
            "community": ["A"] * 4 + ["B"] * 4,
            "birth_year": [1995, 1996, 1990, 1992, 1940, 1945, 1948, 1950],
            "health_needs": ["none"] * 4 + ["disability", "both", "none", "chronic"],
            "hukou_type": ["local_urban"] * 4 + ["local_rural"] * 4,
        }
    )


COMMUNITIES = pd.DataFrame({"community": ["A", "B"], "kind": ["urban", "rural"]})


def test_group_served_below_overall_is_flagged_with_exact_ratios():
    cells = pd.DataFrame(
        {
            "community": ["A", "B"],
            "category": ["elderly_home_care", "elderly_home_care"],
            "need": [10.0, 10.0],
            "covered": [9.0, 5.0],
        }
    )
    audit = fairness_audit(_residents(), COMMUNITIES, cells, as_of_year=2024)
    table = audit.table.set_index(["dimension", "group"])
    assert audit.overall_allocation_ratio == pytest.approx(0.7)
    assert table.loc[("urban_rural", "rural"), "allocation_per_need"] == pytest.approx(0.5)
    assert table.loc[("urban_rural", "rural"), "flagged"]
    assert not table.loc[("urban_rural", "urban"), "flagged"]
    assert table.loc[("age_band", "75+"), "allocation_per_need"] == pytest.approx(0.5)
    assert table.loc[("age_band", "75+"), "flagged"]
    assert table.loc[("age_band", "under 35"), "allocation_per_need"] == pytest.approx(0.9)
    # Two of B's four residents have a disability: half of B's need, none of A's.
    assert table.loc[("disability", "with disability"), "need"] == pytest.approx(5.0)
    assert table.loc[("hukou_type", "local_rural"), "flagged"]
    assert any(
        (f["code"], f["dimension"], f["group"]) == ("under_served", "urban_rural", "rural")
        for f in audit.flag_parts
    )
    assert audit.unattributed_need_share == 0


def test_need_weights_shift_need_to_the_groups_that_have_it():
    cells = pd.DataFrame(
        {"community": ["A"], "category": ["elderly_home_care"], "need": [10.0], "covered": [5.0]}
    )
    residents = _residents().assign(community="A")
    weights = pd.DataFrame({"elderly_home_care": [0.1] * 4 + [10.0] * 4}, index=residents.index)
    even = fairness_audit(residents, COMMUNITIES, cells, as_of_year=2024).table
    weighted = fairness_audit(
        residents, COMMUNITIES, cells, as_of_year=2024, need_weights=weights
    ).table

    def old_need(table: pd.DataFrame) -> float:
        pick = (table["dimension"] == "age_band") & (table["group"] == "75+")
        return table.loc[pick, "need"].item()

    assert old_need(even) == pytest.approx(3.75)  # 3 of 8 residents, equal shares
    assert old_need(weighted) == pytest.approx(10 * 30 / 40.4)  # 3 of the 4 heavy weights


def test_forecast_error_by_group_and_its_flag():
    cells = pd.DataFrame(
        {"community": ["A", "B"], "category": ["x", "x"], "need": [1.0, 1.0], "covered": [1.0, 1.0]}
    )
    errors = pd.DataFrame(
        {
            "community": ["A", "A", "B", "B"],
            "category": ["x"] * 4,
            "actual": [10, 10, 10, 10],
            "forecast": [10, 10, 2, 18],
        }
    )
    audit = fairness_audit(
        _residents(), COMMUNITIES, cells, forecast_errors=errors, as_of_year=2024
    )
    table = audit.table.set_index(["dimension", "group"])
    assert audit.overall_forecast_wape == pytest.approx(0.4)
    assert table.loc[("urban_rural", "rural"), "forecast_wape"] == pytest.approx(0.8)
    assert table.loc[("urban_rural", "rural"), "forecast_flagged"]
    assert not table["flagged"].any()
    assert any(f["code"] == "high_forecast_error" for f in audit.flag_parts)


def test_bad_input():
    cells = pd.DataFrame({"community": ["Z"], "category": ["x"], "need": [1.0], "covered": [1.0]})
    with pytest.raises(EngineInputError, match="community 'Z'"):
        fairness_audit(_residents(), COMMUNITIES, cells, as_of_year=2024)
    with pytest.raises(EngineInputError, match="covered"):
        fairness_audit(_residents(), COMMUNITIES, cells.drop(columns="covered"), as_of_year=2024)
    groups = resident_groups(_residents(), as_of_year=2024)
    assert groups["age_band"].tolist()[:1] == ["under 35"] and groups["age_band"].iloc[4] == "75+"


def test_audit_of_a_demo_run(demo, demo_forecaster):
    from analytics.engine.supply.portraits import PortraitConfig, build_portraits

    forecast = demo_forecaster.forecast()
    demand = forecast[forecast["horizon"] == 1]
    result = allocate(
        demand[["community", "category", "forecast", "lower", "upper"]],
        budget=50_000,
        communities=demo.communities,
        suppliers=default_suppliers(demand, UNIT_COSTS),
    )
    portraits = build_portraits(
        demo.residents, demo.requests, config=PortraitConfig(k_max=5, selection_sample=3000)
    )
    weights = segment_need_weights(portraits.labels, portraits.segments)
    for plan in ("lp", "baseline"):
        audit = audit_allocation(
            result,
            demo.residents,
            demo.communities,
            as_of_year=2024,
            need_weights=weights,
            plan=plan,
        )
        assert set(audit.table["dimension"]) == {
            "urban_rural",
            "age_band",
            "disability",
            "hukou_type",
        }
        assert audit.weighting_code == "by_segment"
        for _, part in audit.table.groupby("dimension"):
            assert part["need"].sum() == pytest.approx(result.cells["need"].sum(), rel=1e-6)
        assert json.loads(json.dumps(audit.to_dict(), allow_nan=False))["groups"]


def test_every_flag_has_a_part_with_its_figures():
    cells = pd.DataFrame(
        {
            "community": ["A", "B"],
            "category": ["x", "x"],
            "need": [10.0, 10.0],
            "covered": [9.0, 5.0],
        }
    )
    errors = pd.DataFrame(
        {"community": ["A", "B"], "category": ["x", "x"], "actual": [10, 10], "forecast": [10, 2]}
    )
    audit = fairness_audit(
        _residents(), COMMUNITIES, cells, forecast_errors=errors, as_of_year=2024
    )
    stored = json.loads(json.dumps(audit.to_dict(), allow_nan=False))
    assert len(stored["flag_parts"]) > 1 and "flags" not in stored  # codes and numbers only
    assert stored["weighting_code"] == "equal"
    codes = {part["code"] for part in stored["flag_parts"]}
    assert codes == {"under_served", "high_forecast_error"}
    rural = next(
        p for p in stored["flag_parts"] if p["code"] == "under_served" and p["group"] == "rural"
    )
    assert rural == {
        "code": "under_served",
        "dimension": "urban_rural",
        "group": "rural",
        "served": pytest.approx(0.5),
        "overall": pytest.approx(0.7),
        "below": pytest.approx(1 - 0.5 / 0.7),
        "threshold": 0.1,
    }
    groups = {row["group"] for row in stored["groups"]}
    for part in stored["flag_parts"]:
        # Group names and dimension codes only: nothing about a person.
        assert part["dimension"] in ("urban_rural", "age_band", "disability", "hukou_type")
        assert part["group"] in groups
        assert all(
            isinstance(v, int | float)
            for k, v in part.items()
            if k not in ("code", "dimension", "group")
        )
