"""The equalization page: Table 1 (CV by region against the paper), Table 2 (system GMM by
region), long-run effects, inequality trends, PCA diagnostics and equity weights. Every part is
optional: a missing part leaves its section out."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics import wording
from analytics.engine.paper import term_label
from analytics.kinds.equalization.result import (
    Bartlett,
    EqualizationResult,
    EquityCity,
    EquityCommunityType,
    EquityOptions,
    EquityWeights,
    ExogeneityTest,
    LongRunEffect,
    PcaScore,
    RegionSpread,
    Table2Column,
)
from analytics.models import AnalysisRun
from analytics.reports import BASELINE_COLOUR, LP_COLOUR, finite, region_names
from analytics.wording.gmm import table2_row_label
from residents.models import Community

SCORE_LABELS = {
    "pubindicator": _("Development level (pubindicator)"),
    "E": _("Urban–rural differentiation (E)"),
    "diggovment": _("Digital government level (diggovment)"),
}


TABLE2_MODELS = {
    "model1": _("Model 1: development level (pubindicator)"),
    "model2": _("Model 2: urban–rural differentiation (E)"),
}


TREND_COLUMNS = ("cv", "theil", "theil_within", "theil_between", "theil_between_share", "gini")


def pca_orientation_text(score: PcaScore) -> str:
    """Each retained component's anchor, e.g. ``PC1 + Paved road area per capita (0.81); PC2
    + ...``: the reference indicator whose loading is positive (an eigenvector's sign is
    otherwise arbitrary)."""
    parts = []
    for component, stated in score.orientation.items():
        loading = finite(stated.loading)
        anchor = wording.indicator_label(key=stated.anchor)
        if loading is not None:
            # Translators: an indicator, then its loading on a component in brackets.
            anchor = gettext("%(indicator)s (%(loading)s)") % {
                "indicator": anchor,
                "loading": f"{loading:.2f}",
            }
        parts.append(f"{component} + {anchor}")
    return gettext("; ").join(parts)


def table1_calibrated(result: EqualizationResult) -> bool:
    """Whether Table 1's CVs were calibrated to the paper (the SYNTHETIC panel's generator
    tunes them until they match, so agreement is by construction)."""
    return result.table1.calibrated


def table1_rows(result: EqualizationResult, regions: dict[str, str]) -> list[dict]:
    computed, paper = result.table1.computed, result.table1.paper
    regional = result.regional_cv
    names = list(computed) or [r for r in regional.get("pubindicator", {}) if r != "All"]
    rows = []
    for region in [*names, "All"]:
        by_score = {
            score: regional.get(score, {}).get(region) or RegionSpread() for score in SCORE_LABELS
        }
        value = finite(computed.get(region))
        if value is None:
            value = finite(by_score["pubindicator"].cv)
        if region == "All" and value is None:
            continue
        target = finite(paper.get(region))
        rows.append(
            {
                "region": region,
                "label": _("All cities") if region == "All" else regions.get(region, region),
                "all": region == "All",
                "cv": value,
                "paper": target,
                "difference": None if value is None or target is None else value - target,
                "cv_e": finite(by_score["E"].cv),
                "cv_digital": finite(by_score["diggovment"].cv),
                "cities": by_score["pubindicator"].cities,
                "mean": finite(by_score["pubindicator"].mean),
            }
        )
    return rows


def trend_rows(result: EqualizationResult, score: str) -> list[dict]:
    trends = result.trends.get(score, {})
    return [
        {"year": year, **{c: finite(getattr(row, c)) for c in TREND_COLUMNS}}
        for year, row in sorted(trends.items())
    ]


TABLE2_SPECIFICATIONS = {
    "endogenous": _(
        "Regressors treated as potentially endogenous: their values two or more years back "
        "instrument them in the differenced equation only (eq(diff)). The exogeneity row is "
        "the Difference-in-Hansen test of the paper's assumption (its instruments added to "
        "these); a p-value below 0.05 rejects the paper's exogenous specification."
    ),
    "paper": _(
        "The paper's specification: regressors strictly exogenous, used as their own "
        "instruments in the differenced and level equations (iv()). Valid only if the "
        "exogeneity test does not reject."
    ),
}


def _table2(
    result: EqualizationResult, regions: dict[str, str], *, paper: bool = False
) -> list[dict]:
    tables = []
    for key, title in TABLE2_MODELS.items():
        table = (result.table2_paper if paper else result.table2).get(key)
        if table is None:
            continue
        columns = table.columns
        names = list(columns)
        rows = []
        for label in table.rows:
            cells = []
            for region in names:
                cell = columns[region].cells.get(label)
                cells.append(
                    {"coef": finite(cell.coef), "t": finite(cell.t), "stars": cell.stars}
                    if cell
                    else None
                )
            rows.append({"label": table2_row_label(label=label), "cells": cells})
        footer = []
        for stat, label in (
            ("sargan_p", _("Sargan test (p)")),
            ("hansen_p", _("Hansen test (p)")),
            ("ar2_p", _("AR(2) test (p)")),
            ("observations", _("Observations")),
            ("groups", _("Cities")),
            ("instruments", _("Instruments")),
        ):
            values = [getattr(columns[r], stat) for r in names]
            if any(v is not None for v in values):
                footer.append({"label": label, "stat": stat, "values": values})
        exogeneity = [finite((columns[r].exogeneity_test or ExogeneityTest()).p) for r in names]
        if any(v is not None for v in exogeneity):
            footer.append(
                {
                    "label": _("Exogeneity of the regressors, Difference-in-Hansen (p)"),
                    "stat": "exogeneity_p",
                    "values": exogeneity,
                }
            )
        long_run = [columns[r].long_run_diggovment or LongRunEffect() for r in names]
        tables.append(
            {
                "key": key,
                "title": title,
                "specification": table.specification_key,
                "specification_text": TABLE2_SPECIFICATIONS.get(table.specification_key, ""),
                "recovery": _recovery_rows(columns.get("Pooled"), dependent=table.dependent),
                "dependent": table.dependent,
                "regions": [_("Pooled") if r == "Pooled" else regions.get(r, r) for r in names],
                "rows": rows,
                "footer": footer,
                "long_run": [
                    {"effect": finite(lr.effect), "se": finite(lr.se), "p": finite(lr.p)}
                    for lr in long_run
                ],
                "errors": [
                    (regions.get(r, r), table2_error_text(columns[r]))
                    for r in names
                    if columns[r].error
                ],
                "warnings": [
                    (regions.get(r, r), wording.estimation_warning_text(warning=w))
                    for r in names
                    for w in columns[r].warnings
                ],
            }
        )
    return tables


def table2_error_text(column: Table2Column) -> str:
    """Why a region's model, or its long-run effect, has no estimate, in the reader's
    language (empty when it has both)."""
    long_run = column.long_run_diggovment or LongRunEffect()
    failed = column if column.error else long_run if long_run.error else None
    if failed is None:
        return ""
    return wording.estimation_error_text(error=failed.error, parts=failed.error_parts)


def _recovery_rows(column: Table2Column | None, *, dependent: str) -> list[dict]:
    """The SYNTHETIC generator's coefficients beside the pooled estimates (empty otherwise),
    each named as Table 2 names its row, not by its variable's code (``L1.rgdp``)."""
    return [
        {
            "term": table2_row_label(label=term_label(row.name, dependent=dependent)),
            "true": finite(row.true),
            "estimate": finite(row.estimate),
            "se": finite(row.se),
            "lower": finite(row.lower),
            "upper": finite(row.upper),
            "covered": row.covered is True,
        }
        for row in (column.recovery if column else [])
    ]


