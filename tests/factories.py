"""factory-boy factories for every model of the platform. All data they make is SYNTHETIC.

Identifiers cannot belong to anyone: national ID numbers use the unassigned region prefix 99
(with a correct check character, so they pass validation) and phone numbers the unallocated
prefix 100. Reference rows (regions, cities, catalogue categories) are fetched by their code
when they exist, so the factories work alongside the data migrations.

    community = CommunityFactory()
    worker = WorkerFactory(communities=[community])
    resident = ResidentFactory(community=community, with_account=True)
    request = ServiceRequestFactory(resident=resident, status="in_progress")  # with history
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import ClassVar

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from geography import REGIONS, load_areas
from residents.consent import PORTRAIT_PURPOSE_VERSION
from residents.models import (
    PORTRAIT_FIELDS,
    Area,
    City,
    Community,
    PersonalDataAccess,
    PortraitConsent,
    Region,
    Resident,
    User,
)
from residents.pii import national_id_check_character
from services.models import (
    IdempotencyRecord,
    Open311ApiKey,
    RequestStatusChange,
    ServiceCategory,
    ServiceRequest,
    SupplyCapacity,
)

PASSWORD = "synthetic-test-passphrase-7"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞"

# The path a request takes to reach each status; the factory writes this history.
STATUS_PATHS: dict[str, tuple[str, ...]] = {
    "submitted": ("submitted",),
    "accepted": ("submitted", "accepted"),
    "assigned": ("submitted", "accepted", "assigned"),
    "in_progress": ("submitted", "accepted", "assigned", "in_progress"),
    "resolved": ("submitted", "accepted", "assigned", "in_progress", "resolved"),
    "closed": ("submitted", "accepted", "assigned", "in_progress", "resolved", "closed"),
    "rejected": ("submitted", "rejected"),
}


def synthetic_national_id(n: int, birth: date | None = None) -> str:
    """The ``n``-th synthetic resident ID number: region prefix 99 (unassigned), the birth
    date, a sequence number and a correct check character. Unique for n < 10,000,000."""
    birth = birth or date(1950 + n % 50, 1 + n % 12, 1 + n % 28)
    body = f"99{n // 1000 % 10000:04d}{birth:%Y%m%d}{n % 1000:03d}"
    return body + national_id_check_character(body)


def synthetic_phone(n: int) -> str:
    """The ``n``-th synthetic mobile number, under the unallocated prefix 100."""
    return f"100{n % 10**8:08d}"


@cache
def _password_hash() -> str:
    return make_password(PASSWORD)


def synthetic_name(n: int) -> str:
    return _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n // len(_SURNAMES)) % len(_GIVEN)]


# Places ------------------------------------------------------------------------------------------


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "east"
    name = factory.LazyAttribute(lambda o: {c: n for c, n, _ in REGIONS}.get(o.code, o.code))
    name_zh = factory.LazyAttribute(lambda o: {c: z for c, _, z in REGIONS}.get(o.code, ""))
    order = factory.LazyAttribute(
        lambda o: next((i for i, (c, _, _) in enumerate(REGIONS, 1) if c == o.code), 0)
    )


class CityFactory(factory.django.DjangoModelFactory):
    """Nanjing by default (a real prefecture-level city); pass adcode/name for others."""

    class Meta:
        model = City
        django_get_or_create = ("adcode",)

    adcode = "320100"
    name = "南京市"
    province = "江苏省"
    region = factory.SubFactory(RegionFactory, code="east")


@cache
def _area_rows() -> dict:
    return {row.code: row for row in load_areas()}


def area_node(code: str) -> Area:
    """The area of this administrative code (``geography/areas.csv``) with its ancestors,
    fetched when the data migration (or an earlier call) made them, created otherwise (a
    transactional test's flush removes the migration's rows)."""
    row = _area_rows()[code]
    parent = area_node(row.parent) if row.parent else None
    area, _ = Area.objects.get_or_create(
        code=code,
        defaults={
            "name": row.name,
            "name_en": row.name_en,
            "level": int(row.level),
            "parent": parent,
            "path": row.path,
        },
    )
    return area


class CommunityFactory(factory.django.DjangoModelFactory):
    """A community in Nanjing by default, in the area of its city (pass ``area=area_node(...)``
    for a district or street)."""

    class Meta:
        model = Community

    city = factory.SubFactory(CityFactory)
    area = factory.LazyAttribute(
        lambda o: area_node(o.city.adcode) if o.city.adcode in _area_rows() else None
    )
    code = factory.Sequence(lambda n: f"SYN-C{n:05d}")
    name = factory.Sequence(lambda n: f"Synthetic community {n}")
    district = "Synthetic district"
    kind = factory.Iterator([Community.Kind.URBAN, Community.Kind.URBAN, Community.Kind.RURAL])
    population = factory.Sequence(lambda n: 2000 + (n * 137) % 9000)
    households = factory.LazyAttribute(lambda o: max(1, o.population * 2 // 5))
    schools = factory.LazyAttribute(lambda o: 1 + o.population // 4000)
    latitude = factory.Sequence(lambda n: 32.0 + (n % 50) * 0.002)
    longitude = factory.Sequence(lambda n: 118.7 + (n % 50) * 0.002)


# Accounts ------------------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    """A login. Role resident by default; see ``WorkerFactory`` and ``AdministratorFactory``.

    ``communities=[...]`` assigns communities (for workers); the password is ``PASSWORD``.
    """

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"synthetic-user-{n}")
    role = User.Role.RESIDENT
    # Hashed once per run (with the tests' fast hasher, tests/conftest.py); every user logs in
    # with PASSWORD.
    password = factory.LazyFunction(lambda: _password_hash())
    is_active = True

    @factory.post_generation
    def communities(self, create, extracted, **kwargs):
        if create and extracted:
            self.communities.set(extracted)


class WorkerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"synthetic-worker-{n}")
    role = User.Role.WORKER
    first_name = factory.Sequence(lambda n: f"Worker{n}")
    last_name = "Synthetic"


class AdministratorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"synthetic-admin-{n}")
    role = User.Role.ADMIN
    is_staff = True


# Residents -------------------------------------------------------------------------------------------


class ResidentFactory(factory.django.DjangoModelFactory):
    """A resident profile with synthetic identifiers and a plausible demographic mix, whose
    consent to the analysis of those facts stands (as if given on the portrait page).

    ``with_account=True`` also creates a resident login linked to the profile;
    ``without_portrait=True`` makes the profile sign-up leaves: no portrait facts, no consent.
    """

    class Meta:
        model = Resident
        skip_postgeneration_save = True

    class Params:
        with_account = factory.Trait(
            user=factory.SubFactory(
                UserFactory, username=factory.Sequence(lambda n: f"synthetic-resident-{n}")
            )
        )
        without_portrait = factory.Trait(
            **{name: Resident._meta.get_field(name).get_default() for name in PORTRAIT_FIELDS}
        )

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(synthetic_name)
    phone = factory.Sequence(synthetic_phone)
    birth_year = factory.Sequence(lambda n: 1935 + (n * 7) % 70)
    national_id = factory.LazyAttributeSequence(
        lambda o, n: synthetic_national_id(n, date(o.birth_year or 1980, 1 + n % 12, 1 + n % 28))
    )
    gender = factory.Iterator([Resident.Gender.FEMALE, Resident.Gender.MALE])
    household_size = factory.Sequence(lambda n: 1 + n % 5)
    children_in_household = factory.LazyAttribute(lambda o: max(0, o.household_size - 2))
    employment_status = factory.LazyAttribute(
        lambda o: (
            Resident.Employment.RETIRED
            if timezone.now().year - o.birth_year >= 60
            else random.Random(o.birth_year).choice(
                [
                    Resident.Employment.EMPLOYED,
                    Resident.Employment.UNEMPLOYED,
                    Resident.Employment.FARMER,
                ]
            )
        )
    )
    income_band = factory.Iterator(
        [
            Resident.IncomeBand.LOW,
            Resident.IncomeBand.LOWER_MIDDLE,
            Resident.IncomeBand.UPPER_MIDDLE,
            Resident.IncomeBand.HIGH,
        ]
    )
    education = factory.Iterator(
        [
            Resident.Education.PRIMARY,
            Resident.Education.JUNIOR,
            Resident.Education.SENIOR,
            Resident.Education.TERTIARY,
        ]
    )
    health_needs = factory.Iterator(
        [Resident.HealthNeeds.NONE, Resident.HealthNeeds.NONE, Resident.HealthNeeds.CHRONIC]
    )
    elderly_living_alone = factory.LazyAttribute(
        lambda o: o.household_size == 1 and timezone.now().year - o.birth_year >= 65
    )
    hukou_type = factory.LazyAttribute(
        lambda o: (
            Resident.Hukou.LOCAL_RURAL
            if o.community.kind == Community.Kind.RURAL
            else Resident.Hukou.LOCAL_URBAN
        )
    )
    preferred_channel = Resident.Channel.SELF_SERVICE

    @factory.post_generation
    def portrait_consent(self, create, extracted, **kwargs):
        """Consent stands whenever the facts are there (pass ``portrait_consent=False`` for
        facts kept without it, as before consent was asked for)."""
        if create and self.birth_year is not None and extracted is not False:
            PortraitConsent.objects.create(
                resident=self, version=PORTRAIT_PURPOSE_VERSION, given_at=self.created_at
            )


class PersonalDataAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalDataAccess

    accessor = factory.SubFactory(WorkerFactory)
    resident = factory.SubFactory(ResidentFactory)
    channel = PersonalDataAccess.Channel.WEB


# Catalogue --------------------------------------------------------------------------------------------


class DimensionFactory(factory.django.DjangoModelFactory):
    """A first-level category (one of the five dimensions); reuses the catalogue's row."""

    class Meta:
        model = ServiceCategory
        django_get_or_create = ("code",)

    code = ServiceCategory.Dimension.HEALTH_CARE
    dimension = factory.LazyAttribute(lambda o: o.code)
    name = factory.LazyAttribute(lambda o: ServiceCategory.Dimension(o.code).label)
    parent = None
    order = factory.LazyAttribute(lambda o: ServiceCategory.Dimension.values.index(o.code) + 1)


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    """A second-level service. Pass ``code`` of a catalogue service to get that row, or leave
    it for a new synthetic service under ``parent``."""

    class Meta:
        model = ServiceCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"synthetic_service_{n}")
    name = factory.LazyAttribute(lambda o: f"Synthetic service {o.code}")
    parent = factory.SubFactory(DimensionFactory)
    dimension = factory.LazyAttribute(lambda o: o.parent.dimension)
    sla_hours = 48
    unit_cost = Decimal("200.00")
    extra_fields = factory.LazyFunction(list)
    active = True


