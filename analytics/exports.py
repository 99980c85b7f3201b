"""The tables of the analytics pages as rows for download (CSV, streamed by the view).

Each table is a plain function from a finished run's stored result to a :class:`Table`: stable
English column names (listed in ``docs/precision-supply.md``) and rows of raw values, numbers
at full precision, codes beside names, ``None`` where the result has nothing. Names and the
engine's texts are in the active language (``analytics.texts``), as on the pages. The caller
passes the result as the user may see it (``queries.result_for``) and the community codes the
user may see (``queries.visible_community_codes``); the tables kept as database rows rather
than in the result (forecasts, allocation lines) are read through ``analytics.queries`` with
the same codes. A result missing a part (an older run) gives the header and no rows.

Nothing here holds a person's name, phone or ID number: the results hold none, and the only
names written are those of communities, cities, categories and suppliers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation

from analytics import queries, reports, texts
from analytics.models import AnalysisRun
from core.localisation import localised_name
from services.models import SupplyCapacity

Kind = AnalysisRun.Kind
SYNTHETIC_SUFFIX = "-SYNTHETIC"


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Iterable[Sequence[object]]


def _items(value: object) -> list:
    return value if isinstance(value, list) else []


def _list(value: object) -> list[dict]:
    """The dict entries of a list in the result (anything else: none)."""
    return [r for r in _items(value) if isinstance(r, dict)]


def _num(value: object) -> int | float | None:
    """A finite number as stored (ints stay ints), else ``None``: a malformed cell of an old
    result becomes an empty cell, not an error."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return None


def _count(value: object) -> int | None:
    """Counts the engine stored as floats (``34.0`` cities) written as integers."""
    number = _num(value)
    return int(number) if number is not None and float(number).is_integer() else number


def _in_scope(code: object, codes: set[str] | None) -> bool:
    return codes is None or code in codes


def is_synthetic(result: dict | None) -> bool:
    """Whether the result says it was computed from SYNTHETIC data (the equalization analysis
    on the generated panel sets ``synthetic``)."""
    return isinstance(result, dict) and result.get("synthetic") is True


def filename(*, kind: str, run_ids: Sequence[int], table: str, synthetic: bool) -> str:
    """``<kind>-run<pk>-<table>.csv`` (``-run<pk>`` once per run of a comparison), with
    ``-SYNTHETIC`` before the extension for synthetic data: Excel names the sheet after the
    file, so the label stays in view without changing the columns."""
    runs = "-".join(f"run{pk}" for pk in run_ids)
    return f"{kind}-{runs}-{table}{SYNTHETIC_SUFFIX if synthetic else ''}.csv"


# Equalization -------------------------------------------------------------------------------

TABLE1_COLUMNS = (
    "region",
    "cities",
    "cv_pubindicator",
    "paper_cv_pubindicator",
    "difference",
    "cv_E",
    "cv_diggovment",
    "mean_pubindicator",
)
TABLE2_COLUMNS = (
    "model",
    "dependent",
    "region",
    "term",
    "coef",
    "se",
    "t",
    "p",
    "stars",
    "sargan_p",
    "hansen_p",
    "ar2_p",
    "observations",
    "cities",
    "instruments",
    "long_run_effect",
    "long_run_se",
    "long_run_p",
    "error",
)
TRENDS_COLUMNS = ("score", "year", *reports.TREND_COLUMNS)
EQUITY_COLUMNS = (
    "city_code",
    "city_name",
    "region",
    "year",
    "kind",
    "weight",
    "uplift",
    "city_weight",
    "pubindicator",
    "E",
    "median_pubindicator",
    "shortfall",
    "regional_cv",
    "mean_regional_cv",
    "local",
    "reason",
    "city_reason",
)
PCA_COLUMNS = (
    "score",
    "indicators",
    "components_kept",
    "rule",
    "variance_explained",
    "kmo",
    "bartlett_p",
)


def table1(*, result: dict, **_: object) -> Table:
    """Table 1 as on the page: one row per region, then all cities (``region`` = ``All``)."""
    return Table(
        TABLE1_COLUMNS,
        [
            (
                row["region"],
                _count(row["cities"]),
                row["cv"],
                row["paper"],
                row["difference"],
                row["cv_e"],
                row["cv_digital"],
                row["mean"],
            )
            # Region keys stay English (the page's localised labels are not asked for).
            for row in reports._table1(result, {})
        ],
    )


