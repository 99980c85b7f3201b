"""The equalization run's downloads: Table 1 (marked calibrated on the SYNTHETIC panel), Table 2
in long form under both specifications, the SYNTHETIC generator's coefficients recovered, the
inequality trends, the equity weights and the PCA diagnostics (all city-level)."""

from __future__ import annotations

from analytics import queries, wording
from analytics.exports import Table, count, dict_list, items, num
from analytics.kinds.equalization.report import (
    TREND_COLUMNS,
    as_dict,
    equity_city_name,
    pca_orientation_text,
    table1_calibrated,
    table1_rows,
    trend_rows,
)
from analytics.kinds.equalization.result import EqualizationResult
from analytics.reports import region_names

TABLE1_COLUMNS = (
    "region",
    "cities",
    "cv_pubindicator",
    # "calibrated" on the SYNTHETIC panel (its generator tuned the CVs to the paper's, so the
    # difference is zero by construction), else "computed".
    "cv_pubindicator_status",
    "paper_cv_pubindicator",
    "difference",
    "cv_E",
    "cv_diggovment",
    "mean_pubindicator",
)
TABLE2_COLUMNS = (
    "specification",
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
    "exogeneity_dih_statistic",
    "exogeneity_dih_df",
    "exogeneity_dih_p",
    "error",
)
RECOVERY_COLUMNS = (
    "specification",
    "model",
    "term",
    "true",
    "estimate",
    "se",
    "ci95_lower",
    "ci95_upper",
    "covered",
)
TRENDS_COLUMNS = ("score", "year", *TREND_COLUMNS)
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
    # The weights derived from the fitted dynamic models (method adl_projection): standard
    # errors, projections and benchmarks (docs/equity-weights.md); empty for current_gap.
    "method",
    "weight_se",
    "city_weight_se",
    "projected_pubindicator",
    "benchmark_pubindicator",
    "level_gap",
    "projected_E",
    "benchmark_E",
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
    # Each component's anchor: the reference indicator its loading is positive on.
    "orientation",
)


def table1(*, result: EqualizationResult, **_: object) -> Table:
    """Table 1 as on the page: one row per region, then all cities (``region`` = ``All``)."""
    status = "calibrated" if table1_calibrated(result) else "computed"
    return Table(
        TABLE1_COLUMNS,
        [
            (
                row["region"],
                count(row["cities"]),
                row["cv"],
                status,
                row["paper"],
                row["difference"],
                row["cv_e"],
                row["cv_digital"],
                row["mean"],
            )
            # Region keys stay English (the page's localised labels are not asked for).
            for row in table1_rows(result, {})
        ],
    )


def table2(*, result: EqualizationResult, **_: object) -> Table:
    """Table 2 in long form: one row per model, region (and ``Pooled``) and term. A region's
    test statistics, long-run effect and error repeat on each of its rows, so one file holds
    the whole table and a filter or pivot table gives any layout."""
    rows = []
    for model, table in _table2_models(result):
        terms = [t for t in items(table.get("rows")) if isinstance(t, str)]
        for region, column in as_dict(table.get("columns")).items():
            column = as_dict(column)
            cells = as_dict(column.get("cells"))
            long_run = as_dict(column.get("long_run_diggovment"))
            exogeneity = as_dict(column.get("exogeneity_test"))
            region_values = (
                num(column.get("sargan_p")),
                num(column.get("hansen_p")),
                num(column.get("ar2_p")),
                count(column.get("observations")),
                count(column.get("groups")),
                count(column.get("instruments")),
                num(long_run.get("effect")),
                num(long_run.get("se")),
                num(long_run.get("p")),
                num(exogeneity.get("statistic")),
                count(exogeneity.get("df")),
                num(exogeneity.get("p")),
                column.get("error") or long_run.get("error") or "",
            )
            # A region without terms still gets a row, so its error is not lost.
            for term in terms or [""]:
                cell = as_dict(cells.get(term))
                rows.append(
                    (
                        table.get("specification") or "paper",
                        model,
                        table.get("dependent", ""),
                        region,
                        term,
                        num(cell.get("coef")),
                        num(cell.get("se")),
                        num(cell.get("t")),
                        num(cell.get("p")),
                        cell.get("stars", ""),
                        *region_values,
                    )
                )
    return Table(TABLE2_COLUMNS, rows)


