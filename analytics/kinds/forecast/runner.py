"""The forecast runner: monthly series per community and service from the request history,
a rolling-origin backtest against the naive baselines, then a fit on all the history whose
forecasts are written as rows (``DemandForecast``) when the run finishes.

The series helpers are shared with the what-if runner, which fits the same model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

import pandas as pd

from analytics import partitions, queries
from analytics.engine.errors import EngineInputError
from analytics.engine.partitions import merge_keyed, merge_record
from analytics.engine.supply.forecast import (
    ForecastConfig,
    build_series_frame,
    forecast_with_optional_backtest,
)
from analytics.engine.supply.portraits import community_profile
from analytics.kinds.base import Outcome, PartOutcome, PartResult, Progress
from analytics.kinds.forecast.params import HORIZON_MAX
from analytics.kinds.forecast.result import (
    Backtest,
    BacktestCell,
    BacktestErrors,
    BacktestGroup,
    BacktestHorizon,
    ForecastResult,
    StoredEnsembleWeights,
)
from analytics.kinds.schema import record
from analytics.models import AnalysisRun, DemandForecast
from residents.models import Community
from residents.queries import demo_city_present
from services.models import ServiceCategory


def fingerprint(*frames: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def _series_frame(partition: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    requests = queries.request_history_frame(partition)
    if requests.empty:
        raise EngineInputError(
            "there are no service requests yet, so there is nothing to forecast",
            code="no_requests",
        )
    communities = queries.community_frame(partition)
    residents = queries.resident_profiles_frame(partition)
    categories = list(
        ServiceCategory.objects.filter(parent__isnull=False, active=True).values_list(
            "code", flat=True
        )
    )
    frame = build_series_frame(
        requests[["community", "category", "created"]],
        communities=communities,
        categories=categories,
    )
    if not residents.empty:
        frame = _with_profiles_by_year(frame, residents)
    return frame, requests


def _with_profiles_by_year(frame: pd.DataFrame, residents: pd.DataFrame) -> pd.DataFrame:
    """Each month's rows carry the community profile as of that year (ages as then), so a
    backtest origin sees the attributes it would have seen, not today's."""
    years = frame["period"].str[:4]
    profiles = pd.concat(
        [
            community_profile(residents, as_of=f"{year}-12").assign(_year=year)
            for year in sorted(years.unique())
        ]
    )
    profiles.index.name = "community"
    return (
        frame.assign(_year=years)
        .merge(profiles.reset_index(), on=["community", "_year"], how="left")
        .drop(columns="_year")
    )


def horizon_of(params: dict) -> int:
    most = HORIZON_MAX
    horizon = int(params.get("horizon", most))
    if not 1 <= horizon <= most:
        raise EngineInputError(
            f"the forecast horizon must be between 1 and {most} months",
            code="horizon_out_of_range",
            params={"most": most},
        )
    return horizon