EQUITY_BENCHMARKS = {"region": _("the city's region"), "nation": _("all cities")}


def equity_city_name(row: EquityCity, names: wording.Names) -> str:
    """An equity-weight city row's name for display: its synthetic label (in the active
    language) when it comes from a SYNTHETIC panel, else the name the run stored."""
    return wording.city_name(
        code=row.city_code,
        names=names,
        synthetic_number=row.synthetic_number,
        region=row.region,
    )


def equity_names(weights: EquityWeights) -> wording.Names:
    """The names the weights' reasons use: the cities' stored names and the regions'."""
    return wording.Names(
        cities={str(r.city_code): r.name or str(r.city_code) for r in weights.cities},
        regions=region_names() if weights.cities or weights.community_types else {},
    )


def _equity(result: EqualizationResult) -> dict:
    weights = result.equity_weights
    city_rows = weights.cities
    # The cities this installation has communities in: their weights reach the allocation.
    local = set(Community.objects.values_list("city__adcode", flat=True).distinct())
    stored = equity_names(weights)
    names = {r.city_code: equity_city_name(r, stored) for r in city_rows}
    kind_labels = dict(Community.Kind.choices)

    def reason(row: EquityCity | EquityCommunityType) -> str:
        return wording.weight_reason_text(parts=row.reason_parts, names=stored)

    local_types = [
        {
            **r.to_json(),
            "city": names.get(r.city_code, r.city_code),
            "kind_label": kind_labels.get(r.kind, r.kind),
            "reason": reason(r),
        }
        for r in weights.community_types
        if r.city_code in local
    ]
    top = [
        {**r.to_json(), "name": names.get(r.city_code), "reason": reason(r)}
        for r in sorted(city_rows, key=lambda r: -(finite(r.weight) or 0))[:15]
    ]
    lag = weights.lag.to_json() if weights.lag else {}
    if lag:
        lag = {**lag, "summary": wording.effect_lag_text(lag=lag)}
    options = weights.options or EquityOptions()
    return {
        "year": weights.year,
        "method": weights.method_key,
        "strength": finite(options.strength),
        "horizon": options.horizon,
        "benchmark": EQUITY_BENCHMARKS.get(options.benchmark, ""),
        "lag": lag or None,
        "local_types": local_types,
        "top_cities": top,
        "n_cities": len(city_rows),
        "n_above_one": sum(1 for r in city_rows if (finite(r.weight) or 0) > 1 + 1e-9),
    }


