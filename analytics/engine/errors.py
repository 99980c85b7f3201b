"""Errors raised by the analytics engine for input it cannot use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with an input table. ``row`` counts data rows from 1 (the first row
    after a CSV header is row 1); ``row`` and ``column`` are None when the problem is not tied
    to one row or one column."""

    message: str
    row: int | None = None
    column: str | None = None
    code: str = "invalid"

    def to_dict(self) -> dict:
        return asdict(self)


class EngineInputError(ValueError):
    """Input the engine cannot work with; the message names what is wrong and where.

    ``problems`` lists each problem found (possibly empty when the message says it all), so a
    caller can show them as a table or map them to form fields.
    """

    def __init__(self, message: str, problems: Iterable[InputProblem] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[InputProblem, ...] = tuple(problems)
