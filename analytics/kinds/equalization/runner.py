"""The equalization runner: load the panel (the newest imported dataset, else the labelled
SYNTHETIC panel), run the paper's method, estimate its dynamic panel models, and write the
city-year scores as rows when the run finishes.

The numerical work is in ``analytics.engine.equalization`` and ``analytics.engine.gmm``.
"""

from __future__ import annotations

import pandas as pd

from analytics.engine.equalization.pipeline import run_equalization
from analytics.engine.equalization.schema import CITY_COLUMN, YEAR_COLUMN
from analytics.engine.equalization.synthetic import generate_synthetic_panel
from analytics.kinds.base import Outcome, Progress
from analytics.kinds.equalization.result import EqualizationResult
from analytics.kinds.schema import record
from analytics.kinds.upgrades import from_engine
from analytics.models import AnalysisRun, CityYearScore, PanelDataset
from analytics.wording import SYNTHETIC_SOURCE
from geography import load_prefecture_cities
from residents.models import City


def load_panel() -> tuple[pd.DataFrame, bool, str, PanelDataset | None]:
    """The panel to analyse: (frame, synthetic?, source text, dataset or None)."""
    dataset = PanelDataset.objects.order_by("-imported_at", "-id").first()
    if dataset is None:
        return generate_synthetic_panel().panel, True, SYNTHETIC_SOURCE, None
    rows = dataset.rows.select_related("city").values_list("city__adcode", "year", "values")
    frame = pd.DataFrame(
        [{CITY_COLUMN: code, YEAR_COLUMN: year, **values} for code, year, values in rows]
    )
    return frame, dataset.synthetic, dataset.source or dataset.name, dataset


def _pooled_adl_estimator(scores: pd.DataFrame):
    """The pooled ADL(1,1) of pubindicator by system GMM, for the effect lag."""
    from analytics.engine.paper import adl_for_equity, estimate_adl

    return adl_for_equity(estimate_adl(scores, dependent="pubindicator"))


def equalization_run(run: AnalysisRun, progress: Progress) -> Outcome:
    progress(2, "loading the panel")
    panel, synthetic, source, dataset = load_panel()
    cities = load_prefecture_cities()
    result = run_equalization(
        panel,
        cities=cities,
        synthetic=synthetic,
        data_source=source,
        dynamic_estimator=_pooled_adl_estimator,
        progress=lambda percent, message: progress(int(percent * 0.6), message),
    )
    progress(62, "system GMM by region (Table 2)")
    from analytics.engine.paper import paper_table2

    table2 = paper_table2(
        result.scores.frame,
        progress=lambda percent, message: progress(62 + int(percent * 0.35), message),
    )
    scores = result.scores.frame
    typed = record(
        EqualizationResult,
        from_engine(
            "equalization",
            {
                **result.to_dict(include_scores=False),
                "table2": table2,
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
