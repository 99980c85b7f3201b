"""Allocation of limited supply capacity in whole units, solved by HiGHS.

Method (also in docs/precision-supply.md):

* need ``n[c,k]`` = the forecast (or, with ``need_basis="upper"``, the upper bound of its
  interval); already covered ``b[c,k] = min(current supply, need)``; gap ``g = n - b``;
* variables: ``y[c,k]`` whole units added in community ``c`` for category ``k`` (at most
  ``ceil(g)``) and ``u[c,k] <= min(y, g)`` the forecast requests they cover, ``z[k,s]`` whole
  units bought from supplier ``s`` (a city-wide pool with a unit cost in whole fen and a
  capacity per category), linked by ``sum_c y[c,k] = sum_s z[k,s]``; ``tau`` the floor;
* budget: ``sum cost[k,s] * z <= budget - committed``; optional per-category budgets likewise;
  capacities: ``z <= capacity``;
* equalization floor: every community's coverage ``(sum_k b + u) / sum_k n >= tau``
  (``floor_level="community_category"`` puts it on every community × category).

Two stages on sparse matrices:

1. maximise ``tau`` over the linear relaxation (``scipy.optimize.linprog``) → ``tau*``, the
   highest floor the budget and capacities allow (an upper bound for whole units);
2. keep every floor row at ``(1 - epsilon) * tau*`` and maximise equity-weighted covered
   requests ``sum w[c] * u[c,k]`` in whole units (``scipy.optimize.milp``, branch and cut,
   stopped at a relative gap or a time limit, and the plan says which: the time limit, or, for
   a large plan, the search near the relaxation ending with the gap open; a small plan whose
   gap the relaxation's bound leaves open is searched whole, and the search's proven bound
   is the one its gap is measured against). A row whole units
   cannot bring to the floor is short by ``s``, which costs more than any weighted request
   gained elsewhere, and the plan names it. A negligible cost term makes the cheaper supplier
   win between equally good plans.

The naive baseline shares the same budget between communities in proportion to population and,
inside a community, between categories in proportion to the cost of their gaps, in whole units
(largest remainders first).
"""

from __future__ import annotations

import heapq
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from analytics.engine.errors import EngineContractError, EngineInputError
from analytics.engine.supply.catalogue import SUPPLIER_KINDS
from analytics.engine.supply.frames import (
    as_counted,
    jsonable,
    require_allowed,
    require_columns,
    require_numeric,
)

# Weight reasons are language-neutral parts (a list of ``{"code", ...}`` dicts); a reason a
# caller gives only as free text is kept as one ``{"code": "text", "text": ...}`` part.
DEFAULT_WEIGHT_REASON_CODE = "default_weight"
TEXT_CODE = "text"
NO_REASON_GIVEN_CODE = "equalization_weight_no_reason"
# Needs, gaps and supplied amounts at or below a millionth of a unit are zero: a forecast of
# 1e-7 requests is rounding noise, and keeping it made the LP promise a floor on a need whose
# supply the unit rounding below then dropped.
_TINY = 1e-6
# Plans of at most this many community x category cells with a gap get the full whole-unit
# search (branch and cut over every whole-unit plan, not only the box around the relaxation)
# when the gap is still open after the near search. Measured (docs/precision-supply.md): up to
# 550 cells it proved the target in at most 1.8 s; at 1,100 cells it took 2.5-5.5 s, and at
# 2,200 it used up the 10 s limit without a better plan.
_FULL_SEARCH_CELLS = 500
# HiGHS's default primal feasibility tolerance.
_FEASIBILITY_SLACK = 1e-7
SOLVER_DESCRIPTION = "HiGHS via scipy.optimize: floor by linprog (highs-ipm) and a whole-unit search, plan by milp (whole units)"
# The LP relaxation (``AllocationConfig(whole_units=False)``), and what runs stored before
# whole units say.
LP_SOLVER_DESCRIPTION = "HiGHS via scipy.optimize.linprog: stage 1 highs-ipm, stage 2 highs-ds"


@dataclass(frozen=True)
class AllocationConfig:
    """Settings of the allocation LP."""

    # The plan's floor is ``(1 - epsilon)`` times the highest floor every community can reach
    # (the page's "floor" control is ``1 - epsilon``): 0.01 keeps nearly the max-min floor;
    # 1 keeps none, and the equity weights alone decide above what already is.
    epsilon: float = 0.01
    # Equity weights enter as ``weight ** strength``: 0 = every community 1, 1 = as given.
    strength: float = 1.0
    floor_level: str = "community"
    need_basis: str = "forecast"
    min_coverage: float | None = None
    # Whole units (the default): both stages are mixed-integer programs, stopped at this
    # relative gap or after this time (both stages together), whichever comes first; the
    # plan says which. ``whole_units=False`` solves the LP relaxation (benchmarks only: its
    # fractional units cannot be written as capacities).
    time_limit_seconds: float | None = 10.0
    mip_rel_gap: float = 0.005
    whole_units: bool = True
    # Also solve the plan stage's LP relaxation: the budget's marginal value and what the
    # integrality costs.
    compare_relaxation: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.epsilon <= 1:
            raise EngineContractError(f"epsilon must be between 0 and 1, got {self.epsilon}")
        if not (np.isfinite(self.strength) and 0 <= self.strength <= 10):
            raise EngineContractError(f"strength must be between 0 and 10, got {self.strength}")
        if self.floor_level not in ("community", "community_category"):
            raise EngineContractError("floor_level must be 'community' or 'community_category'")
        if self.need_basis not in ("forecast", "upper"):
            raise EngineContractError("need_basis must be 'forecast' or 'upper'")
        if self.min_coverage is not None and not 0 <= self.min_coverage <= 1:
            raise EngineContractError("min_coverage must be between 0 and 1")
        if not 0 <= self.mip_rel_gap < 1:
            raise EngineContractError("mip_rel_gap must be between 0 and 1")
        if self.time_limit_seconds is not None and not self.time_limit_seconds > 0:
            raise EngineContractError("time_limit_seconds must be positive")


# ---------------------------------------------------------------------------------------------
# Input


def _budget(value: object, what: str) -> float:
    try:
        amount = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EngineContractError(f"{what} must be a non-negative amount, got {value!r}") from None
    if not np.isfinite(amount) or amount < 0:
        raise EngineContractError(f"{what} must be a non-negative amount, got {value!r}")
    return amount


def default_suppliers(
    demand: pd.DataFrame,
    unit_costs: Mapping[str, float],
    *,
    government_share: float = 0.5,
    social_share: float = 0.2,
) -> pd.DataFrame:
    """A plausible supplier table for demos: per category, government at the unit cost with
    capacity for ``government_share`` of the forecast demand, social organisations 15% cheaper
    for ``social_share`` of it, and the market 30% dearer without a limit (prices in whole
    fen, capacities in whole requests)."""
    require_columns(demand, ["category", "forecast"], what="demand")
    totals = demand.groupby("category")["forecast"].sum()
    rows = []
    for category, total in totals.items():
        if category not in unit_costs:
            raise EngineInputError(
                f"no unit cost for category {category!r}",
                code="no_unit_cost",
                params={"category": str(category)},
            )
        cost = float(unit_costs[category])
        rows += [
            ("government", category, round(cost, 2), np.floor(government_share * total)),
            (
                "social_organisation",
                category,
                round(0.85 * cost, 2),
                np.floor(social_share * total),
            ),
            ("market", category, round(1.3 * cost, 2), np.nan),
        ]
    return pd.DataFrame(rows, columns=["supplier", "category", "unit_cost", "capacity"])


@dataclass
class _Problem:
    cells: pd.DataFrame  # one row per community x category
    options: pd.DataFrame  # one row per cell with a gap x supplier that offers its category
    communities: pd.DataFrame
    available_budget: float
    category_available: dict[str, float]
    capacities: pd.DataFrame  # supplier, category, capacity (finite only)
    committed: float
    budget: float