# Requests ----------------------------------------------------------------------------------------------


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    """A request with the status history that leads to its ``status`` (one row per step),
    timestamps that fit it, and the expected completion from the category's SLA."""

    class Meta:
        model = ServiceRequest
        skip_postgeneration_save = True

    resident = None
    community = factory.Maybe(
        "resident",
        yes_declaration=factory.LazyAttribute(lambda o: o.resident.community),
        no_declaration=factory.SubFactory(CommunityFactory),
    )
    category = factory.SubFactory(ServiceCategoryFactory, code="elderly_home_care")
    description = factory.Sequence(lambda n: f"Synthetic request {n}: help needed at home.")
    urgency = ServiceRequest.Urgency.NORMAL
    channel = factory.LazyAttribute(
        lambda o: (
            ServiceRequest.Channel.SELF_SERVICE
            if o.resident is not None and o.resident.user_id
            else ServiceRequest.Channel.COMMUNITY_WORKER
        )
    )
    status = ServiceRequest.Status.SUBMITTED
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    expected_completion_at = factory.LazyAttribute(
        lambda o: ServiceRequest.expected_completion_for(o.category, o.urgency, o.created_at)
    )
    resolved_at = factory.LazyAttribute(
        lambda o: (
            o.created_at + timedelta(hours=1)
            if o.status in (ServiceRequest.Status.RESOLVED, ServiceRequest.Status.CLOSED)
            else None
        )
    )

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        """``history=False`` skips the history rows."""
        if not create or extracted is False:
            return
        path = STATUS_PATHS[self.status]
        step = timedelta(minutes=10)
        RequestStatusChange.objects.bulk_create(
            RequestStatusChange(
                request=self,
                from_status=path[i - 1] if i else "",
                to_status=status,
                changed_by=self.logged_by,
                changed_at=self.created_at + i * step,
            )
            for i, status in enumerate(path)
        )


class RequestStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestStatusChange

    request = factory.SubFactory(ServiceRequestFactory, history=False)
    from_status = ""
    to_status = ServiceRequest.Status.SUBMITTED
    changed_at = factory.LazyFunction(timezone.now)
    note = ""


class IdempotencyRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdempotencyRecord

    user = factory.SubFactory(WorkerFactory)
    key = factory.Sequence(lambda n: f"synthetic-key-{n}")
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    request = factory.SubFactory(ServiceRequestFactory)


class SupplyCapacityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplyCapacity

    community = factory.SubFactory(CommunityFactory)
    category = factory.SubFactory(ServiceCategoryFactory)
    period = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    provider = SupplyCapacity.Provider.GOVERNMENT
    capacity = factory.Sequence(lambda n: 10 + n % 40)
    budget = factory.LazyAttribute(lambda o: (o.category.unit_cost or Decimal("100")) * o.capacity)
    source = SupplyCapacity.Source.MANUAL


class Open311ApiKeyFactory(factory.django.DjangoModelFactory):
    """An Open311 key. The clear key exists only on the made object, as ``raw_key``."""

    class Meta:
        model = Open311ApiKey

    owner = factory.SubFactory(WorkerFactory)
    organisation = "Synthetic organisation"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        api_key = model_class(*args, **kwargs)
        api_key.raw_key = api_key.assign_new_key()
        api_key.save()
        return api_key


