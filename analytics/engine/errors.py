"""Errors raised by the analytics engine for input it cannot use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with an input table. ``row`` counts data rows from 1 (the first row
    after a CSV header is row 1); ``row`` and ``column`` are None when the problem is not tied
    to one row or one column. ``message`` is the English wording; ``code`` and ``params`` (the
    values and bounds it quotes) are what ``analytics.wording`` words in the reader's
    language."""

    message: str
    row: int | None = None
    column: str | None = None
    code: str = "invalid"
    params: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class EngineInputError(ValueError):
    """Input the engine cannot work with; the message names what is wrong and where.

    ``problems`` lists each problem found (possibly empty when the message says it all), so a
    caller can show them as a table or map them to form fields. An error a person can meet
    through the app also carries a ``code`` and its numbers and identifiers (``params``): the
    message is the English wording for logs and commands, and ``analytics.wording`` words the
    code for pages in the reader's language.
    """

    def __init__(
        self,
        message: str,
        problems: Iterable[InputProblem] = (),
        *,
        code: str = "",
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.problems: tuple[InputProblem, ...] = tuple(problems)
        self.code = code
        self.params: dict[str, object] = dict(params or {})

    @property
    def parts(self) -> list[dict[str, object]]:
        """The error as language-neutral parts (empty for an error without a code)."""
        return [{"code": self.code, **self.params}] if self.code else []


class EngineContractError(AssertionError):
    """A caller broke the engine's contract: a parameter outside the range its parameter set
    already checks (``analytics.kinds.<kind>.params``), a frame the runner built without a
    column it always writes, an internal invariant. A programming error: it never reaches a
    person as text (a run that meets one fails with the executor's internal-error phrase and
    is logged), so its English message is for developers only and has no code.

    An ``AssertionError`` on purpose: callers must not catch it as bad input."""
