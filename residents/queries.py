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

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from core.roles import is_administrator, is_resident, is_worker
from residents import pii
from residents.consent import PORTRAIT_PURPOSE_VERSION
from residents.models import Community, PersonalDataAccess, PortraitConsent, Resident, User


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


def _standing_consents() -> Prefetch:
    """Each listed resident's standing consent to the current purpose, in one query for the
    whole page (``Resident.standing_portrait_consents``)."""
    return Prefetch(
        "portrait_consents",
        queryset=PortraitConsent.objects.filter(
            withdrawn_at__isnull=True, version=PORTRAIT_PURPOSE_VERSION
        ),
        to_attr="standing_portrait_consents",
    )


def resident_list(*, user: User) -> QuerySet[Resident]:
    residents = Resident.objects.select_related("community").prefetch_related(_standing_consents())
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


def standing_portrait_consent(resident: Resident) -> PortraitConsent | None:
    """The resident's consent to the current purpose, if it stands."""
    prefetched = getattr(resident, "standing_portrait_consents", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return (
        PortraitConsent.objects.filter(
            resident=resident, withdrawn_at__isnull=True, version=PORTRAIT_PURPOSE_VERSION
        )
        .order_by("-given_at")
        .first()
    )


def residents_with_portrait_consent() -> QuerySet[Resident]:
    """The residents whose facts analysis may use: not erased, and with a standing consent to
    the current version of the purpose. Every analysis reads residents through this."""
    standing = PortraitConsent.objects.filter(
        resident=OuterRef("pk"), withdrawn_at__isnull=True, version=PORTRAIT_PURPOSE_VERSION
    )
    return Resident.objects.filter(Exists(standing), erased_at__isnull=True)


def portrait_consent_history(*, user: User, resident: Resident) -> QuerySet[PortraitConsent]:
    """Every consent the resident gave or withdrew, newest first, if the user may see the
    resident (``resident_get``'s scope)."""
    if resident_get(user=user, pk=resident.pk) is None:
        return PortraitConsent.objects.none()
    return PortraitConsent.objects.filter(resident=resident).select_related("recorded_by")


def own_access_log(*, user: User) -> QuerySet[PersonalDataAccess]:
    """Who saw, downloaded or erased the signed-in resident's personal data, and when."""
    resident = resident_own_profile(user=user)
    if resident is None or not is_resident(user):
        return PersonalDataAccess.objects.none()
    return PersonalDataAccess.objects.filter(
        resident=resident, action__in=PersonalDataAccess.RESIDENT_VISIBLE_ACTIONS
    ).select_related("accessor")


def audit_log(*, user: User) -> QuerySet[PersonalDataAccess]:
    """The whole personal-data audit log, for administrators only."""
    if not is_administrator(user):
        return PersonalDataAccess.objects.none()
    return PersonalDataAccess.objects.select_related("accessor", "resident__community")
