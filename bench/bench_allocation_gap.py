"""Allocation on small random instances: how often the whole-unit plan reports an open gap,
the gap it reports, and its true gap (against the full mixed-integer program solved to
optimality on each instance, with no box around any relaxation).

    python bench/bench_allocation_gap.py [--examples 300] [--seed 0]

Instances are drawn by the property tests' own strategy (1-6 communities x 1-3 categories,
1-3 suppliers, random needs, supply, prices, capacities, weights and budgets), with the
engine's default settings. Not a test: the property tests check that the reported gap is never
below the true gap; this counts how often the plan says its gap is open and by how much.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _argument(name: str, default: int) -> int:
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def main() -> None:
    import numpy as np
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as seed_

    from analytics.engine.errors import EngineInputError
    from analytics.engine.supply.allocation import allocate
    from bench.allocation_instances import instances, whole_unit_optimum

    examples, seed = _argument("--examples", 300), _argument("--seed", 0)
    rows: list[dict] = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(instances())
    def collect(instance) -> None:
        try:
            started = time.perf_counter()
            result = allocate(**instance)
            seconds = time.perf_counter() - started
        except EngineInputError:
            return
        report = result.summary["solver_report"]
        optimum = whole_unit_optimum(instance, result)
        rows.append(
            {
                "status": report["status"],
                "gap": report["gap"],
                "true_gap": optimum.true_gap,
                "seconds": seconds,
                "nodes": report["nodes"],
                "cells": len(result.cells),
            }
        )

    seed_(seed)(collect)()
    gaps = np.array([r["gap"] for r in rows])
    true = np.array([r["true_gap"] for r in rows])
    open_ = np.array([r["status"] == "gap_open" for r in rows])
    seconds = np.array([r["seconds"] for r in rows])

    def spread(values: np.ndarray, form: str) -> str:
        figures = (np.median(values), values.mean(), np.quantile(values, 0.9), values.max())
        return ", ".join(
            f"{name} {format(v, form)}"
            for name, v in zip(("median", "mean", "90th pct", "max"), figures, strict=True)
        )

    print(f"instances solved: {len(rows)} (of {examples} drawn; the rest refused with a message)")
    print(f"status gap_open: {open_.sum()} ({open_.mean():.1%})")
    print(f"reported gap > 0.5%: {(gaps > 0.005).sum()} ({(gaps > 0.005).mean():.1%})")
    print(f"reported gap: {spread(gaps, '.2%')}")
    print(f"true gap:     {spread(true, '.2%')}")
    print(f"true gap > 0.5%: {(true > 0.005).sum()} ({(true > 0.005).mean():.1%})")
    if open_.any():
        print(
            f"among gap_open: reported gap median {np.median(gaps[open_]):.2%}, true gap "
            f"median {np.median(true[open_]):.2%}, true gap 0 in {(true[open_] < 1e-9).mean():.0%}"
        )
    print(f"reported gap below the true gap (must be 0): {(gaps < true - 1e-6).sum()}")
    print(f"allocate wall time (s): {spread(seconds, '.3f')}")


if __name__ == "__main__":
    main()