def complete_months_frame(partition: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The monthly series up to the last complete month, and the requests they count: what
    the forecast and the what-if both fit on (with ``partition``, its communities only)."""
    frame, requests = _series_frame(partition)
    # The current month is still filling up: forecast from the last complete month.
    last_complete = (pd.Timestamp.now().to_period("M") - 1).strftime("%Y-%m")
    return frame[frame["period"] <= last_complete], requests


def forecast_run(run: AnalysisRun, progress: Progress) -> Outcome:
    return _forecast(run, progress, partitions.single(run.params))


def forecast_part(run: AnalysisRun, partition: str, progress: Progress) -> PartOutcome:
    """One city of a province forecast: its own series, backtest and fit; its forecasts are
    written with the part (rows keyed by the run and the city's communities)."""
    outcome = _forecast(run, progress, partition)
    return PartOutcome(outcome.result, writes=outcome.writes, timings=outcome.timings)


def _volume(result: ForecastResult) -> float:
    """The requests a part's backtest scored: what its error rates are weighted by."""
    return float(sum(cell.actual or 0 for cell in result.backtest_cells))


def _merged_weights(
    parts: Sequence[Sequence[StoredEnsembleWeights]], volumes: Sequence[float]
) -> list[StoredEnsembleWeights]:
    """The parts' mixes per horizon and group as one: each member's weight is the
    volume-weighted mean of the parts' (so the weights still sum to 1), a basis the parts
    disagree on reads as mixed."""
    merged = merge_keyed(
        [[w.to_json() for w in part] for part in parts],
        volumes,
        key=("horizon", "group", "series"),
    )
    return [StoredEnsembleWeights.from_json(row, where="ensemble_weights") for row in merged]


ErrorsT = TypeVar("ErrorsT", bound=BacktestErrors)


def _defined_where_merged(errors: ErrorsT) -> ErrorsT:
    """A merged slice's WAPE is undefined only where no part had requests: a part with none
    keeps its reason through the merge (the others' reason is None), so it is dropped where
    the merged WAPE is a number."""
    if errors.wape.get("model") is not None:
        return replace(errors, no_wape_reason=None)
    return errors


def forecast_merge(run: AnalysisRun, parts: Sequence[PartResult]) -> Outcome:
    """The province forecast from its cities' parts: backtest figures merged by
    ``analytics.engine.partitions`` (error rates weighted by each city's scored requests),
    the cells and series of every city. The forecasts were written by the parts."""
    results: list[ForecastResult] = [part.result for part in parts]
    weights = [_volume(result) for result in results]
    backtests = [result.backtest for result in results]
    # The typed errors merge as the flat records they are stored as.
    # A city too young to backtest has no errors to merge (its volume is 0 as well).
    with_errors = [
        (b.overall.to_json(), w) for b, w in zip(backtests, weights, strict=True) if b.overall
    ]
    overall = (
        _defined_where_merged(
            BacktestErrors.from_json(
                merge_record([e for e, _w in with_errors], [w for _e, w in with_errors])
            )
        )
        if with_errors
        else None
    )
    members = backtests[0].members if backtests else {}
    wape = overall.wape if overall is not None else {}
    wapes = {m: wape[m] for m in members if wape.get(m)}
    best = min(wapes, key=wapes.get) if wapes else None
    model, seasonal = wape.get("model"), wape.get("seasonal_naive")
    first = backtests[0] if backtests else Backtest()
    backtest = Backtest(
        method=first.method,
        members=first.members,
        baselines=first.baselines,
        origins=sorted({origin for b in backtests for origin in b.origins}),
        horizon=first.horizon,
        interval=first.interval,
        group_column=first.group_column,
        overall=overall,
        improvement_over_seasonal_naive=1 - model / seasonal if model and seasonal else None,
        best_member=best,
        gap_to_best_member=model / wapes[best] - 1 if model and best else None,
        weights=_merged_weights([b.weights for b in backtests], weights),
        by_group=[
            _defined_where_merged(BacktestGroup.from_json(row))
            for row in merge_keyed(
                [[g.to_json() for g in b.by_group] for b in backtests], weights, key="group"
            )
        ],
        by_horizon=[
            _defined_where_merged(BacktestHorizon.from_json(row))
            for row in merge_keyed(
                [[h.to_json() for h in b.by_horizon] for b in backtests], weights, key="horizon"
            )
        ],
        seconds=sum(b.seconds or 0 for b in backtests),
    )
    digest = hashlib.sha256()
    for part in parts:
        digest.update(f"{part.partition}:{part.result.data_fingerprint};".encode())
    result = ForecastResult(
        backtest=backtest,
        backtest_cells=[cell for r in results for cell in r.backtest_cells],
        ensemble_weights=_merged_weights([r.ensemble_weights for r in results], weights),
        horizon=results[0].horizon if results else None,
        last_month=max((r.last_month or "" for r in results), default="") or None,
        n_series=sum(r.n_series or 0 for r in results),
        intermittent_series=None
        if any(r.intermittent_series is None for r in results)
        else sum(r.intermittent_series for r in results),
        history_months=max((r.history_months or 0 for r in results), default=0) or None,
        backtest_months_needed=max((r.backtest_months_needed or 0 for r in results), default=0)
        or None,
        data_fingerprint=digest.hexdigest(),
        synthetic=any(r.synthetic for r in results),
    )
    return Outcome(result)


def _forecast(run: AnalysisRun, progress: Progress, partition: str | None = None) -> Outcome:
    horizon = horizon_of(run.params)
    progress(5, "building monthly series")
    frame, requests = complete_months_frame(partition)
    config = ForecastConfig(horizon=horizon)
    progress(15, "backtesting the ensemble and its members against the naive baselines")
    forecaster, backtest = forecast_with_optional_backtest(frame, config=config)
    forecasts = forecaster.forecast()
    if backtest is None:
        # Too few months to backtest: the forecasts stand, and the page says why nothing
        # checks them against past months.
        checked = Backtest(method=config.describe(), horizon=horizon, interval=config.interval)
        cells: list[BacktestCell] = []
        needed: int | None = config.months_needed(backtest=True)
    else:
        # Backtest errors per community and category, kept for the fairness audit of
        # allocations.
        scored = backtest.predictions.dropna(subset=["actual", "forecast"])
        split = scored["series"].str.split("|", n=1, expand=True)
        errors = (
            scored.assign(community=split[0], category=split[1])
            .groupby(["community", "category"], as_index=False)[["actual", "forecast"]]
            .sum()
        )
        checked = record(Backtest, backtest.to_dict(), where="backtest")
        cells = [record(BacktestCell, cell) for cell in errors.to_dict("records")]
        needed = None
    result = ForecastResult(
        backtest=checked,
        backtest_cells=cells,
        ensemble_weights=[StoredEnsembleWeights.of(w) for w in forecaster.weights()],
        horizon=horizon,
        last_month=str(forecaster.last_period),
        n_series=int(frame["series"].nunique()),
        intermittent_series=forecaster.intermittent_series,
        history_months=forecaster.history.n_months,
        backtest_months_needed=needed,
        data_fingerprint=fingerprint(requests),
        synthetic=demo_city_present(),
    )
    communities = dict(
        Community.objects.filter(partitions.community_q(partition)).values_list("code", "id")
    )
    categories = dict(ServiceCategory.objects.values_list("code", "id"))

    def write(stored_run: AnalysisRun) -> None:
        rows = []
        for row in forecasts.itertuples(index=False):
            community_code, category_code = row.series.split("|", 1)
            rows.append(
                DemandForecast(
                    run=stored_run,
                    community_id=communities[community_code],
                    category_id=categories[category_code],
                    period=pd.Period(row.period, freq="M").to_timestamp().date(),
                    forecast=float(row.forecast),
                    lower=float(row.lower),
                    upper=float(row.upper),
                )
            )
        DemandForecast.objects.bulk_create(rows, batch_size=5000)

    timings = {"backtest": round(backtest.seconds, 3)} if backtest is not None else {}
    return Outcome(result, write, timings)
