"""The typed result of a what-if run: one community's baseline and scenario forecasts per
service, summed over the horizon, and what a reader may see of it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from analytics.kinds.base import Audience
from analytics.kinds.schema import Result


@dataclass(kw_only=True)
class WhatIfFigures:
    """Requests over the horizon without and with the changes; ``direction`` is ``up``,
    ``down`` or ``flat``."""

    category: str = ""
    baseline: float | None = None
    scenario: float | None = None
    change: float | None = None
    change_percent: float | None = None
    direction: str = ""


@dataclass(kw_only=True)
class WhatIfResult(Result):
    SCHEMA_VERSION = 3
    KIND = "what_if"

    community: str = ""
    categories: list[WhatIfFigures] = field(default_factory=list)
    total: WhatIfFigures | None = None
    summary_parts: list[dict[str, Any]] = field(default_factory=list)
    assumption_parts: list[dict[str, Any]] = field(default_factory=list)
    caveat_parts: list[dict[str, Any]] = field(default_factory=list)
    first_month: str | None = None
    last_month: str | None = None
    n_communities: int | None = None
    other_communities_change: float | None = None
    horizon: int | None = None
    last_observed_month: str | None = None
    n_series: int | None = None
    data_fingerprint: str = ""
    synthetic: bool = False

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        # The total is not a service: it is stored without a category.
        if data["total"] is not None:
            data["total"].pop("category", None)
        return data


def scope(result: WhatIfResult, audience: Audience) -> WhatIfResult:
    """A what-if is one community's: a reader who does not serve it sees none of its figures
    (the other communities' change is a city-wide sum)."""
    if audience.sees(result.community):
        return result
    return replace(result, categories=[], total=None)
