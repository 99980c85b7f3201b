"""How a run that covers several places is split over workers (a province run): the keys of
its partitions and the communities each one holds.

Today a partition is a city (its administrative code). Everything that needs to know what a
partition is asks here, so partitioning by another level of the area hierarchy (a district,
or the areas under an administrator's scope) changes these functions and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Q

from core.localisation import localised_name, with_code
from residents.models import City, User

# The run parameter that lists a run's partitions.
PARAM = "cities"


def choices(user: User | None) -> list[tuple[str, str]]:
    """The partitions ``user`` may analyse, as (key, name): the cities with communities in
    their scope (administrators: every city with communities)."""
    from analytics import queries

    if user is None:
        codes = City.objects.filter(communities__isnull=False)
    else:
        codes = City.objects.filter(communities__in=queries.community_scope(user))
    cities = codes.distinct().order_by("adcode")
    return [(city.adcode, with_code(localised_name(city), city.adcode)) for city in cities]


def keys_of(params: dict) -> list[str]:
    """A run's partitions, from its parameters (empty: the run is not partitioned)."""
    return sorted({str(key) for key in params.get(PARAM) or []})


def is_partitioned(params: dict) -> bool:
    """A run is split into parts when it names more than one partition; a run that names
    none (every community, as one computation) or one is computed whole, as before."""
    return len(keys_of(params)) > 1


def single(params: dict) -> str | None:
    """The one partition a run that is not split covers, when it names one (``None``: every
    community)."""
    keys = keys_of(params)
    return keys[0] if len(keys) == 1 else None


def community_q(key: str | Sequence[str] | None, path: str = "") -> Q:
    """The filter of the communities in partition ``key`` (several keys: any of them;
    ``None``: every community). ``path`` leads from the model read to its community, e.g.
    ``"community__"``."""
    if key is None:
        return Q()
    if isinstance(key, str):
        return Q(**{f"{path}city__adcode": key})
    return Q(**{f"{path}city__adcode__in": list(key)})


def key_by_community() -> dict[str, str]:
    """Each community's partition key, by community code."""
    from residents.models import Community

    return dict(Community.objects.values_list("code", "city__adcode"))


def names(keys: Iterable[str]) -> dict[str, str]:
    """Each partition's name in the reader's language."""
    return {
        city.adcode: localised_name(city) for city in City.objects.filter(adcode__in=list(keys))
    }
