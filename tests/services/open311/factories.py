"""Factories for the Open311 tests. All data here is synthetic."""

from __future__ import annotations

import factory
from django.utils import timezone

from residents.models import City, Community, Region, User
from services.models import ServiceCategory, ServiceRequest


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "east"
    name = "East"
    name_zh = "华东"
    order = 3


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("adcode",)

    adcode = "320100"
    name = "南京市"
    province = "江苏省"
    region = factory.SubFactory(RegionFactory)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    city = factory.SubFactory(CityFactory)
    code = factory.Sequence(lambda n: f"SYN-{n:04d}")
    name = factory.Sequence(lambda n: f"Synthetic Community {n}")
    district = "Synthetic District"
    kind = Community.Kind.URBAN
    population = 5000
    households = 2000
    latitude = None
    longitude = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.WORKER

    @factory.post_generation
    def communities(self, create, extracted, **kwargs):
        if create and extracted:
            self.communities.set(extracted)


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRequest

    community = factory.SubFactory(CommunityFactory)
    category = factory.LazyFunction(lambda: ServiceCategory.objects.get(code="water_supply"))
    description = "Synthetic request: no water since this morning."
    channel = ServiceRequest.Channel.SELF_SERVICE
    created_at = factory.LazyFunction(timezone.now)