def _prepare(
    demand: pd.DataFrame,
    budget: float,
    unit_costs: Mapping[str, float] | None,
    communities: pd.DataFrame,
    current_supply: pd.DataFrame | None,
    suppliers: pd.DataFrame | None,
    equity_weights: pd.DataFrame | None,
    category_budgets: Mapping[str, float] | None,
    config: AllocationConfig,
) -> _Problem:
    budget = _budget(budget, "the budget")
    if not isinstance(demand, pd.DataFrame) or demand.empty:
        raise EngineInputError("no forecast demand given; run a forecast first", code="no_forecast")
    require_columns(demand, ["community", "category", "forecast"], what="demand")
    forecast = require_numeric(demand, "forecast", what="demand", minimum=0)
    lower = (
        require_numeric(demand, "lower", what="demand", minimum=0)
        if "lower" in demand.columns
        else forecast
    )
    upper = (
        require_numeric(demand, "upper", what="demand", minimum=0)
        if "upper" in demand.columns
        else forecast
    )
    bad = (lower > forecast + 1e-9) | (forecast > upper + 1e-9)
    if bad.any():
        row = int(bad.nonzero()[0][0])
        raise EngineContractError(
            f"demand row {as_counted(row)}: need lower <= forecast <= upper, got "
            f"{lower[row]:g} / {forecast[row]:g} / {upper[row]:g}"
        )
    cells = pd.DataFrame(
        {
            "community": demand["community"].astype(str).to_numpy(),
            "category": demand["category"].astype(str).to_numpy(),
            "forecast": forecast,
            "lower": lower,
            "upper": upper,
        }
    )
    duplicated = cells.duplicated(["community", "category"])
    if duplicated.any():
        row = int(duplicated.to_numpy().nonzero()[0][0])
        raise EngineContractError(
            f"demand has more than one row for community {cells['community'].iloc[row]!r}, "
            f"category {cells['category'].iloc[row]!r} (row {as_counted(row)})"
        )
    need = cells["upper"] if config.need_basis == "upper" else cells["forecast"]
    cells["need"] = need.where(need > _TINY, 0.0)

    require_columns(communities, ["community", "population", "kind"], what="communities")
    require_allowed(communities, "kind", ("urban", "rural"), what="communities")
    comm = communities.drop_duplicates("community").copy()
    comm["community"] = comm["community"].astype(str)
    comm["population"] = require_numeric(comm, "population", what="communities", minimum=0)
    comm = comm.set_index("community")[["population", "kind"]]
    unknown = ~cells["community"].isin(comm.index)
    if unknown.any():
        raise EngineInputError(
            f"demand names community {cells['community'][unknown].iloc[0]!r}, which is not "
            "in the communities table",
            code="community_unknown",
            params={"community": str(cells["community"][unknown].iloc[0])},
        )
    comm = comm.loc[pd.unique(cells["community"])]

    comm["weight"] = 1.0
    reason_parts: list[list[dict] | None] = [
        [{"code": DEFAULT_WEIGHT_REASON_CODE}] for _ in range(len(comm))
    ]
    if equity_weights is not None and len(equity_weights):
        require_columns(equity_weights, ["community", "weight"], what="equity weights")
        weights = require_numeric(equity_weights, "weight", what="equity weights", minimum=0)
        if (weights <= 0).any():
            row = int((weights <= 0).nonzero()[0][0])
            raise EngineContractError(
                f"equity weights: weight must be positive (row {as_counted(row)})"
            )
        table = pd.DataFrame(
            {
                "weight": weights,
                "reason": (
                    equity_weights["reason"].fillna("").astype(str).to_numpy()
                    if "reason" in equity_weights.columns
                    else ""
                ),
                "reason_parts": (
                    equity_weights["reason_parts"].to_numpy()
                    if "reason_parts" in equity_weights.columns
                    else None
                ),
            },
            index=equity_weights["community"].astype(str).to_numpy(),
        )
        table = table[~table.index.duplicated(keep="last")]
        hit = comm.index.isin(table.index)
        comm.loc[hit, "weight"] = table.loc[comm.index[hit], "weight"].to_numpy()
        reasons = table.loc[comm.index[hit], "reason"].to_numpy()
        given_parts = table.loc[comm.index[hit], "reason_parts"].to_numpy()
        for position, reason, parts in zip(np.flatnonzero(hit), reasons, given_parts, strict=True):
            if isinstance(parts, list) and parts:
                reason_parts[position] = parts
            elif reason:
                reason_parts[position] = [{"code": TEXT_CODE, "text": str(reason)}]
            else:
                reason_parts[position] = [{"code": NO_REASON_GIVEN_CODE}]
    comm["weight_reason_parts"] = pd.Series(reason_parts, index=comm.index, dtype=object)

    cells["current_supply"] = 0.0
    committed_by_category: dict[str, float] = {}
    if current_supply is not None and len(current_supply):
        require_columns(
            current_supply, ["community", "category", "capacity"], what="current supply"
        )
        capacity = require_numeric(current_supply, "capacity", what="current supply", minimum=0)
        committed = (
            require_numeric(current_supply, "committed_cost", what="current supply", minimum=0)
            if "committed_cost" in current_supply.columns
            else np.zeros(len(current_supply))
        )
        supply = pd.DataFrame(
            {
                "community": current_supply["community"].astype(str).to_numpy(),
                "category": current_supply["category"].astype(str).to_numpy(),
                "capacity": capacity,
                "committed": committed,
            }
        )
        summed = supply.groupby(["community", "category"])["capacity"].sum()
        key = pd.MultiIndex.from_frame(cells[["community", "category"]])
        cells["current_supply"] = summed.reindex(key).fillna(0.0).to_numpy()
        committed_by_category = supply.groupby("category")["committed"].sum().to_dict()
    cells["covered_before"] = np.minimum(cells["current_supply"], cells["need"])
    cells["gap"] = cells["need"] - cells["covered_before"]

    if suppliers is None:
        if unit_costs is None:
            raise EngineContractError("give unit_costs or a suppliers table")
        missing = sorted(set(cells["category"]) - set(unit_costs))
        if missing:
            raise EngineInputError(
                f"no unit cost for category {missing[0]!r}",
                code="no_unit_cost",
                params={"category": str(missing[0])},
            )
        suppliers = pd.DataFrame(
            {
                "supplier": "government",
                "category": list(unit_costs),
                "unit_cost": [float(v) for v in unit_costs.values()],
                "capacity": np.nan,
            }
        )
    require_columns(suppliers, ["supplier", "category", "unit_cost"], what="suppliers")
    require_allowed(suppliers, "supplier", SUPPLIER_KINDS, what="suppliers")
    offers = pd.DataFrame(
        {
            "supplier": suppliers["supplier"].astype(str).to_numpy(),
            "category": suppliers["category"].astype(str).to_numpy(),
            "unit_cost": require_numeric(suppliers, "unit_cost", what="suppliers", minimum=0),
            "capacity": (
                require_numeric(
                    suppliers, "capacity", what="suppliers", minimum=0, allow_missing=True
                )
                if "capacity" in suppliers.columns
                else np.full(len(suppliers), np.nan)
            ),
        }
    )
    # Prices are in whole fen, so a plan of whole units costs whole fen: the cost it shows is
    # the cost its approval commits, to the fen.
    offers["unit_cost"] = offers["unit_cost"].round(2)
    if (offers["unit_cost"] <= 0).any():
        row = int((offers["unit_cost"] <= 0).to_numpy().nonzero()[0][0])
        raise EngineInputError(
            f"suppliers: unit_cost must be at least 0.01 (row {as_counted(row)})",
            code="unit_cost_too_small",
            params={"category": str(offers["category"].iloc[row])},
        )
    if offers.duplicated(["supplier", "category"]).any():
        row = int(offers.duplicated(["supplier", "category"]).to_numpy().nonzero()[0][0])
        raise EngineInputError(
            f"suppliers: {offers['supplier'].iloc[row]!r} is listed twice for "
            f"{offers['category'].iloc[row]!r}",
            code="supplier_listed_twice",
            params={
                "supplier": str(offers["supplier"].iloc[row]),
                "category": str(offers["category"].iloc[row]),
            },
        )
    needy = set(cells.loc[cells["gap"] > _TINY, "category"])
    unsupplied = sorted(needy - set(offers["category"]))
    if unsupplied:
        raise EngineInputError(
            f"no supplier offers category {unsupplied[0]!r}; add a supplier or a unit cost for it",
            code="no_supplier_for_category",
            params={"category": str(unsupplied[0])},
        )

    committed_total = float(sum(committed_by_category.values()))
    if committed_total > budget + 1e-6:
        raise EngineInputError(
            f"the budget of {budget:,.0f} is below the cost of the supply already committed "
            f"({committed_total:,.0f}); raise the budget or reduce committed supply",
            code="budget_below_committed",
            params={"budget": float(budget), "committed": float(committed_total)},
        )
    category_available: dict[str, float] = {}
    for category, amount in (category_budgets or {}).items():
        amount = _budget(amount, f"the budget for category {category!r}")
        committed = float(committed_by_category.get(category, 0.0))
        if committed > amount + 1e-6:
            raise EngineInputError(
                f"the per-category budget for {category!r} ({amount:,.0f}) is below the cost of "
                f"the supply already committed to it ({committed:,.0f}); the constraint "
                f"'spending on {category} <= its budget' cannot be met",
                code="category_budget_below_committed",
                params={"category": str(category), "budget": amount, "committed": committed},
            )
        category_available[str(category)] = amount - committed

    options = cells.reset_index(names="cell").loc[lambda f: f["gap"] > _TINY]
    options = options[["cell", "community", "category"]].merge(offers, on="category", how="inner")
    options = options.sort_values(["cell", "unit_cost", "supplier"], kind="stable").reset_index(
        drop=True
    )
    capacities = offers.loc[np.isfinite(offers["capacity"])]
    return _Problem(
        cells=cells,
        options=options,
        communities=comm,
        available_budget=budget - committed_total,
        category_available=category_available,
        capacities=capacities,
        committed=committed_total,
        budget=budget,
    )


# ---------------------------------------------------------------------------------------------
# Mixed-integer program


@dataclass(frozen=True)
class SolverReport:
    """How the whole-unit plan was solved: HiGHS's status per stage, the relative MIP gap it
    reached (0 = proven optimal), the time it took and the limits it was given."""

    # "optimal" (gap closed to the target) or "gap_open": the time limit cut a search short
    # (``time_limit_reached``), or a plan of more than _FULL_SEARCH_CELLS cells finished its
    # search near the relaxation with the gap still open and is not searched in full.
    status: str
    gap: float  # relative gap of the plan stage (weighted coverage)
    floor_gap: float  # the whole-unit floor below the LP's (relative)
    seconds: float
    time_limit_seconds: float
    gap_target: float
    nodes: int
    whole_units: bool = True
    # Wall time of each step: floor, relaxation, near_search, full_search, comparison.
    step_seconds: dict[str, float] = field(default_factory=dict)
    # The LP's highest floor: an upper bound on every whole-unit floor (``floor_gap`` is the
    # whole-unit floor's distance below it).
    floor_bound: float = float("nan")
    # Whether the time limit stopped the whole-unit search (a search HiGHS cut short, or one
    # left out because no time was left), as against a search that ran to its end.
    time_limit_reached: bool = False

    @property
    def gap_closed(self) -> bool:
        return self.status == "optimal"

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "gap": self.gap,
            "floor_gap": self.floor_gap,
            "seconds": self.seconds,
            "time_limit_seconds": self.time_limit_seconds,
            "gap_target": self.gap_target,
            "nodes": self.nodes,
            "whole_units": self.whole_units,
            "step_seconds": self.step_seconds,
            "floor_bound": self.floor_bound,
            "time_limit_reached": self.time_limit_reached,
        }


@dataclass
class _Solution:
    units: np.ndarray  # per option
    tau_star: float
    tau_used: float
    budget_marginal: float
    seconds: float
    iterations: int
    variables: int
    report: SolverReport
    # Weighted and plain covered requests of the fractional optimum of the plan stage (its LP
    # relaxation at the same floor): what the integrality costs.
    relaxation_covered: float = float("nan")
    relaxation_weighted: float = float("nan")
    # Floor rows (community, or "community / category") whole units leave below the floor,
    # with their coverage, least covered first.
    short_of_floor: list[tuple[str, float]] = field(default_factory=list)