def table2(*, result: dict, **_: object) -> Table:
    """Table 2 in long form: one row per model, region (and ``Pooled``) and term. A region's
    test statistics, long-run effect and error repeat on each of its rows, so one file holds
    the whole table and a filter or pivot table gives any layout."""
    rows = []
    for model, table in reports._dict(result.get("table2")).items():
        table = reports._dict(table)
        terms = [t for t in _items(table.get("rows")) if isinstance(t, str)]
        for region, column in reports._dict(table.get("columns")).items():
            column = reports._dict(column)
            cells = reports._dict(column.get("cells"))
            long_run = reports._dict(column.get("long_run_diggovment"))
            region_values = (
                _num(column.get("sargan_p")),
                _num(column.get("hansen_p")),
                _num(column.get("ar2_p")),
                _count(column.get("observations")),
                _count(column.get("groups")),
                _count(column.get("instruments")),
                _num(long_run.get("effect")),
                _num(long_run.get("se")),
                _num(long_run.get("p")),
                column.get("error") or long_run.get("error") or "",
            )
            # A region without terms still gets a row, so its error is not lost.
            for term in terms or [""]:
                cell = reports._dict(cells.get(term))
                rows.append(
                    (
                        model,
                        table.get("dependent", ""),
                        region,
                        term,
                        _num(cell.get("coef")),
                        _num(cell.get("se")),
                        _num(cell.get("t")),
                        _num(cell.get("p")),
                        cell.get("stars", ""),
                        *region_values,
                    )
                )
    return Table(TABLE2_COLUMNS, rows)


def trends(*, result: dict, **_: object) -> Table:
    """Inequality per year across all cities, for each score the run has."""
    return Table(
        TRENDS_COLUMNS,
        [
            (score, row["year"], *(row[c] for c in reports.TREND_COLUMNS))
            for score in reports._dict(result.get("trends"))
            for row in reports._trend_rows(result, score)
        ],
    )


def equity_weights(*, result: dict, **_: object) -> Table:
    """One row per city and community type (the weight an allocation gives a community of
    that type in that city), with the city's figures beside it; ``local`` marks the cities
    this installation has communities in. A city without type rows gets one row of its own."""
    weights = reports._dict(result.get("equity_weights"))
    cities = {str(r.get("city_code")): r for r in _list(weights.get("cities"))}
    types: dict[str, list[dict]] = {}
    for row in _list(weights.get("community_types")):
        types.setdefault(str(row.get("city_code")), []).append(row)
    local = queries.local_city_codes() if cities or types else set()
    reason_names = texts.Names(
        cities={code: str(city.get("name", code)) for code, city in cities.items()},
        regions=reports._region_names() if cities or types else {},
    )

    def reason(row: dict) -> str:
        return texts.weight_reason_text(
            parts=row.get("reason_parts"), fallback=row.get("reason", ""), names=reason_names
        )

    rows = []
    for code in [*cities, *(c for c in types if c not in cities)]:
        city = cities.get(code, {})
        for kind in types.get(code) or [{}]:
            rows.append(
                (
                    code,
                    city.get("name", ""),
                    city.get("region", ""),
                    _count(city.get("year", weights.get("year"))),
                    kind.get("kind", ""),
                    _num(kind.get("weight")),
                    _num(kind.get("uplift")),
                    _num(city.get("weight")),
                    _num(city.get("pubindicator")),
                    _num(city.get("E")),
                    _num(city.get("median_pubindicator")),
                    _num(city.get("shortfall")),
                    _num(city.get("regional_cv")),
                    _num(city.get("mean_regional_cv")),
                    code in local,
                    reason(kind) if kind else "",
                    reason(city) if city else "",
                )
            )
    return Table(EQUITY_COLUMNS, rows)


def pca(*, result: dict, **_: object) -> Table:
    """The principal component diagnostics of each score."""
    rows = []
    for score, data in reports._dict(result.get("scores")).items():
        data = reports._dict(data)
        rows.append(
            (
                score,
                len(_items(data.get("columns"))),
                _count(data.get("retained")),
                data.get("retention_rule", ""),
                _num(data.get("cumulative_variance_retained")),
                _num(data.get("kmo")),
                _num(reports._dict(data.get("bartlett")).get("p_value")),
            )
        )
    return Table(PCA_COLUMNS, rows)


# Portraits ----------------------------------------------------------------------------------

SEGMENT_COLUMNS = (
    "segment",
    "description",
    "residents",
    "share",
    "mean_age",
    "requests_per_resident_month",
    "mean_satisfaction",
    "traits",
    "change_status",
    "previous_segment",
    "share_change_pp",
)
COMMUNITY_MIX_HEAD = ("community", "community_name", "residents")
COMMUNITY_MIX_TAIL = (
    "dominant_segment",
    "requests_per_month",
    "top_category",
    "top_category_name",
    "change_status",
    "residents_change",
    "requests_per_month_change",
)


