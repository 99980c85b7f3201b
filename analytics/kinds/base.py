"""What every run kind declares (:class:`RunKind`), what a runner hands back
(:class:`Outcome`), and who is looking at a result (:class:`Audience`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analytics.kinds.schema import Result, SchemaError
from analytics.kinds.upgrades import upgrade
from core.disclosure import is_small

if TYPE_CHECKING:
    from django import forms
    from django.http import HttpRequest
    from rest_framework import serializers

    from analytics.models import AnalysisRun
    from residents.models import User

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
Writes = Callable[["AnalysisRun"], None]


@dataclass(frozen=True)
class Outcome:
    """A runner's result, the rows to write in the run's finishing transaction (the executor
    calls ``writes(run)`` there, so a redelivered run takes effect once) and its timings."""

    result: Result
    writes: Writes | None = None
    timings: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PartOutcome:
    """What one partition of a province run computed: the kind's typed result over the
    partition (stored on the part, read by the merge step), rows for the merge step to write
    (JSON, when their numbering needs every part, e.g. residents' segments), and the rows the
    part writes itself in its finishing transaction (keyed by the run and the partition's own
    communities, so no two parts write the same row and a part that finished writes nothing
    again)."""

    result: Result
    rows: Any = None
    writes: Writes | None = None
    timings: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PartResult:
    """A finished part as the merge step reads it: its partition key, its typed result and
    the rows it left for the merge."""

    partition: str
    result: Any
    rows: Any = None


@dataclass(frozen=True)
class Partitioned:
    """How a kind runs split by partition (``analytics.partitions``): ``part`` computes one
    partition of a run, ``merge`` makes the run's one result (and its writes) from every
    part, in partition order."""

    part: Callable[[AnalysisRun, str, Progress], PartOutcome]
    merge: Callable[[AnalysisRun, Sequence[PartResult]], Outcome]


@dataclass(frozen=True)
class Audience:
    """Who reads a result: the community codes they may see (``None``: every community, for
    nationwide administrators; an administrator with an area sees that area's, a worker the
    served ones) and whether small counts are suppressed for them (everyone but
    administrators, with the threshold of the public export; ``exact``)."""

    codes: frozenset[str] | None
    exact: bool = False

    @classmethod
    def of(cls, user: User | Audience | None) -> Audience:
        if isinstance(user, Audience):
            return user
        from analytics import queries
        from core.roles import is_administrator

        codes = queries.visible_community_codes(user)
        return cls(None if codes is None else frozenset(codes), exact=is_administrator(user))

    @classmethod
    def everyone(cls) -> Audience:
        return cls(None, exact=True)

    @property
    def sees_all(self) -> bool:
        return self.codes is None

    def sees(self, community: object) -> bool:
        return self.codes is None or community in self.codes

    def too_small(self, count: float | None) -> bool:
        """A count of requests or residents this audience may not see exactly."""
        return not self.exact and self.codes is not None and is_small(count)


@dataclass(frozen=True)
class RunKind:
    """One kind of analysis run, whole: its parameters (the page form and the API serializer,
    which the management commands validate with too), its runner, its typed result, the one
    ``scope`` that cuts a result for a reader (used by the API, the pages and the CSV files
    alike), its page and its downloadable tables."""

    name: str
    result_type: type[Result]
    run: Callable[[AnalysisRun, Progress], Outcome]
    scope: Callable[[Any, Audience], Any]
    form: type[forms.Form]
    serializer: type[serializers.Serializer]
    template: str
    page: Callable[[HttpRequest, AnalysisRun, Any], dict]
    tables: Mapping[str, Callable[..., Any]]
    # Set for the kinds a run may split over several cities (a province run).
    partitioned: Partitioned | None = None

    def read(self, run: AnalysisRun) -> Any | None:
        """The run's stored result, typed (``None`` while it has none); raises
        ``SchemaError`` when it does not fit the current schema. For what must not act on a
        result it cannot read (approving a plan); pages and downloads use ``load``."""
        if run.result is None:
            return None
        if not isinstance(run.result, Mapping):
            raise SchemaError(f"result: expected an object, got {type(run.result).__name__}")
        return self.result_type.from_json(upgrade(self.name, run.result))

    def load(self, run: AnalysisRun) -> Any | None:
        """The run's stored result, typed (``None`` while it has none). A stored result that
        does not fit the schema reads as an empty one (logged, by key, for the operators):
        a page or a download shows nothing rather than failing."""
        try:
            return self.read(run)
        except SchemaError as exc:
            logger.warning("analysis run %s (%s): %s", run.pk, self.name, exc)
            return self.result_type()

    def for_audience(self, run: AnalysisRun, user: User | Audience | None) -> Any | None:
        """The run's result as ``user`` may see it."""
        result = self.load(run)
        return None if result is None else self.scope(result, Audience.of(user))

    def execute(
        self,
        run: AnalysisRun,
        progress: Progress,
        merge_of: Sequence[PartResult] | None = None,
    ) -> tuple[dict, Writes | None]:
        """Run (or, with ``merge_of``, merge a province run's parts), and hand the executor
        the result as JSON (``_timings`` apart) and the writes."""
        if merge_of is not None and self.partitioned is not None:
            outcome = self.partitioned.merge(run, merge_of)
        else:
            outcome = self.run(run, progress)
        if not isinstance(outcome.result, self.result_type):
            raise SchemaError(f"a {self.name} run returned {type(outcome.result).__name__}")
        payload = outcome.result.to_json()
        payload["_timings"] = dict(outcome.timings)
        return payload, outcome.writes

    def execute_part(
        self, run: AnalysisRun, partition: str, progress: Progress
    ) -> tuple[dict, Any, Writes | None, dict]:
        """Compute one partition: its result as JSON, its rows for the merge, its writes and
        timings."""
        if self.partitioned is None:
            raise LookupError(f"a {self.name} run cannot be split into parts")
        outcome = self.partitioned.part(run, partition, progress)
        if not isinstance(outcome.result, self.result_type):
            raise SchemaError(f"a {self.name} part returned {type(outcome.result).__name__}")
        return outcome.result.to_json(), outcome.rows, outcome.writes, dict(outcome.timings)

    def merge(self, run: AnalysisRun, parts: Sequence[tuple[str, dict, Any]]) -> tuple[dict, Any]:
        """The run's result as JSON (``_timings`` apart) and writes, from its finished parts
        (partition, result JSON, rows), in partition order."""
        if self.partitioned is None:
            raise LookupError(f"a {self.name} run cannot be split into parts")
        typed = [
            PartResult(key, self.result_type.from_json(upgrade(self.name, result)), rows)
            for key, result, rows in parts
        ]
        return self.execute(run, lambda _percent, _message="": None, merge_of=typed)
