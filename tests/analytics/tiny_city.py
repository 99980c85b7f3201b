"""A tiny SYNTHETIC city for forecast and allocation runs end to end: four communities (two
urban, two rural), two services, 26 complete months of requests with a yearly season."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

import numpy as np
from django.utils import timezone

from residents.models import Community
from services.models import ServiceCategory, ServiceRequest
from tests.analytics import run_data
from tests.factories import CommunityFactory, SupplyCapacityFactory

TINY_MONTHS = 26  # horizon 1 needs 22 months to backtest; a little more for a stable fit
TINY_CATEGORIES = ("elderly_home_care", "school_enrolment")


def seed(months: int = TINY_MONTHS) -> list[Community]:
    """Four SYNTHETIC communities, two services, ``months`` (26) complete months of requests
    with a yearly season and community-sized levels (about 1,500 requests in 26 months)."""
    rng = np.random.default_rng(7)
    communities = [
        CommunityFactory(name=name, kind=kind, population=population, households=population // 3)
        for name, kind, population in (
            ("Elm Street", "urban", 9000),
            ("Oak Court", "urban", 6000),
            ("Pine Village", "rural", 2500),
            ("Willow Farm", "rural", 1800),
        )
    ]
    categories = list(ServiceCategory.objects.filter(code__in=TINY_CATEGORIES))
    # Only these two services are offered, so the forecast has 8 series rather than 44.
    ServiceCategory.objects.filter(parent__isnull=False).exclude(code__in=TINY_CATEGORIES).update(
        active=False
    )
    requests = []
    for m in range(months, 0, -1):
        month = run_data.month_start(m)
        season = 1 + 0.3 * np.sin(2 * np.pi * month.month / 12)
        for community in communities:
            for k, category in enumerate(categories):
                level = community.population / 1500 * (1.5 if k == 0 else 0.8) * season
                for day in rng.integers(1, 28, size=rng.poisson(level)):
                    created = timezone.make_aware(
                        datetime.combine(month.replace(day=int(day)), time(10))
                    )
                    requests.append(
                        ServiceRequest(
                            community=community,
                            category=category,
                            description="Synthetic request (tiny test city)",
                            channel=ServiceRequest.Channel.COMMUNITY_WORKER,
                            created_at=created,
                        )
                    )
    ServiceRequest.objects.bulk_create(requests, batch_size=2000)
    for community in communities:
        for category in categories:
            SupplyCapacityFactory(
                community=community,
                category=category,
                period=run_data.month_start(0),
                capacity=2,
                budget=Decimal("100.00"),
            )
    return communities
