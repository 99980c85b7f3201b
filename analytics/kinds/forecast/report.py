"""The forecast page: the backtest against the naive baselines (city-wide), one community's
series charted with its 80% band, the community's forecasts by service and month, and the
what-if scenarios started from here. Communities come from the reader's scope."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from analytics import queries, wording
from analytics.engine.partitions import MIXED
from analytics.engine.supply.forecast import MEMBERS, NO_DEMAND
from analytics.forms import SeriesChoiceForm
from analytics.kinds.forecast.result import (
    BacktestErrors,
    ForecastResult,
    StoredEnsembleWeights,
)
from analytics.kinds.what_if.params import WhatIfStartForm
from analytics.models import AnalysisRun, DemandForecast
from analytics.reports import finite, names
from core.localisation import localised_name
from residents.community_picker import picker_scope
from residents.models import Community
from services.models import ServiceCategory

HISTORY_MONTHS = 24
WHAT_IF_RECENT = 5
Kind = AnalysisRun.Kind


def _improvement(errors: BacktestErrors) -> float | None:
    model = finite(errors.wape.get("model"))
    seasonal = finite(errors.wape.get("seasonal_naive"))
    if model is None or not seasonal:
        return None
    return 1 - model / seasonal


# Why a WAPE is not shown, by the engine's code (``BacktestErrors.no_wape_reason``, one of
# ``NO_WAPE_REASONS``): every reason has its words.
NO_WAPE_LABELS = {NO_DEMAND: _("Not defined: no requests in these months")}


def _no_wape(errors: BacktestErrors) -> str | None:
    """What to read in place of the WAPE figures of a slice where they are not defined."""
    if errors.no_wape_reason is None:
        return None
    # One of NO_WAPE_REASONS: a stored result holding another is refused where it is read.
    return NO_WAPE_LABELS[errors.no_wape_reason]


def backtest_rows(result: ForecastResult) -> list[dict]:
    """Overall row first, then one per category, each with the improvement over seasonal
    naive WAPE (positive = the model's error is lower), and ``no_wape`` the text shown in
    place of WAPE where it is not defined (no requests in the slice's months)."""
    backtest = result.backtest
    category_names = names()[1]
    slices: list[tuple[object, bool, BacktestErrors]] = []
    if backtest.overall is not None:
        slices.append((_("Overall"), True, backtest.overall))
    slices += [(category_names.get(g.group, g.group), False, g) for g in backtest.by_group]
    return [
        {
            "label": label,
            "overall": overall,
            **errors.as_row(),
            "improvement": _improvement(errors),
            "no_wape": _no_wape(errors),
            # Runs stored before the scaled squared error have none: said, not left blank.
            "rmsse_recorded": bool(errors.rmsse),
        }
        for label, overall, errors in slices
    ]


MEMBER_LABELS = {
    "gbm": _("Gradient boosting"),
    "ets": _("Exponential smoothing"),
    "theta": _("Theta method"),
    "seasonal_naive": _("Seasonal naive"),
    "seasonal_growth": _("Seasonal naive × growth"),
    "tsb": _("Intermittent demand (TSB)"),
}


def horizon_table(result: ForecastResult) -> dict:
    """The ensemble beside each of its members (WAPE) and the interval's coverage, over all
    months ahead and per month ahead: the members shown are those the backtest scored."""
    backtest = result.backtest
    if backtest.overall is None:
        return {"members": [], "rows": []}
    members = [m for m in MEMBERS if m in backtest.overall.wape]
    source: list[tuple[int | None, BacktestErrors]] = [(None, backtest.overall)]
    source += [(row.horizon, row) for row in backtest.by_horizon]
    rows = []
    for horizon, errors in source:
        label = _("All months ahead") if horizon is None else _months_ahead(horizon)
        rows.append(
            {
                "label": label,
                "overall": horizon is None,
                "n": errors.n,
                "wape_model": errors.wape.get("model"),
                "members": [errors.wape.get(m) for m in members],
                "no_wape": _no_wape(errors),
                "coverage": errors.coverage,
                "width": errors.mean_interval_width,
            }
        )
    return {"members": [MEMBER_LABELS[m] for m in members], "rows": rows}


WEIGHT_BASIS_LABELS = {
    "learnt": _("Learnt on the backtest"),
    "best_member": _("Best single method (too little backtest for a mix)"),
    "equal": _("Equal weights (hardly any backtest)"),
    "group": _("The service's own"),
    MIXED: _("Differs between the parts of the run"),
}
INTERVAL_BASIS_LABELS = {
    "conformal": _("From the backtest errors at this many months ahead"),
    "conformal_pooled": _("From the backtest errors at every months ahead (too few at this one)"),
    "poisson": _("Poisson around the forecast (too little backtest)"),
    MIXED: _("Differs between the parts of the run"),
}


def _months_ahead(horizon: int) -> str:
    return ngettext("%(months)d month ahead", "%(months)d months ahead", horizon) % {
        "months": horizon
    }


def _weight_rows(weights: list[StoredEnsembleWeights], members: list[str]) -> list[dict]:
    return [
        {
            "label": _months_ahead(w.horizon),
            "members": [{"name": MEMBER_LABELS[m], "share": w.weights.get(m)} for m in members],
            "basis": WEIGHT_BASIS_LABELS[w.basis],
            "learnt_share": w.learnt_share if w.basis == "learnt" else None,
            "interval": INTERVAL_BASIS_LABELS[w.interval],
        }
        for w in sorted(weights, key=lambda w: w.horizon)
    ]


def weights_table(result: ForecastResult) -> dict:
    """How the forecasts shown were combined, per months ahead: each method's share, how the
    shares and the interval were found, and how many services have shares of their own; then
    the same for the series whose demand is intermittent, which have a mix of their own
    (``intermittent``: None where the run has no such series or is older than this table).
    Where every series is intermittent, only their mix is shown (``rows`` empty)."""
    regular = [w for w in result.ensemble_weights if w.series == "regular"]
    if result.n_series and result.intermittent_series == result.n_series:
        # Every series uses the intermittent mix: the regular one forecasts nothing shown.
        regular = []
    overall = [w for w in regular if w.group is None]
    # The intermittent method is weighted for intermittent series only: no column here.
    members = [m for m in MEMBERS if m != "tsb" and any(m in w.weights for w in overall)]
    own = {w.group for w in regular if w.group is not None}
    sparse = [w for w in result.ensemble_weights if w.series == "intermittent" and w.group is None]
    intermittent = None
    if sparse:
        sparse_members = [m for m in MEMBERS if any(m in w.weights for w in sparse)]
        intermittent = {
            "members": [MEMBER_LABELS[m] for m in sparse_members],
            "rows": _weight_rows(sparse, sparse_members),
            "series": result.intermittent_series,
            "of": result.n_series,
        }
    return {
        "members": [MEMBER_LABELS[m] for m in members],
        "rows": _weight_rows(overall, members),
        "services_with_own": len(own),
        "intermittent": intermittent,
    }


def _month_range(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    end_year, end_month = map(int, last.split("-"))
    out = []
    while (year, month) <= (end_year, end_month):
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def _shift_month(month: str, delta: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def forecast_chart(
    *, run: AnalysisRun, result: ForecastResult, community: Community, category: ServiceCategory
) -> dict | None:
    """Actual monthly counts (the last two years up to the run's last month) and the run's
    forecasts with their 80% band, for one community and category."""
    forecasts = list(
        DemandForecast.objects.filter(run=run, community=community, category=category)
        .order_by("period")
        .values_list("period", "forecast", "lower", "upper")
    )
    last_month = result.last_month
    if not forecasts and not last_month:
        return None
    if not last_month:
        last_month = _shift_month(forecasts[0][0].strftime("%Y-%m"), -1)
    first_month = _shift_month(last_month, -(HISTORY_MONTHS - 1))
    start = date(*map(int, first_month.split("-")), 1)
    actual = queries.monthly_actuals(community=community, category=category, start=start)
    forecast_months = [p.strftime("%Y-%m") for p, *_ in forecasts]
    history = _month_range(first_month, last_month)
    # Forecast months already over (an older run) show their actual counts for comparison.
    this_month = timezone.localdate().strftime("%Y-%m")
    labels = history + [m for m in forecast_months if m not in history]
    by_month = {p.strftime("%Y-%m"): (f, lo, hi) for p, f, lo, hi in forecasts}

    def series(index: int) -> list[float | None]:
        values: list[float | None] = []
        for month in labels:
            if month in by_month:
                values.append(round(by_month[month][index], 2))
            elif month == last_month:
                # Join the forecast line to the last actual month.
                values.append(float(actual.get(month, 0)))
            else:
                values.append(None)
        return values

    return {
        "labels": labels,
        # A month still under way would look like a drop: only complete months are shown.
        "actual": [actual.get(m, 0) if m < this_month else None for m in labels],
        "forecast": series(0),
        "lower": series(1),
        "upper": series(2),
        "names": {
            "actual": str(_("Actual requests")),
            "forecast": str(_("Forecast")),
            "lower": str(_("%(level)s interval, lower") % {"level": "80%"}),
            "upper": str(_("%(level)s interval, upper") % {"level": "80%"}),
        },
        "y_label": str(_("Requests per month")),
        "table": [
            {"month": m, "forecast": f, "lower": lo, "upper": hi}
            for m, (f, lo, hi) in sorted(by_month.items())
        ],
    }


def community_forecast_table(*, run: AnalysisRun, community: Community) -> dict:
    """The run's forecasts for one community: one row per category, one column per month."""
    rows = DemandForecast.objects.filter(run=run, community=community).select_related("category")
    months: list[str] = sorted({r.period.strftime("%Y-%m") for r in rows})
    by_category: dict[int, dict] = {}
    for r in rows:
        entry = by_category.setdefault(
            r.category_id, {"category": localised_name(r.category), "cells": {}}
        )
        entry["cells"][r.period.strftime("%Y-%m")] = r
    table = [
        {"category": e["category"], "cells": [e["cells"].get(m) for m in months]}
        for e in sorted(by_category.values(), key=lambda e: e["category"])
    ]
    return {"months": months, "rows": table}


def page(request: HttpRequest, run: AnalysisRun, result: ForecastResult) -> dict:
    """The forecast page: backtest, one series charted, one community's table, what-ifs."""
    backtest = result.backtest
    # Whether the reader's communities are too many to list, decided once for the page's
    # forms (the series form, twice when it is invalid, and the what-if form).
    scope = picker_scope(queries.community_scope(request.user))
    communities = scope.communities
    categories = queries.forecast_categories(run)
    form = SeriesChoiceForm(
        request.GET if "community" in request.GET or "category" in request.GET else None,
        communities=scope,
        categories=categories,
    )
    community = category = None
    if form.is_bound and form.is_valid():
        community, category = form.cleaned_data["community"], form.cleaned_data["category"]
    else:
        community, category = communities.first(), categories.first()
        if form.is_bound:
            form = SeriesChoiceForm(
                initial={"community": community, "category": category},
                communities=scope,
                categories=categories,
            )
        else:
            form.initial = {"community": community, "category": category}
    chart = table = None
    if community is not None and category is not None:
        chart = forecast_chart(run=run, result=result, community=community, category=category)
    if community is not None:
        table = community_forecast_table(run=run, community=community)
    what_if_form = None
    if queries.may_start_kind(request.user, Kind.WHAT_IF) and community is not None:
        # Its own ids: the series form above has a "community" field too.
        what_if_form = WhatIfStartForm(
            user=request.user,
            communities=scope,
            initial={"community": community},
            auto_id="what-if-%s",
        )
    return {
        "what_if_form": what_if_form,
        "what_if_url": reverse("analytics:run_list", kwargs={"kind": Kind.WHAT_IF}),
        # Listed by number and status: their results are not read.
        "what_if_runs": queries.runs_for(request.user, kind=Kind.WHAT_IF).defer("result")[
            :WHAT_IF_RECENT
        ],
        "backtest": backtest,
        # Months too few to backtest: for all of the run (no backtest at all) or, in a
        # province run, for some of its cities.
        "short_history": result.backtest_months_needed is not None,
        "history_months": result.history_months,
        "backtest_months_needed": result.backtest_months_needed,
        "method": wording.forecast_method_text(method=backtest.method, interval=backtest.interval),
        "backtest_rows": backtest_rows(result),
        "horizon_table": horizon_table(result),
        "weights_table": weights_table(result),
        "improvement": backtest.improvement_over_seasonal_naive,
        "no_wape": backtest.overall is not None and backtest.overall.no_wape_reason is not None,
        # Every backtest has the scaled squared error's columns; a run stored before it
        # says so in them (``rmsse_recorded`` per row).
        "show_rmsse": backtest.overall is not None,
        "coverage": backtest.overall.coverage if backtest.overall else None,
        "interval": backtest.interval or 0.8,
        "series_form": form,
        "community": community,
        "category": category,
        "chart": chart,
        "community_table": table,
        "no_communities": not communities.exists(),
    }
