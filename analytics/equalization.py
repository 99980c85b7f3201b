"""The city-level equalization analysis inside the app: load the panel (the newest imported
dataset, else the labelled SYNTHETIC panel), run the paper's method, estimate its dynamic
panel models, and store scores, tables and equity weights.

The numerical work is in ``analytics.engine.equalization`` and ``analytics.engine.gmm``.
"""

from __future__ import annotations

from django.db import transaction

from analytics.engine.equalization.schema import (
    CITY_COLUMN,
    YEAR_COLUMN,
    panel_fingerprint,
    read_panel_csv,
    validate_panel,
)
from analytics.engine.errors import EngineInputError
from analytics.models import PanelDataset, PanelRow
from geography import load_prefecture_cities
from residents.models import City


@transaction.atomic
def panel_import(*, source_file, name: str, source: str = "", user=None) -> PanelDataset:
    """Validate a yearbook panel CSV and store it, all or nothing.

    Raises :class:`EngineInputError` (with ``problems`` naming row and column) before writing
    anything when the file has missing columns, duplicate city-years, non-numeric values,
    unknown city codes or years out of range.
    """
    frame = read_panel_csv(source_file)
    cities = load_prefecture_cities()
    validated = validate_panel(frame, city_codes=cities["adcode"])
    clean = validated.frame
    city_ids = dict(City.objects.values_list("adcode", "id"))
    missing = sorted(set(clean[CITY_COLUMN].astype(str)) - set(city_ids))
    if missing:
        raise EngineInputError(
            f"city codes not loaded in this installation: {', '.join(missing[:10])}"
        )
    dataset = PanelDataset.objects.create(
        name=name,
        source=source,
        fingerprint=panel_fingerprint(clean),
        synthetic=False,
        imported_by=user,
    )
    value_columns = [c for c in clean.columns if c not in (CITY_COLUMN, YEAR_COLUMN)]
    rows = []
    for record in clean.to_dict(orient="records"):
        values = {}
        for column in value_columns:
            value = record[column]
            if hasattr(value, "item"):
                value = value.item()
            values[column] = None if isinstance(value, float) and value != value else value
        rows.append(
            PanelRow(
                dataset=dataset,
                city_id=city_ids[str(record[CITY_COLUMN])],
                year=int(record[YEAR_COLUMN]),
                values=values,
            )
        )
    PanelRow.objects.bulk_create(rows, batch_size=5000)
    return dataset