def _table2_models(result: EqualizationResult) -> list[tuple[str, dict]]:
    """(model key, table) of the default specification, then of the paper's."""
    return [
        (model, as_dict(table))
        for tables in (result.table2, result.table2_paper)
        for model, table in as_dict(tables).items()
    ]


def adl_recovery(*, result: EqualizationResult, **_: object) -> Table:
    """On a SYNTHETIC panel: the generator's ADL coefficients beside the pooled estimates
    and their 95% intervals, for each specification and model (empty otherwise)."""
    rows = []
    for model, table in _table2_models(result):
        pooled = as_dict(as_dict(table.get("columns")).get("Pooled"))
        for row in dict_list(pooled.get("recovery")):
            rows.append(
                (
                    table.get("specification") or "paper",
                    model,
                    row.get("name", ""),
                    num(row.get("true")),
                    num(row.get("estimate")),
                    num(row.get("se")),
                    num(row.get("lower")),
                    num(row.get("upper")),
                    bool(row.get("covered")),
                )
            )
    return Table(RECOVERY_COLUMNS, rows)


def trends(*, result: EqualizationResult, **_: object) -> Table:
    """Inequality per year across all cities, for each score the run has."""
    return Table(
        TRENDS_COLUMNS,
        [
            (score, row["year"], *(row[c] for c in TREND_COLUMNS))
            for score in result.trends
            for row in trend_rows(result, score)
        ],
    )


def equity_weights(*, result: EqualizationResult, **_: object) -> Table:
    """One row per city and community type (the weight an allocation gives a community of
    that type in that city), with the city's figures beside it; ``local`` marks the cities
    this installation has communities in. A city without type rows gets one row of its own."""
    weights = as_dict(result.equity_weights)
    cities = {str(r.get("city_code")): r for r in dict_list(weights.get("cities"))}
    types: dict[str, list[dict]] = {}
    for row in dict_list(weights.get("community_types")):
        types.setdefault(str(row.get("city_code")), []).append(row)
    local = queries.local_city_codes() if cities or types else set()
    reason_names = wording.Names(
        cities={code: str(city.get("name", code)) for code, city in cities.items()},
        regions=region_names() if cities or types else {},
    )

    def reason(row: dict) -> str:
        return wording.weight_reason_text(parts=row.get("reason_parts"), names=reason_names)

    rows = []
    for code in [*cities, *(c for c in types if c not in cities)]:
        city = cities.get(code, {})
        for kind in types.get(code) or [{}]:
            rows.append(
                (
                    code,
                    equity_city_name(city, reason_names) if city else "",
                    city.get("region", ""),
                    count(city.get("year", weights.get("year"))),
                    kind.get("kind", ""),
                    num(kind.get("weight")),
                    num(kind.get("uplift")),
                    num(city.get("weight")),
                    num(city.get("pubindicator")),
                    num(city.get("E")),
                    num(city.get("median_pubindicator")),
                    num(city.get("shortfall")),
                    num(city.get("regional_cv")),
                    num(city.get("mean_regional_cv")),
                    weights.get("method") or "current_gap",
                    num(kind.get("weight_se")),
                    num(city.get("weight_se")),
                    num(city.get("projected_pubindicator")),
                    num(city.get("benchmark_pubindicator")),
                    num(city.get("level_gap")),
                    num(city.get("projected_E")),
                    num(city.get("benchmark_E")),
                    code in local,
                    reason(kind) if kind else "",
                    reason(city) if city else "",
                )
            )
    return Table(EQUITY_COLUMNS, rows)


def pca(*, result: EqualizationResult, **_: object) -> Table:
    """The principal component diagnostics of each score."""
    rows = []
    for score, data in as_dict(result.scores).items():
        data = as_dict(data)
        rows.append(
            (
                score,
                len(items(data.get("columns"))),
                count(data.get("retained")),
                data.get("retention_rule", ""),
                num(data.get("cumulative_variance_retained")),
                num(data.get("kmo")),
                num(as_dict(data.get("bartlett")).get("p_value")),
                pca_orientation_text(data),
            )
        )
    return Table(PCA_COLUMNS, rows)


TABLES = {
    "table1": table1,
    "table2": table2,
    "adl-recovery": adl_recovery,
    "trends": trends,
    "equity-weights": equity_weights,
    "pca": pca,
}
