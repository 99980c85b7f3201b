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
   stopped at a relative gap or a time limit, and the plan says which). A row whole units
   cannot bring to the floor is short by ``s``, which costs more than any weighted request
   gained elsewhere, and the plan names it. A negligible cost term makes the cheaper supplier
   win between equally good plans.

The naive baseline shares the same budget between communities in proportion to population and,
inside a community, between categories in proportion to the cost of their gaps, in whole units
(largest remainders first).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from analytics.engine.errors import EngineInputError
from analytics.engine.supply.catalogue import SUPPLIER_KINDS
from analytics.engine.supply.frames import (
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
# HiGHS's default primal feasibility tolerance.
_FEASIBILITY_SLACK = 1e-7
SOLVER_DESCRIPTION = "HiGHS via scipy.optimize: floor by linprog (highs-ipm) and a whole-unit search, plan by milp (whole units)"
# The LP relaxation (``AllocationConfig(whole_units=False)``), and what runs stored before
# whole units say.
LP_SOLVER_DESCRIPTION = "HiGHS via scipy.optimize.linprog: stage 1 highs-ipm, stage 2 highs-ds"


@dataclass(frozen=True)
class AllocationConfig:
    """Settings of the allocation LP."""

    epsilon: float = 0.01
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
        if not 0 <= self.epsilon <= 0.5:
            raise EngineInputError(f"epsilon must be between 0 and 0.5, got {self.epsilon}")
        if self.floor_level not in ("community", "community_category"):
            raise EngineInputError("floor_level must be 'community' or 'community_category'")
        if self.need_basis not in ("forecast", "upper"):
            raise EngineInputError("need_basis must be 'forecast' or 'upper'")
        if self.min_coverage is not None and not 0 <= self.min_coverage <= 1:
            raise EngineInputError("min_coverage must be between 0 and 1")
        if not 0 <= self.mip_rel_gap < 1:
            raise EngineInputError("mip_rel_gap must be between 0 and 1")
        if self.time_limit_seconds is not None and not self.time_limit_seconds > 0:
            raise EngineInputError("time_limit_seconds must be positive")


# ---------------------------------------------------------------------------------------------
# Input


def _budget(value: object, what: str) -> float:
    try:
        amount = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EngineInputError(f"{what} must be a non-negative amount, got {value!r}") from None
    if not np.isfinite(amount) or amount < 0:
        raise EngineInputError(f"{what} must be a non-negative amount, got {value!r}")
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
            raise EngineInputError(f"no unit cost for category {category!r}")
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
        raise EngineInputError(
            f"demand row {row}: need lower <= forecast <= upper, got "
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
        raise EngineInputError(
            f"demand has more than one row for community {cells['community'].iloc[row]!r}, "
            f"category {cells['category'].iloc[row]!r} (row {row})"
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
            "in the communities table"
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
            raise EngineInputError(f"equity weights: weight must be positive (row {row})")
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
            raise EngineInputError("give unit_costs or a suppliers table")
        missing = sorted(set(cells["category"]) - set(unit_costs))
        if missing:
            raise EngineInputError(f"no unit cost for category {missing[0]!r}")
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
        raise EngineInputError(f"suppliers: unit_cost must be at least 0.01 (row {row})")
    if offers.duplicated(["supplier", "category"]).any():
        row = int(offers.duplicated(["supplier", "category"]).to_numpy().nonzero()[0][0])
        raise EngineInputError(
            f"suppliers: {offers['supplier'].iloc[row]!r} is listed twice for "
            f"{offers['category'].iloc[row]!r}"
        )
    needy = set(cells.loc[cells["gap"] > _TINY, "category"])
    unsupplied = sorted(needy - set(offers["category"]))
    if unsupplied:
        raise EngineInputError(
            f"no supplier offers category {unsupplied[0]!r}; add a supplier or a unit cost for it"
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

    status: str  # "optimal" (gap closed to the target) or "gap_open" (stopped by the time limit)
    gap: float  # relative gap of the plan stage (weighted coverage)
    floor_gap: float  # the whole-unit floor below the LP's (relative)
    seconds: float
    time_limit_seconds: float
    gap_target: float
    nodes: int
    whole_units: bool = True
    # Wall time of each step: floor, relaxation, near_search, full_search, comparison.
    step_seconds: dict[str, float] = field(default_factory=dict)

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


# HiGHS status codes from scipy.optimize.milp.
_MILP_OPTIMAL, _MILP_LIMIT = 0, 1


def _stage_gap(result: Any) -> float:
    """The relative gap of a finished stage: HiGHS's own figure, 0 when it proved optimality
    and NaN when it found no plan."""
    if result.x is None:
        return float("nan")
    gap = getattr(result, "mip_gap", None)
    if gap is None or not np.isfinite(gap):
        return 0.0 if result.status == _MILP_OPTIMAL else float("nan")
    return float(max(0.0, gap))


def _solve(problem: _Problem, config: AllocationConfig) -> _Solution:
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
        result = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=box, method=method)
        if result.status not in (0, 2):  # numerical trouble: let HiGHS choose the algorithm
            result = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=box, method="highs")
        if result.status != 0:
            raise EngineInputError(f"the allocation could not be solved: {result.message}")
        return result

    # Stage one: the highest floor (LP). Maximising the floor alone is highly degenerate: the
    # interior-point method is ~15x faster than dual simplex on it.
    steps: dict[str, float] = {}
    step = time.perf_counter()
    stage1 = np.zeros(n_var)
    stage1[tau] = -1.0
    first = relaxed(
        stage1, bounds(integer=False, tau_low=0, tau_high=1, shortfall=False), "highs-ipm"
    )
    tau_star = float(min(1.0, max(0.0, first.x[tau])))
    # The floor is only known to HiGHS's primal feasibility tolerance (1e-7): a floor below a
    # millionth of need is rounding, and stage two gets that tolerance as slack.
    if tau_star < _TINY:
        tau_star = 0.0
    tau_bound = tau_star
    greedy = None
    if whole and n_y:
        # Whole units: the highest floor is found by raising the least covered row one unit
        # at a time (the LP optimum bounds it from above: the floor's gap). A floor solved as
        # a mixed-integer program is flat for branch and bound (every row sits at the floor),
        # so HiGHS could not prove it within minutes even on the demo city.
        greedy = _greedy_floor(
            problem, offers, y_cat, gap[y_cells], y_group, need, base, active, capacity
        )
        tau_star = min(tau_star, greedy.floor)
    steps["floor"] = time.perf_counter() - step
    tau_used = (1 - config.epsilon) * tau_star
    tau_low = max(0.0, tau_used - _FEASIBILITY_SLACK)

    # Stage two: equity-weighted covered requests; a request short of the floor costs more
    # than any weighted request gained elsewhere; between plans of equal weighted coverage,
    # the cheaper one (and no unit that covers nothing).
    weights = (
        problem.communities["weight"].reindex(cells["community"].to_numpy()[y_cells]).to_numpy()
    )
    stage2 = np.zeros(n_var)
    stage2[f_cols] = -weights
    stage2[p_cols] = -weights * fraction
    if n_y:
        stage2[z_cols] = 1e-4 * weights.min() / max(cost.max(), 1.0) * cost
        stage2[s_cols] = 10.0 * weights.max() * need[active]
    # Hard floors: the floor stage found a plan that meets them (in whole units) or the LP did.
    box = bounds(integer=whole, tau_low=tau_low, tau_high=tau_low, shortfall=whole)
    limit = config.time_limit_seconds
    report_gap, status, nodes = 0.0, "optimal", 0
    if whole and n_y:
        integrality = np.zeros(n_var)
        integrality[f_cols] = 1
        integrality[p_cols] = 1
        integrality[z_cols] = 1
        constraints = LinearConstraint(matrix, row_low, row_high)

        def branch_and_cut(low: np.ndarray, high: np.ndarray, *, least: float):
            options_: dict[str, object] = {"presolve": True, "mip_rel_gap": config.mip_rel_gap}
            if limit is not None:
                left = limit - (time.perf_counter() - started)
                options_["time_limit"] = max(least * limit, left, 0.1)
            return milp(
                stage2,
                integrality=integrality,
                bounds=Bounds(low, high),
                constraints=constraints,
                options=options_,
            )

        # Relax and fix: the relaxation (whole units apart from their integrality: tight, see
        # f and p) bounds every plan; the mixed-integer program on the box of whole numbers
        # around its optimum is small, and its distance to that bound is a proven gap. Only
        # when that gap is above the target does branch and cut search the whole space, for
        # the time left. (On 5,000 communities the whole search spends its time in the root
        # node's heuristics without reaching the target.)
        step = time.perf_counter()
        tight = relaxed(stage2, box, "highs-ds")
        bound = float(tight.fun)
        near_low, near_high = box[:, 0].copy(), box[:, 1].copy()
        pick = integrality == 1
        near_low[pick] = np.maximum(box[pick, 0], np.floor(tight.x[pick] + 1e-7))
        near_high[pick] = np.minimum(box[pick, 1], np.ceil(tight.x[pick] - 1e-7))
        steps["relaxation"] = time.perf_counter() - step
        step = time.perf_counter()
        # The small search gets a quarter of the limit even when the steps before it (slow on
        # a loaded machine) used the time up.
        second = branch_and_cut(near_low, near_high, least=0.25)
        steps["near_search"] = time.perf_counter() - step
        nodes = int(getattr(second, "mip_node_count", 0) or 0)

        def proven_gap(result) -> float:
            if result.x is None:
                return float("inf")
            return max(0.0, (float(result.fun) - bound) / max(abs(float(result.fun)), 1e-9))

        if proven_gap(second) > config.mip_rel_gap and (
            limit is None or time.perf_counter() - started < limit
        ):
            step = time.perf_counter()
            searched = branch_and_cut(box[:, 0], box[:, 1], least=0.0)
            steps["full_search"] = time.perf_counter() - step
            nodes += int(getattr(searched, "mip_node_count", 0) or 0)
            if searched.x is not None and (second.x is None or searched.fun < second.fun):
                second = searched
            dual = getattr(searched, "mip_dual_bound", None)
            if dual is not None and np.isfinite(dual):
                bound = max(bound, float(dual))
        if second.x is None:
            # No plan of its own within the time: the floor stage's plan, which meets the
            # floor, and the gap to the relaxation is said.
            added, bought = greedy.added.copy(), greedy.bought.copy()
            status, report_gap = "gap_open", float("nan")
        else:
            report_gap = proven_gap(second)
            status = "optimal" if report_gap <= config.mip_rel_gap + 1e-9 else "gap_open"
            added = np.rint(second.x[f_cols]) + np.rint(second.x[p_cols])
            bought = np.rint(second.x[z_cols])
            added, bought = _within_budgets(
                problem, offers, y_cat, gap[y_cells], cost, added, bought
            )
    else:
        second = relaxed(stage2, box, "highs-ds")
        added = np.clip(second.x[f_cols], 0, None)
        bought = np.clip(second.x[z_cols], 0, None)
    units = _split_by_supplier(options, y_cells, added, offers, bought)

    # The fractional optimum of the plan stage at the same floor: the budget's marginal value
    # (its dual) and what the integrality costs.
    marginal = 0.0
    relaxed_covered = relaxed_weighted = float("nan")
    fractional = second if not whole else None
    if whole and n_y and config.compare_relaxation:
        step = time.perf_counter()
        fractional = relaxed(
            stage2,
            bounds(integer=False, tau_low=tau_low, tau_high=tau_low, shortfall=False),
            "highs-ds",
        )
        steps["comparison"] = time.perf_counter() - step
    if fractional is not None and n_y:
        marginal = float(-fractional.ineqlin.marginals[budget_ub_row])
        covered_units = fractional.x[f_cols] + fraction * fractional.x[p_cols]
        relaxed_covered = float(covered_units.sum())
        relaxed_weighted = float((weights * covered_units).sum())

    # Floor rows whole units leave short (coverage recomputed from the units themselves).
    covered_added = np.minimum(added, gap[y_cells])
    if not np.isfinite(report_gap) and np.isfinite(relaxed_weighted) and relaxed_weighted > 0:
        # The floor stage's plan, measured against the relaxation's bound.
        report_gap = max(0.0, 1 - float((weights * covered_added).sum()) / relaxed_weighted)
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


@dataclass
class _Greedy:
    floor: float
    added: np.ndarray
    bought: np.ndarray


def _greedy_floor(
    problem: _Problem,
    offers: pd.DataFrame,
    y_cat: np.ndarray,
    y_gap: np.ndarray,
    y_group: np.ndarray,
    need: np.ndarray,
    base: np.ndarray,
    active: np.ndarray,
    capacity: np.ndarray,
) -> _Greedy:
    """The highest floor found in whole units: the least covered floor row gets the unit that
    covers most per yuan (from the cheapest supplier with capacity left, within every budget)
    until it can get none. Returns the floor reached and that plan (feasible: stage two falls
    back to it)."""
    n_y = len(y_cat)
    added = np.zeros(n_y)
    bought = np.zeros(len(offers))
    high = np.ceil(y_gap - 1e-9)
    cents = np.rint(offers["unit_cost"].to_numpy() * 100).astype(np.int64)
    capacity_left = np.floor(capacity + 1e-9)
    categories = np.unique(offers["category"].to_numpy())
    offer_category = np.searchsorted(categories, offers["category"].to_numpy())
    by_price = [
        sorted(np.nonzero(offer_category == k)[0].tolist(), key=lambda o: (cents[o], o))
        for k in range(len(categories))
    ]
    budget_left = int(np.floor(problem.available_budget * 100 + 1e-6))
    category_left = np.full(len(categories), np.iinfo(np.int64).max, dtype=np.int64)
    for name, amount in problem.category_available.items():
        position = np.searchsorted(categories, name)
        if position < len(categories) and categories[position] == name:
            category_left[position] = int(np.floor(amount * 100 + 1e-6))
    cells_of = pd.Series(np.arange(n_y)).groupby(y_group).apply(list).to_dict()
    covered = base.astype(float).copy()
    heap = [(covered[g] / need[g], int(g)) for g in active]
    heapq.heapify(heap)
    while heap:
        share, group = heapq.heappop(heap)
        if share >= 1 - 1e-12:
            heapq.heappush(heap, (share, group))
            break
        best, best_ratio, best_offer = -1, -1.0, -1
        for j in cells_of.get(group, ()):
            if added[j] >= high[j]:
                continue
            k = y_cat[j]
            offer = next((o for o in by_price[k] if capacity_left[o] >= 1), -1)
            if offer < 0 or cents[offer] > budget_left or cents[offer] > category_left[k]:
                continue
            gain = min(added[j] + 1, y_gap[j]) - min(added[j], y_gap[j])
            ratio = gain / cents[offer]
            if ratio > best_ratio:
                best, best_ratio, best_offer = j, ratio, offer
        if best < 0:
            heapq.heappush(heap, (share, group))
            break
        gain = min(added[best] + 1, y_gap[best]) - added[best].clip(max=y_gap[best])
        added[best] += 1
        bought[best_offer] += 1
        capacity_left[best_offer] -= 1
        budget_left -= int(cents[best_offer])
        category_left[y_cat[best]] -= int(cents[best_offer])
        covered[group] += gain
        heapq.heappush(heap, (covered[group] / need[group], group))
    floor = min((item[0] for item in heap), default=1.0)
    return _Greedy(floor=float(min(1.0, floor)), added=added, bought=bought)


def _within_budgets(
    problem: _Problem,
    offers: pd.DataFrame,
    y_cat: np.ndarray,
    y_gap: np.ndarray,
    cost: np.ndarray,
    added: np.ndarray,
    bought: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Whole units exactly within every budget, counted in fen. HiGHS accepts a solution whose
    integers are within 1e-6 of whole and whose rows are within 1e-7 of their bounds, so after
    rounding a plan could pass a budget by a fraction of a fen. Then one unit of the dearest
    purchase, and in its category the added unit that covers least, are dropped until every
    budget holds (in practice this does nothing)."""
    cents = np.rint(cost * 100).astype(np.int64)
    caps: list[tuple[str | None, int]] = [
        (None, int(np.floor(problem.available_budget * 100 + 1e-6)))
    ]
    caps += [
        (category, int(np.floor(amount * 100 + 1e-6)))
        for category, amount in problem.category_available.items()
    ]
    offer_category = offers["category"].to_numpy()
    categories = np.unique(offer_category)
    for category, cap in caps:
        pick = np.ones(len(bought), bool) if category is None else offer_category == category
        while int((bought[pick] * cents[pick]).sum()) > cap:
            candidates = np.nonzero(pick & (bought > 0))[0]
            dearest = candidates[np.argmax(cents[candidates])]
            bought[dearest] -= 1
            in_k = np.nonzero(
                (y_cat == np.searchsorted(categories, offer_category[dearest])) & (added > 0)
            )[0]
            if len(in_k):
                loss = np.clip(y_gap[in_k] - (added[in_k] - 1), 0, 1)
                added[in_k[np.argmin(loss)]] -= 1
    return added, bought


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


def _plan_metrics(problem: _Problem, added_per_cell: np.ndarray, spent: float) -> dict[str, float]:
    cells, comm = problem.cells, problem.communities
    need = cells["need"].to_numpy()
    # A whole unit beyond the gap serves no forecast request: coverage counts up to the need.
    covered = cells["covered_before"].to_numpy() + np.minimum(
        added_per_cell, cells["gap"].to_numpy()
    )
    weight = comm["weight"].reindex(cells["community"]).to_numpy()
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
            float((weight * covered).sum() / (weight * need).sum())
            if total_need > 0
            else float("nan")
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
        lines = [f"{'metric':<26}{'LP plan':>16}{'baseline':>16}{'difference':>14}"]
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
