"""How a SYNTHETIC city panel names its cities: never by a real city's name.

A generated panel keeps the real list's codes and regions (codes join it to the installation's
communities; regions group cities as the paper does), but its numbers describe no real place,
so a real name beside them would read as a fact about that place. Every output computed from
such a panel names a city by its synthetic label instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The name a city of a SYNTHETIC panel goes by wherever it is shown (number: its position in the
# city list sorted by code, 1-based; region: its region).
SYNTHETIC_CITY_LABEL = "Synthetic city {number:03d} · {region}"


def synthetic_city_labels(cities: pd.DataFrame) -> pd.DataFrame:
    """The city list (adcode, name, region, ...) as a SYNTHETIC panel names it: sorted by code,
    ``synthetic_number`` 1..n, ``name`` the synthetic label, and no column that names a real
    place (``province`` is dropped). Codes and regions are kept: they join the panel to the
    installation's communities and group cities as the paper does."""
    labelled = cities.sort_values("adcode").reset_index(drop=True)
    labelled = labelled[[c for c in ("adcode", "region") if c in labelled.columns]].copy()
    labelled["adcode"] = labelled["adcode"].astype(str)
    labelled["synthetic_number"] = np.arange(1, len(labelled) + 1)
    labelled["name"] = [
        SYNTHETIC_CITY_LABEL.format(number=number, region=region)
        for number, region in zip(labelled["synthetic_number"], labelled["region"], strict=True)
    ]
    return labelled