def equalization_view_data(*, result: EqualizationResult) -> dict:
    """Table 1, Table 2, long-run effects, trends, PCA diagnostics and equity weights of an
    equalization run. Every part is optional: a missing key leaves its section out."""
    regions = region_names()
    table1 = table1_rows(result, regions)
    by_region = [r for r in table1 if not r["all"]]
    cv_by_year = result.cv_by_year.get("pubindicator", {})
    years = sorted(cv_by_year)
    region_keys = [r["region"] for r in by_region]
    trends = {score: trend_rows(result, score) for score in ("pubindicator", "E")}
    main_trend = trends["pubindicator"]
    pca = [
        {
            "label": SCORE_LABELS.get(score, data.label or score),
            "indicators": len(data.columns),
            "retained": data.retained,
            "rule": wording.retention_rule_text(rule=data.retention_rule),
            "variance": finite(data.cumulative_variance_retained),
            "kmo": finite(data.kmo),
            "bartlett_p": finite((data.bartlett or Bartlett()).p_value),
            "orientation": pca_orientation_text(data),
        }
        for score, data in result.scores.items()
    ]
    return {
        "synthetic": result.synthetic,
        "data_source": wording.data_source_text(source=result.data_source),
        # A run stored without the panel's summary leaves its figures out.
        "panel": result.panel if result.panel.to_json() else None,
        "imputed_cells": result.interpolation.imputed_cells,
        "table1": table1,
        "table1_chart": {
            "labels": [str(r["label"]) for r in by_region],
            "series": [
                {
                    "label": str(
                        _("This run (calibrated to the paper)")
                        if table1_calibrated(result)
                        else _("This run")
                    ),
                    "values": [r["cv"] for r in by_region],
                    "color": LP_COLOUR,
                },
                {
                    "label": str(_("Paper, Table 1")),
                    "values": [r["paper"] for r in by_region],
                    "color": BASELINE_COLOUR,
                },
            ],
            "y_label": str(_("Coefficient of variation")),
        },
        "cv_by_year_chart": {
            "labels": years,
            "series": [
                {
                    "label": str(r["label"]),
                    "values": [finite(cv_by_year[y].get(key)) for y in years],
                }
                for key, r in zip(region_keys, by_region, strict=True)
            ],
            "y_label": str(_("Coefficient of variation")),
        }
        if years
        else None,
        "trends": trends,
        "trends_chart": {
            "labels": [r["year"] for r in main_trend],
            "series": [
                {"label": str(_("Theil index")), "values": [r["theil"] for r in main_trend]},
                {"label": str(_("Gini coefficient")), "values": [r["gini"] for r in main_trend]},
                {
                    "label": str(_("Coefficient of variation")),
                    "values": [r["cv"] for r in main_trend],
                },
            ],
            "begin_at_zero": True,
        }
        if main_trend
        else None,
        "table1_calibrated": table1_calibrated(result),
        "table2": _table2(result, regions),
        "table2_paper": _table2(result, regions, paper=True),
        "pca": pca,
        "equity": _equity(result),
        "score_labels": SCORE_LABELS,
    }


def page(request: HttpRequest, run: AnalysisRun, result: EqualizationResult) -> dict:
    return {"equalization": equalization_view_data(result=result)}
