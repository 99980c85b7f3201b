"""The source paper's regression tables, reproduced on any panel of scores.

Table 2 of T. Zheng's paper estimates, for each of the seven regions, the ADL(1,1) dynamic
panel model ``y_it = α·y_i,t-1 + β0·diggovment_it + β1·diggovment_i,t-1 + γ0·strindu_it +
γ1·strindu_i,t-1 + φ0·rgdp_it + φ1·rgdp_i,t-1 + μ_i + ρ_t + ν_it`` by system GMM and reports
coefficients with t-values, stars at 10/5/1%, and the p-values of the Sargan and AR(2) tests.
Model 1 has the development level (``pubindicator``) as ``y``, model 2 the urban-rural
differentiation (``E``). We add the pooled sample and the long-run effect of digital
government, ``(β0 + β1) / (1 − α)``, with its delta-method standard error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analytics.engine.errors import EngineInputError
from analytics.engine.gmm import GmmResult, long_run_effect
from analytics.engine.gmm import estimate_adl as estimate_adl_gmm

REGRESSORS = ("diggovment", "strindu", "rgdp")
MODELS = {"model1": "pubindicator", "model2": "E"}
DEPENDENT_LABELS = {"pubindicator": "Public service score", "E": "Urban-rural differentiation"}
REGION_ORDER = ("Northeast", "North", "Northwest", "Southwest", "South", "Central", "East")
# Row labels in the paper's order: (key, label, lag?)
ROWS = (
    ("diggovment", "Digital government construction level", False),
    ("L1.diggovment", "Digital government construction level*", True),
    ("L1.{y}", "{y_label}*", True),
    ("rgdp", "GDP per capita", False),
    ("L1.rgdp", "GDP per capita*", True),
    ("strindu", "Industrial structure", False),
    ("L1.strindu", "Industrial structure*", True),
    ("_cons", "Constant term", False),
)


def stars(p: float | None) -> str:
    if p is None:
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def estimate_adl(frame: pd.DataFrame, *, dependent: str) -> GmmResult:
    """Fit the paper's ADL(1,1) with year effects by two-step system GMM on one sample of
    city-years: collapsed instruments, the GMM lag depth lowered until instruments number
    fewer than the cities (regional samples have 20-90 cities)."""
    if frame["city_code"].nunique() < 5:
        raise EngineInputError("the dynamic panel model needs at least 5 cities")
    return estimate_adl_gmm(frame, dependent, list(REGRESSORS), "city_code", "year")


@dataclass(frozen=True)
class AdlCoefficients:
    """A fitted ADL in the shape the equity weights read: ``coef`` and a labelled ``vcov``."""

    coef: dict[str, float]
    vcov: pd.DataFrame


def adl_for_equity(result: GmmResult) -> AdlCoefficients:
    return AdlCoefficients(
        coef=result.params,
        vcov=pd.DataFrame(result.vcov, index=result.names, columns=result.names),
    )


def _column(result: GmmResult, dependent: str) -> dict:
    cells = {}
    for key, label, _ in ROWS:
        name = key.format(y=dependent)
        label = label.format(y_label=DEPENDENT_LABELS[dependent])
        if name not in result.names:
            cells[label] = None
            continue
        c = result.coefficient(name)
        cells[label] = {
            "coef": c.coef,
            "se": c.se,
            "t": c.stat,
            "p": c.p,
            "stars": stars(c.p),
        }
    try:
        long_run = long_run_effect(result, "diggovment")
        long_run_cell = {"effect": long_run.estimate, "se": long_run.se, "p": long_run.p}
    except EngineInputError as exc:
        long_run_cell = {"error": str(exc)}
    ar2 = next((t for t in result.ar_tests if t.order == 2), None)
    return {
        "cells": cells,
        "sargan_p": result.sargan.p if result.sargan else None,
        "hansen_p": result.hansen.p if result.hansen else None,
        "ar2_p": ar2.p if ar2 else None,
        "instruments": result.n_instruments,
        "groups": result.n_groups,
        "observations": result.n_obs,
        "statistic": result.statistic_name,
        "long_run_diggovment": long_run_cell,
        "dropped": list(result.dropped),
        "warnings": list(result.warnings),
    }


def paper_table2(
    scores: pd.DataFrame, *, progress: Callable[[int, str], None] | None = None
) -> dict:
    """Both models for each region and the pooled sample, in the paper's layout.

    ``scores``: city_code, year, region, pubindicator, E, diggovment, strindu, rgdp.
    A region whose model cannot be estimated gets its reason instead of numbers.
    """
    report = progress or (lambda percent, message: None)
    samples = [(r, scores[scores["region"] == r]) for r in REGION_ORDER] + [("Pooled", scores)]
    tables: dict[str, dict] = {}
    steps = len(MODELS) * len(samples)
    done = 0
    for model_key, dependent in MODELS.items():
        columns = {}
        for region, frame in samples:
            report(int(100 * done / steps), f"{model_key}: {region}")
            try:
                columns[region] = _column(estimate_adl(frame, dependent=dependent), dependent)
            except EngineInputError as exc:
                columns[region] = {"error": str(exc)}
            done += 1
        tables[model_key] = {
            "dependent": dependent,
            "rows": [label.format(y_label=DEPENDENT_LABELS[dependent]) for _, label, _ in ROWS],
            "columns": columns,
        }
    return tables


def format_table2(table: dict, *, latex: bool = False) -> str:
    """Plain-text (or LaTeX) Table 2: coefficient with stars, t-value below in parentheses."""
    regions = list(table["columns"])
    sep = " & " if latex else "\t"
    end = r" \\" if latex else ""
    lines = [sep.join(["Variables", *regions]) + end]
    for label in table["rows"]:
        coef_row, t_row = [label], [""]
        for region in regions:
            cell = table["columns"][region].get("cells", {}).get(label)
            if cell is None:
                coef_row.append("")
                t_row.append("")
            else:
                coef_row.append(f"{cell['coef']:.3f}{cell['stars']}")
                t_row.append(f"({cell['t']:.2f})")
        lines += [sep.join(coef_row) + end, sep.join(t_row) + end]
    for key, label in (("sargan_p", "Sargan test"), ("ar2_p", "AR(2) test")):
        row = [label]
        for region in regions:
            value = table["columns"][region].get(key)
            row.append("" if value is None else f"{value:.3f}")
        lines.append(sep.join(row) + end)
    return "\n".join(lines)


def format_table1(table1: dict, *, latex: bool = False) -> str:
    """Table 1: the coefficient of variation by region, computed next to the paper's."""
    regions = list(table1["computed"])
    sep = " & " if latex else "\t"
    end = r" \\" if latex else ""
    lines = [sep.join(["Area", *regions]) + end]
    for key, label in (("computed", "Coefficient of variation"), ("paper", "Paper (Table 1)")):
        values = [table1[key].get(region) for region in regions]
        lines.append(sep.join([label, *("" if v is None else f"{v:.2f}" for v in values)]) + end)
    return "\n".join(lines)