def segments(*, result: dict, **_: object) -> Table:
    """The segments city-wide, as on the page's cards (they describe no one in particular)."""
    changes = {
        c.get("segment"): c for c in _list(reports._dict(result.get("changes")).get("segments"))
    }
    rows = []
    for segment in _list(result.get("segments")):
        number = segment.get("segment")
        change = changes.get(number, {})
        rows.append(
            (
                number,
                texts.description_text(
                    parts=segment.get("description_parts"),
                    fallback=segment.get("description", ""),
                ),
                _count(segment.get("size")),
                _num(segment.get("share")),
                _num(segment.get("mean_age")),
                _num(segment.get("requests_per_resident_month")),
                _num(segment.get("mean_satisfaction")),
                "; ".join(str(t.get("trait", "")) for t in _list(segment.get("traits"))),
                change.get("status", ""),
                change.get("previous_segment"),
                _num(change.get("share_change_pp")),
            )
        )
    return Table(SEGMENT_COLUMNS, rows)


def community_mix(*, result: dict, codes: set[str] | None, **_: object) -> Table:
    """Each community's segment mix (``segment_<n>_share``, one column per segment of the
    run), demand and most requested category, and the change since the previous run."""
    k = len(_list(result.get("segments")))
    community_names, category_names = reports._names()
    changes = {
        c.get("community"): c
        for c in _list(reports._dict(result.get("changes")).get("communities"))
    }
    rows = []
    for row in _list(result.get("communities")):
        code = row.get("community")
        if not _in_scope(code, codes):
            continue
        change = changes.get(code, {})
        top = row.get("top_category") or ""
        rows.append(
            (
                code,
                community_names.get(code, ""),
                _count(row.get("residents")),
                *(_num(row.get(f"segment_{i}_share")) for i in range(k)),
                row.get("dominant_segment"),
                _num(row.get("requests_per_month")),
                top,
                category_names.get(top, ""),
                change.get("status", ""),
                _num(change.get("residents_change")),
                _num(change.get("requests_per_month_change")),
            )
        )
    columns = (
        *COMMUNITY_MIX_HEAD,
        *(f"segment_{i}_share" for i in range(k)),
        *COMMUNITY_MIX_TAIL,
    )
    return Table(columns, rows)


# Forecasts ----------------------------------------------------------------------------------

FORECAST_COLUMNS = (
    "community",
    "community_name",
    "category",
    "category_name",
    "month",
    "forecast",
    "lower",
    "upper",
)
BACKTEST_METRICS = (
    "n",
    "wape_model",
    "wape_naive",
    "wape_seasonal_naive",
    "mase_model",
    "mase_naive",
    "mase_seasonal_naive",
    "coverage",
    "mean_interval_width",
)
BACKTEST_COLUMNS = ("group", "group_name", *BACKTEST_METRICS, "wape_reduction_vs_seasonal_naive")


def forecasts(*, run: AnalysisRun, codes: set[str] | None, **_: object) -> Table:
    """Every forecast of the run for the communities in scope, with its 80% interval; read
    row by row, as a city has hundreds of thousands."""
    category_names = reports._names()[1]

    def rows() -> Iterator[tuple]:
        for community, name, category, period, forecast, lower, upper in queries.forecast_rows(
            run=run, codes=codes
        ).iterator(chunk_size=2000):
            yield (
                community,
                name,
                category,
                category_names.get(category, ""),
                period.strftime("%Y-%m"),
                forecast,
                lower,
                upper,
            )

    return Table(FORECAST_COLUMNS, rows())


def backtest(*, result: dict, **_: object) -> Table:
    """The backtest errors, city-wide: ``overall`` first, then one row per category."""
    return Table(
        BACKTEST_COLUMNS,
        [
            (
                "overall" if row["overall"] else row.get("group", ""),
                str(row["label"]),
                _count(row.get("n")),
                *(_num(row.get(m)) for m in BACKTEST_METRICS[1:]),
                row["improvement"],
            )
            for row in reports.backtest_rows(result)
        ],
    )


# What-if scenarios --------------------------------------------------------------------------

WHAT_IF_COLUMNS = (
    "community",
    "community_name",
    "category",
    "category_name",
    "baseline",
    "scenario",
    "change",
    "change_percent",
    "direction",
)


