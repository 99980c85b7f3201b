"""Allocation of limited supply capacity as a linear program solved by HiGHS.

Method (also in docs/precision-supply.md):

* need ``n[c,k]`` = the forecast (or, with ``need_basis="upper"``, the upper bound of its
  interval); already covered ``b[c,k] = min(current supply, need)``; gap ``g = n - b``;
* variables: ``y[c,k]`` units added in community ``c`` for category ``k``, ``z[k,s]`` units
  bought from supplier ``s`` (a city-wide pool with a unit cost and a capacity per category),
  linked by ``sum_c y[c,k] = sum_s z[k,s]``; ``tau`` the coverage floor;
* supply never exceeds need: ``y <= g``; budget: ``sum cost[k,s] * z <= budget - committed``;
  optional per-category budgets likewise; capacities: ``z <= capacity``;
* equalization floor: every community's coverage ``(sum_k b + y) / sum_k n >= tau``
  (``floor_level="community_category"`` puts it on every community × category).

Two stages, both ``scipy.optimize.linprog`` (HiGHS) on sparse matrices:

1. maximise ``tau`` → ``tau*``, the highest floor the budget and capacities allow;
2. fix ``tau >= (1 - epsilon) * tau*`` and maximise equity-weighted covered units
   ``sum w[c] * y[c,k]``, with a negligible cost term so that, between equally good plans,
   the cheaper supplier wins.

The naive baseline shares the same budget between communities in proportion to population and,
inside a community, between categories in proportion to the cost of their gaps.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

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
SOLVER_DESCRIPTION = "HiGHS via scipy.optimize.linprog: stage 1 highs-ipm, stage 2 highs-ds"


@dataclass(frozen=True)
class AllocationConfig:
    """Settings of the allocation LP."""

    epsilon: float = 0.01
    floor_level: str = "community"
    need_basis: str = "forecast"
    min_coverage: float | None = None
    time_limit_seconds: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.epsilon <= 0.5:
            raise EngineInputError(f"epsilon must be between 0 and 0.5, got {self.epsilon}")
        if self.floor_level not in ("community", "community_category"):
            raise EngineInputError("floor_level must be 'community' or 'community_category'")
        if self.need_basis not in ("forecast", "upper"):
            raise EngineInputError("need_basis must be 'forecast' or 'upper'")
        if self.min_coverage is not None and not 0 <= self.min_coverage <= 1:
            raise EngineInputError("min_coverage must be between 0 and 1")


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
    for ``social_share`` of it, and the market 30% dearer without a limit."""
    require_columns(demand, ["category", "forecast"], what="demand")
    totals = demand.groupby("category")["forecast"].sum()
    rows = []
    for category, total in totals.items():
        if category not in unit_costs:
            raise EngineInputError(f"no unit cost for category {category!r}")
        cost = float(unit_costs[category])
        rows += [
            ("government", category, cost, government_share * total),
            ("social_organisation", category, 0.85 * cost, social_share * total),
            ("market", category, 1.3 * cost, np.nan),
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
        raise EngineInputError("no forecast demand given; run a forecast first")
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
    if (offers["unit_cost"] <= 0).any():
        row = int((offers["unit_cost"] <= 0).to_numpy().nonzero()[0][0])
        raise EngineInputError(f"suppliers: unit_cost must be positive (row {row})")
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
            f"({committed_total:,.0f}); raise the budget or reduce committed supply"
        )
    category_available: dict[str, float] = {}
    for category, amount in (category_budgets or {}).items():
        amount = _budget(amount, f"the budget for category {category!r}")
        committed = float(committed_by_category.get(category, 0.0))
        if committed > amount + 1e-6:
            raise EngineInputError(
                f"the per-category budget for {category!r} ({amount:,.0f}) is below the cost of "
                f"the supply already committed to it ({committed:,.0f}); the constraint "
                f"'spending on {category} <= its budget' cannot be met"
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
# LP


@dataclass
class _Solution:
    units: np.ndarray  # per option
    tau_star: float
    tau_used: float
    budget_marginal: float
    seconds: float
    iterations: int
    variables: int


def _solve(problem: _Problem, config: AllocationConfig) -> _Solution:
    """Both LP stages. Suppliers are city-wide pools (a capacity and a unit cost per supplier
    and category), so the LP has one variable per community × category with a gap (``y``,
    units added) and one per supplier × category (``z``, units bought), linked by
    ``sum_c y[c,k] = sum_s z[k,s]``: the same optimum as one variable per community ×
    category × supplier, with a sparse budget row."""
    started = time.perf_counter()
    cells, options = problem.cells, problem.options
    y_cells = np.unique(options["cell"].to_numpy())  # cells with a gap and a supplier
    offers = options.groupby(["category", "supplier"], sort=True)["unit_cost"].first().reset_index()
    n_y, n_z = len(y_cells), len(offers)
    tau = n_y + n_z
    n_var = tau + 1
    cell_category = cells["category"].to_numpy()[y_cells]
    categories, y_cat = np.unique(cell_category, return_inverse=True)
    z_cat = np.searchsorted(categories, offers["category"].to_numpy())
    cost = offers["unit_cost"].to_numpy()
    gap = cells["gap"].to_numpy()

    # balance: units added in category k = units bought from its suppliers
    a_eq = sparse.coo_array(
        (
            np.concatenate([np.ones(n_y), -np.ones(n_z)]),
            (
                np.concatenate([y_cat, z_cat]),
                np.concatenate([np.arange(n_y), n_y + np.arange(n_z)]),
            ),
        ),
        shape=(len(categories), n_var),
    ).tocsr()
    b_eq = np.zeros(len(categories))

    rows: list[sparse.coo_array] = []
    rhs: list[float | np.ndarray] = []
    z_cols = n_y + np.arange(n_z)
    rows.append(sparse.coo_array((cost, (np.zeros(n_z, dtype=int), z_cols)), shape=(1, n_var)))
    rhs.append([problem.available_budget])
    budget_row = 0
    for category, amount in problem.category_available.items():
        pick = offers["category"].to_numpy() == category
        if pick.any():
            rows.append(
                sparse.coo_array(
                    (cost[pick], (np.zeros(pick.sum(), dtype=int), z_cols[pick])), shape=(1, n_var)
                )
            )
            rhs.append([amount])
    # equalization floor, as a share of each need: tau - added / need <= covered_before / need.
    # In that form the solver's feasibility tolerance is a tolerance on coverage, not on units,
    # so a community with a tiny need cannot slip under the floor by rounding.
    if config.floor_level == "community":
        codes, _ = pd.factorize(cells["community"])
        need = np.bincount(codes, weights=cells["need"].to_numpy())
        base = np.bincount(codes, weights=cells["covered_before"].to_numpy())
        y_group = codes[y_cells]
    else:
        need = cells["need"].to_numpy()
        base = cells["covered_before"].to_numpy()
        y_group = y_cells
    active = np.nonzero(need > _TINY)[0]
    row_of = np.full(len(need), -1)
    row_of[active] = np.arange(len(active))
    pick = row_of[y_group] >= 0
    rows.append(
        sparse.coo_array(
            (
                np.concatenate([-1.0 / need[y_group[pick]], np.ones(len(active))]),
                (
                    np.concatenate([row_of[y_group][pick], np.arange(len(active))]),
                    np.concatenate([np.nonzero(pick)[0], np.full(len(active), tau)]),
                ),
            ),
            shape=(len(active), n_var),
        )
    )
    rhs.append(base[active] / need[active])
    a_ub = sparse.vstack(rows).tocsr()
    b_ub = np.concatenate([np.asarray(r, dtype=float) for r in rhs])

    capacity = (
        problem.capacities.set_index(["category", "supplier"])["capacity"]
        .reindex(pd.MultiIndex.from_frame(offers[["category", "supplier"]]))
        .to_numpy()
    )
    upper = np.concatenate([gap[y_cells], np.where(np.isfinite(capacity), capacity, np.inf), [1.0]])
    solver_options: dict[str, object] = {"presolve": True}
    if config.time_limit_seconds:
        solver_options["time_limit"] = config.time_limit_seconds

    def run(objective: np.ndarray, tau_low: float, method: str):
        bounds = np.column_stack([np.zeros(n_var), upper])
        bounds[tau, 0] = tau_low
        problem_args = {"A_ub": a_ub, "b_ub": b_ub, "A_eq": a_eq, "b_eq": b_eq, "bounds": bounds}
        result = linprog(objective, **problem_args, method=method, options=solver_options)
        if result.status not in (0, 2):  # numerical trouble: let HiGHS choose the algorithm
            result = linprog(objective, **problem_args, method="highs", options=solver_options)
        if result.status != 0:
            raise EngineInputError(f"the allocation LP could not be solved: {result.message}")
        return result

    stage1 = np.zeros(n_var)
    stage1[tau] = -1.0
    # Maximising the floor alone is highly degenerate: the interior-point method is ~15x
    # faster than dual simplex on it (HiGHS crossover still returns a vertex).
    first = run(stage1, 0.0, "highs-ipm")
    tau_star = float(min(1.0, max(0.0, first.x[tau])))
    # The floor is only known to HiGHS's primal feasibility tolerance (1e-7): a floor below a
    # millionth of need is rounding, and stage two gets that tolerance as slack, or a floor
    # that stage one reached only within tolerance can make stage two infeasible.
    if tau_star < _TINY:
        tau_star = 0.0
    tau_used = (1 - config.epsilon) * tau_star

    weights = (
        problem.communities["weight"].reindex(cells["community"].to_numpy()[y_cells]).to_numpy()
    )
    stage2 = np.zeros(n_var)
    stage2[:n_y] = -weights
    # Between plans of equal weighted coverage, prefer the cheaper one.
    stage2[n_y : n_y + n_z] = 1e-4 * weights.min() / max(cost.max(), 1.0) * cost if n_y else 0.0
    second = run(stage2, max(0.0, tau_used - _FEASIBILITY_SLACK), "highs-ds")
    added = np.clip(second.x[:n_y], 0, None)
    bought = np.clip(second.x[n_y : n_y + n_z], 0, None)
    units = _split_by_supplier(options, y_cells, added, offers, bought)
    marginal = float(-second.ineqlin.marginals[budget_row]) if n_y else 0.0
    return _Solution(
        units=units,
        tau_star=tau_star,
        tau_used=tau_used,
        budget_marginal=marginal,
        seconds=time.perf_counter() - started,
        iterations=int(first.nit + second.nit),
        variables=n_var,
    )


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


def _proportional_baseline(problem: _Problem) -> np.ndarray:
    """Units per option under the naive plan: the budget shared by population, then by the
    cost of each category's gap; cheapest supplier first, scaled down to respect capacities
    and budgets."""
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
    return units


# ---------------------------------------------------------------------------------------------
# Results


def _plan_metrics(problem: _Problem, added_per_cell: np.ndarray, spent: float) -> dict[str, float]:
    cells, comm = problem.cells, problem.communities
    need = cells["need"].to_numpy()
    covered = cells["covered_before"].to_numpy() + added_per_cell
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
        raise EngineInputError(_floor_message(problem, solution, config.min_coverage))

    cells, options = problem.cells, problem.options
    cost = options["unit_cost"].to_numpy()
    lp_added = np.bincount(options["cell"], weights=solution.units, minlength=len(cells))
    baseline_units = _proportional_baseline(problem)
    base_added = np.bincount(options["cell"], weights=baseline_units, minlength=len(cells))
    lp_metrics = _plan_metrics(problem, lp_added, float((solution.units * cost).sum()))
    base_metrics = _plan_metrics(problem, base_added, float((baseline_units * cost).sum()))
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
    cells["added"] = lp_added
    cells["covered_after"] = cells["covered_before"] + lp_added
    cells["baseline_added"] = base_added
    with np.errstate(invalid="ignore", divide="ignore"):
        cells["coverage_before"] = np.where(
            cells["need"] > 0, cells["covered_before"] / cells["need"], 1.0
        )
        cells["coverage_after"] = np.where(
            cells["need"] > 0, cells["covered_after"] / cells["need"], 1.0
        )
        cells["coverage_baseline"] = np.where(
            cells["need"] > 0, (cells["covered_before"] + base_added) / cells["need"], 1.0
        )
    lines = _lines(problem, solution.units, cells)

    comm = problem.communities.copy()
    grouped = cells.groupby("community", sort=False)[
        ["need", "covered_before", "covered_after", "baseline_added"]
    ].sum()
    comm = comm.join(grouped)
    with np.errstate(invalid="ignore", divide="ignore"):
        comm["coverage_before"] = comm["covered_before"] / comm["need"]
        comm["coverage_after"] = comm["covered_after"] / comm["need"]
        comm["coverage_baseline"] = (comm["covered_before"] + comm["baseline_added"]) / comm["need"]
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
        "floor_level": config.floor_level,
        "need_basis": config.need_basis,
        "epsilon": config.epsilon,
        "weighted_units_per_10000": 10_000 * solution.budget_marginal,
        "lp": lp_metrics,
        "baseline": base_metrics,
        "variables": solution.variables,
        "solver": SOLVER_DESCRIPTION,
        "solver_iterations": solution.iterations,
        "solve_seconds": solution.seconds,
        "seconds": time.perf_counter() - started,
    }
    note_parts = [
        {
            "code": "coverage_floor",
            "level": config.floor_level,
            "tau_used": float(solution.tau_used),
            "tau_star": float(solution.tau_star),
            "epsilon": float(config.epsilon),
        },
        {"code": "units_are_lp_values"},
    ]
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
            "units_whole": np.floor(units[chosen] + 1e-6).astype(int),
            "unit_cost": opt["unit_cost"].to_numpy(),
            "cost": units[chosen] * opt["unit_cost"].to_numpy(),
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


def _floor_message(problem: _Problem, solution: _Solution, wanted: float) -> str:
    cells = problem.cells
    grouped = cells.groupby("community")[["need", "covered_before", "gap"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["coverage_now"] = grouped["covered_before"] / grouped["need"]
    hardest = grouped[grouped["need"] > 0].sort_values("coverage_now").head(5)
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
