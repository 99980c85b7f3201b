"""Dynamic-panel GMM: our engine against pydynpd 0.2.2 on the same synthetic panels, in one run.

Two-step system GMM, ``y L1.y x L1.x | gmm(y, 2:.) iv(x L1.x)`` (uncollapsed), on synthetic
balanced ADL(1,1) panels (``analytics.engine.gmm.simulate``). Each engine runs in its own fresh
subprocess per panel size, which builds the same panel from the same seed, times the
estimation (best of ``--repeat`` runs after one untimed warm-up run) and reports its peak resident memory
(``getrusage(RUSAGE_SELF).ru_maxrss``, which includes the Python interpreter and the panel
itself: the ``base`` column is the peak before estimating). The parent prints wall time, peak
memory, the speed ratio and the largest coefficient and standard-error differences.

    python bench/bench_gmm.py [--repeat 3] [--threads 1] [--skip-pydynpd]

``--threads`` sets OPENBLAS_NUM_THREADS/OMP_NUM_THREADS in both engines' subprocesses (the
default 1 keeps the comparison stable on a shared machine). Not a test: figures go into
bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODEL = "y L1.y x L1.x | gmm(y, 2:.) iv(x L1.x)"
SIZES = [  # (units, periods, run pydynpd too)
    (286, 10, True),
    (2_860, 10, True),
    (28_600, 10, True),
    (286, 20, True),
    (28_600, 20, False),  # our memory target; pydynpd needs several GB and minutes here
]
SEED = 20240601


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def child(engine: str, n_units: int, n_periods: int, repeat: int) -> dict:
    import numpy as np  # noqa: F401  (imported before measuring the baseline)

    from analytics.engine.gmm import estimate
    from analytics.engine.gmm.simulate import simulate_adl_panel

    frame = simulate_adl_panel(n_units, n_periods, seed=SEED)
    if engine == "pydynpd":
        import warnings

        with warnings.catch_warnings():
            from pydynpd import regression
        data = frame.copy()
        data["unit"] = data["unit"].str.slice(10).astype(int)  # pydynpd wants sortable ids
        data = data.sort_values(["unit", "year"]).reset_index(drop=True)
    base = _peak_mb()
    best = float("inf")
    # one untimed warm-up run per engine when the panel is small (first calls pay for lazy
    # imports and allocator warm-up); large panels are timed on their first and only run
    for attempt in range(repeat + (1 if repeat > 1 else 0)):
        start = time.perf_counter()
        if engine == "ours":
            result = estimate(frame, MODEL, "unit", "year")
            coefs = result.params
            ses = result.std_errors
            n_instruments = result.n_instruments
        else:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitted = regression.abond(MODEL, data.copy(), ["unit", "year"])
            table = fitted.models[0].regression_table
            names = [("_cons" if v == "_con" else v) for v in table["variable"]]
            coefs = dict(zip(names, map(float, table["coefficient"]), strict=True))
            ses = dict(zip(names, map(float, table["std_err"]), strict=True))
            n_instruments = int(fitted.models[0].z_information.num_instr)
        if attempt or repeat == 1:
            best = min(best, time.perf_counter() - start)
    return {
        "seconds": best,
        "peak_mb": _peak_mb(),
        "base_mb": base,
        "coefs": coefs,
        "ses": ses,
        "n_instruments": n_instruments,
    }


def run_child(engine: str, n_units: int, n_periods: int, repeat: int, threads: int) -> dict:
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        engine,
        str(n_units),
        str(n_periods),
        str(repeat),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-pydynpd", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "N", "T", "REPEAT"))
    args = parser.parse_args()
    if args.child:
        engine, n_units, n_periods, repeat = args.child
        print(json.dumps(child(engine, int(n_units), int(n_periods), int(repeat))))
        return

    print(f"model: {MODEL}  (two-step system GMM, Windmeijer SEs; synthetic panels, seed {SEED})")
    print(f"BLAS threads per process: {args.threads}; best of {args.repeat} runs (1 for N*T > 1e5)")
    header = (
        f"{'N':>7} {'T':>3} {'instr':>6} | {'ours s':>8} {'peak MB':>8} {'base MB':>8} | "
        f"{'pydynpd s':>9} {'peak MB':>8} | {'speed-up':>8} | {'max|dcoef|':>10} {'max|dse|':>9}"
    )
    print(header)
    print("-" * len(header))
    for n_units, n_periods, with_pydynpd in SIZES:
        repeat = args.repeat if n_units * n_periods <= 100_000 else 1
        ours = run_child("ours", n_units, n_periods, repeat, args.threads)
        theirs = None
        if with_pydynpd and not args.skip_pydynpd:
            theirs = run_child("pydynpd", n_units, n_periods, repeat, args.threads)
        if "error" in ours:
            print(f"{n_units:>7} {n_periods:>3}  ours failed: {ours['error']}")
            continue
        line = (
            f"{n_units:>7} {n_periods:>3} {ours['n_instruments']:>6} | {ours['seconds']:>8.3f} "
            f"{ours['peak_mb']:>8.0f} {ours['base_mb']:>8.0f} | "
        )
        if theirs is None:
            line += f"{'n/a':>9} {'n/a':>8} | {'n/a':>8} | {'n/a':>10} {'n/a':>9}"
        elif "error" in theirs:
            line += f"pydynpd failed: {theirs['error']}"
        else:
            dcoef = max(abs(ours["coefs"][k] - theirs["coefs"][k]) for k in ours["coefs"])
            dse = max(abs(ours["ses"][k] - theirs["ses"][k]) for k in ours["ses"])
            line += (
                f"{theirs['seconds']:>9.3f} {theirs['peak_mb']:>8.0f} | "
                f"{theirs['seconds'] / ours['seconds']:>7.1f}x | {dcoef:>10.1e} {dse:>9.1e}"
            )
        print(line, flush=True)


if __name__ == "__main__":
    main()
