"""Typed, versioned run results: dataclasses read from and written to the JSON stored in
``AnalysisRun.result``.

A result class declares every key it stores, with a type; ``from_json`` refuses a key it does
not know (a new key is a new field, so nothing reaches the API unnamed) and fills a missing one
with its default (older runs lack newer parts). ``schema_version`` says which shape a stored
result has; ``analytics.kinds.upgrades`` brings older shapes to the current one (the data
migration does so once for stored runs; ``load`` does it in memory for anything older).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Self


class SchemaError(ValueError):
    """A stored result that does not fit its kind's schema (the message names the key)."""


def to_json(value: Any) -> Any:
    """Plain JSON values: dataclasses become dicts (through their own ``to_json`` when they
    have one), numpy scalars become numbers, NaN and infinities become ``None``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_json"):
            return value.to_json()
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _from(tp: Any, data: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if tp is Any or tp is object:
        return data
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return _from(options[0], data, where) if len(options) == 1 else data
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, Mapping):
            raise SchemaError(f"{where}: expected an object, got {type(data).__name__}")
        return record(tp, data, where=where)
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        if not isinstance(data, list):
            raise SchemaError(f"{where}: expected a list, got {type(data).__name__}")
        return [_from(item, v, f"{where}[{i}]") for i, v in enumerate(data)]
    if origin is dict:
        _key, item = typing.get_args(tp) or (str, Any)
        if not isinstance(data, Mapping):
            raise SchemaError(f"{where}: expected an object, got {type(data).__name__}")
        return {str(k): _from(item, v, f"{where}.{k}") for k, v in data.items()}
    if tp is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    return data


@functools.cache
def _fields(cls: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A record class's field types and the names its constructor takes. Resolved once per
    class: ``typing.get_type_hints`` evaluates every string annotation again on each call,
    which was most of a result page's CPU time (a stored result holds thousands of records)."""
    hints = typing.get_type_hints(cls)
    return hints, frozenset(f.name for f in dataclasses.fields(cls) if f.init)


def _record(cls: type, data: Mapping, where: str) -> Any:
    hints, names = _fields(cls)
    unknown = sorted(set(data) - names)
    if unknown:
        raise SchemaError(f"{where}: unknown key(s) {', '.join(unknown)}")
    return cls(**{k: _from(hints[k], v, f"{where}.{k}") for k, v in data.items()})


def record(cls: type, data: Mapping, *, where: str = "result") -> Any:
    """``cls`` (a dataclass) from its JSON object, strictly (see the module's docstring), read
    as a part nested in a result is read: through the class's own ``from_json`` when it has
    one (a rule of how it is stored, such as a portraits result's ``{}`` for "no previous
    run"; for a whole result its ``from_fields``, without the stored schema version's check),
    else key by key."""
    if isinstance(cls, type) and issubclass(cls, Result):
        return cls.from_fields(data, where=where)
    if hasattr(cls, "from_json"):
        return cls.from_json(data, where=where)
    return _record(cls, data, where)


def record_fields(cls: type, data: Mapping, *, where: str = "result") -> Any:
    """``cls`` from its JSON object key by key, strictly: for a class's own ``from_json``,
    once it has turned its stored keys into its fields."""
    return _record(cls, data, where)


@dataclasses.dataclass(kw_only=True)
class Result:
    """Base of the typed result of each run kind. Subclasses set ``SCHEMA_VERSION`` and give
    every field a default."""

    SCHEMA_VERSION: ClassVar[int] = 1
    KIND: ClassVar[str] = ""

    schema_version: int = 0

    def __post_init__(self) -> None:
        if not self.schema_version:
            self.schema_version = self.SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        return {f.name: to_json(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, data: Mapping, *, where: str = "result") -> Self:
        version = data.get("schema_version", 1)
        if version != cls.SCHEMA_VERSION:
            raise SchemaError(
                f"{where}: a {cls.KIND} result of schema {version}, expected "
                f"{cls.SCHEMA_VERSION} (upgrade it with analytics.kinds.upgrades)"
            )
        return cls.from_fields(data, where=where)

    @classmethod
    def from_fields(cls, data: Mapping, *, where: str = "result") -> Self:
        """The result from its keys, strictly, without the schema version's check: a kind
        whose stored form has a rule of its own overrides this, so that every reading of it
        (a stored run, an engine's fresh result) applies the rule."""
        return _record(cls, data, where)


@dataclasses.dataclass(kw_only=True)
class Sparse:
    """A part whose keys depend on how it was made: a region whose model could not be
    estimated stores only its error, each equity-weight method writes its own figures, older
    runs lack newer keys. Every key is still a typed field (an unknown one is refused), but a
    key the stored part did not have is left out again when it is written back, so a stored
    part reads and writes unchanged and the API shows what the engine wrote. A part built in
    code writes every field that is not ``None``."""

    # The stored part's keys, in their stored order (None for a part built in code).
    _keys: tuple[str, ...] | None = dataclasses.field(
        default=None, init=False, repr=False, compare=False
    )

    @classmethod
    def from_json(cls, data: Mapping, *, where: str = "part") -> Self:
        part = _record(cls, data, where)
        part._keys = tuple(data)
        return part

    def to_json(self) -> dict[str, Any]:
        if self._keys is not None:
            return {key: to_json(getattr(self, key)) for key in self._keys}
        return {
            f.name: to_json(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.init and getattr(self, f.name) is not None
        }
