"""A tiny SYNTHETIC province for province runs: a few real cities (their codes from the
reference data), each with urban and rural communities, registered residents who consented
to the analysis, and 26 complete months of requests for two services with a yearly season."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

import numpy as np
from django.utils import timezone

from residents.models import City, Community
from services.models import ServiceCategory, ServiceRequest
from tests.analytics import run_data
from tests.factories import CommunityFactory, ResidentFactory, SupplyCapacityFactory

CITY_CODES = ("330200", "330400", "510100", "511800")  # Ningbo, Jiaxing, Chengdu, Ya'an
MONTHS = 26
CATEGORIES = ("elderly_home_care", "school_enrolment")


def seed(
    *, cities: int = 2, communities_per_city: int = 4, residents_per_community: int = 10
) -> list[str]:
    """The province's city codes, after writing its SYNTHETIC communities, residents,
    requests and this month's supply."""
    rng = np.random.default_rng(16)
    codes = list(CITY_CODES[:cities])
    ServiceCategory.objects.filter(parent__isnull=False).exclude(code__in=CATEGORIES).update(
        active=False
    )
    categories = list(ServiceCategory.objects.filter(code__in=CATEGORIES).order_by("code"))
    communities: list[Community] = []
    year = timezone.localdate().year
    for c, code in enumerate(codes):
        city = City.objects.get(adcode=code)
        for n in range(communities_per_city):
            community = CommunityFactory(
                city=city,
                code=f"SYN-P{code}-{n}",
                kind="urban" if n % 2 == 0 else "rural",
                population=3000 + 1500 * n + 500 * c,
            )
            for i in range(residents_per_community):
                ResidentFactory(community=community, birth_year=year - 20 - (i * 7 + c * 3) % 60)
            communities.append(community)
    requests = []
    for m in range(MONTHS, 0, -1):
        month = run_data.month_start(m)
        season = 1 + 0.3 * np.sin(2 * np.pi * month.month / 12)
        for community in communities:
            for k, category in enumerate(categories):
                level = community.population / 1500 * (1.5 if k == 0 else 0.8) * season
                for day in rng.integers(1, 28, size=rng.poisson(level)):
                    requests.append(
                        ServiceRequest(
                            community=community,
                            category=category,
                            description="Synthetic request (tiny test province)",
                            channel=ServiceRequest.Channel.COMMUNITY_WORKER,
                            created_at=timezone.make_aware(
                                datetime.combine(month.replace(day=int(day)), time(10))
                            ),
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
    return codes
