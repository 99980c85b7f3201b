"""Small random allocation instances as the property tests draw them, and the best plan any
whole-unit search could find on one (the full mixed-integer program, solved independently of
the engine's own model): what the engine's reported gap is checked against, in the tests and
in ``bench/bench_allocation_gap.py``.

It lives with the benchmarks, which import nothing from the tests (an import contract), and
the property tests import it from here; not in the engine, since it needs Hypothesis, a
development dependency the installed package does not have."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from analytics.engine.supply.allocation import AllocationConfig, AllocationResult


@st.composite
def instances(draw):
    n_comm = draw(st.integers(1, 6))
    categories = ["a", "b", "c"][: draw(st.integers(1, 3))]
    suppliers = draw(
        st.lists(
            st.sampled_from(["government", "social_organisation", "market"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    amounts = st.floats(0, 50, allow_nan=False, allow_infinity=False)
    demand, supply = [], []
    for c in range(n_comm):
        for k in categories:
            forecast = draw(amounts)
            demand.append((f"c{c}", k, forecast, 0.8 * forecast, 1.3 * forecast))
            supply.append((f"c{c}", k, draw(amounts)))
    offers = []
    for s in suppliers:
        for k in categories:
            capacity = draw(st.one_of(st.none(), st.floats(0, 80)))
            offers.append((s, k, draw(st.floats(1, 500)), np.nan if capacity is None else capacity))
    communities = pd.DataFrame(
        {
            "community": [f"c{c}" for c in range(n_comm)],
            "population": [draw(st.integers(0, 20_000)) for _ in range(n_comm)],
            "kind": [draw(st.sampled_from(["urban", "rural"])) for _ in range(n_comm)],
        }
    )
    weights = pd.DataFrame(
        {
            "community": communities["community"],
            "weight": [draw(st.floats(0.2, 3.0)) for _ in range(n_comm)],
            "reason": "test weight",
        }
    )
    category_budgets = draw(
        st.one_of(st.none(), st.dictionaries(st.sampled_from(categories), st.floats(0, 5_000)))
    )
    return {
        "demand": pd.DataFrame(
            demand, columns=["community", "category", "forecast", "lower", "upper"]
        ),
        "current_supply": pd.DataFrame(supply, columns=["community", "category", "capacity"]),
        "suppliers": pd.DataFrame(
            offers, columns=["supplier", "category", "unit_cost", "capacity"]
        ),
        "communities": communities,
        "equity_weights": weights,
        "category_budgets": category_budgets,
        "budget": draw(st.floats(0, 20_000)),
        "config": AllocationConfig(
            floor_level=draw(st.sampled_from(["community", "community_category"])),
            need_basis=draw(st.sampled_from(["forecast", "upper"])),
        ),
    }


@dataclass(frozen=True)
class WholeUnitOptimum:
    """The plan's equity-weighted requests against the most any whole-unit plan covers that
    keeps every floor row at the plan's floor within the pools and every budget."""

    plan_value: float
    best_value: float

    @property
    def true_gap(self) -> float:
        """How far the plan is below the best, as a share of the best (what the engine's
        reported gap must never understate)."""
        if self.best_value <= 1e-12:
            return 0.0
        return max(0.0, (self.best_value - self.plan_value) / self.best_value)


def _fen(amount: float) -> float:
    return np.floor(amount * 100 + 1e-6) / 100


def whole_unit_optimum(instance: dict, result: AllocationResult) -> WholeUnitOptimum:
    """Solve the plan stage as one mixed-integer program over every whole-unit plan, with no
    box around any relaxation, to optimality (HiGHS, gap 0). Its own formulation: ``y`` whole
    units per cell (at most the gap rounded up), ``u <= y`` and ``u <= gap`` the requests they
    cover, ``z`` whole units per offer (at most its capacity), units added per category equal
    to units bought, budgets to the fen, and every floor row at ``tau_used``."""
    config: AllocationConfig = instance["config"]
    cells = result.cells.reset_index(drop=True)
    offers = instance["suppliers"].copy()
    offers["unit_cost"] = offers["unit_cost"].round(2)
    offers["capacity"] = np.floor(offers["capacity"].fillna(np.inf) + 1e-9)
    offered = set(offers["category"])
    gap = cells["gap"].to_numpy()
    weight = cells["weight"].to_numpy() ** config.strength
    added = cells["added"].to_numpy()
    plan_value = float((weight * np.minimum(added, gap)).sum())
    cell_rows = np.flatnonzero((gap > 1e-6) & cells["category"].isin(offered).to_numpy())
    n_y, n_z = len(cell_rows), len(offers)
    if n_y == 0:
        return WholeUnitOptimum(plan_value=plan_value, best_value=0.0)
    y = np.arange(n_y)
    u = n_y + y
    z = 2 * n_y + np.arange(n_z)
    n_var = 2 * n_y + n_z
    rows, low, high = [], [], []

    def row(columns, values, lower, upper) -> None:
        line = np.zeros(n_var)
        line[columns] = values
        rows.append(line)
        low.append(lower)
        high.append(upper)

    category_of = cells["category"].to_numpy()[cell_rows]
    for j in range(n_y):  # covered requests at most the units added
        row([u[j], y[j]], [1.0, -1.0], -np.inf, 0.0)
    for category in offered:
        mine = y[category_of == category]
        sold = z[(offers["category"] == category).to_numpy()]
        row(
            np.concatenate([mine, sold]),
            np.concatenate([np.ones(len(mine)), -np.ones(len(sold))]),
            0.0,
            0.0,
        )
    cost = offers["unit_cost"].to_numpy()
    row(z, cost, -np.inf, _fen(instance["budget"]))
    for category, amount in (instance["category_budgets"] or {}).items():
        pick = (offers["category"] == category).to_numpy()
        row(z[pick], cost[pick], -np.inf, _fen(amount))
    tau = result.summary["tau_used"]
    if config.floor_level == "community":
        keys = cells["community"].to_numpy()
    else:
        keys = (cells["community"] + " / " + cells["category"]).to_numpy()
    for key in pd.unique(keys):
        members = np.flatnonzero(keys == key)
        need = float(cells["need"].to_numpy()[members].sum())
        if need <= 1e-6:
            continue
        before = float(cells["covered_before"].to_numpy()[members].sum())
        mine = u[np.isin(cell_rows, members)]
        # The engine keeps a floor to a millionth of the need (HiGHS's tolerance): the same
        # slack here only lets the best plan be better, never the reported gap look right.
        row(mine, np.ones(len(mine)), tau * need - before - 1e-6 * need, np.inf)
    objective = np.zeros(n_var)
    objective[u] = -weight[cell_rows]
    upper = np.concatenate(
        [np.ceil(gap[cell_rows] - 1e-9), gap[cell_rows], offers["capacity"].to_numpy()]
    )
    integrality = np.concatenate([np.ones(n_y), np.zeros(n_y), np.ones(n_z)])
    solved = milp(
        objective,
        integrality=integrality,
        bounds=Bounds(np.zeros(n_var), upper),
        constraints=LinearConstraint(sparse.csr_array(np.array(rows)), low, high),
        options={"mip_rel_gap": 0.0, "time_limit": 60.0, "disp": False},
    )
    if solved.status != 0:
        raise AssertionError(f"the full whole-unit program did not solve: {solved.message}")
    return WholeUnitOptimum(plan_value=plan_value, best_value=float(-solved.fun))
