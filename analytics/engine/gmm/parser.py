"""Model strings for dynamic-panel GMM, in pydynpd's command syntax with xtabond2's semantics.

A model string has two or three parts separated by ``|``::

    dep L(1:2).dep x L1.x | gmm(dep, 2:4) iv(x L1.x) | collapse onestep

Part 1 lists the dependent variable and the regressors (``L1.x``, ``L.x``, ``L(0:2).x``,
wildcards such as ``yr*``). Part 2 lists the instruments: ``gmm(vars, a:b)`` (lags ``a`` to
``b`` of the levels for the transformed equation, ``b`` may be ``.`` for "all available"),
``iv(terms)``, ``endo(vars)`` (= ``gmm(vars, 2:.)``) and ``pred(vars)`` (= ``gmm(vars, 1:.)``),
each optionally followed by ``eq(level)``, ``eq(diff)`` or ``eq(both)``; ``gmm()`` also takes
``collapse``. Part 3 holds options. Unlike pydynpd, nothing is added to the instruments that
is not listed here.

Parse errors carry the reason and the 1-based character position of the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analytics.engine.errors import EngineInputError, InputProblem

EQUATIONS = ("both", "diff", "level")
OPTION_WORDS = (
    "nolevel",
    "onestep",
    "twostep",
    "iterated",
    "collapse",
    "fod",
    "timedumm",
    "small",
)
MAX_AR_ORDER = 10

_NAME = r"(?:[^\W\d]|[*?])[\w*?]*"
_TERM_PATTERNS = (
    (re.compile(rf"L\((\d+)\s*[:/]\s*(\d+)\)\.({_NAME})"), "range"),
    (re.compile(rf"L(\d*)\.({_NAME})"), "single"),
    (re.compile(rf"({_NAME})"), "plain"),
)


class ModelSyntaxError(EngineInputError):
    """A model string that cannot be parsed; ``position`` is the 0-based offset of the problem."""

    def __init__(self, reason: str, text: str, position: int) -> None:
        position = max(0, min(position, len(text)))
        message = (
            f"cannot parse the model string: {reason} at position {position + 1}\n"
            f"  {text}\n  {' ' * position}^"
        )
        super().__init__(
            message,
            [InputProblem(message=reason, column="model")],
            code="model_syntax",
            params={"position": position + 1},
        )
        self.reason = reason
        self.position = position


@dataclass(frozen=True)
class Term:
    """A variable (or wildcard pattern) at one lag, as written in the model string."""

    name: str
    lag: int
    position: int

    @property
    def has_wildcard(self) -> bool:
        return "*" in self.name or "?" in self.name


@dataclass(frozen=True)
class GmmSpec:
    """One ``gmm()`` group: GMM-style instruments from ``variables`` at lags ``min_lag``..``max_lag``."""

    variables: tuple[Term, ...]
    min_lag: int
    max_lag: int | None
    equation: str
    collapse: bool
    text: str
    position: int


@dataclass(frozen=True)
class IvSpec:
    """One ``iv()`` group: one instrument column per term."""

    terms: tuple[Term, ...]
    equation: str
    text: str
    position: int


@dataclass(frozen=True)
class ModelOptions:
    system: bool = True
    steps: str = "twostep"  # "onestep", "twostep" or "iterated"
    collapse: bool = False
    fod: bool = False
    timedumm: bool = False
    small: bool = False
    ar_order: int = 2


@dataclass(frozen=True)
class ModelSpec:
    text: str
    dependent: Term
    regressors: tuple[Term, ...]
    gmm: tuple[GmmSpec, ...] = ()
    iv: tuple[IvSpec, ...] = ()
    options: ModelOptions = field(default_factory=ModelOptions)


class _Scanner:
    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.pos = start
        self.end = end

    def skip_spaces(self) -> None:
        while self.pos < self.end and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        self.skip_spaces()
        return self.pos >= self.end

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.end else ""

    def error(self, reason: str, position: int | None = None) -> ModelSyntaxError:
        return ModelSyntaxError(reason, self.text, self.pos if position is None else position)

    def expect(self, char: str, what: str) -> None:
        self.skip_spaces()
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "the end of the part"
            raise self.error(f"expected '{char}' {what}, found {found}")
        self.pos += 1

    def match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        found = pattern.match(self.text, self.pos, self.end)
        if found:
            self.pos = found.end()
        return found

    def word(self) -> tuple[str, int]:
        self.skip_spaces()
        start = self.pos
        while self.pos < self.end and (self.text[self.pos].isalnum() or self.text[self.pos] == "_"):
            self.pos += 1
        return self.text[start : self.pos], start


def _split_parts(text: str) -> list[tuple[int, int]]:
    bounds, start, depth = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ModelSyntaxError("unmatched ')'", text, index)
        elif char == "|" and depth == 0:
            bounds.append((start, index))
            start = index + 1
    if depth > 0:
        raise ModelSyntaxError("unclosed '('", text, text.rfind("("))
    bounds.append((start, len(text)))
    return bounds


def _read_term(scanner: _Scanner) -> list[Term]:
    scanner.skip_spaces()
    start = scanner.pos
    for pattern, kind in _TERM_PATTERNS:
        found = scanner.match(pattern)
        if not found:
            continue
        following = scanner.peek()
        if following and not (following.isspace() or following in ",)"):
            raise scanner.error(f"unexpected character {following!r} in a variable term")
        if kind == "range":
            low, high = int(found.group(1)), int(found.group(2))
            if low > high:
                raise scanner.error(f"lag range L({low}:{high}) runs backwards", start)
            return [Term(found.group(3), lag, start) for lag in range(low, high + 1)]
        if kind == "single":
            return [Term(found.group(2), int(found.group(1) or 1), start)]
        return [Term(found.group(1), 0, start)]
    char = scanner.peek()
    raise scanner.error(f"expected a variable name, found {char!r}")


def _read_terms_until(scanner: _Scanner, stop: str) -> list[Term]:
    terms: list[Term] = []
    while True:
        scanner.skip_spaces()
        if scanner.pos >= scanner.end or scanner.peek() in stop:
            return terms
        terms.extend(_read_term(scanner))


def _read_suboptions(scanner: _Scanner, allow_collapse: bool) -> tuple[str, bool]:
    equation, collapse, seen_equation = "both", False, False
    while True:
        scanner.skip_spaces()
        if scanner.peek() == ",":
            scanner.pos += 1
            continue
        if scanner.peek() == ")" or scanner.pos >= scanner.end:
            return equation, collapse
        word, word_start = scanner.word()
        lowered = word.lower()
        if lowered == "collapse" and allow_collapse:
            collapse = True
        elif lowered in ("eq", "equation"):
            if seen_equation:
                raise scanner.error("eq() given twice", word_start)
            scanner.expect("(", "after eq")
            value, value_start = scanner.word()
            if value.lower() not in EQUATIONS:
                raise scanner.error(f"eq() takes level, diff or both, not {value!r}", value_start)
            scanner.expect(")", "to close eq(")
            equation, seen_equation = value.lower(), True
        else:
            allowed = "collapse or eq(level|diff|both)" if allow_collapse else "eq(level|diff|both)"
            found = repr(word) if word else repr(scanner.peek())
            raise scanner.error(f"unknown suboption {found}; expected {allowed}", word_start)


def _read_gmm(scanner: _Scanner, keyword: str, start: int) -> GmmSpec:
    scanner.expect("(", f"after {keyword}")
    variables = _read_terms_until(scanner, ",)")
    if not variables:
        raise scanner.error(f"{keyword}() lists no variable")
    for term in variables:
        if term.lag != 0:
            raise scanner.error(
                f"{keyword}() takes plain variable names; give the lags as 'a:b'", term.position
            )
    if keyword == "gmm":
        scanner.expect(",", "and a lag range 'a:b' after the gmm() variables")
        scanner.skip_spaces()
        lag_start = scanner.pos
        lags = scanner.match(re.compile(r"(\d+)\s*:\s*(\d+|\.)"))
        if not lags:
            raise scanner.error("expected a lag range such as 2:4 or 2:.", lag_start)
        min_lag = int(lags.group(1))
        max_lag = None if lags.group(2) == "." else int(lags.group(2))
        if max_lag is not None and max_lag < min_lag:
            raise scanner.error(
                f"the minimum lag {min_lag} is greater than the maximum lag {max_lag}", lag_start
            )
    else:
        min_lag, max_lag = (2 if keyword == "endo" else 1), None
    equation, collapse = _read_suboptions(scanner, allow_collapse=True)
    scanner.expect(")", f"to close {keyword}(")
    return GmmSpec(
        variables=tuple(variables),
        min_lag=min_lag,
        max_lag=max_lag,
        equation=equation,
        collapse=collapse,
        text=scanner.text[start : scanner.pos],
        position=start,
    )


def _read_iv(scanner: _Scanner, start: int) -> IvSpec:
    scanner.expect("(", "after iv")
    terms = _read_terms_until(scanner, ",)")
    if not terms:
        raise scanner.error("iv() lists no variable")
    equation, _ = _read_suboptions(scanner, allow_collapse=False)
    scanner.expect(")", "to close iv(")
    return IvSpec(
        terms=tuple(terms),
        equation=equation,
        text=scanner.text[start : scanner.pos],
        position=start,
    )


def _parse_instruments(text: str, start: int, end: int) -> tuple[list[GmmSpec], list[IvSpec]]:
    scanner = _Scanner(text, start, end)
    gmm: list[GmmSpec] = []
    iv: list[IvSpec] = []
    while not scanner.at_end():
        keyword, keyword_start = scanner.word()
        lowered = keyword.lower()
        if lowered in ("gmm", "endo", "pred"):
            gmm.append(_read_gmm(scanner, lowered, keyword_start))
        elif lowered == "iv":
            iv.append(_read_iv(scanner, keyword_start))
        elif keyword:
            raise scanner.error(
                f"unknown instrument statement {keyword!r}; expected gmm(), iv(), endo() or pred()",
                keyword_start,
            )
        else:
            raise scanner.error(f"unexpected character {scanner.peek()!r} in the instrument part")
    return gmm, iv


def _parse_options(text: str, start: int, end: int) -> ModelOptions:
    scanner = _Scanner(text, start, end)
    values: dict[str, object] = {}
    steps_word: tuple[str, int] | None = None
    while not scanner.at_end():
        word, word_start = scanner.word()
        lowered = word.lower()
        if not word:
            raise scanner.error(f"unexpected character {scanner.peek()!r} in the options")
        if lowered == "artests":
            scanner.expect("(", "after artests")
            number = scanner.match(re.compile(r"\s*(\d+)\s*"))
            if not number or not 1 <= int(number.group(1)) <= MAX_AR_ORDER:
                raise scanner.error(f"artests() takes a whole number from 1 to {MAX_AR_ORDER}")
            scanner.expect(")", "to close artests(")
            values["ar_order"] = int(number.group(1))
            continue
        if lowered not in OPTION_WORDS:
            raise scanner.error(
                f"unknown option {word!r}; allowed: {', '.join(OPTION_WORDS)}, artests(k)",
                word_start,
            )
        if lowered in ("onestep", "twostep", "iterated"):
            if steps_word is not None and steps_word[0] != lowered:
                raise scanner.error(
                    f"'{lowered}' contradicts '{steps_word[0]}' (choose one of onestep, "
                    "twostep, iterated)",
                    word_start,
                )
            steps_word = (lowered, word_start)
            values["steps"] = lowered
        elif lowered == "nolevel":
            values["system"] = False
        else:
            values[lowered] = True
    return ModelOptions(**values)  # type: ignore[arg-type]


def parse_model(text: str) -> ModelSpec:
    """Parse a model string; raise :class:`ModelSyntaxError` (an ``EngineInputError``) if invalid."""
    if not isinstance(text, str) or not text.strip():
        raise ModelSyntaxError(
            "the model string is empty", text if isinstance(text, str) else "", 0
        )
    parts = _split_parts(text)
    if len(parts) < 2:
        raise ModelSyntaxError(
            "a model needs at least two parts separated by '|' (variables | instruments)",
            text,
            len(text),
        )
    if len(parts) > 3:
        raise ModelSyntaxError(
            "too many '|' separators (at most three parts)", text, parts[3][0] - 1
        )

    scanner = _Scanner(text, *parts[0])
    terms = _read_terms_until(scanner, "")
    if not scanner.at_end():
        raise scanner.error(f"unexpected character {scanner.peek()!r}")
    if not terms:
        raise ModelSyntaxError("no dependent variable before the first '|'", text, parts[0][0])
    dependent, regressors = terms[0], tuple(terms[1:])
    if dependent.lag != 0 or dependent.has_wildcard:
        raise ModelSyntaxError(
            "the dependent variable must be a plain, unlagged variable name",
            text,
            dependent.position,
        )
    if not regressors:
        raise ModelSyntaxError("the model has no regressors", text, parts[0][1])

    gmm, iv = _parse_instruments(text, *parts[1])
    options = _parse_options(text, *parts[2]) if len(parts) == 3 else ModelOptions()
    return ModelSpec(
        text=text,
        dependent=dependent,
        regressors=regressors,
        gmm=tuple(gmm),
        iv=tuple(iv),
        options=options,
    )
