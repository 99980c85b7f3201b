"""Result objects of a dynamic-panel GMM estimation, their JSON form and a readable table."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


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


def format_table(result: GmmResult) -> str:
    stat = result.statistic_name
    lines = [
        f"Dynamic panel-data estimation, {result.steps} {result.estimator} GMM "
        f"({result.transformation}; engine: {result.engine})",
        f"Model: {result.model}",
        f"Number of obs       = {result.n_obs:<8}  Number of groups = {result.n_groups}",
        f"Number of instruments = {result.n_instruments:<6}  Obs per group: min = "
        f"{result.obs_per_group[0]}, avg = {result.obs_per_group[1]:.2f}, "
        f"max = {result.obs_per_group[2]}",
    ]
    if result.overall is not None:
        o = result.overall
        df = f"{o.df}, {o.df_denominator}" if o.kind == "F" else f"{o.df}"
        label = "F" if o.kind == "F" else "Wald chi2"
        lines.append(f"{label}({df}) = {_num(o.statistic, 0, 2)}   Prob = {_num(o.p, 0, 3)}")
    width = max([12, *(len(c.name) for c in result.coefficients)])
    rule = "-" * (width + 52)
    lines += [
        rule,
        f"{'':<{width}} {'Coef.':>11} {result.se_type[:11]:>11} {stat:>8} {'P>|' + stat + '|':>8}",
        rule,
    ]
    for c in result.coefficients:
        lines.append(
            f"{c.name:<{width}} {_num(c.coef)} {_num(c.se)} {_num(c.stat, 8, 2)} {_num(c.p, 8, 3)}"
        )
    lines.append(rule)
    for test in result.ar_tests:
        lines.append(
            f"Arellano-Bond test for AR({test.order}) in first differences: "
            f"z = {_num(test.z, 6, 2)}  Pr > z = {_num(test.p, 6, 3)}"
        )
    if result.sargan is not None:
        s = result.sargan
        lines.append(
            f"Sargan test of overid. restrictions: chi2({s.df}) = {_num(s.statistic, 0, 2)}"
            f"  Prob > chi2 = {_num(s.p, 0, 3)}"
        )
    if result.hansen is not None:
        h = result.hansen
        lines.append(
            f"Hansen test of overid. restrictions: chi2({h.df}) = {_num(h.statistic, 0, 2)}"
            f"  Prob > chi2 = {_num(h.p, 0, 3)}"
        )
    if result.difference_in_hansen:
        lines.append("Difference-in-Hansen tests of exogeneity of instrument subsets:")
        for d in result.difference_in_hansen:
            lines.append(f"  {d.group}")
            lines.append(
                f"    Hansen test excluding group:     chi2({d.excluding.df}) = "
                f"{_num(d.excluding.statistic, 0, 2)}  Prob > chi2 = {_num(d.excluding.p, 0, 3)}"
            )
            lines.append(
                f"    Difference (null H = exogenous): chi2({d.difference.df}) = "
                f"{_num(d.difference.statistic, 0, 2)}  Prob > chi2 = {_num(d.difference.p, 0, 3)}"
            )
    for warning in result.warnings:
        lines.append(f"Note: {warning}")
    if result.unavailable:
        lines.append("Not available from this engine: " + "; ".join(result.unavailable))
    return "\n".join(lines)
