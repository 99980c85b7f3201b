"""The equalization page's validation table names each of the generator's coefficients as
Table 2 names its row, in the reader's language, never by its variable's code (``L1.rgdp``)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from analytics.engine.paper import term_label
from analytics.kinds.equalization.report import _recovery_rows
from analytics.kinds.equalization.result import Recovered, Table2Column

NAMES = ("L1.pubindicator", "diggovment", "L1.diggovment", "strindu", "L1.strindu", "rgdp")


def test_a_term_is_labelled_as_its_table_2_row():
    assert term_label("L1.rgdp", dependent="E") == "GDP per capita*"
    assert term_label("L1.E", dependent="E") == "Urban-rural differentiation*"
    assert term_label("L1.pubindicator", dependent="pubindicator") == "Public service score*"
    assert term_label("unknown", dependent="E") == "unknown"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_validation_rows_read_labels_not_codes(language):
    column = Table2Column(recovery=[Recovered(name=name, true=0.5) for name in NAMES])
    with translation.override(language):
        terms = [row["term"] for row in _recovery_rows(column, dependent="pubindicator")]
    assert [t for t in terms if re.search(r"L1\.|pubindicator|diggovment|strindu|rgdp", t)] == []
    if language == "zh-hans":
        assert all(re.search(r"[\u4e00-\u9fff]", t) for t in terms), terms
