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

import pandas as pd

from analytics.engine.errors import EngineInputError
from analytics.engine.gmm import adl_model_string, estimate, long_run_effect

REGRESSORS = ("diggovment", "strindu", "rgdp")
MODELS = {"model1": "pubindicator", "model2": "E"}
REGION_ORDER = ("Northeast", "North", "Northwest", "Southwest", "South", "Central", "East")
# Row labels in the paper's order: (key, label, lag?)
ROWS = (
    ("diggovment", "Digital government construction level", False),
    ("L1.diggovment", "Digital government construction level*", True),
    ("L1.{y}", "Public service score*", True),
    ("rgdp", "GDP per capita", False),
    ("L1.rgdp", "GDP per capita*", True),
    ("strindu", "Industrial structure", False),
    ("L1.strindu", "Industrial structure*", True),
    ("_con", "Constant term", False),
)


def stars(p: float | None) -> str:
    if p is None:
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def estimate_adl(frame: pd.DataFrame, *, dependent: str):
    """Fit the paper's ADL(1,1) by two-step system GMM on one sample of city-years."""
    if frame["city_code"].nunique() < 5:
        raise EngineInputError("the dynamic panel model needs at least 5 cities")
    model = adl_model_string(dependent, list(REGRESSORS), n_groups=frame["city_code"].nunique())
    return estimate(frame, model, id_col="city_code", time_col="year")


def _column(result, dependent: str) -> dict:
    cells = {}
    for key, label, _ in ROWS:
        name = key.format(y=dependent)
        if name not in result.coef:
            cells[label] = None
            continue
        stat = result.t if result.small else result.z
        p = result.p[name]
        cells[label] = {
            "coef": float(result.coef[name]),
            "se": float(result.se[name]),
            "t": float(stat[name]),
            "p": float(p),
            "stars": stars(float(p)),
        }
    long_run = long_run_effect(result, "diggovment")
    return {
        "cells": cells,
        "sargan_p": float(result.sargan.p) if result.sargan else None,
        "hansen_p": float(result.hansen.p) if result.hansen else None,
        "ar2_p": float(result.ar[2].p) if 2 in result.ar else None,
        "instruments": int(result.n_instruments),
        "groups": int(result.n_groups),
        "observations": int(result.n_obs),
        "long_run_diggovment": {"effect": long_run.effect, "se": long_run.se},
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
            "rows": [label for _, label, _ in ROWS],
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
