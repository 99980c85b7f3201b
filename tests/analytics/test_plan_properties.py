"""Properties of approving whole-unit plans, on engine outputs for random cities: the month's
committed cost after approval is the plan's cost to the fen, the coverage recomputed from the
written capacities and the forecast is the coverage the plan showed, and approving twice
writes once."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import actions, queries
from analytics.engine.errors import EngineInputError
from analytics.engine.supply.allocation import AllocationConfig, allocate
from analytics.kinds.allocation.runner import allocation_lines_write
from analytics.models import AnalysisRun
from residents.models import Community
from services.actions import CapacityLine, supply_capacities_write
from services.models import CapacityChange, SupplyCapacity
from tests.analytics import run_data
from tests.factories import AdministratorFactory, CommunityFactory, ServiceCategoryFactory

PROVIDERS = ["government", "social_organisation", "market"]


@st.composite
def cities(draw):
    n_comm = draw(st.integers(1, 4))
    n_cat = draw(st.integers(1, 3))
    needs = st.floats(0, 30, allow_nan=False)
    cells = [
        (c, k, draw(needs), draw(st.integers(0, 20))) for c in range(n_comm) for k in range(n_cat)
    ]
    offers = [
        (s, k, round(draw(st.floats(1, 400)), 2), draw(st.one_of(st.none(), st.integers(0, 60))))
        for s in draw(st.lists(st.sampled_from(PROVIDERS), min_size=1, max_size=3, unique=True))
        for k in range(n_cat)
    ]
    return {
        "n_comm": n_comm,
        "n_cat": n_cat,
        "cells": cells,
        "offers": offers,
        "kinds": [draw(st.sampled_from(["urban", "rural"])) for _ in range(n_comm)],
        "weights": [draw(st.floats(0.5, 2.0)) for _ in range(n_comm)],
        "budget_share": draw(st.floats(0, 1.5)),
        "floor_level": draw(st.sampled_from(["community", "community_category"])),
    }


def _month_rows(period):
    return sorted(
        SupplyCapacity.objects.filter(period=period).values_list(
            "community_id", "category_id", "provider", "source", "capacity", "budget"
        )
    )


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(cities())
def test_the_approved_plan_is_the_plan_shown(city):
    with transaction.atomic():
        _check(city)
        transaction.set_rollback(True)


def _check(city) -> None:
    admin = AdministratorFactory()
    period = run_data.month_start(-1)
    communities = [CommunityFactory(kind=kind) for kind in city["kinds"]]
    categories = [ServiceCategoryFactory() for _ in range(city["n_cat"])]
    # The month's existing supply, imported through the one write path.
    existing = [
        CapacityLine(
            community_id=communities[c].pk,
            category_id=categories[k].pk,
            provider="government",
            capacity=units,
            budget=Decimal(units) * Decimal("10.00"),
        )
        for c, k, _, units in city["cells"]
        if units
    ]
    supply_capacities_write(
        user=admin,
        period=period,
        source=SupplyCapacity.Source.IMPORT,
        reason=CapacityChange.Reason.IMPORT,
        lines=existing,
    )
    supply = queries.supply_frame(period)
    committed_before = sum(queries.committed_costs(period).values())
    demand = pd.DataFrame(
        [(communities[c].code, categories[k].code, need) for c, k, need, _ in city["cells"]],
        columns=["community", "category", "forecast"],
    )
    have = {(c, k): units for c, k, _, units in city["cells"]}
    gap_cost = 100.0 * sum(max(0.0, need - have[(c, k)]) for c, k, need, _ in city["cells"])
    try:
        result = allocate(
            demand,
            budget=committed_before + city["budget_share"] * gap_cost,
            communities=queries.community_frame().astype({"population": float}),
            current_supply=supply if not supply.empty else None,
            suppliers=pd.DataFrame(
                [
                    (s, categories[k].code, cost, np.nan if cap is None else cap)
                    for s, k, cost, cap in city["offers"]
                ],
                columns=["supplier", "category", "unit_cost", "capacity"],
            ),
            equity_weights=pd.DataFrame(
                {"community": [c.code for c in communities], "weight": city["weights"]}
            ),
            config=AllocationConfig(floor_level=city["floor_level"]),
        )
    except EngineInputError:
        return
    run = AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.ALLOCATION,
        status=AnalysisRun.Status.SUCCEEDED,
        result={**result.to_dict(max_lines=0), "period": period.isoformat()},
    )
    allocation_lines_write(run=run, lines=result.lines)

    decision = actions.allocation_plan_approve(run_id=run.pk, user=admin)
    after = _month_rows(period)
    # The month's committed cost grew by exactly the plan's cost, to the fen.
    committed_after = sum(
        SupplyCapacity.objects.filter(period=period).values_list("budget", flat=True)
    )
    plan_cost = Decimal(str(result.summary["spent"])).quantize(Decimal("0.01"))
    assert committed_after - Decimal(str(committed_before)).quantize(Decimal("0.01")) == plan_cost
    # Coverage recomputed from the written capacities and the forecast is the one shown.
    written = pd.DataFrame.from_records(
        SupplyCapacity.objects.filter(period=period).values_list(
            "community__code", "category__code", "capacity"
        ),
        columns=["community", "category", "capacity"],
    )
    capacity = (
        written.groupby(["community", "category"])["capacity"]
        .sum()
        .reindex(pd.MultiIndex.from_frame(demand[["community", "category"]]))
        .fillna(0)
        .to_numpy()
    )
    need = result.cells["need"].to_numpy()
    if need.sum() > 0:
        recomputed = np.minimum(capacity, need).sum() / need.sum()
        assert recomputed == pytest.approx(result.summary["lp"]["coverage"], abs=1e-9)
    # Approving twice writes once.
    audits = CapacityChange.objects.count()
    again = actions.allocation_plan_approve(run_id=run.pk, user=admin)
    assert again.already and _month_rows(period) == after
    assert CapacityChange.objects.count() == audits
    assert decision.written == len(result.lines)
    # Revoking restores the month as it was.
    actions.allocation_plan_revoke(run_id=run.pk, user=admin)
    assert sum(queries.committed_costs(period).values()) == pytest.approx(committed_before)
    assert not SupplyCapacity.objects.filter(
        period=period, source=SupplyCapacity.Source.PLAN
    ).exists()
    assert Community.objects.count() >= len(communities)
