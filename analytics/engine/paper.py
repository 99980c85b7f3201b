"""The source paper's regression tables, reproduced on any panel of scores.

Table 2 of T. Zheng's paper estimates, for each of the seven regions, the ADL(1,1) dynamic
panel model ``y_it = α·y_i,t-1 + β0·diggovment_it + β1·diggovment_i,t-1 + γ0·strindu_it +
γ1·strindu_i,t-1 + φ0·rgdp_it + φ1·rgdp_i,t-1 + μ_i + ρ_t + ν_it`` by system GMM and reports
coefficients with t-values, stars at 10/5/1%, and the p-values of the Sargan and AR(2) tests.
Model 1 has the development level (``pubindicator``) as ``y``, model 2 the urban-rural
differentiation (``E``). We add the pooled sample and the long-run effect of digital
government, ``(β0 + β1) / (1 − α)``, with its delta-method standard error.

Two specifications, by name (:data:`SPECIFICATIONS`):

* ``endogenous`` (the default): the regressors are treated as potentially endogenous — on
  real data digital-government construction, industrial structure and income very likely
  respond to the same shocks as public services — so their lags 2.. are collapsed GMM-style
  instruments in the differenced equation only (``eq(diff)``). Each column also reports the
  Difference-in-Hansen test of the paper's exogeneity assumption: the paper's ``iv()`` group
  added on top of this set; a small p-value rejects the exogenous specification.
* ``paper``: the paper's specification, the regressors strictly exogenous (``iv()`` in the
  differenced and level equations). Valid on the SYNTHETIC panel, whose generator makes them
  so; on real data only if the test above does not reject.

On a SYNTHETIC panel the generator's own ADL coefficients are known, so :func:`recovery`
reports them beside the estimates with 95% confidence intervals: a validation that does not
depend on the paper's numbers (Table 1 is calibrated to the paper and validates nothing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass

import pandas as pd
from scipy import stats

from analytics.engine.errors import EngineContractError, EngineInputError
from analytics.engine.gmm import GmmResult, adl_model_string, estimate, long_run_effect
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


def term_label(name: str, *, dependent: str) -> str:
    """A coefficient's row label (``L1.rgdp`` -> ``GDP per capita*``), as Table 2 labels it;
    a name Table 2 has no row for is returned unchanged."""
    for key, label, _lag in ROWS:
        if key.format(y=dependent) == name:
            return label.format(y_label=DEPENDENT_LABELS.get(dependent, dependent))
    return name


@dataclass(frozen=True)
class AdlSpecification:
    key: str
    endogenous: bool
    # How the regressors are instrumented, in English (the pages word it by ``key``).
    regressor_instruments: str


ENDOGENOUS = "endogenous"
PAPER = "paper"
SPECIFICATIONS: dict[str, AdlSpecification] = {
    ENDOGENOUS: AdlSpecification(
        ENDOGENOUS,
        True,
        "regressors potentially endogenous: their lags 2 and deeper as collapsed GMM-style "
        "instruments in the differenced equation only (eq(diff))",
    ),
    PAPER: AdlSpecification(
        PAPER,
        False,
        "the paper's specification: regressors strictly exogenous, standard instruments in "
        "the differenced and level equations (iv())",
    ),
}
DEFAULT_SPECIFICATION = ENDOGENOUS
CALIBRATION_NOTE = (
    "SYNTHETIC panel calibrated to the paper's Table 1: its generator tuned each region's "
    "spread until these coefficients of variation equal the paper's; the agreement is by "
    "construction and validates nothing"
)
SYNTHETIC_TABLE2_NOTE = (
    "SYNTHETIC panel: the coefficients describe the generator's design; no real city"
)
RECOVERY_NOTE = (
    "SYNTHETIC panel: true values are the generator's coefficients on the engine's score scale"
)


def _as_written(text: str) -> str:
    return text


def _specification_note(key: str, instruments: str) -> str:
    return f"Specification {key}: {instruments}"


@dataclass(frozen=True)
class PaperWords:
    """The words of the plain-text and LaTeX tables (:func:`format_table1`,
    :func:`format_table2`, :func:`format_recovery`): English by default, as the files for
    papers and programs are written; the product passes the reader's language for its terminal
    (``analytics.wording.paper_words``). ``row`` words a row of Table 2, ``region`` a region
    (or ``Pooled``), ``model`` a model key, ``specification`` a specification's note from its
    key and its stored English description."""

    variables: str = "Variables"
    row: Callable[[str], str] = _as_written
    region: Callable[[str], str] = _as_written
    sargan: str = "Sargan test"
    ar2: str = "AR(2) test"
    exogeneity: str = "Exogeneity (Difference-in-Hansen p)"
    specification: Callable[[str, str], str] = _specification_note
    synthetic_table2: str = SYNTHETIC_TABLE2_NOTE
    area: str = "Area"
    cv: str = "Coefficient of variation"
    cv_calibrated: str = "Coefficient of variation (SYNTHETIC; calibrated)"
    paper: str = "Paper (Table 1)"
    calibration: str = CALIBRATION_NOTE
    recovery_header: tuple[str, ...] = (
        "Model",
        "Coefficient",
        "True",
        "Estimate",
        "SE",
        "95% low",
        "95% high",
        "Covered",
    )
    model: Callable[[str], str] = _as_written
    yes: str = "yes"
    no: str = "no"
    recovery: str = RECOVERY_NOTE
    note: str = "Note: %(note)s"


ENGLISH = PaperWords()


def specification_of(key: str) -> AdlSpecification:
    try:
        return SPECIFICATIONS[key]
    except KeyError:
        raise EngineContractError(
            f"unknown specification {key!r}; choose {' or '.join(SPECIFICATIONS)}"
        ) from None


def stars(p: float | None) -> str:
    if p is None:
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def estimate_adl(
    frame: pd.DataFrame, *, dependent: str, specification: str = DEFAULT_SPECIFICATION
) -> GmmResult:
    """Fit the paper's ADL(1,1) with year effects by two-step system GMM on one sample of
    city-years under the named specification: collapsed instruments, the GMM lag depth lowered
    until instruments number fewer than the cities (regional samples have 20-90 cities)."""
    spec = specification_of(specification)
    if frame["city_code"].nunique() < 5:
        raise EngineInputError(
            "the dynamic panel model needs at least 5 cities",
            code="gmm_too_few_cities",
            params={"needed": 5, "found": int(frame["city_code"].nunique())},
        )
    return estimate_adl_gmm(
        frame, dependent, list(REGRESSORS), "city_code", "year", endogenous=spec.endogenous
    )


@dataclass(frozen=True)
class ExogeneityTest:
    """Difference-in-Hansen test of the paper's ``iv()`` group added to the endogenous
    instrument set (null: the regressors are strictly exogenous, as the paper assumes)."""

    statistic: float
    df: int
    p: float
    group: str

    def to_dict(self) -> dict:
        return asdict(self)


_DEPTH = re.compile(r"gmm\([^,()]+, 2:(\d+)\)")


def exogeneity_test(frame: pd.DataFrame, *, dependent: str, fitted: GmmResult) -> ExogeneityTest:
    """The Difference-in-Hansen test of the paper's exogeneity assumption, at the GMM lag depth
    of ``fitted`` (a fit of the same sample). Raises :class:`EngineInputError` when the test
    cannot be computed (too few instruments left without the group)."""
    match = _DEPTH.search(fitted.model)
    depth = int(match.group(1)) if match else 4
    model = adl_model_string(
        dependent, list(REGRESSORS), max_lag=depth, endogenous=True, exogeneity_group=True
    )
    result = estimate(frame, model, "city_code", "year")
    for test in result.difference_in_hansen:
        if test.group.startswith("iv("):
            d = test.difference
            return ExogeneityTest(float(d.statistic), int(d.df), float(d.p), test.group)
    raise EngineInputError(
        "the exogeneity test could not be computed on this sample", code="exogeneity_test_failed"
    )


@dataclass(frozen=True)
class RecoveredCoefficient:
    """A coefficient the SYNTHETIC generator used (on the engine's score scale) beside its
    estimate and the estimate's confidence interval."""

    name: str
    true: float
    estimate: float
    se: float
    lower: float
    upper: float
    covered: bool

    def to_dict(self) -> dict:
        return asdict(self)


def recovery(
    result: GmmResult, truth: Mapping[str, float], *, level: float = 0.95
) -> list[RecoveredCoefficient]:
    """Each true coefficient beside its estimate and the ``level`` confidence interval
    (normal, from the Windmeijer-corrected standard error)."""
    z = float(stats.norm.ppf(0.5 + level / 2))
    rows = []
    for name, true in truth.items():
        c = result.coefficient(name)
        lower, upper = c.coef - z * c.se, c.coef + z * c.se
        rows.append(
            RecoveredCoefficient(
                name, float(true), c.coef, c.se, lower, upper, bool(lower <= true <= upper)
            )
        )
    return rows


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


def _error_cell(exc: EngineInputError) -> dict:
    """Why a figure of Table 2 is missing: the English message for logs and commands and,
    when the engine coded it, its parts (worded for pages and CSV in the reader's language)."""
    return {"error": str(exc), **({"error_parts": exc.parts} if exc.parts else {})}


def _column(
    result: GmmResult,
    dependent: str,
    exogeneity: ExogeneityTest | EngineInputError | None = None,
) -> dict:
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
        long_run_cell = _error_cell(exc)
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
        "exogeneity_test": exogeneity.to_dict()
        if isinstance(exogeneity, ExogeneityTest)
        else _error_cell(exogeneity)
        if exogeneity
        else None,
    }


def paper_table2(
    scores: pd.DataFrame,
    *,
    specification: str = DEFAULT_SPECIFICATION,
    truth: Mapping[str, Mapping[str, float]] | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> dict:
    """Both models for each region and the pooled sample, in the paper's layout, under the
    named specification; each column carries the Difference-in-Hansen test of the paper's
    exogeneity assumption.

    ``scores``: city_code, year, region, pubindicator, E, diggovment, strindu, rgdp.
    ``truth``: for a SYNTHETIC panel, the generator's coefficients per model key (``model1``,
    ``model2``) on the score scale; the pooled column then carries their ``recovery``.
    A region whose model cannot be estimated gets its reason instead of numbers.
    """
    spec = specification_of(specification)
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
                fitted = estimate_adl(frame, dependent=dependent, specification=spec.key)
            except EngineInputError as exc:
                columns[region] = _error_cell(exc)
                done += 1
                continue
            try:
                exogeneity: ExogeneityTest | EngineInputError = exogeneity_test(
                    frame, dependent=dependent, fitted=fitted
                )
            except EngineInputError as exc:
                exogeneity = exc
            columns[region] = _column(fitted, dependent, exogeneity)
            if region == "Pooled" and truth and model_key in truth:
                columns[region]["recovery"] = [
                    row.to_dict() for row in recovery(fitted, truth[model_key])
                ]
            done += 1
        tables[model_key] = {
            "dependent": dependent,
            "specification": spec.key,
            "regressor_instruments": spec.regressor_instruments,
            "rows": [label.format(y_label=DEPENDENT_LABELS[dependent]) for _, label, _ in ROWS],
            "columns": columns,
        }
    return tables


def format_table2(table: dict, *, latex: bool = False, words: PaperWords = ENGLISH) -> str:
    """Plain-text (or LaTeX) Table 2: coefficient with stars, t-value below in parentheses."""
    regions = in_paper_order(table["columns"])
    sep = " & " if latex else "\t"
    end = r" \\" if latex else ""
    lines = [sep.join([words.variables, *map(words.region, regions)]) + end]
    for label in table["rows"]:
        coef_row, t_row = [words.row(label)], [""]
        for region in regions:
            cell = table["columns"][region].get("cells", {}).get(label)
            if cell is None:
                coef_row.append("")
                t_row.append("")
            else:
                coef_row.append(f"{cell['coef']:.3f}{cell['stars']}")
                t_row.append(f"({cell['t']:.2f})")
        lines += [sep.join(coef_row) + end, sep.join(t_row) + end]
    for key, label in (("sargan_p", words.sargan), ("ar2_p", words.ar2)):
        row = [label]
        for region in regions:
            value = table["columns"][region].get(key)
            row.append("" if value is None else f"{value:.3f}")
        lines.append(sep.join(row) + end)
    row = [words.exogeneity]
    for region in regions:
        test = table["columns"][region].get("exogeneity_test") or {}
        row.append(f"{test['p']:.3f}" if "p" in test else "")
    lines.append(sep.join(row) + end)
    notes = [
        words.specification(
            table.get("specification", PAPER),
            table.get("regressor_instruments", SPECIFICATIONS[PAPER].regressor_instruments),
        )
    ]
    if table.get("synthetic"):
        notes.append(words.synthetic_table2)
    lines += [_note_line(note, len(regions) + 1, latex=latex, words=words) for note in notes]
    return "\n".join(lines)


def _note_line(note: str, width: int, *, latex: bool, words: PaperWords) -> str:
    """A note row spanning the table (no separator inside, so the CSV keeps its columns)."""
    text = note.replace(",", ";").replace("\t", " ")
    if latex:
        return rf"\multicolumn{{{width}}}{{l}}{{\footnotesize {_latex_escape(text)}}} \\"
    return words.note % {"note": text}


def _latex_escape(text: str) -> str:
    for char in ("&", "%", "$", "#", "_"):
        text = text.replace(char, "\\" + char)
    return text


def in_paper_order(regions: Iterable[str]) -> list[str]:
    """``regions`` in the paper's order (its seven regions, then the pooled sample), whatever
    order they came in: a table read back from PostgreSQL's ``jsonb`` has its keys sorted by
    length, not as written."""
    given = list(regions)
    known = [region for region in (*REGION_ORDER, "Pooled") if region in given]
    return known + [region for region in given if region not in known]


def format_table1(table1: dict, *, latex: bool = False, words: PaperWords = ENGLISH) -> str:
    """Table 1: the coefficient of variation by region, computed next to the paper's."""
    regions = in_paper_order(table1["computed"])
    sep = " & " if latex else "\t"
    end = r" \\" if latex else ""
    lines = [sep.join([words.area, *map(words.region, regions)]) + end]
    calibrated = bool(table1.get("calibrated"))
    computed_label = words.cv_calibrated if calibrated else words.cv
    for key, label in (("computed", computed_label), ("paper", words.paper)):
        values = [table1[key].get(region) for region in regions]
        lines.append(sep.join([label, *("" if v is None else f"{v:.2f}" for v in values)]) + end)
    if calibrated:
        lines.append(_note_line(words.calibration, len(regions) + 1, latex=latex, words=words))
    return "\n".join(lines)


def format_recovery(
    models: Mapping[str, list[dict]], *, latex: bool = False, words: PaperWords = ENGLISH
) -> str:
    """The generator's ADL coefficients beside the estimates and 95% intervals, one row per
    model and coefficient (a SYNTHETIC panel's validation)."""
    sep = " & " if latex else "\t"
    end = r" \\" if latex else ""
    header = list(words.recovery_header)
    lines = [sep.join(header) + end]
    for model_key, rows in models.items():
        for row in rows:
            name = _latex_escape(row["name"]) if latex else row["name"]
            lines.append(
                sep.join(
                    [
                        words.model(model_key),
                        name,
                        f"{row['true']:.4g}",
                        f"{row['estimate']:.4g}",
                        f"{row['se']:.3g}",
                        f"{row['lower']:.4g}",
                        f"{row['upper']:.4g}",
                        words.yes if row["covered"] else words.no,
                    ]
                )
                + end
            )
    lines.append(_note_line(words.recovery, len(header), latex=latex, words=words))
    return "\n".join(lines)