@contextmanager
def quiet_solver() -> Iterator[None]:
    """While HiGHS runs, whatever it writes to the process's standard output (C stdio, file
    descriptor 1, which Python's redirections do not reach) goes to standard error instead:
    a command's standard output (``--json``) carries only what the command prints."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no file descriptor 1 (an embedded interpreter)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _solve(
    problem: _Problem, config: AllocationConfig, floor_cache: dict | None = None
) -> _Solution:
    """Stage one, the highest floor, is a linear program (its fractional optimum ``tau*``
    bounds every whole-unit floor); stage two, the plan, is a mixed-integer program
    (``scipy.optimize.milp``, HiGHS branch and cut) that keeps every community at
    ``(1 - epsilon) * tau*`` where whole units allow it and names those where they do not.

    Suppliers are city-wide pools (a capacity and a unit cost per supplier and category), so
    the model has per community × category with a gap a whole number of units added (``y``)
    and the requests they cover (``u <= y``, ``u <= gap``: a forecast of 10.3 requests is
    covered by 11 units, the 11th covering 0.3), per supplier × category a whole number of
    units bought (``z``), linked by ``sum_c y[c,k] = sum_s z[k,s]``, and per floor row the
    share of need by which whole units leave it short (``s``, penalised above any gain)."""
    started = time.perf_counter()
    cells, options = problem.cells, problem.options
    y_cells = np.unique(options["cell"].to_numpy())  # cells with a gap and a supplier
    offers = options.groupby(["category", "supplier"], sort=True)["unit_cost"].first().reset_index()
    n_y, n_z = len(y_cells), len(offers)
    whole = config.whole_units
    cell_category = cells["category"].to_numpy()[y_cells]
    categories, y_cat = np.unique(cell_category, return_inverse=True)
    z_cat = np.searchsorted(categories, offers["category"].to_numpy())
    cost = offers["unit_cost"].to_numpy()
    gap = cells["gap"].to_numpy()

    # Floor rows: per community (or community × category) with a need.
    if config.floor_level == "community":
        codes, _ = pd.factorize(cells["community"])
        need = np.bincount(codes, weights=cells["need"].to_numpy())
        base = np.bincount(codes, weights=cells["covered_before"].to_numpy())
        y_group = codes[y_cells]
        group_names = pd.unique(cells["community"])
    else:
        need = cells["need"].to_numpy()
        base = cells["covered_before"].to_numpy()
        y_group = y_cells
        group_names = (cells["community"] + " / " + cells["category"]).to_numpy()
    active = np.nonzero(need > _TINY)[0]
    n_s = len(active)

    # f: whole units that each cover a whole request (at most floor(gap)); p: one more unit
    # covering the gap's fraction (0 or 1, only where the gap has one). Writing the last unit
    # apart keeps the relaxation tight: in it too, a fraction of a request costs a whole unit.
    f_cols = np.arange(n_y)
    p_cols = n_y + f_cols
    fraction = gap[y_cells] - np.floor(gap[y_cells] + 1e-9)
    fraction[fraction < 1e-6] = 0.0
    z_cols = 2 * n_y + np.arange(n_z)
    s_cols = 2 * n_y + n_z + np.arange(n_s)
    tau = 2 * n_y + n_z + n_s
    n_var = tau + 1

    rows: list[sparse.coo_array] = []
    lows: list[np.ndarray] = []
    highs: list[np.ndarray] = []

    def add(matrix: sparse.coo_array, low: object, high: object) -> None:
        rows.append(matrix)
        lows.append(np.asarray(low, dtype=float))
        highs.append(np.asarray(high, dtype=float))

    # balance: units added in category k = units bought from its suppliers
    add(
        sparse.coo_array(
            (
                np.concatenate([np.ones(2 * n_y), -np.ones(n_z)]),
                (np.concatenate([y_cat, y_cat, z_cat]), np.concatenate([f_cols, p_cols, z_cols])),
            ),
            shape=(len(categories), n_var),
        ),
        np.zeros(len(categories)),
        np.zeros(len(categories)),
    )
    # budgets (prices are whole fen, see _prepare)
    budget_row = len(categories)
    add(
        sparse.coo_array((cost, (np.zeros(n_z, dtype=int), z_cols)), shape=(1, n_var)),
        [-np.inf],
        [problem.available_budget],
    )
    for category, amount in problem.category_available.items():
        pick = offers["category"].to_numpy() == category
        if pick.any():
            add(
                sparse.coo_array(
                    (cost[pick], (np.zeros(pick.sum(), dtype=int), z_cols[pick])), shape=(1, n_var)
                ),
                [-np.inf],
                [amount],
            )
    # equalization floor, as a share of each need: tau - covered / need - s <= before / need.
    # In that form the solver's feasibility tolerance is a tolerance on coverage, not on units,
    # so a community with a tiny need cannot slip under the floor by rounding.
    row_of = np.full(len(need), -1)
    row_of[active] = np.arange(n_s)
    pick = row_of[y_group] >= 0
    add(
        sparse.coo_array(
            (
                np.concatenate(
                    [
                        -1.0 / need[y_group[pick]],
                        -fraction[pick] / need[y_group[pick]],
                        -np.ones(n_s),
                        np.ones(n_s),
                    ]
                ),
                (
                    np.concatenate(
                        [
                            row_of[y_group][pick],
                            row_of[y_group][pick],
                            np.arange(n_s),
                            np.arange(n_s),
                        ]
                    ),
                    np.concatenate([f_cols[pick], p_cols[pick], s_cols, np.full(n_s, tau)]),
                ),
            ),
            shape=(n_s, n_var),
        ),
        np.full(n_s, -np.inf),
        base[active] / need[active],
    )
    matrix = sparse.vstack(rows).tocsr()
    row_low, row_high = np.concatenate(lows), np.concatenate(highs)
    finite_high, finite_low = np.isfinite(row_high), np.isfinite(row_low)
    a_ub = sparse.vstack([matrix[finite_high], -matrix[finite_low]]).tocsr()
    b_ub = np.concatenate([row_high[finite_high], -row_low[finite_low]])
    budget_ub_row = int(finite_high[:budget_row].sum())

    capacity = (
        problem.capacities.set_index(["category", "supplier"])["capacity"]
        .reindex(pd.MultiIndex.from_frame(offers[["category", "supplier"]]))
        .to_numpy()
    )
    capacity = np.where(np.isfinite(capacity), capacity, np.inf)

    def bounds(*, integer: bool, tau_low: float, tau_high: float, shortfall: bool) -> np.ndarray:
        low = np.zeros(n_var)
        low[tau] = tau_low
        high = np.concatenate(
            [
                np.floor(gap[y_cells] + 1e-9) if integer else gap[y_cells],
                (fraction > 0).astype(float) if integer else np.zeros(n_y),
                np.floor(capacity + 1e-9) if integer else capacity,
                np.ones(n_s) if shortfall else np.zeros(n_s),
                [tau_high],
            ]
        )
        return np.column_stack([low, high])

    def relaxed(objective: np.ndarray, box: np.ndarray, method: str):
        with quiet_solver():
            result = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=box, method=method)
            if result.status not in (0, 2):  # numerical trouble: let HiGHS choose the algorithm
                result = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=box, method="highs")
        if result.status != 0:
            raise EngineInputError(
                f"the allocation could not be solved: {result.message}",
                code="allocation_unsolved",
            )
        return result

    # Stage one: the highest floor (LP). Maximising the floor alone is highly degenerate: the
    # interior-point method is ~15x faster than dual simplex on it.
    steps: dict[str, float] = {}
    step = time.perf_counter()
    stage1 = np.zeros(n_var)
    stage1[tau] = -1.0
    # In whole units the box is that of whole numbers (a fraction of a request still costs a
    # whole unit, see f and p): a tighter bound on the whole-unit floor than the plain LP's.
    # The floor stage depends on neither the weights nor the plan's floor: plans of the same
    # problem (the fairness frontier) share it.
    cache_key = (whole, config.floor_level)
    cached = floor_cache.get(cache_key) if floor_cache is not None else None
    if cached is None:
        first = relaxed(
            stage1, bounds(integer=whole, tau_low=0, tau_high=1, shortfall=False), "highs-ipm"
        )
    else:
        first = cached["first"]
    tau_star = float(min(1.0, max(0.0, first.x[tau])))
    # The floor is only known to HiGHS's primal feasibility tolerance (1e-7): a floor below a
    # millionth of need is rounding, and stage two gets that tolerance as slack.
    if tau_star < _TINY:
        tau_star = 0.0
    tau_bound = tau_star
    # Equity weights at the run's strength: w ** strength (0: every community 1; 1: the
    # weights as given; 2: their distances from 1 doubled on a log scale).
    weights = (
        problem.communities["weight"].reindex(cells["community"].to_numpy()[y_cells]).to_numpy()
        ** config.strength
    )
    rounding = None
    if whole and n_y:
        rounding = _Rounding(
            problem=problem,
            offers=offers,
            capacity=capacity,
            categories=categories,
            y_cat=y_cat,
            y_gap=gap[y_cells],
            fraction=fraction,
            y_group=y_group,
            need=need,
            base=base,
            active=active,
            weights=weights,
            lp_bought=first.x[z_cols],
        )
        # Whole units: the highest floor whole units reach, by bisection on the floor between
        # 0 and the LP's (an upper bound) with the cheapest whole-unit cover of each floor row
        # at the LP's marginal prices. The floor gap (LP floor minus this one) is stated.
        if cached is None:
            floor_plan, tau_whole = rounding.highest_floor(tau_star)
        else:
            floor_plan, tau_whole = cached["floor_plan"], cached["tau_whole"]
        if floor_cache is not None:
            floor_cache[cache_key] = {
                "first": first,
                "floor_plan": floor_plan,
                "tau_whole": tau_whole,
            }
        tau_star = min(tau_star, tau_whole)
    elif floor_cache is not None:
        floor_cache[cache_key] = {"first": first}
    steps["floor"] = time.perf_counter() - step
    tau_used = (1 - config.epsilon) * tau_star
    if config.min_coverage is not None and config.min_coverage <= tau_star:
        # A floor asked for is a floor kept, not only one checked to be reachable.
        tau_used = max(tau_used, config.min_coverage)
    tau_low = max(0.0, tau_used - _FEASIBILITY_SLACK)

    # Stage two: equity-weighted covered requests; a request short of the floor costs more
    # than any weighted request gained elsewhere; between plans of equal weighted coverage,
    # the cheaper one (and no unit that covers nothing).
    stage2 = np.zeros(n_var)
    stage2[f_cols] = -weights
    stage2[p_cols] = -weights * fraction
    penalty = np.zeros(n_s)
    if n_y:
        stage2[z_cols] = 1e-4 * weights.min() / max(cost.max(), 1.0) * cost
        penalty = 10.0 * weights.max() * need[active]
        stage2[s_cols] = penalty
    box = bounds(integer=whole, tau_low=tau_low, tau_high=tau_low, shortfall=whole)
    if whole and n_y:
        # The whole units a floor row forces on each of its cells: what the row needs beyond
        # what its other cells can cover at most, rounded up to a whole unit. Without these
        # bounds the relaxation meets a row short of a third of a request with a third of a
        # unit, and its bound promises requests that no whole-unit plan covers: a floor at
        # community x category level that needs one unit of a dear category (1 of 1 requests
        # for 1/3 coverage) was reported 25% from optimal when it was the only plan there is.
        # Every whole-unit plan that meets the floors lies within them, the highest floor's
        # own plan among them, so they cut off no plan and leave the box feasible.
        required = np.maximum(0.0, tau_low * need - base)[y_group]
        room = np.bincount(y_group, weights=gap[y_cells], minlength=len(need))[y_group]
        beyond_others = required - (room - gap[y_cells])
        full_units = box[f_cols, 1]
        box[f_cols, 0] = np.clip(np.ceil(beyond_others - fraction - 1e-6), 0.0, full_units)
        box[p_cols, 0] = ((fraction > 0) & (beyond_others - full_units > 1e-6)).astype(float)
    limit = config.time_limit_seconds
    report_gap, status, nodes = 0.0, "optimal", 0
    limit_reached = False
    relaxed_covered = relaxed_weighted = float("nan")
    marginal = 0.0
    if whole and n_y:
        assert rounding is not None
        # The LP relaxation in the box of whole numbers (tight: in it too a fraction of a
        # request costs a whole unit, see f and p) bounds every whole-unit plan; its optimum
        # rounded and repaired (floors first, then budgets, then the budget left spent on the
        # best weighted request per yuan) is the plan, and its distance to the bound a proven
        # gap. Only when that gap is above the target does branch and cut search the box of
        # whole numbers around the relaxation for the time left.
        step = time.perf_counter()
        tight = relaxed(stage2, box, "highs-ipm")
        tight_covered = tight.x[f_cols] + fraction * tight.x[p_cols]
        bound = float((weights * tight_covered).sum() - (penalty * tight.x[s_cols]).sum())
        relaxed_covered = float(tight_covered.sum())
        relaxed_weighted = float((weights * tight_covered).sum())
        marginal = float(-tight.ineqlin.marginals[budget_ub_row])
        rounding.value_per_fen = max(0.0, marginal) / 100
        steps["relaxation"] = time.perf_counter() - step
        step = time.perf_counter()
        start = np.floor(tight.x[f_cols] + 1e-6) + np.floor(tight.x[p_cols] + 1e-6)
        added = rounding.repair(start, tau_used)
        if added is None or not rounding.meets(added, tau_used):
            # The rounded relaxation could not be repaired: the highest floor's own plan
            # (which meets every floor within every budget) with the budget left spent.
            fallback = rounding.repair(floor_plan, tau_used)
            if fallback is not None and (
                added is None or rounding.value(fallback) > rounding.value(added)
            ):
                added = fallback
        if added is None:
            added = floor_plan.copy()
        steps["repair"] = time.perf_counter() - step

        def gap_of(value: float) -> float:
            return max(0.0, (bound - value) / bound) if bound > 1e-12 else 0.0

        report_gap = gap_of(rounding.value(added))
        integrality = np.zeros(n_var)
        integrality[f_cols] = 1
        integrality[p_cols] = 1
        integrality[z_cols] = 1

        def branch_and_cut(objective: np.ndarray, low: np.ndarray, high: np.ndarray):
            options_: dict[str, object] = {
                "presolve": True,
                "mip_rel_gap": config.mip_rel_gap,
                "disp": False,
            }
            if limit is not None:
                options_["time_limit"] = max(limit - (time.perf_counter() - started), 0.1)
            with quiet_solver():
                return milp(
                    objective,
                    integrality=integrality,
                    bounds=Bounds(low, high),
                    constraints=LinearConstraint(matrix, row_low, row_high),
                    options=options_,
                )

        def keep_if_better(searched) -> None:
            nonlocal added
            if searched.x is None:
                return
            candidate = rounding.repair(
                np.rint(searched.x[f_cols]) + np.rint(searched.x[p_cols]), tau_used
            )
            if (
                candidate is not None
                and rounding.meets(candidate, tau_used)
                and rounding.value(candidate) > rounding.value(added)
            ):
                added = candidate

        def time_left() -> bool:
            nonlocal limit_reached
            if limit is None or time.perf_counter() - started < limit:
                return True
            limit_reached = True  # a search is left out for want of time
            return False

        def note_if_cut_short(searched) -> None:
            nonlocal limit_reached
            # scipy's status 1: HiGHS stopped at a limit, and the time limit is the only one set.
            limit_reached = limit_reached or searched.status == 1

        # First the box of whole numbers around the relaxation (fast at every size); then, if
        # the gap is still open, a small plan (up to _FULL_SEARCH_CELLS cells) is searched
        # whole: branch and cut over every whole-unit plan proves in well under a second what
        # the relaxation's bound, loose on a few cells (half a unit of a dear category is a
        # large share of a small plan), leaves open. Larger plans keep the near search alone:
        # the full one used up the time limit there and found no better plan.
        if report_gap > config.mip_rel_gap and time_left():
            step = time.perf_counter()
            near_low, near_high = box[:, 0].copy(), box[:, 1].copy()
            pick = integrality == 1
            near_low[pick] = np.maximum(box[pick, 0], np.floor(tight.x[pick] + 1e-7))
            near_high[pick] = np.minimum(box[pick, 1], np.ceil(tight.x[pick] - 1e-7))
            searched = branch_and_cut(stage2, near_low, near_high)
            note_if_cut_short(searched)
            nodes = int(getattr(searched, "mip_node_count", 0) or 0)
            keep_if_better(searched)
            # This search's own dual bound is NOT a bound on the plan stage: it bounds only
            # the plans inside the box around the relaxation, and a better plan may lie
            # outside it. The gap stays measured against the relaxation's bound.
            report_gap = gap_of(rounding.value(added))
            steps["near_search"] = time.perf_counter() - step
        if report_gap > config.mip_rel_gap and n_y <= _FULL_SEARCH_CELLS and time_left():
            step = time.perf_counter()
            # Every plan the engine returns keeps every floor row at the floor (the repair
            # sees to it, and the floor stage's plan does), so the search is over exactly
            # those plans: no shortfall allowed. The box's forced units are implied by the
            # floors, so its bounds cut off no such plan, and the floor stage's plan is one,
            # so the search has a plan to find. Its objective is the weighted requests alone
            # (the cost term, which only breaks ties, is dropped): then HiGHS's proven dual
            # bound (a bound over the whole search space, here every whole-unit plan that
            # meets the floors within every pool and budget, not only the part it explored)
            # is a bound on the very value the gap is measured in, and the plan's gap to the
            # lower of the two bounds is still a proven upper bound on its true gap. Which
            # supplier sells the units is decided after the search, cheapest first.
            full_high = box[:, 1].copy()
            full_high[s_cols] = 0.0
            coverage_only = stage2.copy()
            coverage_only[z_cols] = 0.0
            searched = branch_and_cut(coverage_only, box[:, 0], full_high)
            note_if_cut_short(searched)
            nodes += int(getattr(searched, "mip_node_count", 0) or 0)
            keep_if_better(searched)
            dual = getattr(searched, "mip_dual_bound", None)
            if searched.status in (0, 1) and dual is not None and np.isfinite(dual):
                bound = min(bound, max(-float(dual), 0.0))
            report_gap = gap_of(rounding.value(added))
            steps["full_search"] = time.perf_counter() - step
        status = "optimal" if report_gap <= config.mip_rel_gap + 1e-9 else "gap_open"
        bought = rounding.bought(added)
    elif n_y:
        second = relaxed(stage2, box, "highs-ds")
        added = np.clip(second.x[f_cols], 0, None)
        bought = np.clip(second.x[z_cols], 0, None)
        marginal = float(-second.ineqlin.marginals[budget_ub_row])
        covered_units = second.x[f_cols] + fraction * second.x[p_cols]
        relaxed_covered = float(covered_units.sum())
        relaxed_weighted = float((weights * covered_units).sum())
    else:
        added, bought = np.zeros(0), np.zeros(n_z)
    units = _split_by_supplier(options, y_cells, added, offers, bought)

    # Floor rows whole units leave short (coverage recomputed from the units themselves).
    covered_added = np.minimum(added, gap[y_cells])
    group_covered = base + np.bincount(y_group, weights=covered_added, minlength=len(need))
    short = [
        (str(group_names[g]), float(group_covered[g] / need[g]))
        for g in active
        if group_covered[g] / need[g] < tau_used - 1e-6
    ]
    report = SolverReport(
        status=status,
        gap=report_gap,
        floor_gap=(tau_bound - tau_star) / tau_bound if tau_bound > 0 else 0.0,
        seconds=time.perf_counter() - started,
        time_limit_seconds=float(limit) if limit is not None else float("nan"),
        gap_target=config.mip_rel_gap,
        nodes=nodes,
        whole_units=whole,
        step_seconds={name: round(value, 3) for name, value in steps.items()},
        floor_bound=tau_bound,
        time_limit_reached=limit_reached,
    )
    return _Solution(
        units=units,
        tau_star=tau_star,
        tau_used=tau_used,
        budget_marginal=max(0.0, marginal),
        seconds=report.seconds,
        iterations=int(first.nit) + nodes,
        variables=n_var,
        report=report,
        relaxation_covered=relaxed_covered,
        relaxation_weighted=relaxed_weighted,
        short_of_floor=sorted(short, key=lambda item: item[1]),
    )


class _Rounding:
    """Whole units for the plan: the city-wide supplier pools priced in fen (cheapest first),
    the highest whole-unit floor by bisection, and the repair of a rounded relaxation into a
    plan that meets every floor within every budget and spends what is left on the best
    weighted request per yuan.

    Cells are the community × category cells with a gap and a supplier (``y`` in the model),
    groups are the floor rows."""

    def __init__(
        self,
        *,
        problem: _Problem,
        offers: pd.DataFrame,
        capacity: np.ndarray,
        categories: np.ndarray,
        y_cat: np.ndarray,
        y_gap: np.ndarray,
        fraction: np.ndarray,
        y_group: np.ndarray,
        need: np.ndarray,
        base: np.ndarray,
        active: np.ndarray,
        weights: np.ndarray,
        lp_bought: np.ndarray,
    ) -> None:
        self.y_cat, self.gap, self.group = y_cat, y_gap, y_group
        self.need, self.base, self.weights = need, base, weights
        self.room = np.ceil(y_gap - 1e-9)
        self.full = np.floor(y_gap + 1e-9)
        self.fraction = fraction
        self.active = np.zeros(len(need), bool)
        self.active[active] = True
        self.n_cat = len(categories)
        self.cents = np.rint(offers["unit_cost"].to_numpy() * 100).astype(np.int64)
        self.capacity = np.floor(capacity + 1e-9)
        z_cat = np.searchsorted(categories, offers["category"].to_numpy())
        self.z_cat = z_cat
        # Per category its offers cheapest first: (price in fen, whole units) each.
        self.ladder: list[list[tuple[int, float, int]]] = []
        for k in range(self.n_cat):
            mine = sorted(np.nonzero(z_cat == k)[0].tolist(), key=lambda o: (self.cents[o], o))
            self.ladder.append([(int(self.cents[o]), float(self.capacity[o]), o) for o in mine])
        self.budget = int(np.floor(problem.available_budget * 100 + 1e-6))
        big = np.iinfo(np.int64).max // 4
        self.category_cap = np.full(self.n_cat, big, dtype=np.int64)
        for name, amount in problem.category_available.items():
            position = int(np.searchsorted(categories, name))
            if position < self.n_cat and categories[position] == name:
                self.category_cap[position] = int(np.floor(amount * 100 + 1e-6))
        # The marginal price of a category at the LP floor (its dearest supplier in use), the
        # price by which floor rows are covered cheapest first.
        price = np.zeros(self.n_cat)
        for k, steps in enumerate(self.ladder):
            used = [c for c, _, o in steps if lp_bought[o] > 1e-6]
            price[k] = max(used) if used else (steps[0][0] if steps else np.inf)
        self.price = price
        # Weighted requests a fen of budget buys at the margin (the LP's budget dual), set
        # once the plan stage's relaxation is solved.
        self.value_per_fen = 0.0
        cell_price = price[y_cat]
        # Cover segments: per cell its whole units (1 request each) and its last unit (the
        # gap's fraction), ordered per floor row by price per request.
        n_y = len(y_cat)
        full_part = self.full > 0
        part_part = fraction > 0
        seg_cell = np.concatenate([np.nonzero(full_part)[0], np.nonzero(part_part)[0]])
        seg_cover = np.concatenate([self.full[full_part], fraction[part_part]])
        seg_partial = np.concatenate(
            [np.zeros(full_part.sum(), bool), np.ones(part_part.sum(), bool)]
        )
        per_request = np.where(
            seg_partial, cell_price[seg_cell] / np.maximum(seg_cover, 1e-12), cell_price[seg_cell]
        )
        order = np.lexsort((seg_cell, per_request, y_group[seg_cell]))
        self.seg_cell = seg_cell[order]
        self.seg_cover = seg_cover[order]
        self.seg_partial = seg_partial[order]
        seg_group = y_group[self.seg_cell]
        cumulative = np.cumsum(self.seg_cover)
        starts = np.r_[0, np.flatnonzero(np.diff(seg_group)) + 1] if len(seg_group) else []
        offset = np.zeros(len(seg_group))
        if len(seg_group):
            first_of = np.repeat(starts, np.diff(np.r_[starts, len(seg_group)]))
            offset = cumulative[first_of] - self.seg_cover[first_of]
        self.seg_before = cumulative - self.seg_cover - offset
        self.seg_group = seg_group
        self.n_y = n_y

    # -- measures ------------------------------------------------------------------------
    def covered(self, added: np.ndarray) -> np.ndarray:
        return np.minimum(added, self.gap)

    def value(self, added: np.ndarray) -> float:
        """Equity-weighted requests the added units cover (the plan stage's objective)."""
        return float((self.weights * self.covered(added)).sum())

    def coverage(self, added: np.ndarray) -> np.ndarray:
        covered = self.base + np.bincount(
            self.group, weights=self.covered(added), minlength=len(self.need)
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.need > 0, covered / np.where(self.need > 0, self.need, 1), 1.0)

    def meets(self, added: np.ndarray, tau: float) -> bool:
        return bool((self.coverage(added)[self.active] >= tau - 1e-9).all())

    def bought(self, added: np.ndarray) -> np.ndarray:
        bought, _, _ = self._fill(np.bincount(self.y_cat, weights=added, minlength=self.n_cat))
        return bought

    def _fill(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """Units per category bought cheapest first: units per offer, cost per category in
        fen, and whether every category's units fit the capacities."""
        bought = np.zeros(len(self.cents))
        spent = np.zeros(self.n_cat, dtype=np.int64)
        fits = True
        for k, steps in enumerate(self.ladder):
            left = float(units[k])
            for cents, cap, offer in steps:
                if left <= 0:
                    break
                take = min(left, cap)
                bought[offer] = take
                spent[k] += round(take) * cents
                left -= take
            if left > 0.5:
                fits = False
        return bought, spent, fits

    def _affordable(self, added: np.ndarray) -> bool:
        _, spent, fits = self._fill(np.bincount(self.y_cat, weights=added, minlength=self.n_cat))
        return fits and int(spent.sum()) <= self.budget and bool((spent <= self.category_cap).all())

    # -- the highest floor ---------------------------------------------------------------
    def _cover(self, tau: float) -> np.ndarray:
        """Whole units that bring every floor row to ``tau``, cheapest per request first."""
        required = np.maximum(0.0, tau * self.need - self.base)
        left = required[self.seg_group] - self.seg_before
        wanted = left > 1e-9
        units = np.where(self.seg_partial, 1.0, np.minimum(self.seg_cover, np.ceil(left - 1e-9)))
        units = np.where(wanted, units, 0.0)
        return np.bincount(self.seg_cell, weights=units, minlength=self.n_y)

    def highest_floor(self, tau_high: float) -> tuple[np.ndarray, float]:
        """The highest floor found in whole units (at most ``tau_high``, the LP's) and its
        plan: bisection on the floor, each step the cheapest cover at the LP's marginal
        prices checked against the pools and every budget."""
        zero = np.zeros(self.n_y)
        best, low, high = zero, 0.0, tau_high
        plan = self._cover(high)
        if self.meets(plan, high) and self._affordable(plan):
            best, low = plan, high
        else:
            for _ in range(40):
                if high - low < 1e-7:
                    break
                middle = (low + high) / 2
                plan = self._cover(middle)
                if self.meets(plan, middle) and self._affordable(plan):
                    best, low = plan, middle
                else:
                    high = middle
        reached = self.coverage(best)[self.active]
        floor = float(reached.min()) if len(reached) else 1.0
        return best, float(min(1.0, tau_high, max(low, floor)))

    # -- repair --------------------------------------------------------------------------
    def repair(self, start: np.ndarray, tau: float) -> np.ndarray | None:
        """``start`` (whole units) brought to the floor ``tau`` where a row is short, then
        within the pools and every budget (dropping the units that cover least per yuan and
        keep no row at its floor), then the budget left spent on the best weighted request
        per yuan. ``None`` when the floor or the budgets cannot be met this way."""
        added = np.minimum(np.maximum(start, 0.0), self.room)
        target = tau * self.need
        for _ in range(200):
            coverage = self.coverage(added)
            short = self.active & (coverage < tau - 1e-9)
            if not short.any():
                break
            deficit = np.maximum(0.0, target - coverage * self.need)
            open_ = short[self.group] & (added < self.room)
            if not open_.any():
                return None
            gain = self.covered(added + 1) - self.covered(added)
            price = self.price[self.y_cat]
            # A unit that lifts its row to the floor: the one that costs least net of what
            # its requests are worth at the budget's marginal value; else the most requests
            # towards the floor per yuan.
            lifts = gain >= deficit[self.group] - 1e-12
            net = price - self.weights * gain * self.value_per_fen
            spread = np.abs(net).max() + price.max() + 1.0 if len(net) else 1.0
            key = np.where(lifts, net, 2 * spread + price / np.maximum(gain, 1e-12))
            cells = np.flatnonzero(open_)
            order = cells[np.lexsort((key[cells], self.group[cells]))]
            first = order[np.r_[True, np.diff(self.group[order]) != 0]]
            added[first] += 1
        else:
            return None
        return self._spend(added, tau)

    def _spend(self, added: np.ndarray, tau: float) -> np.ndarray | None:
        """Within the pools and budgets, then the budget left spent (see ``repair``)."""
        y = [int(v) for v in added]
        gap = self.gap.tolist()
        room = [int(v) for v in self.room]
        cat = self.y_cat.tolist()
        grp = self.group.tolist()
        w = self.weights.tolist()
        need = self.need.tolist()
        active = self.active.tolist()
        covered_rows = (
            self.base + np.bincount(self.group, weights=self.covered(added), minlength=len(need))
        ).tolist()
        floor_at = [tau * n - 1e-9 * max(n, 1.0) for n in need]
        count = np.bincount(self.y_cat, weights=added, minlength=self.n_cat).astype(int).tolist()
        ladder = self.ladder

        def price_of(k: int, n: int) -> float:
            """Price in fen of unit number ``n + 1`` of category ``k`` (inf: none left)."""
            for cents, cap, _ in ladder[k]:
                if n < cap:
                    return cents
                n -= int(cap)
            return np.inf

        spent = [0] * self.n_cat
        over_capacity = []
        for k in range(self.n_cat):
            n, total = count[k], 0
            for cents, cap, _ in ladder[k]:
                take = min(n, cap)
                total += int(take) * cents
                n -= int(take)
                if n <= 0:
                    break
            spent[k] = total
            if n > 0:
                over_capacity.append(k)
                spent[k] = total + n * 10**12  # beyond every pool: must go
        caps = self.category_cap.tolist()
        budget = self.budget

        def covers(j: int, units: int) -> float:
            return min(units, gap[j])

        def drop(candidates: list[int], over) -> bool:
            """Drop units (least weighted request per yuan saved first, never below a floor)
            until ``over()`` is false; whether it is."""
            heap = []
            for j in candidates:
                if y[j] > 0:
                    k = cat[j]
                    loss = covers(j, y[j]) - covers(j, y[j] - 1)
                    heap.append((w[j] * loss / min(price_of(k, count[k] - 1), 1e15), j))
            heapq.heapify(heap)
            while over() and heap:
                key, j = heapq.heappop(heap)
                if y[j] <= 0:
                    continue
                k, g = cat[j], grp[j]
                loss = covers(j, y[j]) - covers(j, y[j] - 1)
                if active[g] and covered_rows[g] - loss < floor_at[g]:
                    continue  # the row's floor needs it (and will need it more later)
                saved = price_of(k, count[k] - 1)
                now = w[j] * loss / min(saved, 1e15)
                if now > key + 1e-15:
                    heapq.heappush(heap, (now, j))
                    continue
                y[j] -= 1
                count[k] -= 1
                spent[k] -= saved if np.isfinite(saved) else 10**12
                covered_rows[g] -= loss
                if y[j] > 0:
                    loss = covers(j, y[j]) - covers(j, y[j] - 1)
                    heapq.heappush(heap, (w[j] * loss / min(price_of(k, count[k] - 1), 1e15), j))
            return not over()

        by_category: list[list[int]] = [[] for _ in range(self.n_cat)]
        for j, k in enumerate(cat):
            by_category[k].append(j)
        pool_size = [sum(cap for _, cap, _ in steps) for steps in ladder]
        for k in range(self.n_cat):
            if (spent[k] > caps[k] or k in over_capacity) and not drop(
                by_category[k],
                lambda k=k: spent[k] > caps[k] or count[k] > pool_size[k],
            ):
                return None
        if not drop(list(range(len(y))), lambda: sum(spent) > budget):
            return None

        # Spend what is left: the unit with the most weighted requests per yuan first (prices
        # only rise as pools fill, so a key re-read on pop is never better than pushed).
        left = budget - sum(spent)
        heap = []
        for j in range(len(y)):
            if y[j] < room[j]:
                gain = covers(j, y[j] + 1) - covers(j, y[j])
                cents = price_of(cat[j], count[cat[j]])
                if gain > 1e-12 and np.isfinite(cents):
                    heap.append((-w[j] * gain / cents, j))
        heapq.heapify(heap)
        while heap:
            key, j = heapq.heappop(heap)
            k = cat[j]
            if y[j] >= room[j]:
                continue
            cents = price_of(k, count[k])
            if not np.isfinite(cents) or cents > left or spent[k] + cents > caps[k]:
                continue  # prices only rise and the budget only shrinks: never affordable
            gain = covers(j, y[j] + 1) - covers(j, y[j])
            now = -w[j] * gain / cents
            if now > key + 1e-15:
                heapq.heappush(heap, (now, j))
                continue
            y[j] += 1
            count[k] += 1
            spent[k] += int(cents)
            left -= int(cents)
            covered_rows[grp[j]] += gain
            if y[j] < room[j]:
                gain = covers(j, y[j] + 1) - covers(j, y[j])
                cents = price_of(k, count[k])
                if gain > 1e-12 and np.isfinite(cents):
                    heapq.heappush(heap, (-w[j] * gain / cents, j))
        return np.asarray(y, dtype=float)


def _split_by_supplier(
    options: pd.DataFrame,
    y_cells: np.ndarray,
    added: np.ndarray,
    offers: pd.DataFrame,
    bought: np.ndarray,
) -> np.ndarray:
    """Units per option (cell × supplier): within each category the units bought from each
    supplier (cheapest first) are handed to the cells in community order. Any split is
    equally optimal for the LP; this one gives most cells a single supplier."""
    units = np.zeros(len(options))
    lookup = pd.Series(
        np.arange(len(options)),
        index=pd.MultiIndex.from_arrays(
            [options["cell"].to_numpy(), options["supplier"].to_numpy()]
        ),
    )
    cell_category = options.drop_duplicates("cell").set_index("cell")["category"]
    y_category = cell_category.loc[y_cells].to_numpy()
    for category in np.unique(y_category):
        pick_y = np.nonzero((y_category == category) & (added > 1e-9))[0]
        pick_z = np.nonzero((offers["category"].to_numpy() == category) & (bought > 1e-9))[0]
        if not len(pick_y) or not len(pick_z):
            continue
        pick_z = pick_z[np.argsort(offers["unit_cost"].to_numpy()[pick_z], kind="stable")]
        cum_y = np.cumsum(added[pick_y])
        cum_z = np.cumsum(bought[pick_z])
        total = min(cum_y[-1], cum_z[-1])
        points = np.unique(np.concatenate([[0.0], cum_y, cum_z]))
        points = points[points <= total + 1e-9]
        lengths = np.diff(points)
        middle = points[:-1] + lengths / 2
        keep = lengths > 1e-9
        cell_pos = np.minimum(np.searchsorted(cum_y, middle[keep], side="right"), len(pick_y) - 1)
        offer_pos = np.minimum(np.searchsorted(cum_z, middle[keep], side="right"), len(pick_z) - 1)
        keys = pd.MultiIndex.from_arrays(
            [y_cells[pick_y[cell_pos]], offers["supplier"].to_numpy()[pick_z[offer_pos]]]
        )
        np.add.at(units, lookup.reindex(keys).to_numpy(), lengths[keep])
    units[units <= _TINY] = 0.0
    return units


# ---------------------------------------------------------------------------------------------
# Baseline


def _proportional_baseline(problem: _Problem, *, whole: bool = True) -> np.ndarray:
    """Units per option under the naive plan: the budget shared by population, then by the
    cost of each category's gap; cheapest supplier first, scaled down to respect capacities
    and budgets; in whole units unless ``whole=False``."""
    cells, options = problem.cells, problem.options
    units = np.zeros(len(options))
    if not len(options):
        return units
    cell_of = options["cell"].to_numpy()
    cost = options["unit_cost"].to_numpy()
    rank = options.groupby("cell", sort=False).cumcount().to_numpy()  # 0 = cheapest
    cheapest = np.full(len(cells), np.nan)
    cheapest[cell_of[rank == 0]] = cost[rank == 0]
    gap = cells["gap"].to_numpy()
    gap_cost = np.nan_to_num(gap * cheapest)

    population = problem.communities["population"]
    if population.sum() > 0:
        share = population / population.sum()
    else:
        share = pd.Series(1 / len(population), index=population.index)
    community_budget = (share * problem.available_budget).reindex(cells["community"]).to_numpy()
    community_gap_cost = pd.Series(gap_cost).groupby(cells["community"].to_numpy()).transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        spend = np.where(
            community_gap_cost > 0, community_budget * gap_cost / community_gap_cost, 0.0
        )
        remaining = np.minimum(np.nan_to_num(spend / cheapest), gap)

    # Fill each cell from its suppliers in price order against city-wide capacities.
    capacity_left = {(r.supplier, r.category): r.capacity for r in problem.capacities.itertuples()}
    supplier = options["supplier"].to_numpy()
    category = options["category"].to_numpy()
    for r in range(int(rank.max()) + 1):
        idx = np.nonzero(rank == r)[0]
        take = remaining[cell_of[idx]].copy()
        groups = pd.Series(np.arange(len(idx))).groupby([supplier[idx], category[idx]]).indices
        for key, pos in groups.items():
            if key not in capacity_left:
                continue
            total = take[pos].sum()
            if total > capacity_left[key]:
                take[pos] *= capacity_left[key] / total
            capacity_left[key] -= take[pos].sum()
        units[idx] = take
        remaining[cell_of[idx]] -= take

    for name, amount in problem.category_available.items():
        pick = category == name
        spent = (units[pick] * cost[pick]).sum()
        if spent > amount:
            units[pick] *= amount / spent
    spent = (units * cost).sum()
    if spent > problem.available_budget:
        units *= problem.available_budget / spent
    return _whole_baseline(problem, units) if whole else units


def _whole_baseline(problem: _Problem, units: np.ndarray) -> np.ndarray:
    """The proportional plan in whole units, as the optimised plan is: every share rounded
    down, then the units left over handed out one at a time, largest remainder first, while
    the cell's gap, the supplier's capacity and the budgets allow (Hamilton's method)."""
    options = problem.options
    whole = np.floor(units + 1e-9)
    remainder = units - whole
    cost = options["unit_cost"].to_numpy()
    cents = np.rint(cost * 100).astype(np.int64)
    cell_of = options["cell"].to_numpy()
    category = options["category"].to_numpy()
    supplier = options["supplier"].to_numpy()
    room = np.ceil(problem.cells["gap"].to_numpy() - 1e-9) - np.bincount(
        cell_of, weights=whole, minlength=len(problem.cells)
    )
    capacity_left = {
        (r.supplier, r.category): np.floor(r.capacity + 1e-9)
        for r in problem.capacities.itertuples()
    }
    for index in range(len(options)):
        key = (supplier[index], category[index])
        if key in capacity_left:
            capacity_left[key] -= whole[index]
    budget_left = int(np.floor(problem.available_budget * 100 + 1e-6)) - int((whole * cents).sum())
    category_left = {
        name: int(np.floor(amount * 100 + 1e-6))
        - int((whole[category == name] * cents[category == name]).sum())
        for name, amount in problem.category_available.items()
    }
    for index in np.argsort(-remainder, kind="stable"):
        if remainder[index] <= 1e-9:
            break
        key = (supplier[index], category[index])
        price = int(cents[index])
        if (
            room[cell_of[index]] < 1
            or capacity_left.get(key, np.inf) < 1
            or price > budget_left
            or price > category_left.get(category[index], np.iinfo(np.int64).max)
        ):
            continue
        whole[index] += 1
        room[cell_of[index]] -= 1
        budget_left -= price
        if key in capacity_left:
            capacity_left[key] -= 1
        if category[index] in category_left:
            category_left[category[index]] -= price
    return whole


# ---------------------------------------------------------------------------------------------
# Results


def _spent(units: np.ndarray, cost: np.ndarray) -> float:
    """What a plan costs; for whole units exactly its whole fen (prices are whole fen)."""
    if np.all(units == np.rint(units)):
        cents = np.rint(units).astype(np.int64) * np.rint(cost * 100).astype(np.int64)
        return int(cents.sum()) / 100
    return float((units * cost).sum())


def _covered(problem: _Problem, added_per_cell: np.ndarray) -> np.ndarray:
    """Requests covered per cell after adding ``added_per_cell`` units: a whole unit beyond
    the gap serves no forecast request, so coverage counts up to the need."""
    cells = problem.cells
    return cells["covered_before"].to_numpy() + np.minimum(added_per_cell, cells["gap"].to_numpy())


def _weighted_coverage(problem: _Problem, covered: np.ndarray, strength: float) -> float:
    """Equity-weighted coverage: the share of need covered, each community's requests
    counted ``weight ** strength`` times (the plan stage maximises its numerator). The
    summary's figure is at strength 1 (the weights as given); the frontier's
    ``run_weighted_coverage`` at the run's strength, for every plan of the sweep."""
    cells = problem.cells
    need = cells["need"].to_numpy()
    weight = problem.communities["weight"].reindex(cells["community"]).to_numpy() ** strength
    weighted_need = (weight * need).sum()
    return float((weight * covered).sum() / weighted_need) if weighted_need > 0 else float("nan")


def _plan_metrics(problem: _Problem, added_per_cell: np.ndarray, spent: float) -> dict[str, float]:
    cells, comm = problem.cells, problem.communities
    need = cells["need"].to_numpy()
    covered = _covered(problem, added_per_cell)
    by_comm = (
        pd.DataFrame({"c": cells["community"], "need": need, "covered": covered})
        .groupby("c", sort=False)[["need", "covered"]]
        .sum()
    )
    has_need = by_comm["need"] > _TINY
    ratio = (by_comm["covered"] / by_comm["need"])[has_need]
    kind = comm["kind"].reindex(by_comm.index)
    urban = by_comm[(kind == "urban") & has_need]
    rural = by_comm[(kind == "rural") & has_need]
    urban_cov = urban["covered"].sum() / urban["need"].sum() if len(urban) else np.nan
    rural_cov = rural["covered"].sum() / rural["need"].sum() if len(rural) else np.nan
    total_need = need.sum()
    return {
        "total_need": float(total_need),
        "total_covered": float(covered.sum()),
        "coverage": float(covered.sum() / total_need) if total_need > 0 else float("nan"),
        "weighted_coverage": (
            _weighted_coverage(problem, covered, 1.0) if total_need > 0 else float("nan")
        ),
        "coverage_cv": (
            float(ratio.std(ddof=0) / ratio.mean())
            if len(ratio) and ratio.mean() > 0
            else float("nan")
        ),
        "min_community_coverage": float(ratio.min()) if len(ratio) else float("nan"),
        "urban_coverage": float(urban_cov),
        "rural_coverage": float(rural_cov),
        "urban_rural_gap": float(urban_cov - rural_cov),
        "spent": float(spent),
    }


@dataclass
class AllocationResult:
    """A recommended plan with per-line explanations, the baseline comparison and totals."""

    lines: pd.DataFrame
    cells: pd.DataFrame
    communities: pd.DataFrame
    summary: dict
    comparison: pd.DataFrame
    config: AllocationConfig
    # One language-neutral part per note, in the same order (codes: see allocate).
    note_parts: list[dict] = field(default_factory=list)

    def table(self) -> str:
        lines = [f"{'metric':<26}{'whole-unit plan':>16}{'baseline':>16}{'difference':>14}"]
        for _, row in self.comparison.iterrows():
            lines.append(
                f"{row['metric']:<26}{row['lp']:>16,.4g}{row['baseline']:>16,.4g}"
                f"{row['difference']:>+14,.4g}"
            )
        return "\n".join(lines)

    def to_dict(self, *, max_lines: int | None = None) -> dict:
        lines = self.lines if max_lines is None else self.lines.head(max_lines)
        return jsonable(
            {
                "summary": self.summary,
                "comparison": self.comparison.to_dict("records"),
                "lines": lines.to_dict("records"),
                "communities": self.communities.reset_index().to_dict("records"),
                "note_parts": self.note_parts,
            }
        )


def allocate(
    demand: pd.DataFrame,
    *,
    budget: float,
    communities: pd.DataFrame,
    unit_costs: Mapping[str, float] | None = None,
    current_supply: pd.DataFrame | None = None,
    suppliers: pd.DataFrame | None = None,
    equity_weights: pd.DataFrame | None = None,
    category_budgets: Mapping[str, float] | None = None,
    config: AllocationConfig | None = None,
) -> AllocationResult:
    """Recommend next period's supply by the two-stage LP and compare with the baseline.

    ``demand``: community, category, forecast (+ lower, upper) for the next period.
    ``communities``: community, population, kind (urban/rural).
    ``current_supply``: community, category, capacity (units already available), optional
    committed_cost (spending already committed from this budget).
    ``suppliers``: supplier (government/social_organisation/market), category, unit_cost,
    capacity (blank = unlimited); default: the government at ``unit_costs``, unlimited.
    ``equity_weights``: community, weight (> 0), reason, optionally reason_parts (the reason
    as language-neutral parts, e.g. from the equalization weights); missing communities get 1.0.
    ``category_budgets``: optional caps on spending per category.

    Bad or infeasible input raises :class:`EngineInputError` naming the constraint.
    """
    config = config or AllocationConfig()
    started = time.perf_counter()
    problem = _prepare(
        demand,
        budget,
        unit_costs,
        communities,
        current_supply,
        suppliers,
        equity_weights,
        category_budgets,
        config,
    )
    solution = _solve(problem, config)
    if config.min_coverage is not None and solution.tau_star + 1e-9 < config.min_coverage:
        raise EngineInputError(
            _floor_message(problem, solution, config.min_coverage),
            code="floor_unreachable",
            params=_floor_params(problem, solution, config.min_coverage),
        )

    cells, options = problem.cells, problem.options
    cost = options["unit_cost"].to_numpy()
    lp_added = np.bincount(options["cell"], weights=solution.units, minlength=len(cells))
    baseline_units = _proportional_baseline(problem, whole=config.whole_units)
    base_added = np.bincount(options["cell"], weights=baseline_units, minlength=len(cells))
    lp_metrics = _plan_metrics(problem, lp_added, _spent(solution.units, cost))
    base_metrics = _plan_metrics(problem, base_added, _spent(baseline_units, cost))
    comparison = pd.DataFrame(
        [
            {
                "metric": name,
                "lp": lp_metrics[name],
                "baseline": base_metrics[name],
                "difference": lp_metrics[name] - base_metrics[name],
            }
            for name in lp_metrics
        ]
    )

    cells = cells.copy()
    cells["weight"] = problem.communities["weight"].reindex(cells["community"]).to_numpy()
    gap = cells["gap"].to_numpy()
    cells["added"] = lp_added
    cells["covered_after"] = cells["covered_before"] + np.minimum(lp_added, gap)
    cells["baseline_added"] = base_added
    cells["covered_baseline"] = cells["covered_before"] + np.minimum(base_added, gap)
    with np.errstate(invalid="ignore", divide="ignore"):
        cells["coverage_before"] = np.where(
            cells["need"] > 0, cells["covered_before"] / cells["need"], 1.0
        )
        cells["coverage_after"] = np.where(
            cells["need"] > 0, cells["covered_after"] / cells["need"], 1.0
        )
        cells["coverage_baseline"] = np.where(
            cells["need"] > 0,
            cells["covered_baseline"] / cells["need"],
            1.0,
        )
    lines = _lines(problem, solution.units, cells)

    comm = problem.communities.copy()
    grouped = cells.groupby("community", sort=False)[
        ["need", "covered_before", "covered_after", "baseline_added", "covered_baseline"]
    ].sum()
    comm = comm.join(grouped)
    with np.errstate(invalid="ignore", divide="ignore"):
        comm["coverage_before"] = comm["covered_before"] / comm["need"]
        comm["coverage_after"] = comm["covered_after"] / comm["need"]
        comm["coverage_baseline"] = comm["covered_baseline"] / comm["need"]
    spend_by_category = (
        pd.Series(solution.units * cost).groupby(options["category"].to_numpy()).sum().to_dict()
    )
    summary = {
        "budget": problem.budget,
        "committed": problem.committed,
        "available": problem.available_budget,
        "spent": lp_metrics["spent"],
        "spend_by_category": {k: float(v) for k, v in spend_by_category.items()},
        "spend_by_supplier": {
            k: float(v)
            for k, v in pd.Series(solution.units * cost)
            .groupby(options["supplier"].to_numpy())
            .sum()
            .items()
        },
        "tau_star": solution.tau_star,
        "tau_used": solution.tau_used,
        "short_of_floor": [
            {"name": name, "coverage": coverage} for name, coverage in solution.short_of_floor
        ],
        "floor_level": config.floor_level,
        "need_basis": config.need_basis,
        "epsilon": config.epsilon,
        "strength": config.strength,
        "weighted_units_per_10000": 10_000 * solution.budget_marginal,
        "lp": lp_metrics,
        "baseline": base_metrics,
        "variables": solution.variables,
        "solver": SOLVER_DESCRIPTION if config.whole_units else LP_SOLVER_DESCRIPTION,
        "solver_iterations": solution.iterations,
        "solve_seconds": solution.seconds,
        "solver_report": solution.report.to_dict(),
        "whole_units": config.whole_units,
        # The plan stage's fractional optimum at the same floor: what whole units cost.
        "relaxation": {
            "covered": solution.relaxation_covered + float(cells["covered_before"].sum()),
            "weighted_covered": solution.relaxation_weighted,
        },
        "seconds": time.perf_counter() - started,
    }
    note_parts: list[dict] = [
        {
            "code": "coverage_floor",
            "level": config.floor_level,
            "tau_used": float(solution.tau_used),
            "tau_star": float(solution.tau_star),
            "epsilon": float(config.epsilon),
        },
    ]
    report = solution.report
    if not config.whole_units:
        note_parts.append({"code": "units_are_lp_values"})
    elif report.gap_closed:
        note_parts.append(
            {
                "code": "whole_units",
                "gap": report.gap,
                "gap_target": report.gap_target,
                "seconds": report.seconds,
            }
        )
    else:
        note_parts.append(
            {
                "code": "mip_gap_open",
                "gap": report.gap,
                "gap_target": report.gap_target,
                "time_limit": report.time_limit_seconds,
                "time_limit_reached": report.time_limit_reached,
            }
        )
    if solution.short_of_floor:
        shown = solution.short_of_floor[:10]
        note_parts.append(
            {
                "code": "floor_missed",
                "count": len(solution.short_of_floor),
                "floor": float(solution.tau_used),
                "rows": [{"name": name, "coverage": coverage} for name, coverage in shown],
            }
        )
    relaxed = summary["relaxation"]["covered"]
    if config.whole_units and np.isfinite(relaxed):
        note_parts.append(
            {
                "code": "integrality_cost",
                "covered": float(lp_metrics["total_covered"]),
                "fractional": float(relaxed),
            }
        )
    if solution.budget_marginal > 0:
        note_parts.append(
            {"code": "budget_marginal", "requests": float(10_000 * solution.budget_marginal)}
        )
    return AllocationResult(
        lines=lines,
        cells=cells,
        communities=comm,
        summary=summary,
        comparison=comparison,
        config=config,
        note_parts=note_parts,
    )


def _lines(problem: _Problem, units: np.ndarray, cells: pd.DataFrame) -> pd.DataFrame:
    options = problem.options
    chosen = np.nonzero(units > 0)[0]
    opt = options.iloc[chosen]
    cell_rows = cells.loc[opt["cell"].to_numpy()]
    comm = problem.communities
    lines = pd.DataFrame(
        {
            "community": opt["community"].to_numpy(),
            "category": opt["category"].to_numpy(),
            "supplier": opt["supplier"].to_numpy(),
            "units": units[chosen],
            "unit_cost": opt["unit_cost"].to_numpy(),
            # whole fen: the amount its approval commits
            "cost": np.round(units[chosen] * opt["unit_cost"].to_numpy(), 2),
            "forecast": cell_rows["forecast"].to_numpy(),
            "lower": cell_rows["lower"].to_numpy(),
            "upper": cell_rows["upper"].to_numpy(),
            "need": cell_rows["need"].to_numpy(),
            "current_supply": cell_rows["current_supply"].to_numpy(),
            "gap": cell_rows["gap"].to_numpy(),
            "coverage_before": cell_rows["coverage_before"].to_numpy(),
            "coverage_after": cell_rows["coverage_after"].to_numpy(),
            "weight": comm["weight"].reindex(opt["community"]).to_numpy(),
            "weight_reason_parts": comm["weight_reason_parts"].reindex(opt["community"]).to_numpy(),
            "kind": comm["kind"].reindex(opt["community"]).to_numpy(),
        }
    )
    cheaper = options.groupby("cell")["unit_cost"].transform("min").to_numpy()[chosen]
    lines["explanation_parts"] = [
        _explanation_parts(r, cheapest=r.unit_cost <= low + 1e-9)
        for r, low in zip(lines.itertuples(index=False), cheaper, strict=True)
    ]
    return lines.sort_values(["community", "category", "supplier"]).reset_index(drop=True)


def _explanation_parts(r: Any, *, cheapest: bool) -> list[dict]:
    """A line's explanation as language-neutral parts, in reading order: ``line_supply`` (the
    figures), ``cheapest_supplier`` or ``cheaper_suppliers_at_capacity``, ``equity_weight``
    (with the weight reason's own parts) and
    ``coverage_change``. ``r`` is a row of the lines frame (``itertuples``)."""
    return [
        {
            "code": "line_supply",
            "community": str(r.community),
            "category": str(r.category),
            "forecast": float(r.forecast),
            "lower": float(r.lower),
            "upper": float(r.upper),
            "current_supply": float(r.current_supply),
            "gap": float(r.gap),
            "units": float(r.units),
            "supplier": str(r.supplier),
            "unit_cost": float(r.unit_cost),
            "cost": float(r.cost),
        },
        {"code": "cheapest_supplier" if cheapest else "cheaper_suppliers_at_capacity"},
        {
            "code": "equity_weight",
            "weight": float(r.weight),
            "reason": r.weight_reason_parts,
        },
        {
            "code": "coverage_change",
            "before": float(r.coverage_before),
            "after": float(r.coverage_after),
        },
    ]


def _least_covered(problem: _Problem) -> pd.DataFrame:
    grouped = problem.cells.groupby("community")[["need", "covered_before", "gap"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["coverage_now"] = grouped["covered_before"] / grouped["need"]
    return grouped[grouped["need"] > 0].sort_values("coverage_now").head(5)


def _floor_params(problem: _Problem, solution: _Solution, wanted: float) -> dict[str, object]:
    return {
        "wanted": float(wanted),
        "budget": float(problem.budget),
        "uncommitted": float(problem.available_budget),
        "reachable": float(solution.tau_star),
        "communities": [
            {"community": str(c), "coverage": float(r.coverage_now)}
            for c, r in _least_covered(problem).iterrows()
        ],
    }


def _floor_message(problem: _Problem, solution: _Solution, wanted: float) -> str:
    hardest = _least_covered(problem)
    names = ", ".join(f"{c} ({r.coverage_now:.0%} now)" for c, r in hardest.iterrows())
    return (
        f"the coverage floor of {wanted:.0%} cannot be met: with a budget of "
        f"{problem.budget:,.0f} (of which {problem.available_budget:,.0f} is uncommitted) and "
        f"the supplier capacities given, the highest floor every community can reach is "
        f"{solution.tau_star:.1%}; least-covered communities: {names}"
    )


# ---------------------------------------------------------------------------------------------
# The price of fairness

# The sweep: the plan's floor (share of the highest floor) at the run's strength, then the
# strength at the run's floor. A handful of solves of the same problem (the floor stage once).
FRONTIER_FLOORS: tuple[float, ...] = (0.0, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)
FRONTIER_STRENGTHS: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class FrontierPoint:
    """One plan of the sweep (or the proportional baseline: ``strength`` and ``floor_share``
    NaN) with its efficiency (requests covered) and its equity (lowest community coverage,
    coverage CV across communities, urban minus rural coverage)."""

    strength: float
    floor_share: float
    total_covered: float
    coverage: float
    weighted_coverage: float
    # Equity-weighted coverage with the RUN's weights at the RUN's strength, whatever this
    # plan's own strength: the measure the recommended plan maximises (at its floor), so every
    # plan of the sweep is measured by it alike.
    run_weighted_coverage: float
    min_community_coverage: float
    coverage_cv: float
    urban_rural_gap: float
    spent: float
    # The plan's proven MIP gap (NaN for the baseline).
    gap: float
    # Not beaten on both requests covered and lowest community coverage by another plan.
    efficient: bool = False

    def to_dict(self) -> dict:
        return jsonable(
            {name: getattr(self, name) for name in self.__dataclass_fields__}  # type: ignore[attr-defined]
        )


@dataclass(frozen=True)
class FairnessFrontier:
    """The price of fairness for one allocation problem: every plan of the sweep, the
    efficient ones (``frontier``, lowest community coverage rising, so requests covered never
    rising), the recommended plan (the run's strength and floor) and the baseline."""

    points: list[FrontierPoint]
    frontier: list[FrontierPoint]
    recommended: FrontierPoint
    baseline: FrontierPoint
    budget: float
    seconds: float
    # False when the time budget stopped the sweep early (the points solved are kept).
    complete: bool

    def dominating(self) -> list[FrontierPoint]:
        """The plans of the sweep that beat the recommended plan on the chart's two measures
        (requests covered and lowest community coverage), the most requests covered first."""
        return sorted(
            (p for p in self.points if _dominates(p, self.recommended)),
            key=lambda p: (-p.total_covered, -_lowest(p)),
        )

    def cost_parts(self) -> list[dict]:
        """What moving along the frontier costs, as language-neutral parts:
        ``fairness_price`` (from its most efficient plan to its most equal one),
        ``fairness_price_recommended`` (from the most efficient plan to the recommended, and
        what that buys in equity-weighted coverage, the run's objective) and, when plans of
        the sweep beat the recommended one on both measures charted,
        ``recommended_dominated`` (those plans and the objective the recommended plan leads
        them by: it maximises equity-weighted coverage, which the chart does not show)."""
        if not self.frontier:
            return []
        efficient, equal = self.frontier[0], self.frontier[-1]
        parts = []

        def cost(of: FrontierPoint) -> float:
            if efficient.total_covered <= 0:
                return 0.0
            return max(0.0, 1 - of.total_covered / efficient.total_covered)

        if equal.min_community_coverage > efficient.min_community_coverage + 1e-9:
            parts.append(
                {
                    "code": "fairness_price",
                    "from_lowest": efficient.min_community_coverage,
                    "to_lowest": equal.min_community_coverage,
                    "covered_cost": cost(equal),
                    "requests": efficient.total_covered - equal.total_covered,
                }
            )
        parts.append(
            {
                "code": "fairness_price_recommended",
                "lowest": self.recommended.min_community_coverage,
                "efficient_lowest": efficient.min_community_coverage,
                "covered_cost": cost(self.recommended),
                "baseline_lowest": self.baseline.min_community_coverage,
                "baseline_covered": self.baseline.total_covered,
                "covered": self.recommended.total_covered,
                "weighted": self.recommended.run_weighted_coverage,
                "efficient_weighted": efficient.run_weighted_coverage,
            }
        )
        dominating = self.dominating()
        if dominating:
            parts.append(
                {
                    "code": "recommended_dominated",
                    "weighted": self.recommended.run_weighted_coverage,
                    # How far the recommended plan's objective is above the best of them
                    # (negative only if the solver left it short: its gap is stated).
                    "weighted_lead": self.recommended.run_weighted_coverage
                    - max(p.run_weighted_coverage for p in dominating),
                    "plans": [
                        {
                            "strength": p.strength,
                            "floor_share": p.floor_share,
                            "covered": p.total_covered,
                            "lowest": p.min_community_coverage,
                            "weighted": p.run_weighted_coverage,
                        }
                        for p in dominating
                    ],
                }
            )
        return parts

    def to_dict(self) -> dict:
        return {
            "points": [p.to_dict() for p in self.points],
            "frontier": [p.to_dict() for p in self.frontier],
            "recommended": self.recommended.to_dict(),
            "baseline": self.baseline.to_dict(),
            "budget": float(self.budget),
            "seconds": float(self.seconds),
            "complete": bool(self.complete),
            "cost_parts": jsonable(self.cost_parts()),
        }


def _lowest(point: FrontierPoint) -> float:
    """The lowest community coverage, 1 when no community has a need (nothing to cover)."""
    value = point.min_community_coverage
    return 1.0 if not np.isfinite(value) else value


def _dominates(one: FrontierPoint, other: FrontierPoint) -> bool:
    """``one`` is no worse than ``other`` on requests covered and lowest community coverage
    and better on one of them (whole units: within a hundredth of a request is a tie)."""
    covered = one.total_covered - other.total_covered
    lowest = _lowest(one) - _lowest(other)
    return covered >= -1e-2 and lowest >= -1e-9 and (covered > 1e-2 or lowest > 1e-9)


def _efficient(points: list[FrontierPoint]) -> list[FrontierPoint]:
    """The plans no other beats on both requests covered and lowest community coverage,
    lowest community coverage rising (so requests covered falling)."""
    ordered = sorted(points, key=lambda p: (-_lowest(p), -p.total_covered))
    kept: list[FrontierPoint] = []
    best = -np.inf
    for point in ordered:
        # Whole units: a plan within a hundredth of a request of a more equal one is no better.
        if point.total_covered > best + 1e-2:
            kept.append(point)
            best = point.total_covered
    return kept[::-1]


def _point(
    problem: _Problem,
    added_per_cell: np.ndarray,
    spent: float,
    *,
    run_strength: float,
    strength: float,
    floor: float,
    gap: float,
) -> FrontierPoint:
    metrics = _plan_metrics(problem, added_per_cell, spent)
    return FrontierPoint(
        strength=float(strength),
        floor_share=float(floor),
        total_covered=metrics["total_covered"],
        coverage=metrics["coverage"],
        weighted_coverage=metrics["weighted_coverage"],
        run_weighted_coverage=_weighted_coverage(
            problem, _covered(problem, added_per_cell), run_strength
        ),
        min_community_coverage=metrics["min_community_coverage"],
        coverage_cv=metrics["coverage_cv"],
        urban_rural_gap=metrics["urban_rural_gap"],
        spent=metrics["spent"],
        gap=float(gap),
    )


def fairness_frontier(
    demand: pd.DataFrame,
    *,
    budget: float,
    communities: pd.DataFrame,
    unit_costs: Mapping[str, float] | None = None,
    current_supply: pd.DataFrame | None = None,
    suppliers: pd.DataFrame | None = None,
    equity_weights: pd.DataFrame | None = None,
    category_budgets: Mapping[str, float] | None = None,
    config: AllocationConfig | None = None,
    floors: tuple[float, ...] = FRONTIER_FLOORS,
    strengths: tuple[float, ...] = FRONTIER_STRENGTHS,
    time_budget_seconds: float | None = 60.0,
) -> FairnessFrontier:
    """The price of fairness: the same inputs as :func:`allocate`, solved for every floor in
    ``floors`` (shares of the highest floor) at ``config.strength`` and every strength in
    ``strengths`` at ``config``'s floor, each plan measured for efficiency (requests covered)
    and equity (lowest community coverage, coverage CV, urban–rural gap). The recommended
    plan (``config`` itself) is solved first; the sweep stops when ``time_budget_seconds``
    have passed (``complete`` False). Every plan is whole units (or LP values with
    ``whole_units=False``) within every budget. Raises :class:`EngineInputError` as
    :func:`allocate` does."""
    config = config or AllocationConfig()
    started = time.perf_counter()
    problem = _prepare(
        demand,
        budget,
        unit_costs,
        communities,
        current_supply,
        suppliers,
        equity_weights,
        category_budgets,
        config,
    )
    cells, options = problem.cells, problem.options
    cost = options["unit_cost"].to_numpy()
    cache: dict = {}
    own = (float(config.strength), 1 - float(config.epsilon))
    sweep = [own]
    sweep += [(own[0], float(f)) for f in floors]
    sweep += [(float(s), own[1]) for s in strengths]
    seen: set[tuple[float, float]] = set()
    points: list[FrontierPoint] = []
    complete = True
    for strength, floor in sweep:
        key = (round(strength, 9), round(floor, 9))
        if key in seen:
            continue
        seen.add(key)
        if (
            points
            and time_budget_seconds is not None
            and time.perf_counter() - started > time_budget_seconds
        ):
            complete = False
            break
        if not (0 <= floor <= 1 and strength >= 0):
            raise EngineContractError(
                f"frontier: floor {floor} or strength {strength} out of range"
            )
        solution = _solve(
            problem,
            replace(config, strength=strength, epsilon=1 - floor, compare_relaxation=False),
            cache,
        )
        added = np.bincount(options["cell"], weights=solution.units, minlength=len(cells))
        points.append(
            _point(
                problem,
                added,
                _spent(solution.units, cost),
                run_strength=own[0],
                strength=strength,
                floor=floor,
                gap=solution.report.gap,
            )
        )
    baseline_units = _proportional_baseline(problem, whole=config.whole_units)
    baseline_added = np.bincount(options["cell"], weights=baseline_units, minlength=len(cells))
    baseline = _point(
        problem,
        baseline_added,
        _spent(baseline_units, cost),
        run_strength=own[0],
        strength=float("nan"),
        floor=float("nan"),
        gap=float("nan"),
    )
    frontier = _efficient(points)
    on = {id(p) for p in frontier}
    points = [replace(p, efficient=id(p) in on) for p in points]
    frontier = [p for p in points if p.efficient]
    frontier.sort(key=lambda p: (_lowest(p), -p.total_covered))
    return FairnessFrontier(
        points=points,
        frontier=frontier,
        recommended=points[0],
        baseline=baseline,
        budget=problem.budget,
        seconds=time.perf_counter() - started,
        complete=complete,
    )


def allocation_scenarios(budgets: list[float], **inputs: object) -> pd.DataFrame:
    """Run :func:`allocate` for several budgets (same inputs) and put the headline figures
    side by side, one row per budget."""
    rows = []
    for budget in budgets:
        result = allocate(budget=budget, **inputs)  # type: ignore[arg-type]
        lp = result.summary["lp"]
        base = result.summary["baseline"]
        rows.append(
            {
                "budget": float(budget),
                "tau_star": result.summary["tau_star"],
                "coverage": lp["coverage"],
                "weighted_coverage": lp["weighted_coverage"],
                "coverage_cv": lp["coverage_cv"],
                "urban_rural_gap": lp["urban_rural_gap"],
                "baseline_weighted_coverage": base["weighted_coverage"],
                "baseline_coverage_cv": base["coverage_cv"],
                "spent": lp["spent"],
            }
        )
    return pd.DataFrame(rows)
