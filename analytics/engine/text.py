"""Text in a terminal's columns: the engine's plain-text tables line up in any language."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """How many columns ``text`` takes in a terminal: a wide or full-width character (Chinese,
    full-width punctuation) two, a combining mark none, any other one."""
    return sum(
        0
        if unicodedata.combining(char)
        else 2
        if unicodedata.east_asian_width(char) in ("W", "F")
        else 1
        for char in text
    )


def padded(text: str, width: int, *, right: bool = False) -> str:
    """``text`` filled with spaces to ``width`` terminal columns, on the left when ``right``
    (figures); a text as wide or wider is left as it is."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill
