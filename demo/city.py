"""The SYNTHETIC demo: four real prefecture-level cities in two regions (Chengdu and Ya'an in
Southwest, Ningbo and Jiaxing in East), their real districts and counties, and synthetic
communities, residents and three years of service requests.

Each city has urban communities (in its districts) and rural ones (in its counties and
county-level cities), so the city-level evidence reaches the plans: a community's equity weight
is that of its type in its city, and the SYNTHETIC city panel's rows for these four codes give
them different weights. Those weights describe the synthetic panel's cities ("Synthetic city NNN
· Region"), not the real ones; only the demo's geography (city, district and county names and
places) is real.

Residents and requests come from the supply engine's synthetic generator
(``demo.demand``), so the demo has the seasonality, growth and community
differences a forecast needs; its communities are dealt out over the cities, urban and rural
alike, so the demo is no bigger than one city's. Identifiers are fake and cannot belong to
anyone: ID numbers use the unassigned region prefix 99 and phone numbers the unallocated
prefix 100.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from demo.demand import generate_synthetic_demand
from demo.request_texts import HISTORY_NOTE, request_texts
from residents import pii
from residents.actions import (
    account_create,
    cities_from_reference,
    communities_create,
    resident_account_link,
    residents_seed,
)
from residents.login_protection import DEMO_PASSWORD
from residents.models import Area, City, Community, Resident, User
from residents.queries import demo_city_present
from services.actions import (
    CapacityLine,
    request_months_count,
    service_requests_seed,
    supply_capacities_write,
)
from services.models import (
    CapacityChange,
    RequestStatusChange,
    ServiceCategory,
    ServiceRequest,
    SupplyCapacity,
)
from services.partitions import month_partitions_ensure
from services.workflow import REASONS_NEEDING_A_NOTE, REJECT_REASONS

# The demo's cities by code: in each of two regions one city the SYNTHETIC panel's evidence
# puts at its benchmark and one it projects below it (tests/demo/test_city.py checks that their
# weights differ). The first is the demo worker's city.
DEMO_CITY_ADCODES = ("510100", "511800", "330200", "330400")
WORKER_CITY_ADCODE = DEMO_CITY_ADCODES[0]
# Administrators of an area (province, city): they see and decide only inside it.
DEMO_AREA_ADMINISTRATORS = {"admin-sichuan": "510000", "admin-ningbo": "330200"}
DEMO_USERS = ("admin", *DEMO_AREA_ADMINISTRATORS, "worker", "resident")
# The demo accounts' names, as the pages show them (an assignee, who changed a status): staff of
# Chinese cities with Chinese names, fixed (no random draw, so the demo's figures stay the
# seed's). SYNTHETIC, like everything the demo holds.
DEMO_STAFF_NAMES = {
    "admin": "赵立新",
    "admin-sichuan": "孙丽华",
    "admin-ningbo": "郑海涛",
    "worker": "李敏",
    "worker-511800": "张伟",
    "worker-330200": "陈静",
    "worker-330400": "刘洋",
    "resident": "王芳",
}
# Why the demo's rejected requests were rejected (a reason from the workflow's list; "other"
# would need a note).
REJECTION_REASONS = tuple(r for r in REJECT_REASONS if r not in REASONS_NEEDING_A_NOTE)
# Districts and counties of the demo's cities (current codes and names, places from cpca 0.5.5;
# see geography/README.md); ``kind`` is the demo's own labelling (central districts urban,
# counties rural). A district's city is its code's first four digits + "00".
DISTRICTS_CSV = Path(__file__).with_name("demo_city_districts.csv")
COMMUNITY_PREFIX = Community.DEMO_CODE_PREFIX
# The current month's requests take their steps from the seed with this key added (the
# generator's open-month stream is another), so the complete months' steps stay the seed's.
OPEN_MONTH_LIFECYCLE_STREAM = 2

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉梅文辉海燕红"


@dataclass(frozen=True)
class DemoSize:
    """How big the demo is: spread over its cities, so more cities make no bigger a demo."""

    communities: int = 48
    residents: int = 4_000
    months: int = 36


DEMO_SIZE = DemoSize()


@dataclass(frozen=True)
class DemoSummary:
    cities: int
    communities: int
    residents: int
    requests: int
    status_changes: int
    capacities: int
    start: str
    end: str
    already_seeded: bool = False


def _fake_national_id(rng: random.Random, birth_year: int) -> str:
    body = f"99{rng.randrange(10_000):04d}{birth_year:04d}{rng.randint(1, 12):02d}"
    body += f"{rng.randint(1, 28):02d}{rng.randrange(1000):03d}"
    return body + pii.national_id_check_character(body)


def _fake_phone(rng: random.Random) -> str:
    return f"100{rng.randrange(10**8):08d}"


def _fake_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def district_city(adcode: str) -> str:
    """The code of the prefecture-level city a district or county code belongs to."""
    return adcode[:4] + "00"


def _districts() -> list[dict[str, str]]:
    with DISTRICTS_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _demo_cities() -> list[City]:
    """The demo's cities, from the reference geography every installation loads (created from
    the same list, through the residents app's action, if a database lacks one)."""
    return cities_from_reference(adcodes=DEMO_CITY_ADCODES)