# A small world with every role, for permission and flow tests ------------------------------


WITH_ASSIGNEE = (
    ServiceRequest.Status.ASSIGNED,
    ServiceRequest.Status.IN_PROGRESS,
    ServiceRequest.Status.RESOLVED,
    ServiceRequest.Status.CLOSED,
)


@dataclass
class World:
    """Two communities and one user per role (and owner/non-owner), with a request and a
    capacity in each community. ``users`` maps role names to users (``anonymous``: None)."""

    home: Community
    other: Community
    resident_owner: User
    resident_other: User
    worker_assigned: User
    worker_other: User
    admin: User
    owner_profile: Resident
    other_profile: Resident
    owner_request: ServiceRequest
    other_request: ServiceRequest
    home_capacity: SupplyCapacity
    other_capacity: SupplyCapacity

    ROLES: ClassVar[tuple[str, ...]] = (
        "anonymous",
        "resident_owner",
        "resident_other",
        "worker_assigned",
        "worker_other",
        "admin",
    )

    @property
    def users(self) -> dict[str, User | None]:
        return {
            "anonymous": None,
            "resident_owner": self.resident_owner,
            "resident_other": self.resident_other,
            "worker_assigned": self.worker_assigned,
            "worker_other": self.worker_other,
            "admin": self.admin,
        }


def make_world(*, request_status: str = ServiceRequest.Status.SUBMITTED) -> World:
    """The owner lives in ``home``, served by ``worker_assigned``; the other resident lives in
    ``other``, served by ``worker_other``. Each has one request in ``request_status``."""
    home = CommunityFactory(name="Synthetic home community")
    other = CommunityFactory(name="Synthetic other community")
    owner_profile = ResidentFactory(community=home, with_account=True)
    other_profile = ResidentFactory(community=other, with_account=True)
    worker_assigned = WorkerFactory(communities=[home])
    worker_other = WorkerFactory(communities=[other])
    category = ServiceCategoryFactory(code="elderly_home_care")
    return World(
        home=home,
        other=other,
        resident_owner=owner_profile.user,
        resident_other=other_profile.user,
        worker_assigned=worker_assigned,
        worker_other=worker_other,
        admin=AdministratorFactory(),
        owner_profile=owner_profile,
        other_profile=other_profile,
        # Assigned and later requests have their community's worker on them, as the
        # lifecycle gives them.
        owner_request=ServiceRequestFactory(
            resident=owner_profile,
            category=category,
            status=request_status,
            assigned_to=worker_assigned if request_status in WITH_ASSIGNEE else None,
        ),
        other_request=ServiceRequestFactory(
            resident=other_profile,
            category=category,
            status=request_status,
            assigned_to=worker_other if request_status in WITH_ASSIGNEE else None,
        ),
        home_capacity=SupplyCapacityFactory(community=home, category=category),
        other_capacity=SupplyCapacityFactory(community=other, category=category),
    )


def api_client(user: User | None):
    """A DRF test client signed in as ``user`` (anonymous for ``None``)."""
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client
