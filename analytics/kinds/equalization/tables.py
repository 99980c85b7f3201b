"""The equalization run's downloads: Table 1 (marked calibrated on the SYNTHETIC panel), Table 2
in long form under both specifications, the SYNTHETIC generator's coefficients recovered, the
inequality trends, the equity weights and the PCA diagnostics (all city-level)."""

from __future__ import annotations

from analytics import queries, wording
from analytics.exports import Table, count, num
from analytics.kinds.equalization.report import (
    TREND_COLUMNS,
    equity_city_name,
    equity_names,
    pca_orientation_text,
    table1_calibrated,
    table1_rows,
    table2_error_text,
    trend_rows,
)
from analytics.kinds.equalization.result import (
    Bartlett,
    EqualizationResult,
    EquityCity,
    EquityCommunityType,
    ExogeneityTest,
    LongRunEffect,
    Table2Cell,
    Table2Model,
)

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
    test statistics, long-run effect and error (in the reader's language) repeat on each of
    its rows, so one file holds the whole table and a filter or pivot table gives any
    layout."""
    rows = []
    for model, table in _table2_models(result):
        for region, column in table.columns.items():
            long_run = column.long_run_diggovment or LongRunEffect()
            exogeneity = column.exogeneity_test or ExogeneityTest()
            region_values = (
                num(column.sargan_p),
                num(column.hansen_p),
                num(column.ar2_p),
                count(column.observations),
                count(column.groups),
                count(column.instruments),
                num(long_run.effect),
                num(long_run.se),
                num(long_run.p),
                num(exogeneity.statistic),
                count(exogeneity.df),
                num(exogeneity.p),
                table2_error_text(column),
            )
            # A region without terms still gets a row, so its error is not lost.
            for term in table.rows or [""]:
                cell = column.cells.get(term) or Table2Cell()
                rows.append(
                    (
                        table.specification_key,
                        model,
                        table.dependent,
                        region,
                        term,
                        num(cell.coef),
                        num(cell.se),
                        num(cell.t),
                        num(cell.p),
                        cell.stars,
                        *region_values,
                    )
                )
    return Table(TABLE2_COLUMNS, rows)


def _table2_models(result: EqualizationResult) -> list[tuple[str, Table2Model]]:
    """(model key, table) of the default specification, then of the paper's."""
    return [
        (model, table)
        for tables in (result.table2, result.table2_paper)
        for model, table in tables.items()
    ]


def adl_recovery(*, result: EqualizationResult, **_: object) -> Table:
    """On a SYNTHETIC panel: the generator's ADL coefficients beside the pooled estimates
    and their 95% intervals, for each specification and model (empty otherwise)."""
    return Table(
        RECOVERY_COLUMNS,
        [
            (
                table.specification_key,
                model,
                row.name,
                num(row.true),
                num(row.estimate),
                num(row.se),
                num(row.lower),
                num(row.upper),
                bool(row.covered),
            )
            for model, table in _table2_models(result)
            if (pooled := table.columns.get("Pooled")) is not None
            for row in pooled.recovery
        ],
    )


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
    weights = result.equity_weights
    cities = {str(r.city_code): r for r in weights.cities}
    types: dict[str, list[EquityCommunityType]] = {}
    for row in weights.community_types:
        types.setdefault(str(row.city_code), []).append(row)
    local = queries.local_city_codes() if cities or types else set()
    reason_names = equity_names(weights)

    def reason(row: EquityCity | EquityCommunityType) -> str:
        return wording.weight_reason_text(parts=row.reason_parts, names=reason_names)

    rows = []
    for code in [*cities, *(c for c in types if c not in cities)]:
        city = cities.get(code)
        for kind in types.get(code) or [None]:
            figures = city or EquityCity()
            share = kind or EquityCommunityType()
            rows.append(
                (
                    code,
                    equity_city_name(city, reason_names) if city else "",
                    figures.region,
                    count(figures.year if figures.year is not None else weights.year),
                    share.kind,
                    num(share.weight),
                    num(share.uplift),
                    num(figures.weight),
                    num(figures.pubindicator),
                    num(figures.E),
                    num(figures.median_pubindicator),
                    num(figures.shortfall),
                    num(figures.regional_cv),
                    num(figures.mean_regional_cv),
                    weights.method_key,
                    num(share.weight_se),
                    num(figures.weight_se),
                    num(figures.projected_pubindicator),
                    num(figures.benchmark_pubindicator),
                    num(figures.level_gap),
                    num(figures.projected_E),
                    num(figures.benchmark_E),
                    code in local,
                    reason(kind) if kind else "",
                    reason(city) if city else "",
                )
            )
    return Table(EQUITY_COLUMNS, rows)


def pca(*, result: EqualizationResult, **_: object) -> Table:
    """The principal component diagnostics of each score."""
    return Table(
        PCA_COLUMNS,
        [
            (
                score,
                len(data.columns),
                count(data.retained),
                data.retention_rule,
                num(data.cumulative_variance_retained),
                num(data.kmo),
                num((data.bartlett or Bartlett()).p_value),
                pca_orientation_text(data),
            )
            for score, data in result.scores.items()
        ],
    )


TABLES = {
    "table1": table1,
    "table2": table2,
    "adl-recovery": adl_recovery,
    "trends": trends,
    "equity-weights": equity_weights,
    "pca": pca,
}
