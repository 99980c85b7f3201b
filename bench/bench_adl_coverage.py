"""Monte Carlo coverage of the 95% intervals of the ADL coefficients recovered from the
SYNTHETIC city panel (``analytics.engine.equalization.validation``): each replication generates
the panel with a new seed, runs the city-level method and fits the pooled ADL(1,1) of both
models under both Table 2 specifications.

    python bench/bench_adl_coverage.py [--replications 200] [--first-seed 1000]

Not a test (the ``slow`` test runs a smaller version): figures go into
docs/synthetic-panel.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=1000)
    args = parser.parse_args()
    from analytics.engine.equalization.validation import adl_coverage

    result = adl_coverage(
        args.replications,
        first_seed=args.first_seed,
        progress=lambda done: print(f"\r{done}/{args.replications}", end="", file=sys.stderr),
    )
    print(file=sys.stderr)
    print(f"{result.replications} replications, {result.seconds:.1f} s")
    if result.skipped_seeds:
        skipped = ", ".join(map(str, result.skipped_seeds))
        print(f"seeds refused by the generator (skipped): {skipped}")
    print(f"{'specification':<12} {'model':<7} {'term':<18} coverage of 95% intervals")
    for (spec, model, term), rate in result.by_term().items():
        print(f"{spec:<12} {model:<7} {term:<18} {rate:.3f}")
    for spec in sorted({key[0] for key in result.covered}):
        for model in ("model1", "model2"):
            print(f"{spec:<12} {model:<7} {'all terms':<18} {result.rate(spec, model):.3f}")


if __name__ == "__main__":
    main()
