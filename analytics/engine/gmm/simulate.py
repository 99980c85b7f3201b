"""Synthetic ADL(1,1) panels with known parameters, for the Monte Carlo test and the benchmark.

Every frame made here is synthetic: its ``attrs["synthetic"]`` is True and its unit ids start
with ``"synthetic-"``.

    x_it = rho x_i,t-1 + e_it
    y_it = alpha y_i,t-1 + beta0 x_it + beta1 x_i,t-1 + mu_i + v_it

with mu, e, v independent standard normal (v scaled by ``sigma``). The process runs for
``burn_in`` periods before the kept ones, so the kept data are close to mean-stationary and the
system GMM level moments hold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_adl_panel(
    n_units: int,
    n_periods: int,
    *,
    alpha: float = 0.5,
    beta0: float = 1.0,
    beta1: float = 0.5,
    rho: float = 0.5,
    sigma: float = 1.0,
    burn_in: int = 50,
    first_year: int = 2000,
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """A synthetic balanced panel with columns ``unit``, ``year``, ``y``, ``x``."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    total = burn_in + n_periods
    mu = rng.standard_normal(n_units)
    e = rng.standard_normal((n_units, total))
    v = sigma * rng.standard_normal((n_units, total))
    x = np.zeros((n_units, total))
    y = np.zeros((n_units, total))
    x[:, 0] = e[:, 0] / np.sqrt(1 - rho**2)
    y[:, 0] = mu / (1 - alpha) + v[:, 0]
    for t in range(1, total):  # a loop over periods; units are vectorised
        x[:, t] = rho * x[:, t - 1] + e[:, t]
        y[:, t] = alpha * y[:, t - 1] + beta0 * x[:, t] + beta1 * x[:, t - 1] + mu + v[:, t]
    width = len(str(n_units))
    frame = pd.DataFrame(
        {
            "unit": np.repeat([f"synthetic-{i:0{width}d}" for i in range(n_units)], n_periods),
            "year": np.tile(np.arange(first_year, first_year + n_periods), n_units),
            "y": y[:, burn_in:].reshape(-1),
            "x": x[:, burn_in:].reshape(-1),
        }
    )
    frame.attrs["synthetic"] = True
    return frame
