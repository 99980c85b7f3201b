"""Equity weights with their reasons, and the effect lag of an ADL(1,1) fit."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from analytics.engine.equalization.equity import EquityOptions, effect_lag, equity_weights
from analytics.engine.errors import EngineContractError, EngineInputError


@dataclass
class FakeFit:
    coef: dict
    vcov: pd.DataFrame | None = None


def test_long_run_effect_and_lags_of_a_known_adl():
    fit = FakeFit({"L1.pubindicator": 0.5, "diggovment": 1.0, "L1.diggovment": 0.5})
    lag = effect_lag(fit)
    assert lag.short_run == 1.0
    assert lag.long_run == pytest.approx(3.0)  # (1 + 0.5) / (1 - 0.5)
    assert lag.mean_lag_years == pytest.approx((0.5 * 1.0 + 0.5) / (0.5 * 1.5))
    # cumulative effect: 1, 1 + 0.5 + 0.5 = 2, 2 + 0.5 = 2.5, 2.75, ...
    assert lag.cumulative[:4] == pytest.approx((1.0, 2.0, 2.5, 2.75))
    assert lag.years_to_half == 1  # 2.0 / 3 >= 0.5
    assert lag.years_to_90_percent == 3  # 2.75 / 3 >= 0.9, 2.5 / 3 is not
    assert lag.long_run_se is None


def test_long_run_standard_error_by_the_delta_method():
    names = ["L1.pubindicator", "diggovment", "L1.diggovment"]
    vcov = pd.DataFrame(np.diag([0.01, 0.04, 0.09]), index=names, columns=names)
    fit = FakeFit({"L1.pubindicator": 0.5, "diggovment": 1.0, "L1.diggovment": 0.5}, vcov)
    lag = effect_lag(fit)
    gradient = np.array([1.5 / 0.25, 2.0, 2.0])
    assert lag.long_run_se == pytest.approx(np.sqrt(gradient**2 @ [0.01, 0.04, 0.09]))


def test_a_series_of_coefficients_works_and_missing_names_are_reported():
    coef = pd.Series({"L1.E": 0.4, "diggovment": -0.2, "L1.diggovment": -0.1})
    lag = effect_lag(FakeFit(coef), dependent="E")
    assert lag.long_run == pytest.approx(-0.5)
    with pytest.raises(EngineContractError, match=r"L1\.pubindicator"):
        effect_lag(FakeFit(coef))


def test_explosive_dynamics_have_no_long_run_effect():
    lag = effect_lag(FakeFit({"L1.pubindicator": 1.1, "diggovment": 1.0, "L1.diggovment": 0.0}))
    assert lag.long_run is None
    assert lag.notes


def _scores() -> pd.DataFrame:
    # North: cities at 50 and 150; South: 100 and 100 (no spread); 2018 only
    return pd.DataFrame(
        {
            "city_code": ["110000", "120000", "440100", "440300"],
            "year": [2018] * 4,
            "region": ["North", "North", "South", "South"],
            "pubindicator": [50.0, 150.0, 100.0, 100.0],
            "E": [120.0, 40.0, 0.0, -20.0],
        }
    )


def test_city_weights_favour_lagging_cities_in_unequal_regions():
    weights = equity_weights(_scores(), ddof=0)
    cities = weights.cities.set_index("city_code")
    # median 100; Beijing (50) falls 50% short; North CV = 0.5, South CV = 0, mean 0.25
    assert cities.loc["110000", "shortfall"] == pytest.approx(0.5)
    assert cities.loc["110000", "weight"] == pytest.approx(1 + 0.5 * (0.5 / 0.25))
    assert cities.loc["120000", "weight"] == 1.0
    assert cities.loc["440100", "weight"] == 1.0
    (below,) = cities.loc["110000", "reason_parts"]
    assert (below["code"], below["shortfall"], below["weight"]) == ("city_below_median", 0.5, 2.0)
    assert cities.loc["120000", "reason_parts"][0]["code"] == "city_at_or_above_median"


def test_no_spread_in_any_region_makes_the_regional_factor_neutral():
    # Every region's cities equal within the region (all CVs 0): the lagging city is still
    # lifted by its shortfall, the regional factor is 1, and nothing divides by zero.
    scores = _scores().assign(pubindicator=[50.0, 50.0, 100.0, 100.0])
    scores = pd.concat(
        [scores, scores.iloc[2:].assign(city_code=["440400", "440500"])], ignore_index=True
    )
    cities = equity_weights(scores, ddof=0).cities.set_index("city_code")
    assert cities.loc["110000", "shortfall"] == pytest.approx(0.5)
    assert cities.loc["110000", "weight"] == pytest.approx(1 + 1.0 * 0.5 * 1.0)
    assert cities.loc["110000", "reason_parts"][0]["relative_cv"] == 1.0


def test_community_type_weights_lift_the_less_provided_side():
    weights = equity_weights(_scores(), ddof=0, options=EquityOptions(gap_weight=0.5))
    beijing = weights.community_type_weights_for("110000")
    assert beijing["urban"]["weight"] == pytest.approx(2.0)
    assert beijing["rural"]["weight"] == pytest.approx(2.0 * (1 + 0.5 * 1.2))
    assert beijing["rural"]["reason_parts"][0]["code"] == "community_type_uplift"
    assert beijing["rural"]["reason_parts"][0]["uplift"] == pytest.approx(1.6)
    parity = weights.community_type_weights_for("440100")
    assert parity["urban"]["weight"] == parity["rural"]["weight"] == 1.0
    # E < 0: the rural part is better provided, so urban communities get the uplift
    shenzhen = weights.community_type_weights_for("440300")
    assert shenzhen["urban"]["weight"] == pytest.approx(1.1)
    assert shenzhen["rural"]["weight"] == 1.0


def test_weights_carry_the_lag_and_serialise():
    fit = FakeFit({"L1.pubindicator": 0.5, "diggovment": 1.0, "L1.diggovment": 0.5})
    weights = equity_weights(_scores(), dynamic_model=fit)
    payload = weights.to_dict()
    assert payload["lag"]["long_run"] == pytest.approx(3.0)
    assert payload["year"] == 2018
    assert {row["kind"] for row in payload["community_types"]} == {"urban", "rural"}
    with pytest.raises(EngineInputError, match="999999"):
        weights.community_type_weights_for("999999")


def test_reference_year_must_exist():
    with pytest.raises(EngineInputError, match="2015"):
        equity_weights(_scores(), options=EquityOptions(reference_year=2015))


def test_reasons_have_parts_with_codes_and_figures_only():
    weights = equity_weights(_scores(), ddof=0, options=EquityOptions(gap_weight=0.5))
    payload = json.loads(json.dumps(weights.to_dict()))
    cities = {row["city_code"]: row["reason_parts"] for row in payload["cities"]}
    assert cities["120000"] == [
        {
            "code": "city_at_or_above_median",
            "city": "120000",
            "region": "North",
            "level": 150.0,
            "year": 2018,
            "median": 100.0,
        }
    ]
    (beijing,) = cities["110000"]
    assert beijing["code"] == "city_below_median"
    assert beijing["shortfall"] == pytest.approx(0.5)
    assert beijing["relative_cv"] == pytest.approx(2.0)
    assert beijing["weight"] == pytest.approx(2.0)
    types = {
        (row["city_code"], row["kind"]): row["reason_parts"] for row in payload["community_types"]
    }
    assert types[("110000", "urban")][0]["code"] == "community_type_better_provided"
    assert types[("110000", "rural")][0]["code"] == "community_type_uplift"
    assert types[("110000", "rural")][0]["uplift"] == pytest.approx(1.6)
    assert types[("440100", "urban")][0]["code"] == "community_type_equally_provided"
    assert types[("440300", "urban")][0]["code"] == "community_type_uplift"  # E < 0
    rural = weights.community_type_weights_for("110000")["rural"]
    assert rural["reason_parts"] == types[("110000", "rural")]
    for parts in [*cities.values(), *types.values()]:
        (part,) = parts
        # Codes and numbers only: a city is named by its code, the page looks its name up.
        assert all(
            isinstance(v, int | float)
            for k, v in part.items()
            if k not in ("code", "city", "region", "kind")
        )