def demo_exists() -> bool:
    return demo_city_present()


def _colleague_username(adcode: str) -> str:
    return f"worker-{adcode}"


def _wipe_demo() -> None:
    demo = Community.objects.filter(code__startswith=COMMUNITY_PREFIX)
    ServiceRequest.objects.filter(community__in=demo).delete()
    SupplyCapacity.objects.filter(community__in=demo).delete()
    Resident.objects.filter(community__in=demo).delete()
    User.objects.filter(
        username__in=[*DEMO_USERS, *(_colleague_username(a) for a in DEMO_CITY_ADCODES)]
    ).delete()
    demo.delete()


def _place_communities(
    frame: pd.DataFrame, cities: list[City], rng: random.Random, *, admin: User
) -> list[Community]:
    """Deal the generated communities out over the cities, urban and rural separately (so every
    city gets both), and within a city over its districts (urban) or counties (rural)."""
    districts = _districts()
    pools = {
        (city.adcode, kind): [
            d for d in districts if district_city(d["adcode"]) == city.adcode and d["kind"] == kind
        ]
        for city in cities
        for kind in ("urban", "rural")
    }
    # Each community belongs to its district's or county's area (the data migration loads
    # them; a database without them leaves the area empty).
    areas = Area.objects.in_bulk([d["adcode"] for d in districts], field_name="code")
    dealt = {"urban": 0, "rural": 0}
    counters: dict[str, int] = {}
    communities = []
    for row in frame.itertuples(index=False):
        turn = dealt[row.kind]
        dealt[row.kind] += 1
        city = cities[turn % len(cities)]
        pool = pools[(city.adcode, row.kind)]
        district = pool[(turn // len(cities)) % len(pool)]
        counters[district["name"]] = counters.get(district["name"], 0) + 1
        number = counters[district["name"]]
        suffix = "社区" if row.kind == "urban" else "村"
        communities.append(
            Community(
                city=city,
                code=f"{COMMUNITY_PREFIX}{district['adcode']}-{number:02d}",
                name=f"{district['name']}第{number}{suffix}（合成）",
                district=district["name"],
                area=areas.get(district["adcode"]),
                kind=row.kind,
                population=int(row.population),
                households=int(min(row.households, row.population)),
                schools=int(row.schools),
                latitude=float(district["latitude"]) + rng.uniform(-0.03, 0.03),
                longitude=float(district["longitude"]) + rng.uniform(-0.03, 0.03),
            )
        )
    return communities_create(user=admin, communities=communities)


def _lifecycle(created: np.ndarray, now, sla_hours: np.ndarray, rng: np.random.Generator):
    """Status and step times for each request: older requests have run their course."""
    n = len(created)
    hours = lambda scale: pd.to_timedelta(rng.gamma(2.0, scale, n), unit="h")  # noqa: E731
    accepted = created + hours(2)
    assigned = accepted + hours(3)
    started = assigned + hours(6)
    resolved = started + pd.to_timedelta(rng.gamma(2.0, sla_hours / 3.0), unit="h")
    closed = resolved + hours(24)
    rejected = rng.random(n) < 0.03
    steps = np.select(
        [closed <= now, resolved <= now, started <= now, assigned <= now, accepted <= now],
        [5, 4, 3, 2, 1],
        0,
    )
    # Django stores microseconds; drop the rest so conversions are exact.
    times = [t.floor("us") for t in (created, accepted, assigned, started, resolved, closed)]
    return steps, rejected, times


@transaction.atomic
def demo_city_seed(
    *,
    seed: int = 2026,
    reset: bool = False,
    size: DemoSize = DEMO_SIZE,
    now: datetime | None = None,
) -> DemoSummary:
    """Create the SYNTHETIC demo: ``size.months`` complete months and the current one up to
    ``now`` (default: the clock's). Deterministic for a given seed and ``now``; the complete
    months' requests depend on the seed and the month of ``now`` only."""
    if demo_exists() and not reset:
        requests = ServiceRequest.objects.filter(community__code__startswith=COMMUNITY_PREFIX)
        return DemoSummary(0, 0, 0, requests.count(), 0, 0, "", "", already_seeded=True)
    _wipe_demo()
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    # The months are counted from the clock's (UTC) month, as they always were, so a given
    # seed keeps its complete months.
    now = (now or timezone.now()).astimezone(UTC)
    first_month = (pd.Period(now.strftime("%Y-%m"), freq="M") - size.months).strftime("%Y-%m")
    # On PostgreSQL the history's months get their partitions before it is written (the
    # migrations make them only from the month they ran in): in the default partition every
    # page's date bound would read all three years. Nothing to do on SQLite.
    month_partitions_ensure(
        today=timezone.localdate(now), since=pd.Period(first_month, freq="M").start_time.date()
    )
    cities = _demo_cities()
    # The current month runs up to now, so the last days' requests are at every step of the
    # work whatever the day of the month (its draws are a stream of their own: the complete
    # months, which the forecast and the documented figures read, stay the seed's).
    demand = generate_synthetic_demand(
        n_communities=size.communities,
        n_residents=size.residents,
        n_months=size.months,
        start=first_month,
        seed=seed,
        open_month_until=pd.Timestamp(timezone.localtime(now).replace(tzinfo=None)),
    )
    # Accounts and places through the residents app's actions, with the checks every other
    # path has (the administrator first: it creates the communities).
    admin = account_create(
        user=None,
        username="admin",
        password=DEMO_PASSWORD,
        role=User.Role.ADMIN,
        first_name=DEMO_STAFF_NAMES["admin"],
        superuser=True,
    )
    communities = _place_communities(demand.communities, cities, rng, admin=admin)
    community_of = dict(zip(demand.communities["community"], communities, strict=True))

    residents = []
    for row in demand.residents.itertuples(index=False):
        resident = Resident(
            community=community_of[row.community],
            name=_fake_name(rng),
            phone=_fake_phone(rng),
            national_id=_fake_national_id(rng, int(row.birth_year)),
            birth_year=int(row.birth_year),
            gender=row.gender,
            household_size=int(row.household_size),
            employment_status=row.employment_status,
            income_band=row.income_band,
            education=row.education,
            health_needs=row.health_needs,
            elderly_living_alone=bool(row.elderly_living_alone),
            children_in_household=int(row.children_in_household),
            hukou_type=row.hukou_type,
            preferred_channel=row.preferred_channel,
        )
        resident.refresh_lookup_hashes()
        residents.append(resident)
    # The SYNTHETIC people "consented" to the analysis of their facts, so the demo's
    # portraits and forecasts have residents to read (real residents consent one by one).
    residents = residents_seed(residents=residents, consented_at=now)

    areas = Area.objects.in_bulk(list(DEMO_AREA_ADMINISTRATORS.values()), field_name="code")
    for username, code in DEMO_AREA_ADMINISTRATORS.items():
        account_create(
            user=admin,
            username=username,
            password=DEMO_PASSWORD,
            role=User.Role.ADMIN,
            area=areas.get(code),
            first_name=DEMO_STAFF_NAMES[username],
        )
    # The demo worker serves the communities of one city; each other city has a synthetic
    # colleague (no password: nobody signs in as them) so that every request that was worked
    # on had somebody assigned, as the workflow requires.
    worker = account_create(
        user=admin,
        username="worker",
        password=DEMO_PASSWORD,
        role=User.Role.WORKER,
        first_name=DEMO_STAFF_NAMES["worker"],
        communities=[c for c in communities if c.city.adcode == WORKER_CITY_ADCODE],
    )
    worker_of_city = {WORKER_CITY_ADCODE: worker}
    for adcode in DEMO_CITY_ADCODES:
        if adcode in worker_of_city:
            continue
        worker_of_city[adcode] = account_create(
            user=admin,
            username=_colleague_username(adcode),
            password=None,
            role=User.Role.WORKER,
            first_name=DEMO_STAFF_NAMES[_colleague_username(adcode)],
            communities=[c for c in communities if c.city.adcode == adcode],
        )
    resident_user = account_create(
        user=admin,
        username="resident",
        password=DEMO_PASSWORD,
        role=User.Role.RESIDENT,
        first_name=DEMO_STAFF_NAMES["resident"],
    )
    resident_account_link(resident=residents[0], account=resident_user)

    categories = {c.code: c for c in ServiceCategory.objects.filter(parent__isnull=False)}
    complete = len(demand.requests)
    frame = pd.concat([demand.requests, demand.open_month.requests], ignore_index=True)
    created = pd.to_datetime(frame["created"]).dt.tz_localize(timezone.get_current_timezone())
    created = created.to_numpy(dtype="datetime64[ns]")  # UTC instants
    created = pd.DatetimeIndex(created, tz="UTC")
    sla = frame["category"].map(lambda code: categories[code].sla_hours or 72).to_numpy(float)
    # The open month's steps from a stream of their own too, leaving the complete months'.
    steps, rejected, times = _lifecycle(created[:complete], now, sla[:complete], np_rng)
    open_steps, open_rejected, open_times = _lifecycle(
        created[complete:],
        now,
        sla[complete:],
        np.random.default_rng([seed, OPEN_MONTH_LIFECYCLE_STREAM]),
    )
    steps = np.concatenate([steps, open_steps])
    rejected = np.concatenate([rejected, open_rejected])
    times = [t.append(o) for t, o in zip(times, open_times, strict=True)]
    order = [
        ServiceRequest.Status.SUBMITTED,
        ServiceRequest.Status.ACCEPTED,
        ServiceRequest.Status.ASSIGNED,
        ServiceRequest.Status.IN_PROGRESS,
        ServiceRequest.Status.RESOLVED,
        ServiceRequest.Status.CLOSED,
    ]
    resident_index = frame["resident"].to_numpy()
    satisfaction = frame["satisfaction"].to_numpy()
    workers_by_community = {c.pk: worker_of_city[c.city.adcode] for c in communities}
    texts = request_texts(frame["category"].tolist(), seed=seed)
    requests = []
    for i, row in enumerate(frame.itertuples(index=False)):
        step = int(steps[i])
        is_rejected = bool(rejected[i]) and step >= 1
        status = ServiceRequest.Status.REJECTED if is_rejected else order[step]
        community = community_of[row.community]
        category = categories[row.category]
        resident = None if pd.isna(resident_index[i]) else residents[int(resident_index[i])]
        created_at = times[0][i].to_pydatetime()
        resolved = step >= 4 and not is_rejected
        requests.append(
            ServiceRequest(
                resident=resident,
                community=community,
                category=category,
                description=texts[i].description,
                urgency=row.urgency,
                channel=row.channel,
                logged_by=workers_by_community[community.pk]
                if row.channel != "self_service"
                else None,
                assigned_to=workers_by_community.get(community.pk) if step >= 2 else None,
                status=status,
                created_at=created_at,
                expected_completion_at=ServiceRequest.expected_completion_for(
                    category, row.urgency, created_at
                ),
                resolved_at=times[4][i].to_pydatetime() if resolved else None,
                satisfaction=int(satisfaction[i])
                if resolved and resident is not None and not np.isnan(satisfaction[i])
                else None,
            )
        )
    histories = []
    for i, request in enumerate(requests):
        step = int(steps[i])
        history = [
            RequestStatusChange(from_status="", to_status=order[0], changed_at=request.created_at)
        ]
        last = 1 if request.status == ServiceRequest.Status.REJECTED else step
        for k in range(1, last + 1):
            to = ServiceRequest.Status.REJECTED if request.status == "rejected" else order[k]
            history.append(
                RequestStatusChange(
                    from_status=order[k - 1],
                    to_status=to,
                    changed_by=workers_by_community[request.community.pk],
                    changed_at=times[k][i].to_pydatetime(),
                    note=HISTORY_NOTE[texts[i].language],
                    # A rejection names its reason, as the workflow requires.
                    reason=REJECTION_REASONS[i % len(REJECTION_REASONS)]
                    if to == ServiceRequest.Status.REJECTED
                    else "",
                )
            )
        histories.append(history)
    requests = service_requests_seed(requests=requests, histories=histories)
    changes_count = sum(len(h) for h in histories)
    # The overview's kept counts of the closed months, as the nightly task would make them
    # (the overview counts any month without them from the requests: the same figures).
    request_months_count(now=now)

    # Current supply: a government baseline for this month and the next, short of demand in
    # places (the allocation plans the first month not yet complete).
    this_month = pd.Period(now.strftime("%Y-%m"), freq="M")
    periods = [this_month.to_timestamp().date(), (this_month + 1).to_timestamp().date()]
    last_quarter = sorted(demand.counts["period"].unique())[-3:]
    recent = demand.counts[demand.counts["period"].isin(last_quarter)]
    mean_recent = recent.groupby(["community", "category"])["count"].mean()
    lines = []
    for (community_code, category_code), mean in mean_recent.items():
        category = categories[category_code]
        units = int(max(0, round(mean * rng.uniform(0.5, 1.0))))
        lines.append(
            CapacityLine(
                community_id=community_of[community_code].pk,
                category_id=category.pk,
                provider=SupplyCapacity.Provider.GOVERNMENT,
                capacity=units,
                budget=Decimal(units) * (category.unit_cost or Decimal(0)),
            )
        )
    # Through the one write path of capacity, as an import (audited like any other).
    capacities: list[SupplyCapacity] = []
    for period in periods:
        capacities += supply_capacities_write(
            user=admin,
            period=period,
            source=SupplyCapacity.Source.IMPORT,
            reason=CapacityChange.Reason.IMPORT,
            lines=lines,
        ).rows
    return DemoSummary(
        cities=len(cities),
        communities=len(communities),
        residents=len(residents),
        requests=len(requests),
        status_changes=changes_count,
        capacities=len(capacities),
        start=first_month,
        end=now.strftime("%Y-%m"),
    )
