"""Statistical disclosure control, one rule for the whole site: a count of people or requests
below ``SUPPRESSION_THRESHOLD`` is never shown exactly to anyone but administrators (public
tables, community workers' views of analysis results, their downloads), so that small groups
cannot be singled out."""

from __future__ import annotations

SUPPRESSION_THRESHOLD = 5
# How a suppressed count is written in a table.
SUPPRESSED = f"<{SUPPRESSION_THRESHOLD}"


def is_small(count: float | None) -> bool:
    """A count too small to be shown exactly (``None``, unknown, is not)."""
    return count is not None and count < SUPPRESSION_THRESHOLD
