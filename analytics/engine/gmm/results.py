"""Result objects of a dynamic-panel GMM estimation, their JSON form and a readable table.

The table is worded by a :class:`TableWords`: English (xtabond2's) by default, the reader's
language when the product passes its own (``analytics.wording.gmm_table_words``). Only the
words change: the figures, the variables' names and the model string stay as they are."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from analytics.engine.text import display_width, padded


def _clean(value):
    """JSON-safe: NaN and infinities become None, numpy scalars become Python numbers."""
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclass(frozen=True)
class Coefficient:
    name: str
    coef: float
    se: float
    stat: float  # z, or t with the small option
    p: float


@dataclass(frozen=True)
class ChiSquareTest:
    statistic: float
    df: int
    p: float

    def to_dict(self) -> dict:
        return {"statistic": _clean(self.statistic), "df": int(self.df), "p": _clean(self.p)}


@dataclass(frozen=True)
class ArTest:
    order: int
    z: float
    p: float


@dataclass(frozen=True)
class DifferenceInHansen:
    group: str
    excluding: ChiSquareTest  # Hansen test of the other instruments
    difference: ChiSquareTest  # null: the group's instruments are exogenous


@dataclass(frozen=True)
class OverallTest:
    """Joint significance of the coefficients: Wald chi2, or F with the small option."""

    kind: str  # "wald" or "F"
    statistic: float
    df: int
    df_denominator: int | None
    p: float


@dataclass
class GmmResult:
    model: str
    estimator: str  # "system" or "difference"
    steps: str  # "one-step", "two-step", "iterated (k steps)"
    transformation: str
    se_type: str
    small: bool
    df_t: int | None  # degrees of freedom of the t statistics (small), else None
    coefficients: list[Coefficient]
    vcov: np.ndarray
    n_obs: int  # xtabond2's count: level obs in system GMM, transformed obs in difference GMM
    n_obs_transformed: int
    n_obs_level: int | None
    n_groups: int
    obs_per_group: tuple[int, float, int]
    n_instruments: int
    hansen: ChiSquareTest | None
    sargan: ChiSquareTest | None
    difference_in_hansen: list[DifferenceInHansen]
    ar_tests: list[ArTest]
    overall: OverallTest | None
    dropped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    engine: str = "ours"
    unavailable: list[str] = field(default_factory=list)
    id_col: str = ""
    time_col: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.coefficients]

    @property
    def params(self) -> dict[str, float]:
        return {c.name: c.coef for c in self.coefficients}

    @property
    def std_errors(self) -> dict[str, float]:
        return {c.name: c.se for c in self.coefficients}

    @property
    def statistic_name(self) -> str:
        return "t" if self.small else "z"

    def coefficient(self, name: str) -> Coefficient:
        for coefficient in self.coefficients:
            if coefficient.name == name:
                return coefficient
        raise KeyError(name)  # a lookup that misses, as in a mapping: a programming error

    def ar(self, order: int) -> ArTest:
        for test in self.ar_tests:
            if test.order == order:
                return test
        raise KeyError(order)

    def to_dict(self) -> dict:
        stat = self.statistic_name
        return {
            "engine": self.engine,
            "model": self.model,
            "estimator": self.estimator,
            "steps": self.steps,
            "transformation": self.transformation,
            "se_type": self.se_type,
            "small": self.small,
            "df_t": self.df_t,
            "coefficients": {
                c.name: {
                    "coef": _clean(c.coef),
                    "se": _clean(c.se),
                    stat: _clean(c.stat),
                    "p": _clean(c.p),
                }
                for c in self.coefficients
            },
            "n_obs": self.n_obs,
            "n_obs_transformed": self.n_obs_transformed,
            "n_obs_level": self.n_obs_level,
            "n_groups": self.n_groups,
            "obs_per_group": {
                "min": self.obs_per_group[0],
                "avg": _clean(self.obs_per_group[1]),
                "max": self.obs_per_group[2],
            },
            "n_instruments": self.n_instruments,
            "instruments_exceed_groups": self.n_instruments > self.n_groups,
            "hansen": self.hansen.to_dict() if self.hansen else None,
            "sargan": self.sargan.to_dict() if self.sargan else None,
            "difference_in_hansen": [
                {
                    "group": d.group,
                    "excluding_group": d.excluding.to_dict(),
                    "difference": d.difference.to_dict(),
                }
                for d in self.difference_in_hansen
            ],
            "ar_tests": [
                {"order": t.order, "z": _clean(t.z), "p": _clean(t.p)} for t in self.ar_tests
            ],
            "overall_test": (
                {
                    "kind": self.overall.kind,
                    "statistic": _clean(self.overall.statistic),
                    "df": self.overall.df,
                    "df_denominator": self.overall.df_denominator,
                    "p": _clean(self.overall.p),
                }
                if self.overall
                else None
            ),
            "dropped_collinear": list(self.dropped),
            "warnings": list(self.warnings),
            "unavailable": list(self.unavailable),
        }

    def summary(self) -> str:
        return format_table(self)


def _num(value: float | None, width: int = 11, digits: int = 7) -> str:
    if value is None or not math.isfinite(value):
        return ".".rjust(width)
    return f"{value:{width}.{digits}f}"


def _as_written(text: str) -> str:
    return text


@dataclass(frozen=True)
class TableWords:
    """The words of :func:`format_table`; templates take %-style named fields. ``word`` words
    what the result itself says in English (its engine, steps, estimator, transformation,
    standard errors, warnings and what an engine could not give); ``join`` joins a list."""

    title: str = (
        "Dynamic panel-data estimation, %(steps)s %(estimator)s GMM (%(transformation)s; "
        "engine: %(engine)s)"
    )
    model: str = "Model: %(model)s"
    counts: str = "Number of obs       = %(obs)-8s  Number of groups = %(groups)s"
    instruments: str = (
        "Number of instruments = %(instruments)-6s  Obs per group: min = %(min)s, "
        "avg = %(avg)s, max = %(max)s"
    )
    overall: str = "%(test)s(%(df)s) = %(statistic)s   Prob = %(p)s"
    coefficient: str = "Coef."
    ar: str = "Arellano-Bond test for AR(%(order)s) in first differences: z = %(z)s  Pr > z = %(p)s"
    sargan: str = (
        "Sargan test of overid. restrictions: chi2(%(df)s) = %(statistic)s  Prob > chi2 = %(p)s"
    )
    hansen: str = (
        "Hansen test of overid. restrictions: chi2(%(df)s) = %(statistic)s  Prob > chi2 = %(p)s"
    )
    difference_in_hansen: str = "Difference-in-Hansen tests of exogeneity of instrument subsets:"
    excluding_group: str = (
        "Hansen test excluding group:     chi2(%(df)s) = %(statistic)s  Prob > chi2 = %(p)s"
    )
    difference: str = (
        "Difference (null H = exogenous): chi2(%(df)s) = %(statistic)s  Prob > chi2 = %(p)s"
    )
    note: str = "Note: %(note)s"
    unavailable: str = "Not available from this engine: %(items)s"
    word: Callable[[str], str] = _as_written
    # An instrument group: a part of the model string ("iv(w k)"), or the engine's own name
    # for the level equation's GMM instruments.
    group: Callable[[str], str] = _as_written
    join: str = "; "


ENGLISH = TableWords()


def format_table(result: GmmResult, words: TableWords = ENGLISH) -> str:
    stat = result.statistic_name
    say = words.word
    lines = [
        words.title
        % {
            "steps": say(result.steps),
            "estimator": say(result.estimator),
            "transformation": say(result.transformation),
            "engine": say(result.engine),
        },
        words.model % {"model": result.model},
        words.counts % {"obs": result.n_obs, "groups": result.n_groups},
        words.instruments
        % {
            "instruments": result.n_instruments,
            "min": result.obs_per_group[0],
            "avg": f"{result.obs_per_group[1]:.2f}",
            "max": result.obs_per_group[2],
        },
    ]
    if result.overall is not None:
        o = result.overall
        lines.append(
            words.overall
            % {
                "test": "F" if o.kind == "F" else "Wald chi2",
                "df": f"{o.df}, {o.df_denominator}" if o.kind == "F" else f"{o.df}",
                "statistic": _num(o.statistic, 0, 2),
                "p": _num(o.p, 0, 3),
            }
        )
    width = max([12, *(display_width(c.name) for c in result.coefficients)])
    standard_error = say(result.se_type)
    # A header wider than its column (a translation) widens that column.
    se_width = max(11, display_width(standard_error))
    rule = "-" * (width + 41 + se_width)
    lines += [
        rule,
        f"{padded('', width)} {padded(words.coefficient, 11, right=True)} "
        f"{padded(standard_error, se_width, right=True)} {stat:>8} {'P>|' + stat + '|':>8}",
        rule,
    ]
    for c in result.coefficients:
        lines.append(
            f"{padded(c.name, width)} {_num(c.coef)} {_num(c.se, se_width)} "
            f"{_num(c.stat, 8, 2)} {_num(c.p, 8, 3)}"
        )
    lines.append(rule)
    for test in result.ar_tests:
        lines.append(
            words.ar % {"order": test.order, "z": _num(test.z, 6, 2), "p": _num(test.p, 6, 3)}
        )
    for template, chi2 in ((words.sargan, result.sargan), (words.hansen, result.hansen)):
        if chi2 is not None:
            lines.append(template % _chi2_parts(chi2))
    if result.difference_in_hansen:
        lines.append(words.difference_in_hansen)
        for d in result.difference_in_hansen:
            lines.append(f"  {words.group(d.group)}")
            lines.append("    " + words.excluding_group % _chi2_parts(d.excluding))
            lines.append("    " + words.difference % _chi2_parts(d.difference))
    for warning in result.warnings:
        lines.append(words.note % {"note": say(warning)})
    if result.unavailable:
        lines.append(
            words.unavailable % {"items": words.join.join(say(u) for u in result.unavailable)}
        )
    return "\n".join(lines)


def _chi2_parts(test: ChiSquareTest) -> dict[str, object]:
    return {"df": test.df, "statistic": _num(test.statistic, 0, 2), "p": _num(test.p, 0, 3)}
