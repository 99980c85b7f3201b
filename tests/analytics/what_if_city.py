"""A tiny SYNTHETIC city for what-if runs end to end: six urban communities alike in all but
their share of residents aged 65+, with 18 months of requests."""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
from django.utils import timezone

from residents.models import Community, Resident
from services.models import ServiceCategory, ServiceRequest
from tests.analytics.run_data import month_start
from tests.factories import CommunityFactory, ResidentFactory

CARE, SCHOOL = "elderly_home_care", "school_enrolment"

TINY_MONTHS = 18  # horizon 1 needs 15 months to fit (no backtest in a what-if)
SHARES_65PLUS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
REGISTERED = 10


def seed(first: Community | None = None) -> list[Community]:
    """Six SYNTHETIC urban communities alike in all but their share of residents aged 65+
    (registered residents), whose home-care requests grow with that share; school enrolment
    requests do not depend on it. ``first``, when given, is made the first of them (the one
    with the smallest share)."""
    rng = np.random.default_rng(11)
    year = timezone.localdate().year
    communities = []
    for n, share in enumerate(SHARES_65PLUS):
        attributes = {"kind": "urban", "population": 3000, "households": 1000, "schools": 1}
        if n == 0 and first is not None:
            Community.objects.filter(pk=first.pk).update(**attributes)
            community = Community.objects.get(pk=first.pk)
        else:
            community = CommunityFactory(**attributes)
        older = round(share * REGISTERED)
        for i in range(REGISTERED):
            ResidentFactory(
                community=community,
                birth_year=year - (70 if i < older else 40),
                household_size=2,
                children_in_household=0,
                employment_status=Resident.Employment.RETIRED
                if i < older
                else Resident.Employment.EMPLOYED,
                income_band=Resident.IncomeBand.LOWER_MIDDLE,
                health_needs=Resident.HealthNeeds.NONE,
                hukou_type=Resident.Hukou.LOCAL_URBAN,
                elderly_living_alone=False,
            )
        communities.append(community)
    ServiceCategory.objects.filter(parent__isnull=False).exclude(code__in=(CARE, SCHOOL)).update(
        active=False
    )
    categories = {c.code: c for c in ServiceCategory.objects.filter(code__in=(CARE, SCHOOL))}
    requests = []
    for m in range(TINY_MONTHS, 0, -1):
        month = month_start(m)
        for community, share in zip(communities, SHARES_65PLUS, strict=True):
            for code, level in ((CARE, 2 + 30 * share), (SCHOOL, 6.0)):
                for day in rng.integers(1, 28, size=rng.poisson(level)):
                    requests.append(
                        ServiceRequest(
                            community=community,
                            category=categories[code],
                            description="Synthetic request (what-if test city)",
                            channel=ServiceRequest.Channel.COMMUNITY_WORKER,
                            created_at=timezone.make_aware(
                                datetime.combine(month.replace(day=int(day)), time(10))
                            ),
                        )
                    )
    ServiceRequest.objects.bulk_create(requests, batch_size=2000)
    return communities
