"""The source paper's ADL(1,1) dynamic panel and its long-run effect.

The paper regresses a city-level outcome on its own lag and on the current value and first
lag of each explanatory variable, with city and year effects, by system GMM:

    y_it = a y_i,t-1 + sum_x (b0_x x_it + b1_x x_i,t-1) + mu_i + rho_t + v_it

Regional subsamples have 20-90 cities, so the default instrument set is kept below the number
of cities: the dependent variable's lags 2..``max_lag`` as collapsed GMM-style instruments,
the regressors as standard instruments (strictly exogenous, as the paper has them) or, with
``endogenous=True``, as potentially endogenous: their lags 2..``max_lag`` as collapsed
GMM-style instruments in the differenced equation only (``eq(diff)``), valid when a regressor
is correlated with the current shock. ``exogeneity_group=True`` adds, on top of the endogenous
set, the paper's ``iv()`` group (valid only if the regressors are strictly exogenous), so that
its Difference-in-Hansen test checks the paper's assumption. Year dummies via ``timedumm``. :func:`estimate_adl` lowers the lag depth
until the instruments number fewer than the groups.

The long-run effect of x is ``(b0 + b1) / (1 - a)``; its standard error is by the delta method
from the estimated covariance matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.engine.errors import EngineContractError, EngineInputError
from analytics.engine.gmm.estimator import estimate, normal_p, t_p
from analytics.engine.gmm.parser import parse_model
from analytics.engine.gmm.results import GmmResult

MIN_LAG_DEPTH = 2


def adl_model_string(
    dep: str,
    regressors: Sequence[str],
    *,
    collapse: bool = True,
    max_lag: int = 3,
    year_effects: bool = True,
    system: bool = True,
    endogenous: bool = False,
    exogeneity_group: bool = False,
    steps: str = "twostep",
    small: bool = False,
) -> str:
    """The model string of an ADL(1,1) in ``dep`` and ``regressors`` (see module docstring)."""
    if not regressors:
        raise EngineContractError("the ADL model needs at least one explanatory variable")
    if max_lag < MIN_LAG_DEPTH:
        raise EngineContractError(f"max_lag must be at least {MIN_LAG_DEPTH} (lag 1 is not valid)")
    if steps not in ("onestep", "twostep", "iterated"):
        raise EngineContractError("steps must be onestep, twostep or iterated")
    terms = [dep, f"L1.{dep}"]
    for name in regressors:
        terms += [name, f"L1.{name}"]
    instruments = [f"gmm({dep}, 2:{max_lag})"]
    exogenous_group = f"iv({' '.join(t for name in regressors for t in (name, f'L1.{name}'))})"
    if endogenous:
        instruments.append(f"gmm({' '.join(regressors)}, 2:{max_lag}, eq(diff))")
        if exogeneity_group:
            instruments.append(exogenous_group)
    else:
        instruments.append(exogenous_group)
    options = [] if steps == "twostep" else [steps]
    if not system:
        options.append("nolevel")
    if collapse:
        options.append("collapse")
    if year_effects:
        options.append("timedumm")
    if small:
        options.append("small")
    return f"{' '.join(terms)} | {' '.join(instruments)} | {' '.join(options)}".rstrip(" |")


def estimate_adl(
    frame: pd.DataFrame,
    dep: str,
    regressors: Sequence[str],
    id_col: str,
    time_col: str,
    *,
    max_lag: int = 4,
    **model_options,
) -> GmmResult:
    """Estimate the ADL(1,1), lowering the GMM lag depth from ``max_lag`` (down to 2) until the
    instruments number fewer than the groups; warns in the result if even depth 2 is too many."""
    depth = max_lag
    while True:
        result = estimate(
            frame,
            adl_model_string(dep, regressors, max_lag=depth, **model_options),
            id_col,
            time_col,
        )
        if result.n_instruments < result.n_groups or depth <= MIN_LAG_DEPTH:
            return result
        depth -= 1


@dataclass(frozen=True)
class LongRunEffect:
    variable: str
    estimate: float
    se: float
    stat: float  # z, or t with the small option
    p: float
    short_run: float  # sum of the coefficients on the variable and its lags
    persistence: float  # sum of the coefficients on the lagged dependent variable

    def to_dict(self) -> dict:
        return {
            "variable": self.variable,
            "estimate": self.estimate,
            "se": self.se,
            "stat": self.stat,
            "p": self.p,
            "short_run": self.short_run,
            "persistence": self.persistence,
        }


def _lag_of(name: str, base: str) -> bool:
    if name == base:
        return True
    prefix, _, rest = name.partition(".")
    return rest == base and prefix.startswith("L") and prefix[1:].isdigit()


def long_run_effect(result: GmmResult, variable: str) -> LongRunEffect:
    """``(sum of the coefficients on variable and its lags) / (1 - sum on the lagged dependent
    variable)`` with a delta-method standard error."""
    dependent = parse_model(result.model).dependent.name
    names = result.names
    x_index = [i for i, name in enumerate(names) if _lag_of(name, variable)]
    y_index = [i for i, name in enumerate(names) if name != dependent and _lag_of(name, dependent)]
    if not x_index:
        raise EngineContractError(
            f"{variable!r} is not a regressor of the model ({', '.join(names)})"
        )
    if not y_index:
        raise EngineInputError(
            "the model has no lagged dependent variable; no long-run effect",
            code="no_lagged_dependent",
        )
    b = np.array([c.coef for c in result.coefficients])
    short_run = float(b[x_index].sum())
    persistence = float(b[y_index].sum())
    if persistence >= 1:
        raise EngineInputError(
            f"the lagged dependent variable's coefficients sum to {persistence:.3f} >= 1: the "
            "process does not converge, so there is no long-run effect",
            code="long_run_not_converging",
            params={"persistence": persistence},
        )
    estimate_value = short_run / (1 - persistence)
    gradient = np.zeros(len(b))
    gradient[x_index] = 1 / (1 - persistence)
    gradient[y_index] = short_run / (1 - persistence) ** 2
    se = float(np.sqrt(gradient @ result.vcov @ gradient))
    stat = estimate_value / se if se > 0 else float("nan")
    p = float(t_p(stat, result.df_t) if result.small and result.df_t else normal_p(stat))
    return LongRunEffect(variable, estimate_value, se, stat, p, short_run, persistence)
