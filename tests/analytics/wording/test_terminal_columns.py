"""Text laid out in a terminal's columns (the commands' tables): a Chinese character is two."""

from __future__ import annotations

import pytest

from analytics import wording


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0),
        ("s-growth", 8),
        ("梯度提升", 8),
        ("Theta 方法", 10),
        ("区间覆盖率：", 12),  # a full-width colon is two columns too
        ("e\u0301", 1),  # a combining accent takes none
    ],
)
def test_the_display_width_counts_wide_characters_twice(text, width):
    assert wording.display_width(text) == width


def test_padded_text_fills_terminal_columns_not_characters():
    assert wording.padded("总体", 6) == "总体  "
    assert wording.padded("0.178", 9, right=True) == "    0.178"
    assert wording.padded("朴素预测", 9, right=True) == " 朴素预测"
    # Too wide already: left as it is.
    assert wording.padded("季节朴素预测", 5) == "季节朴素预测"
