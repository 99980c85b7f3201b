"""Monte Carlo coverage of the recovered ADL coefficients on the SYNTHETIC panel.

Each replication generates the SYNTHETIC panel with its own seed (same design), runs the
city-level method on it, fits the pooled ADL(1,1) of both models by system GMM under each
specification, and checks whether each 95% confidence interval covers the generator's
coefficient restated on the engine's score scale. Over many replications the share covered
should be close to 95%; a much lower share means the estimator (or its standard errors) is off
on data like these. Used by ``bench/bench_adl_coverage.py`` and a ``slow`` test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from analytics.engine.equalization.pipeline import run_equalization
from analytics.engine.equalization.synthetic import (
    SyntheticPanelParameters,
    generate_synthetic_panel,
)
from analytics.engine.errors import EngineInputError
from analytics.engine.paper import MODELS, SPECIFICATIONS, estimate_adl, recovery


@dataclass(frozen=True)
class CoverageResult:
    """``covered[(specification, model, term)]``: one bool per replication."""

    replications: int
    level: float
    covered: dict[tuple[str, str, str], list[bool]] = field(default_factory=dict)
    seconds: float = 0.0
    # Seeds whose panel the generator refused (a value left its range); not replications.
    skipped_seeds: tuple[int, ...] = ()

    def rate(self, specification: str | None = None, model: str | None = None) -> float:
        hits = [
            hit
            for (spec, mod, _), values in self.covered.items()
            if (specification is None or spec == specification) and (model is None or mod == model)
            for hit in values
        ]
        return float(np.mean(hits)) if hits else float("nan")

    def by_term(self) -> dict[tuple[str, str, str], float]:
        return {key: float(np.mean(values)) for key, values in self.covered.items()}


def adl_coverage(
    replications: int,
    *,
    first_seed: int = 1000,
    specifications: Sequence[str] = tuple(SPECIFICATIONS),
    level: float = 0.95,
    parameters: SyntheticPanelParameters | None = None,
    progress: Callable[[int], None] | None = None,
) -> CoverageResult:
    """Coverage of the ``level`` intervals over ``replications`` generated panels (seeds from
    ``first_seed`` on; a seed whose panel the generator refuses is skipped and listed)."""
    base = parameters or SyntheticPanelParameters()
    covered: dict[tuple[str, str, str], list[bool]] = {}
    skipped: list[int] = []
    start = time.perf_counter()
    seed = first_seed
    for r in range(replications):
        while True:
            try:
                generated = generate_synthetic_panel(replace(base, seed=seed))
                break
            except EngineInputError:
                skipped.append(seed)
                seed += 1
        seed += 1
        scores = run_equalization(generated.panel, synthetic=True).scores.frame
        truth = generated.score_scale_coefficients(scores)
        truths = {"model1": truth.level, "model2": truth.gap}
        for spec in specifications:
            for model, dependent in MODELS.items():
                fitted = estimate_adl(scores, dependent=dependent, specification=spec)
                for row in recovery(fitted, truths[model], level=level):
                    covered.setdefault((spec, model, row.name), []).append(row.covered)
        if progress is not None:
            progress(r + 1)
    return CoverageResult(replications, level, covered, time.perf_counter() - start, tuple(skipped))