def what_if_scenario(*, result: dict, codes: set[str] | None, **_: object) -> Table:
    """Baseline and scenario requests per service of the community, summed over the horizon,
    then the community's total (``category`` = ``total``)."""
    code = result.get("community")
    if not _in_scope(code, codes):
        return Table(WHAT_IF_COLUMNS, [])
    community_names, category_names = reports._names()
    name = community_names.get(code, "")

    def row_of(category: object, category_name: str, figures: dict) -> tuple:
        return (
            code,
            name,
            category,
            category_name,
            *(_num(figures.get(c)) for c in ("baseline", "scenario", "change", "change_percent")),
            figures.get("direction", ""),
        )

    rows = [
        row_of(row.get("category", ""), category_names.get(row.get("category"), ""), row)
        for row in _list(result.get("categories"))
    ]
    total = reports._dict(result.get("total"))
    if total:
        rows.append(row_of("total", "", total))
    return Table(WHAT_IF_COLUMNS, rows)


# Allocation ---------------------------------------------------------------------------------

LINE_COLUMNS = (
    "community",
    "community_name",
    "category",
    "category_name",
    "supplier",
    "supplier_name",
    "forecast",
    "lower",
    "upper",
    "current_supply",
    "gap",
    "units",
    "cost",
    "weight",
    "weight_reason",
    "explanation",
)
ALLOCATION_COMMUNITY_COLUMNS = (
    "community",
    "community_name",
    "kind",
    "population",
    "need",
    "covered_before",
    "covered_after",
    "baseline_added",
    "coverage_before",
    "coverage_after",
    "coverage_baseline",
    "weight",
    "weight_reason",
)
COMPARISON_COLUMNS = ("metric", "measure", "lp", "baseline", "difference", "verdict")
FAIRNESS_COLUMNS = (
    "dimension",
    "group",
    "residents",
    "need",
    "allocated",
    "allocation_per_need",
    "overall_ratio",
    "ratio_to_overall",
    "flagged",
    "forecast_wape",
    "forecast_error_ratio",
    "forecast_flagged",
)


def lines(*, run: AnalysisRun, codes: set[str] | None, **_: object) -> Table:
    """Every recommended line (the page pages and filters them; the file has them all)."""
    category_names = reports._names()[1]
    # Resolved now, in the language of the request, not while the response streams.
    supplier_names = {code: str(label) for code, label in SupplyCapacity.Provider.choices}
    selected = queries.allocation_lines(run=run)
    if codes is not None:
        selected = selected.filter(community__code__in=codes)
    names = reports.engine_text_names()
    language = translation.get_language()

    def rows() -> Iterator[tuple]:
        for line in selected.iterator(chunk_size=2000):
            # The response streams after the view has returned: word in the request's language.
            with translation.override(language):
                explanation = texts.explanation_text(
                    parts=line.explanation_parts,
                    fallback=line.explanation,
                    weight_reason=line.weight_reason,
                    names=names,
                )
                weight_reason = texts.explanation_weight_reason(
                    parts=line.explanation_parts, fallback=line.weight_reason, names=names
                )
            yield (
                line.community.code,
                line.community.name,
                line.category.code,
                category_names.get(line.category.code, ""),
                line.provider,
                supplier_names.get(line.provider, ""),
                line.forecast,
                line.lower,
                line.upper,
                line.current_supply,
                line.gap,
                line.recommended_units,
                line.cost,
                line.weight,
                weight_reason,
                explanation,
            )

    return Table(LINE_COLUMNS, rows())


def allocation_communities(*, result: dict, codes: set[str] | None, **_: object) -> Table:
    """Coverage of need per community before the plan, after it and after the baseline."""
    names = reports.engine_text_names()
    community_names = names.communities
    rows = [
        (
            row.get("community"),
            community_names.get(row.get("community"), ""),
            row.get("kind", ""),
            _num(row.get("population")),
            _num(row.get("need")),
            _num(row.get("covered_before")),
            _num(row.get("covered_after")),
            _num(row.get("baseline_added")),
            _num(row.get("coverage_before")),
            _num(row.get("coverage_after")),
            _num(row.get("coverage_baseline")),
            _num(row.get("weight")),
            texts.weight_reason_text(
                parts=row.get("weight_reason_parts"),
                fallback=row.get("weight_reason", ""),
                names=names,
            ),
        )
        for row in _list(result.get("communities"))
        if _in_scope(row.get("community"), codes)
    ]
    return Table(ALLOCATION_COMMUNITY_COLUMNS, rows)


def comparison(*, result: dict, **_: object) -> Table:
    """The plan against the population-proportional baseline, with the page's verdict."""
    return Table(
        COMPARISON_COLUMNS,
        [
            (r["metric"], str(r["label"]), r["lp"], r["baseline"], r["difference"], r["verdict"])
            for r in reports.comparison_rows(result)
        ],
    )


