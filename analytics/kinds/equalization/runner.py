"""The equalization runner: load the panel (the newest imported dataset, else the labelled
SYNTHETIC panel), run the paper's method, estimate its dynamic panel models, and write the
city-year scores as rows when the run finishes.

The numerical work is in ``analytics.engine.equalization`` and ``analytics.engine.gmm``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.engine.equalization.pipeline import run_equalization
from analytics.engine.equalization.schema import CITY_COLUMN, YEAR_COLUMN
from analytics.engine.equalization.synthetic import SyntheticPanel, generate_synthetic_panel
from analytics.kinds.base import Outcome, Progress
from analytics.kinds.equalization.result import EqualizationResult
from analytics.kinds.schema import record
from analytics.kinds.upgrades import from_engine
from analytics.models import AnalysisRun, CityYearScore, PanelDataset
from analytics.wording import SYNTHETIC_SOURCE
from geography import load_prefecture_cities
from residents.models import City


@dataclass(frozen=True)
class LoadedPanel:
    """The panel to analyse. ``generated``: the SYNTHETIC panel's generator output (its true
    coefficients validate the estimates), None for an imported dataset."""

    frame: pd.DataFrame
    synthetic: bool
    source: str
    dataset: PanelDataset | None
    generated: SyntheticPanel | None = None


def load_panel() -> LoadedPanel:
    """The newest imported dataset, else the SYNTHETIC panel."""
    dataset = PanelDataset.objects.order_by("-imported_at", "-id").first()
    if dataset is None:
        generated = generate_synthetic_panel()
        return LoadedPanel(generated.panel, True, SYNTHETIC_SOURCE, None, generated)
    rows = dataset.rows.select_related("city").values_list("city__adcode", "year", "values")
    frame = pd.DataFrame(
        [{CITY_COLUMN: code, YEAR_COLUMN: year, **values} for code, year, values in rows]
    )
    return LoadedPanel(frame, dataset.synthetic, dataset.source or dataset.name, dataset)


def _pooled_adl_estimator(scores: pd.DataFrame, dependent: str):
    """The pooled ADL(1,1) of a score by system GMM (Table 2's default specification), from
    which the equity weights and the effect lag are derived."""
    from analytics.engine.paper import adl_for_equity, estimate_adl

    return adl_for_equity(estimate_adl(scores, dependent=dependent))


def equalization_run(run: AnalysisRun, progress: Progress) -> Outcome:
    progress(2, "loading the panel")
    loaded = load_panel()
    dataset = loaded.dataset
    cities = load_prefecture_cities()
    result = run_equalization(
        loaded.frame,
        cities=cities,
        synthetic=loaded.synthetic,
        data_source=loaded.source,
        adl_estimator=_pooled_adl_estimator,
        progress=lambda percent, message: progress(int(percent * 0.6), message),
    )
    from analytics.engine.paper import PAPER, paper_table2

    truth = None
    if loaded.generated is not None:
        coefficients = loaded.generated.score_scale_coefficients(result.scores.frame)
        truth = {"model1": coefficients.level, "model2": coefficients.gap}
    progress(62, "system GMM by region (Table 2)")
    table2 = paper_table2(
        result.scores.frame,
        truth=truth,
        progress=lambda percent, message: progress(62 + int(percent * 0.2), message),
    )
    progress(82, "system GMM by region, the paper's exogenous specification")
    table2_paper = paper_table2(
        result.scores.frame,
        specification=PAPER,
        truth=truth,
        progress=lambda percent, message: progress(82 + int(percent * 0.15), message),
    )
    for table in (*table2.values(), *table2_paper.values()):
        table["synthetic"] = loaded.synthetic
    scores = result.scores.frame
    typed = record(
        EqualizationResult,
        from_engine(
            "equalization",
            {
                **result.to_dict(include_scores=False),
                # Table 2 under the default specification (regressors potentially endogenous)
                # and, by name, under the paper's (regressors strictly exogenous).
                "table2": table2,
                "table2_paper": table2_paper,
                "dataset": dataset.pk if dataset else None,
                "data_fingerprint": result.fingerprint,
                "n_city_years": len(scores),
            },
        ),
    )
    city_ids = dict(City.objects.values_list("adcode", "id"))

    def write(stored_run: AnalysisRun) -> None:
        CityYearScore.objects.bulk_create(
            [
                CityYearScore(
                    run=stored_run,
                    city_id=city_ids[str(row.city_code)],
                    year=int(row.year),
                    development=float(row.pubindicator),
                    differentiation=float(row.E),
                    digital_government=float(row.diggovment),
                )
                for row in scores.itertuples(index=False)
                if str(row.city_code) in city_ids
            ],
            batch_size=5000,
        )

    return Outcome(typed, write)
