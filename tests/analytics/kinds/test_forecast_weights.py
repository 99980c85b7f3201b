"""The ensemble's weights in a forecast result are typed: read from what runs stored (older
texts included), refused with the key named when they do not fit, merged across a province's
parts with the weights still summing to one."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.engine.partitions import MIXED
from analytics.engine.supply.forecast import MEMBERS, fit_forecaster
from analytics.kinds.forecast.result import ForecastResult, StoredEnsembleWeights
from analytics.kinds.forecast.runner import _merged_weights
from analytics.kinds.schema import SchemaError
from tests.analytics.engine.supply.test_ensemble import QUICK, _seasonal_frame


@pytest.fixture(scope="module")
def engine_weights():
    forecaster = fit_forecaster(_seasonal_frame(n_series=20, n_months=60), config=QUICK)
    return forecaster.weights()


def test_the_engines_weights_are_stored_and_read_back_unchanged(engine_weights):
    stored = [StoredEnsembleWeights.of(w) for w in engine_weights]
    result = ForecastResult(ensemble_weights=stored)
    again = ForecastResult.from_json(result.to_json())
    assert again.ensemble_weights == stored
    first = again.ensemble_weights[0].to_json()
    # Flat, one key per member, as runs have always stored it.
    assert set(MEMBERS) <= set(first) and first["horizon"] == 1 and first["group"] is None


def test_texts_stored_before_the_codes_read_as_the_codes():
    older = {
        "horizon": 2,
        "group": None,
        **dict.fromkeys(MEMBERS, 0.0),
        "gbm": 1.0,
        "basis": "best single member",
        "learnt_share": 1.0,
        "interval": "conformal (pooled horizons)",
    }
    weights = StoredEnsembleWeights.from_json(older)
    assert (weights.basis, weights.interval) == ("best_member", "conformal_pooled")
    assert weights.weights["gbm"] == 1.0
    older.update(basis="equal (no backtest)", interval="poisson")
    assert StoredEnsembleWeights.from_json(older).basis == "equal"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"prophet": 0.5}, "prophet"),
        ({"basis": "guessed"}, "basis"),
        ({"gbm": "half"}, "gbm"),
        ({"horizon": 1.5}, "horizon"),
        ({"series": "sparse"}, "series"),
    ],
)
def test_weights_that_do_not_fit_are_refused_naming_the_key(change, named):
    row = {
        "horizon": 1,
        "group": None,
        **dict.fromkeys(MEMBERS, 0.2),
        "basis": "learnt",
        "learnt_share": 1.0,
        "interval": "conformal",
        **change,
    }
    with pytest.raises(SchemaError, match=named):
        ForecastResult.from_json({"schema_version": 4, "ensemble_weights": [row]})


def test_a_provinces_parts_merge_into_weights_summing_to_one(engine_weights):
    first = [StoredEnsembleWeights.of(w) for w in engine_weights]
    # A second city whose backtest was too short for learnt weights at every horizon.
    second = [
        StoredEnsembleWeights.from_json(
            {**w.to_json(), **dict.fromkeys(MEMBERS, 0.0), "ets": 1.0, "basis": "best_member"}
        )
        for w in first
    ]
    merged = _merged_weights([first, second], [3.0, 1.0])
    assert [(w.horizon, w.group) for w in merged] == [(w.horizon, w.group) for w in first]
    for mine, theirs, together in zip(first, second, merged, strict=True):
        total = sum(together.weights.values())
        assert total == pytest.approx(1)
        expected = 0.75 * np.array([mine.weights[m] for m in MEMBERS]) + 0.25 * np.array(
            [theirs.weights[m] for m in MEMBERS]
        )
        assert [together.weights[m] for m in MEMBERS] == pytest.approx(expected)
        assert together.basis == MIXED


def test_a_province_with_a_city_too_young_to_backtest_merges_the_others_errors():
    from analytics.engine.supply.forecast import ForecastConfig, forecast_with_optional_backtest
    from analytics.kinds.base import PartResult
    from analytics.kinds.forecast.result import Backtest, BacktestCell
    from analytics.kinds.forecast.runner import forecast_merge
    from analytics.kinds.schema import record

    config = ForecastConfig(horizon=3, max_iter=40, max_train_rows=20_000)
    old, backtest = forecast_with_optional_backtest(
        _seasonal_frame(n_series=12, n_months=40), config=config, group_column=None
    )
    young, none = forecast_with_optional_backtest(
        _seasonal_frame(n_series=12, n_months=20, seed=2), config=config, group_column=None
    )
    assert backtest is not None and none is None
    parts = [
        PartResult(
            "5101",
            ForecastResult(
                backtest=record(Backtest, backtest.to_dict(), where="backtest"),
                backtest_cells=[BacktestCell(community="a", category="x", actual=500.0)],
                ensemble_weights=[StoredEnsembleWeights.of(w) for w in old.weights()],
                history_months=40,
            ),
        ),
        PartResult(
            "5118",
            ForecastResult(
                backtest=Backtest(method=config.describe(), horizon=3, interval=0.8),
                ensemble_weights=[StoredEnsembleWeights.of(w) for w in young.weights()],
                history_months=20,
                backtest_months_needed=config.months_needed(backtest=True),
            ),
        ),
    ]
    merged = forecast_merge(None, parts).result
    # The young city scored nothing: the province's errors are the older city's.
    assert merged.backtest.overall.wape == pytest.approx(parts[0].result.backtest.overall.wape)
    assert (merged.history_months, merged.backtest_months_needed) == (40, 26)
    for weights in merged.ensemble_weights:
        assert sum(weights.weights.values()) == pytest.approx(1)
    # Every city too young: no errors at all, not an empty row of them.
    alone = forecast_merge(None, parts[1:]).result
    assert alone.backtest.overall is None and alone.backtest_months_needed == 26


def _row(**change) -> dict:
    return {
        "horizon": 1,
        "group": None,
        **dict.fromkeys(MEMBERS, 0.0),
        "gbm": 1.0,
        "basis": "learnt",
        "learnt_share": 1.0,
        "interval": "conformal",
        **change,
    }


def test_weights_stored_before_the_intermittent_mix_read_as_the_regular_mix():
    older = _row()  # no "series": every stored mix was the regular series'
    assert StoredEnsembleWeights.from_json(older).series == "regular"
    result = ForecastResult.from_json({"schema_version": 4, "ensemble_weights": [older]})
    assert result.intermittent_series is None


def test_the_intermittent_mix_is_stored_and_read_back():
    sparse = _row(gbm=0.0, tsb=1.0, series="intermittent", basis="best_member")
    result = ForecastResult(
        ensemble_weights=[StoredEnsembleWeights.from_json(r) for r in (_row(), sparse)],
        n_series=10,
        intermittent_series=3,
    )
    again = ForecastResult.from_json(result.to_json())
    assert [w.series for w in again.ensemble_weights] == ["regular", "intermittent"]
    assert again.ensemble_weights[1].weights["tsb"] == 1.0 and again.intermittent_series == 3


def test_a_provinces_parts_keep_the_intermittent_mix_apart_from_the_regular_one():
    """A city with intermittent series and one without: the province's regular mix is both
    cities', its intermittent mix the first city's alone (never averaged into the other)."""
    first = [
        StoredEnsembleWeights.from_json(_row()),
        StoredEnsembleWeights.from_json(_row(gbm=0.0, tsb=1.0, series="intermittent")),
    ]
    second = [StoredEnsembleWeights.from_json(_row(gbm=0.0, ets=1.0))]
    merged = _merged_weights([first, second], [1.0, 1.0])
    assert [w.series for w in merged] == ["regular", "intermittent"]
    assert merged[0].weights["gbm"] == pytest.approx(0.5)
    assert merged[1].weights["tsb"] == 1.0 and merged[1].weights["ets"] == 0.0


def test_backtest_errors_carry_the_scaled_squared_error_and_why_a_wape_is_missing():
    from analytics.kinds.forecast.result import BacktestErrors

    stored = {
        "n": 12.0,
        "wape_model": None,
        "mase_model": 0.4,
        "rmsse_model": 0.7,
        "rmsse_tsb": 0.6,
        "coverage": 1.0,
        "mean_interval_width": 1.0,
        "no_wape_reason": "no_demand",
    }
    errors = BacktestErrors.from_json(stored)
    assert errors.rmsse == {"model": 0.7, "tsb": 0.6} and errors.no_wape_reason == "no_demand"
    assert errors.wape == {"model": None}
    assert BacktestErrors.from_json(errors.to_json()) == errors
    # Stored before either: no scaled squared error, no reason.
    older = BacktestErrors.from_json({"n": 12.0, "wape_model": 0.3, "coverage": 0.8})
    assert older.rmsse == {} and older.no_wape_reason is None


def test_a_stored_reason_for_a_missing_wape_must_be_a_known_one():
    from analytics.kinds.forecast.result import BacktestErrors
    from analytics.kinds.schema import SchemaError

    with pytest.raises(SchemaError, match="by_group: no_wape_reason: unknown 'no_rows'"):
        BacktestErrors.from_json({"n": 0.0, "no_wape_reason": "no_rows"}, where="by_group")


def test_a_province_whose_city_had_no_demand_keeps_the_others_wape_defined():
    from analytics.kinds.forecast.result import BacktestErrors
    from analytics.kinds.forecast.runner import _defined_where_merged

    merged = BacktestErrors.from_json({"n": 24.0, "wape_model": 0.3, "no_wape_reason": "no_demand"})
    assert _defined_where_merged(merged).no_wape_reason is None
    alone = BacktestErrors.from_json({"n": 24.0, "wape_model": None, "no_wape_reason": "no_demand"})
    assert _defined_where_merged(alone).no_wape_reason == "no_demand"
