"""The what-if run's download: baseline and scenario requests per service of the community,
summed over the horizon, then the community's total (``category`` = ``total``)."""

from __future__ import annotations

from analytics.exports import Table, num
from analytics.kinds.what_if.result import WhatIfFigures, WhatIfResult
from analytics.reports import names

WHAT_IF_COLUMNS = (
    "community",
    "community_name",
    "category",
    "category_name",
    "baseline",
    "scenario",
    "change",
    "change_percent",
    "direction",
)


def what_if_scenario(*, result: WhatIfResult, **_: object) -> Table:
    code = result.community
    community_names, category_names = names()
    name = community_names.get(code, "")

    def row_of(category: str, category_name: str, figures: WhatIfFigures) -> tuple:
        return (
            code,
            name,
            category,
            category_name,
            num(figures.baseline),
            num(figures.scenario),
            num(figures.change),
            num(figures.change_percent),
            figures.direction,
        )

    rows = [
        row_of(row.category, category_names.get(row.category, ""), row) for row in result.categories
    ]
    if result.total is not None:
        rows.append(row_of("total", "", result.total))
    return Table(WHAT_IF_COLUMNS, rows)


TABLES = {"scenario": what_if_scenario}
