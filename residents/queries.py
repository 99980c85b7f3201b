"""Reads of places and resident profiles, always scoped to the requesting user.

This module (with ``services.queries``) is the one place where roles become querysets:

* administrator (role ``admin`` or a superuser): everything;
* community worker: the residents of the communities in ``user.communities``;
* resident: their own profile only;
* anyone else (anonymous, inactive): nothing.

Callers turn "not in the queryset" into 404, so the existence of other people's data never
leaks through a 403.
"""

from __future__ import annotations

from django.db.models import QuerySet

from core.roles import is_administrator, is_resident, is_worker
from residents import pii
from residents.models import Community, Resident, User


def served_community_ids(*, user: User) -> QuerySet:
    """The ids of the communities a worker serves, as a subquery (``community_id__in=``)."""
    return User.communities.through.objects.filter(user_id=user.pk).values("community_id")


def user_serves_community(*, user: User, community_id: int | None) -> bool:
    """May this user act for this community: administrators always, workers for their own."""
    if is_administrator(user):
        return True
    if not is_worker(user) or community_id is None:
        return False
    return User.communities.through.objects.filter(
        user_id=user.pk, community_id=community_id
    ).exists()


def community_list(*, user: User | None = None) -> QuerySet[Community]:
    """Communities are public reference data (name, city, population): every signed-in user
    may list them. What a worker may *act* for is ``community_choices``."""
    return Community.objects.select_related("city__region").order_by("city__adcode", "code")


def community_choices(*, user: User | None = None) -> QuerySet[Community]:
    """The communities a user may file things for.

    Without a user (sign-up) and for residents: every community, since people choose where
    they live. Workers: the communities they serve. Administrators: all.
    """
    communities = Community.objects.select_related("city").order_by("city__adcode", "code")
    if user is None or is_administrator(user) or is_resident(user):
        return communities
    if is_worker(user):
        return communities.filter(pk__in=served_community_ids(user=user))
    return communities.none()


def resident_list(*, user: User) -> QuerySet[Resident]:
    residents = Resident.objects.select_related("community")
    if is_administrator(user):
        return residents
    if is_worker(user):
        return residents.filter(community_id__in=served_community_ids(user=user))
    if is_resident(user):
        return residents.filter(user_id=user.pk)
    return residents.none()


def resident_get(*, user: User, pk: int) -> Resident | None:
    """A resident the user may see, or ``None`` (the caller answers 404)."""
    try:
        return resident_list(user=user).get(pk=pk)
    except (Resident.DoesNotExist, ValueError, TypeError):
        return None


def resident_own_profile(*, user: User) -> Resident | None:
    if user is None or not user.is_authenticated:
        return None
    return Resident.objects.select_related("community").filter(user_id=user.pk).first()


def resident_list_by_identifier(
    *, user: User, national_id: str = "", phone: str = ""
) -> QuerySet[Resident]:
    """Exact match on an already validated, normalised identifier, through its keyed hash,
    within what the user may see. Identifiers are never listed or scanned."""
    residents = resident_list(user=user)
    if national_id:
        return residents.filter(national_id_hash=pii.lookup_hash(national_id))
    if phone:
        return residents.filter(phone_hash=pii.lookup_hash(phone)).order_by("-updated_at", "-id")
    return residents.none()


def demo_city_present() -> bool:
    """Whether the database holds the SYNTHETIC demo city (``seed_demo``): then the pages say
    so, and analyses computed on its data are labelled synthetic."""
    return Community.objects.filter(code__startswith=Community.DEMO_CODE_PREFIX).exists()
