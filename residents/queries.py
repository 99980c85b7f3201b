"""Reads of places and resident profiles, always scoped to the requesting user.

This module (with ``services.queries``) is the one place where roles become querysets:

* administrator (role ``admin`` or a superuser): the communities of their area
  (``User.area``: a province, city, district or street, and every area inside it), and
  everything when they have no area (a nationwide administrator) or are a superuser;
* community worker: the residents of the communities in ``user.communities``;
* resident: their own profile only;
* anyone else (anonymous, inactive): nothing.

Callers turn "not in the queryset" into 404, so the existence of other people's data never
leaks through a 403.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from core.roles import is_administrator, is_resident, is_worker
from residents import pii
from residents.consent import PORTRAIT_PURPOSE_VERSION
from residents.models import (
    Area,
    Community,
    PersonalDataAccess,
    PortraitConsent,
    Resident,
    User,
)


def served_community_ids(*, user: User) -> QuerySet:
    """The ids of the communities a worker serves, as a subquery (``community_id__in=``)."""
    return User.communities.through.objects.filter(user_id=user.pk).values("community_id")


# The one scope mechanism: which communities a member of staff answers for ------------------


def administered_area(user: User | None) -> Area | None:
    """The area an administrator is limited to; ``None`` for a nationwide administrator (no
    area), a superuser (always nationwide) and anyone who is not an administrator."""
    if not is_administrator(user) or user.is_superuser or user.area_id is None:
        return None
    return user.area


def area_communities(area: Area) -> QuerySet[Community]:
    """The communities in ``area`` or in any area inside it: one prefix comparison on the
    indexed path."""
    return Community.objects.filter(area__path__startswith=area.path)


def scoped_community_ids(*, user: User | None) -> QuerySet | None:
    """The communities a user answers for, as a subquery of ids (``community_id__in=``), or
    ``None`` for every community.

    * nationwide administrators (no area) and superusers: ``None``, every community;
    * administrators with an area: the communities inside it;
    * community workers: the communities they serve;
    * anyone else: none.

    Every scoped read (requests, residents, capacities, the queue, the map, CSV files, the
    API, Open311's private answers, analysis results, plan approval) starts here."""
    if is_administrator(user):
        area = administered_area(user)
        return None if area is None else area_communities(area).values("pk")
    if is_worker(user):
        return served_community_ids(user=user)
    return Community.objects.none().values("pk")


def scoped_community_id_set(*, user: User | None) -> set[int] | None:
    """``scoped_community_ids`` evaluated: the ids themselves, or ``None`` for every community.

    The subquery's one column is the community id under different names (a worker's is the
    link table's ``community_id``; its ``pk`` is the link's own id), so it is read through
    ``Community``, never with ``values_list("pk")`` on the subquery."""
    scope = scoped_community_ids(user=user)
    if scope is None:
        return None
    return set(Community.objects.filter(pk__in=scope).values_list("pk", flat=True))


def within_scope(queryset: QuerySet, *, user: User | None, field: str = "community") -> QuerySet:
    """``queryset`` cut to the communities ``user`` answers for (``scoped_community_ids``);
    ``field`` names the queryset's path to its community (``"pk"`` for communities)."""
    ids = scoped_community_ids(user=user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": ids})


def user_serves_community(*, user: User, community_id: int | None) -> bool:
    """May this user act for this community: administrators within their area (nationwide:
    any), workers for the communities they serve."""
    if community_id is None or not (is_administrator(user) or is_worker(user)):
        return False
    return within_scope(Community.objects.filter(pk=community_id), user=user, field="pk").exists()


def communities_outside_scope(*, user: User, community_ids) -> set[int]:
    """Which of ``community_ids`` the user does not answer for (empty: all within)."""
    wanted = {int(pk) for pk in community_ids if pk is not None}
    if not wanted:
        return set()
    inside = set(
        within_scope(Community.objects.filter(pk__in=wanted), user=user, field="pk").values_list(
            "pk", flat=True
        )
    )
    return wanted - inside


def administrators(*, community_id: int | None = None) -> QuerySet[User]:
    """Active administrators (superusers included); with ``community_id``, those who answer
    for that community: nationwide ones and those whose area holds it."""
    admins = User.objects.filter(
        Q(role=User.Role.ADMIN) | Q(is_superuser=True), is_active=True
    ).order_by("pk")
    if community_id is None:
        return admins
    path = (
        Community.objects.filter(pk=community_id).values_list("area__path", flat=True).first() or ""
    )
    # The areas holding the community are the prefixes of its path ("51/", "51/5101/" ...).
    holding = [path[: i + 1] for i, char in enumerate(path) if char == "/"]
    return admins.filter(Q(is_superuser=True) | Q(area__isnull=True) | Q(area__path__in=holding))


def account_in_area(*, account: User, area: Area | None) -> bool:
    """Whether an account falls inside ``area`` (``None``: the whole country): an
    administrator's own area lies within it, a worker serves only communities inside it, a
    resident lives in it."""
    if area is None:
        return True
    if account.is_superuser:
        return False
    if account.role == User.Role.ADMIN:
        return account.area_id is not None and area.contains(account.area)
    if account.pk is None:
        return True
    outside = Q(~Q(area__path__startswith=area.path) | Q(area__isnull=True))
    if account.role == User.Role.WORKER:
        return not account.communities.filter(outside).exists()
    profile = Resident.objects.filter(user_id=account.pk).select_related("community").first()
    return profile is None or area_communities(area).filter(pk=profile.community_id).exists()


def account_list(*, user: User) -> QuerySet[User]:
    """The logins an administrator manages: all for a nationwide one; for one with an area,
    the accounts inside it (``account_in_area``): administrators of areas within theirs,
    workers serving only communities there, residents living there."""
    accounts = User.objects.select_related("area").order_by("username")
    if not is_administrator(user):
        return accounts.none()
    area = administered_area(user)
    if area is None:
        return accounts
    inside = area_communities(area).values("pk")
    outside_communities = Community.objects.exclude(pk__in=inside).values("pk")
    return (
        accounts.filter(is_superuser=False)
        .filter(
            Q(role=User.Role.ADMIN, area__path__startswith=area.path)
            | (Q(role=User.Role.WORKER) & ~Q(communities__in=outside_communities))
            | Q(role=User.Role.RESIDENT, resident_profile__community__in=inside)
        )
        .distinct()
    )


def answers_for_everything(*, user: User | None) -> bool:
    """Whether the user answers for every community and every login: a nationwide
    administrator (no area) or a superuser."""
    return is_administrator(user) and administered_area(user) is None


def scoped_account_ids(*, user: User | None) -> QuerySet | None:
    """The logins a member of staff may see and manage (``account_list``), as a subquery of
    ids (``user_id__in=``), or ``None`` for every login (``answers_for_everything``)."""
    if answers_for_everything(user=user):
        return None
    return account_list(user=user).order_by().values("pk")


def area_choices(*, user: User) -> QuerySet[Area]:
    """The areas an administrator may give others: inside their own (nationwide: any)."""
    areas = Area.objects.order_by("path")
    if not is_administrator(user):
        return areas.none()
    area = administered_area(user)
    return areas if area is None else areas.filter(path__startswith=area.path)


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
    if user is None or is_resident(user):
        return communities
    return within_scope(communities, user=user, field="pk")


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
    if is_administrator(user) or is_worker(user):
        return within_scope(residents, user=user, field="community_id")
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
    """The personal-data audit log, for administrators only: the whole log for a nationwide
    one; for one with an area, the entries about residents of their area (purges, which
    concern no one resident, are the nationwide administrators')."""
    if not is_administrator(user):
        return PersonalDataAccess.objects.none()
    log = PersonalDataAccess.objects.select_related("accessor__area", "resident__community")
    if administered_area(user) is None:
        return log
    return within_scope(log, user=user, field="resident__community_id")