def fairness(*, result: dict, **_: object) -> Table:
    """The fairness audit of the LP plan by resident group (none stored: no rows)."""
    groups = _list(reports._dict(result.get("fairness")).get("groups"))
    rows = [
        (
            g.get("dimension", ""),
            g.get("group", ""),
            _count(g.get("residents")),
            _num(g.get("need")),
            _num(g.get("allocated")),
            _num(g.get("allocation_per_need")),
            _num(g.get("overall_ratio")),
            _num(g.get("ratio_to_overall")),
            g.get("flagged"),
            _num(g.get("forecast_wape")),
            _num(g.get("forecast_error_ratio")),
            g.get("forecast_flagged"),
        )
        for g in groups
    ]
    return Table(FAIRNESS_COLUMNS, rows)


SCENARIO_HEAD = (
    "run",
    "approved",
    "period",
    "budget",
    "available",
    "min_coverage",
    "coverage_floor",
)


def scenarios(*, runs: Iterable[AnalysisRun]) -> Table:
    """The scenario comparison: one row per allocation run, its headline figures for the LP
    plan (``<metric>_lp``) and the proportional baseline (``<metric>_baseline``)."""
    columns = reports.scenario_table(runs)["columns"]
    rows = [
        (
            c["run"].pk,
            c["run"].approved_at is not None,
            c["period"],
            c["budget"],
            c["available"],
            _num(c["min_coverage"]),
            c["tau"],
            *(
                _num(plan.get(metric))
                for metric in reports.SCENARIO_METRICS
                for plan in (c["lp"], c["baseline"])
            ),
        )
        for c in columns
    ]
    metric_columns = tuple(
        f"{metric}_{plan}" for metric in reports.SCENARIO_METRICS for plan in ("lp", "baseline")
    )
    return Table((*SCENARIO_HEAD, *metric_columns), rows)


# The downloadable tables of each kind of run, by the name in the address. --------------------

Builder = Callable[..., Table]
TABLES: dict[str, dict[str, Builder]] = {
    Kind.EQUALIZATION: {
        "table1": table1,
        "table2": table2,
        "trends": trends,
        "equity-weights": equity_weights,
        "pca": pca,
    },
    Kind.PORTRAITS: {"segments": segments, "communities": community_mix},
    Kind.FORECAST: {"forecasts": forecasts, "backtest": backtest},
    Kind.ALLOCATION: {
        "lines": lines,
        "communities": allocation_communities,
        "comparison": comparison,
        "fairness": fairness,
    },
    Kind.WHAT_IF: {"scenario": what_if_scenario},
}


def run_table(
    *, run: AnalysisRun, table: str, result: dict | None, codes: set[str] | None
) -> Table | None:
    """The named table of a run, or ``None`` when its kind has no table of that name.

    ``result``: the run's result as the user may see it; ``codes``: the communities the user
    may see (``None``: all)."""
    builder = TABLES.get(run.kind, {}).get(table)
    if builder is None:
        return None
    return builder(run=run, result=result if isinstance(result, dict) else {}, codes=codes)


# The month's supply ---------------------------------------------------------------------------

SUPPLY_COLUMNS = (
    "month",
    "community",
    "community_name",
    "service",
    "service_name",
    "provider",
    "source",
    "plan_run",
    "units",
    "cost",
    "forecast_need",
    "gap_to_need",
)


def month_supply_table(supply: queries.MonthSupply) -> Table:
    """One row per supply line (a community × service without supply: one row without a
    provider), with its cell's forecast need and the gap to it; provider and source in the
    reader's language, as on the page."""
    providers = {code: str(label) for code, label in SupplyCapacity.Provider.choices}
    sources = {code: str(label) for code, label in SupplyCapacity.Source.choices}
    month = supply.period.strftime("%Y-%m")

    def rows() -> Iterable[Sequence[object]]:
        for cell in supply.cells:
            head = (
                month,
                cell.community.code,
                cell.community.name,
                cell.category.code,
                localised_name(cell.category),
            )
            tail = (cell.need, cell.gap)
            if not cell.lines:
                yield (*head, "", "", None, 0, Decimal(0), *tail)
            for line in cell.lines:
                yield (
                    *head,
                    providers.get(line.provider, line.provider),
                    sources.get(line.source, line.source),
                    line.plan_run_id,
                    line.units,
                    line.cost,
                    *tail,
                )

    return Table(columns=SUPPLY_COLUMNS, rows=rows())
