from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ABDATA = Path(__file__).resolve().parents[3] / "fixtures" / "abdata" / "abdata.csv"


@pytest.fixture(scope="session")
def abdata_raw() -> pd.DataFrame:
    """The fixture exactly as shipped (values printed with 8 significant digits)."""
    return pd.read_csv(ABDATA)


@pytest.fixture(scope="session")
def abdata(abdata_raw) -> pd.DataFrame:
    """Stata's abdata: n, w, k and ys are stored as 4-byte floats there, and the nearest float32
    to each printed value is exactly Stata's value (see tests/fixtures/abdata/README.md)."""
    frame = abdata_raw.copy()
    for column in ("n", "w", "k", "ys"):
        frame[column] = frame[column].astype(np.float32).astype(np.float64)
    return frame
