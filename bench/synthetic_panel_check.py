"""Design check of the SYNTHETIC city panel: over many seeds, does a reference system-GMM
estimator recover the generator's coefficients from the engine's scores, and how long do the
generator and the engine take?

    python bench/synthetic_panel_check.py [--seeds 20] [--first-seed 1]

For each seed: generate the panel, run the engine (validation, interpolation, PCA scores,
inequality, equity weights), restate the true ADL coefficients on the engine's score scale,
fit both models by two-step system GMM with pydynpd (``gmm(y, 2:4)``, the regressors as IV
instruments, year dummies, collapsed instruments) and record z = (estimate - truth) / SE.
Prints, per coefficient, the mean and sd of z and the share of seeds with |z| < 2 (about 0.95
for an unbiased estimator with correct standard errors), the seeds where all fourteen
coefficients are within two SEs, and the median timings. Not a test: figures go into
``docs/synthetic-panel.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.engine.equalization import (
    SyntheticPanelParameters,
    generate_synthetic_panel,
    run_equalization,
)

REGRESSORS = "diggovment L1.diggovment strindu L1.strindu rgdp L1.rgdp"


def system_gmm(frame, dependent):
    from pydynpd import regression

    command = (
        f"{dependent} L1.{dependent} {REGRESSORS} | gmm({dependent}, 2:4) iv({REGRESSORS}) "
        "| timedumm collapse"
    )
    data = frame[["city_code", "year", dependent, "diggovment", "strindu", "rgdp"]].copy()
    data["city"] = data["city_code"].astype(int)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        fit = regression.abond(command, data.drop(columns="city_code"), ["city", "year"])
    return fit.models[0].regression_table.set_index("variable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    args = parser.parse_args()

    z: dict[tuple[str, str], list[float]] = {}
    all_within: list[int] = []
    timings: dict[str, list[float]] = {"generate": [], "engine": [], "gmm (2 models)": []}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        start = time.perf_counter()
        synthetic = generate_synthetic_panel(SyntheticPanelParameters(seed=seed))
        timings["generate"].append(time.perf_counter() - start)
        start = time.perf_counter()
        result = run_equalization(synthetic.panel, synthetic=True)
        timings["engine"].append(time.perf_counter() - start)
        truth = synthetic.score_scale_coefficients(result.scores.frame)
        start = time.perf_counter()
        within = True
        for dependent, coefficients in (("pubindicator", truth.level), ("E", truth.gap)):
            table = system_gmm(result.scores.frame, dependent)
            for name, value in coefficients.items():
                score = (table.at[name, "coefficient"] - value) / table.at[name, "std_err"]
                z.setdefault((dependent, name), []).append(float(score))
                within &= abs(score) < 2
        timings["gmm (2 models)"].append(time.perf_counter() - start)
        if within:
            all_within.append(seed)

    print(f"SYNTHETIC panel, {args.seeds} seeds from {args.first_seed}")
    print(f"{'model':13s} {'coefficient':16s} {'mean z':>7s} {'sd z':>6s} {'|z|<2':>6s}")
    for (dependent, name), values in z.items():
        share = float(np.mean(np.abs(values) < 2))
        print(
            f"{dependent:13s} {name:16s} {np.mean(values):7.2f} {np.std(values):6.2f} {share:6.2f}"
        )
    print(f"seeds with all 14 coefficients within 2 SE: {all_within}")
    for name, values in timings.items():
        print(f"median time {name}: {statistics.median(values):.3f} s")


if __name__ == "__main__":
    main()
