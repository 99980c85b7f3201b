"""Writes to resident profiles and accounts.

Every action takes the acting user, checks what that user's role may do, validates the whole
input before writing anything, and runs in one transaction: bad input raises a
``ValidationError`` naming the fields, and nothing is written. Messages never quote a name,
phone number or ID number.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionNotAllowed, LimitReached, RowsInvalid, StateConflict
from core.roles import is_administrator, is_resident, is_worker
from geography import AreaLevel, load_prefecture_cities
from residents import pii, privileges
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
from residents.queries import (
    account_in_area,
    administered_area,
    answers_for_everything,
    communities_outside_scope,
    resident_list_by_identifier,
    user_serves_community,
)
from residents.reference import area_for_place, region_code, sync_areas
from residents.signals import (
    CredentialsEnded,
    password_replaced,
    portrait_withdrawn,
    resident_erased,
)

IDENTIFIER_FIELDS = ("name", "phone", "national_id")
# What every profile holds: where the person lives and how to reach them about a request.
# The portrait facts (``PORTRAIT_FIELDS``) are written only with consent, by
# ``resident_portrait_save``.
PROFILE_FIELDS = ("community", "preferred_channel")
UPDATABLE_FIELDS = frozenset(IDENTIFIER_FIELDS + PROFILE_FIELDS)
NAME_MAX_LENGTH = 100
IMPORT_BATCH_SIZE = 2_000


def _check_may_file_for(*, user: User, community: Community) -> None:
    """Workers file profiles for the communities they serve; a resident for themself."""
    if is_resident(user):
        return
    if not user_serves_community(user=user, community_id=community.pk):
        raise ValidationError(
            {"community": _("You can only file profiles for the communities you serve.")}
        )


def _field_errors(resident: Resident, *, known_community: bool = False) -> dict[str, list[str]]:
    """Every field's rules (identifiers normalised in place, choices, ranges): the same for one
    profile and for each row of a bulk import. ``known_community``: the caller already holds
    the community (a bulk import resolves them all at once), so no query per row checks it."""
    errors: dict[str, list[str]] = {}
    if len(resident.name or "") > NAME_MAX_LENGTH:
        errors["name"] = [
            _("Ensure the name has at most %(max)d characters.") % {"max": NAME_MAX_LENGTH}
        ]
    try:
        resident.full_clean(
            exclude=["user", "created_by", *(["community"] if known_community else []), *errors],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    return errors


def _duplicate_message() -> str:
    return _("A resident with this national ID number is already registered.")


def _validate_and_save(
    resident: Resident, *, user: User, previous_id_hash: str | None = None
) -> Resident:
    """Validate every field (identifiers normalised, choices, ranges, one profile per national
    ID) and save. Raises one ``ValidationError`` with all field errors, writes nothing then.

    Checking a new national ID against the registered ones could tell whether someone holds
    it, so it takes one use of ``user``'s identifier allowance first (``LimitReached``)."""
    errors = _field_errors(resident)
    if errors:
        raise ValidationError(errors)
    resident.refresh_lookup_hashes()
    if resident.national_id_hash and resident.national_id_hash != previous_id_hash:
        _identifier_lookup_allowance_take(user, number_hash=resident.national_id_hash)
    duplicate_message = _duplicate_message()
    if (
        resident.national_id_hash
        and Resident.objects.filter(national_id_hash=resident.national_id_hash)
        .exclude(pk=resident.pk)
        .exists()
    ):
        raise ValidationError({"national_id": [duplicate_message]})
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        # A concurrent insert of the same national ID won the race the check above lost.
        raise ValidationError({"national_id": [duplicate_message]}) from None
    return resident


@dataclass(frozen=True)
class PortraitAnswers:
    """The portrait facts, all given together with consent to the stated purpose (an answer
    such as "other or not stated" is one of the choices; leaving one out is not)."""

    birth_year: int
    gender: str
    household_size: int
    children_in_household: int
    elderly_living_alone: bool
    employment_status: str
    income_band: str
    education: str
    health_needs: str
    hukou_type: str


assert tuple(PortraitAnswers.__dataclass_fields__) == PORTRAIT_FIELDS


def _portrait_consent_record(*, user: User, resident: Resident) -> PortraitConsent:
    """The standing consent to the current purpose; recorded now if there is none (an
    older version's is withdrawn: consent is to one stated purpose)."""
    standing = PortraitConsent.objects.select_for_update().filter(
        resident=resident, withdrawn_at__isnull=True
    )
    current = next((c for c in standing if c.version == PORTRAIT_PURPOSE_VERSION), None)
    if current is not None:
        return current
    standing.update(withdrawn_at=timezone.now())
    return PortraitConsent.objects.create(
        resident=resident, version=PORTRAIT_PURPOSE_VERSION, recorded_by=user
    )


@transaction.atomic
def resident_create(
    *,
    user: User,
    community: Community,
    preferred_channel: str = "",
    name: str = "",
    phone: str = "",
    national_id: str = "",
    portrait: PortraitAnswers | None = None,
) -> Resident:
    """Create a resident profile.

    Workers create profiles (without a login) in the communities they serve; administrators
    anywhere; a resident with a login but no profile creates their own, linked to the login.
    ``preferred_channel`` left blank is ``Resident.channel_unless_told`` (the worker for a
    profile without a login).
    ``portrait`` (optional) also records the person's consent to its purpose, given to
    ``user``: the resident themself, or the worker they told in person.
    """
    if is_resident(user):
        if Resident.objects.filter(user_id=user.pk).exists():
            raise ActionNotAllowed(_("You already have a resident profile; edit it instead."))
        account = user
    elif is_worker(user) or is_administrator(user):
        account = None
    else:
        raise ActionNotAllowed(_("You may not create resident profiles."))
    _check_may_file_for(user=user, community=community)
    resident = Resident(
        user=account,
        community=community,
        name=(name or "").strip(),
        phone=phone or "",
        national_id=national_id or "",
        preferred_channel=preferred_channel
        or Resident.channel_unless_told(has_login=account is not None),
        created_by=user,
    )
    if portrait is None:
        return _validate_and_save(resident, user=user)
    return _portrait_save(user=user, resident=resident, portrait=portrait)


def _portrait_save(
    *,
    user: User,
    resident: Resident,
    portrait: PortraitAnswers,
    previous_id_hash: str | None = None,
) -> Resident:
    answers = asdict(portrait)
    missing = [field for field, value in answers.items() if value is None or value == ""]
    if missing:
        raise ValidationError(
            {field: [_("Answer this too, or do not share these facts.")] for field in missing}
        )
    for field, value in answers.items():
        setattr(resident, field, value)
    resident = _validate_and_save(resident, user=user, previous_id_hash=previous_id_hash)
    _portrait_consent_record(user=user, resident=resident)
    return resident


@transaction.atomic
def resident_portrait_save(
    *, user: User, resident: Resident, portrait: PortraitAnswers
) -> Resident:
    """Store the portrait facts with the person's consent to their stated purpose (recorded
    with its version and time, by ``user``: the resident, or a worker they told in person).
    Residents for themselves; workers for their communities; administrators."""
    _check_may_edit(user=user, resident=resident)
    if resident.erased_at is not None:
        raise StateConflict(_("This profile was erased at the resident's request."))
    # The national ID is unchanged here: no identifier check is spent on it.
    return _portrait_save(
        user=user,
        resident=resident,
        portrait=portrait,
        previous_id_hash=resident.national_id_hash,
    )


def portrait_consents_import(
    *, residents: list[Resident], recorded_by: User | None, given_at
) -> list[PortraitConsent]:
    """Consent recorded for newly imported residents whose rows said they gave it (the
    bulk import's ``portrait_consent`` column), to the current purpose version."""
    return PortraitConsent.objects.bulk_create(
        [
            PortraitConsent(
                resident=resident,
                version=PORTRAIT_PURPOSE_VERSION,
                given_at=given_at,
                recorded_by=recorded_by,
            )
            for resident in residents
        ],
        batch_size=2000,
    )


@transaction.atomic
def residents_seed(*, residents: Sequence[Resident], consented_at) -> list[Resident]:
    """Write generated SYNTHETIC residents in bulk, each consenting to the current portrait
    purpose (the demo's seed; real residents come through ``resident_create`` or the bulk
    import, which check each person's row). Each must belong to a community and carry the
    lookup hashes of its identifiers, as the single path stores them."""
    for index, resident in enumerate(residents):
        if resident.community_id is None:
            raise ValueError(f"resident {index}: no community")
        if resident.national_id and not resident.national_id_hash:
            raise ValueError(f"resident {index}: identifiers without their lookup hashes")
    created = Resident.objects.bulk_create(residents, batch_size=2000)
    portrait_consents_import(residents=created, recorded_by=None, given_at=consented_at)
    return created


@transaction.atomic
def resident_portrait_withdraw(*, user: User, resident: Resident) -> Resident:
    """Withdraw consent: the portrait facts are cleared, the resident leaves every later
    analysis (``residents_with_portrait_consent``) and the segments earlier portrait runs
    gave them are deleted. Works without a standing consent too (facts stored before
    consent was asked for are cleared the same way)."""
    _check_may_edit(user=user, resident=resident)
    return _portrait_withdraw(resident)


def _portrait_withdraw(resident: Resident) -> Resident:
    PortraitConsent.objects.filter(resident=resident, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    resident.portrait_clear()
    resident.save(update_fields=[*PORTRAIT_FIELDS, "updated_at"])
    # The analytics app forgets the segments its runs gave the resident (its own action).
    portrait_withdrawn.send(sender=Resident, resident=resident)
    return resident


@transaction.atomic
def residents_import(*, user: User, rows: Sequence[Mapping[str, Any]]) -> int:
    """Create many resident profiles at once (a bulk upload by staff), all or none.

    Each row holds ``resident_create``'s keyword arguments (``community_id`` for the
    community; the portrait facts as fields, with ``portrait_consent`` true, which records
    the consent for ``user``) and passes its checks: a community the user serves, every field's rules, one
    profile per national ID (in the database and within the rows). Problems raise
    ``RowsInvalid`` naming each row's fields; otherwise all rows are written in one go.
    Returns how many were created."""
    if not (is_worker(user) or is_administrator(user)):
        raise ActionNotAllowed(_("Only community workers and administrators may bulk import."))
    communities = set(
        Community.objects.filter(pk__in={row.get("community_id") for row in rows}).values_list(
            "pk", flat=True
        )
    )
    # Only the communities the rows name are checked against the scope (an administrator's
    # scope can hold tens of thousands).
    outside = communities_outside_scope(user=user, community_ids=communities)
    now = timezone.now()
    problems: dict[int, dict[str, list[str]]] = {}
    residents: list[Resident] = []
    consenting: list[Resident] = []
    first_row_of_id: dict[str, int] = {}
    for index, row in enumerate(rows):
        row = dict(row)
        consented = bool(row.pop("portrait_consent", False))
        # Imported profiles have no login: reached through the worker unless the row says.
        row["preferred_channel"] = row.get("preferred_channel") or Resident.channel_unless_told(
            has_login=False
        )
        resident = Resident(created_by=user, created_at=now, **row)
        resident.name = (resident.name or "").strip()
        errors = _field_errors(resident, known_community=True)
        portrait = {name: getattr(resident, name) for name in PORTRAIT_FIELDS}
        if consented:
            consenting.append(resident)
            for name, value in portrait.items():
                if value is None or value == "":
                    errors.setdefault(name, []).append(
                        _("With consent, every portrait fact is needed.")
                    )
        elif any(value is not None and value != "" for value in portrait.values()):
            errors.setdefault("portrait_consent", []).append(
                _(
                    "Portrait facts are kept only with the person's consent: enter yes, or "
                    "leave them out."
                )
            )
        if resident.community_id not in communities:
            errors["community"] = [_("Choose the community the profile is for.")]
        elif resident.community_id in outside:
            errors["community"] = [_("You can only file profiles for the communities you serve.")]
        resident.refresh_lookup_hashes()
        if (
            resident.national_id_hash
            and "national_id" not in errors
            and first_row_of_id.setdefault(resident.national_id_hash, index) != index
        ):
            errors["national_id"] = [_duplicate_message()]
        if errors:
            problems[index] = errors
        residents.append(resident)
    registered = set(
        Resident.objects.filter(national_id_hash__in=set(first_row_of_id)).values_list(
            "national_id_hash", flat=True
        )
    )
    # Naming the rows whose number is registered confirms those numbers: metered like a
    # lookup (LimitReached names no row).
    identifier_checks_take(
        user=user,
        number_hashes=[r.national_id_hash for r in residents if r.national_id_hash in registered],
    )
    for index, resident in enumerate(residents):
        if resident.national_id_hash in registered:
            problems.setdefault(index, {}).setdefault("national_id", [_duplicate_message()])
    if problems:
        raise RowsInvalid(problems)
    created = Resident.objects.bulk_create(residents, batch_size=IMPORT_BATCH_SIZE)
    portrait_consents_import(residents=consenting, recorded_by=user, given_at=now)
    return len(created)


# A sign-up's user name is the name the person chose, a hyphen and this many random digits.
SIGNUP_CODE_DIGITS = 6
SIGNUP_NAME_MAX_LENGTH = User._meta.get_field("username").max_length - 1 - SIGNUP_CODE_DIGITS
SIGNUP_CODE_ATTEMPTS = 20


def _signup_username(chosen: str) -> str:
    """``chosen`` with a random code (``alice-402817``) no login has.

    Sign-up is open to anyone, so it must not say whether a user name exists: it never
    refuses a name as taken, and takes the same steps whatever names exist (the code makes
    the name free; only a clash of codes, one in a million, draws another)."""
    for _attempt in range(SIGNUP_CODE_ATTEMPTS):
        candidate = f"{chosen}-{secrets.randbelow(10**SIGNUP_CODE_DIGITS):0{SIGNUP_CODE_DIGITS}d}"
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    raise StateConflict(_("Your account could not be created just now. Please try again."))


@transaction.atomic
def resident_signup(
    *, username: str, password: str, client_address: str = "", **profile: Any
) -> User:
    """A resident's own sign-up: a login with the resident role and their profile.

    The login's user name is ``username`` with a random code added (``_signup_username``):
    the answer is the same whether or not someone already has the name chosen, so sign-up
    cannot be used to find out who has an account. The caller shows the person the name.

    ``profile`` takes the keyword arguments of ``resident_create`` (without ``user``). A
    sign-up that gives an ID number takes one use of its client address's hourly allowance
    first (``LimitReached``): an anonymous form must not test ID numbers unmetered.
    """
    errors: dict[str, list[str]] = {}
    chosen = (username or "").strip()
    account = User(username=chosen, role=User.Role.RESIDENT)
    try:
        account.clean_fields(exclude=[f.name for f in User._meta.fields if f.name != "username"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "username" not in errors and len(chosen) > SIGNUP_NAME_MAX_LENGTH:
        errors["username"] = [
            _("Choose a user name of at most %(limit)d characters.")
            % {"limit": SIGNUP_NAME_MAX_LENGTH}
        ]
    if not errors:
        account.username = _signup_username(chosen)
    try:
        validate_password(password, user=account)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    if profile.get("national_id"):
        _signup_allowance_take(
            client_address, pii.lookup_hash(pii.normalise_national_id(profile["national_id"]))
        )
    account.set_password(password)
    account.save()
    resident_create(user=account, **profile)
    return account


def _check_may_edit(*, user: User, resident: Resident) -> None:
    if user_serves_community(user=user, community_id=resident.community_id):
        return
    if is_resident(user) and resident.user_id == user.pk:
        return
    raise ActionNotAllowed(_("You may not change this resident's profile."))


@transaction.atomic
def resident_update(*, user: User, resident: Resident, **changes: Any) -> Resident:
    """Change profile fields and identifiers. Only the given fields change; an identifier
    given as ``""`` is cleared. Residents edit their own profile; workers the profiles of
    their communities (and may move one only to another community they serve)."""
    unknown = sorted(set(changes) - UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"resident_update() got unexpected fields: {', '.join(unknown)}")
    _check_may_edit(user=user, resident=resident)
    if resident.erased_at is not None:
        raise StateConflict(_("This profile was erased at the resident's request."))
    if "community" in changes and changes["community"].pk != resident.community_id:
        _check_may_file_for(user=user, community=changes["community"])
    previous_id_hash = resident.national_id_hash
    for field, value in changes.items():
        if field in IDENTIFIER_FIELDS:
            value = (value or "").strip() if field == "name" else (value or "")
        setattr(resident, field, value)
    return _validate_and_save(resident, user=user, previous_id_hash=previous_id_hash)


def _account_close(account: User) -> None:
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=account).delete()
    account.username = f"erased-{account.pk}"
    account.first_name = account.last_name = account.email = ""
    account.is_active = False
    account.set_unusable_password()
    account.save()


@transaction.atomic
def resident_erase(
    *,
    user: User,
    resident: Resident | None,
    delete_account: bool = True,
    channel: str = PersonalDataAccess.Channel.WEB,
) -> Resident | None:
    """The resident's "delete my account and personal data".

    Clears name, phone and ID number (and their lookup hashes), unlinks and deactivates the
    login (its user name and names are scrubbed too, and its API tokens deleted), clears the
    portrait facts and withdraws consent to their use, and strips the free text of the
    resident's requests. The community and the requests' categories, dates, statuses and
    ratings stay, so statistics keep their counts without the person. The erasure is
    recorded in the personal-data audit log (who, when, how; nothing erased).

    Allowed to the resident themself and to administrators. A resident login without a
    profile (``resident=None``) only has its login closed.
    """
    if resident is None:
        if not is_resident(user):
            raise ActionNotAllowed(_("Only a resident may close their own account this way."))
        if delete_account:
            _account_close(user)
        return None
    if not (
        (
            is_administrator(user)
            and user_serves_community(user=user, community_id=resident.community_id)
        )
        or (is_resident(user) and resident.user_id == user.pk)
    ):
        raise ActionNotAllowed(_("Only the resident or an administrator may erase a profile."))
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    account = resident.user
    resident.name = resident.phone = resident.national_id = ""
    resident.user = None
    resident.erased_at = resident.erased_at or timezone.now()
    resident.save()  # save() recomputes the (now empty) lookup hashes
    _portrait_withdraw(resident)
    # The services app strips the free text of the person's requests (its own action).
    resident_erased.send(sender=Resident, resident=resident)
    PersonalDataAccess.objects.create(
        accessor=user,
        resident=resident,
        action=PersonalDataAccess.Action.ERASE,
        channel=channel,
    )
    if account is not None and delete_account:
        _account_close(account)
    return resident


@transaction.atomic
def resident_identifiers_reveal(
    *,
    user: User,
    resident: Resident,
    channel: str = PersonalDataAccess.Channel.WEB,
) -> dict[str, str]:
    """Return a resident's identifiers in clear, and record who saw them, when, and through
    which channel (never the identifiers). Workers for their communities; administrators."""
    if not user_serves_community(user=user, community_id=resident.community_id):
        raise ActionNotAllowed(_("You may not see this resident's identifiers."))
    if channel not in PersonalDataAccess.Channel.values:
        raise ValueError(f"unknown access channel {channel!r}")
    PersonalDataAccess.objects.create(accessor=user, resident=resident, channel=channel)
    return {
        "name": resident.name,
        "phone": resident.phone,
        "national_id": resident.national_id,
    }


def personal_data_purge_record(*, records: int) -> PersonalDataAccess | None:
    """Record in the audit log what the retention policy purged (nothing when nothing)."""
    if records <= 0:
        return None
    return PersonalDataAccess.objects.create(
        accessor=None,
        resident=None,
        action=PersonalDataAccess.Action.PURGE,
        channel=PersonalDataAccess.Channel.TASK,
        records=records,
    )


@transaction.atomic
def resident_data_export_record(
    *, user: User, channel: str = PersonalDataAccess.Channel.WEB
) -> Resident | None:
    """The signed-in resident's own profile, about to be downloaded in full (``None``
    without one); the download is recorded in the audit log, so it shows in their access
    log. (``services.personal_data`` gathers the data.)"""
    if not is_resident(user):
        raise ActionNotAllowed(_("Only a resident may download their own data."))
    resident = Resident.objects.filter(user_id=user.pk).select_related("community").first()
    if resident is None:
        return None
    PersonalDataAccess.objects.create(
        accessor=user, resident=resident, action=PersonalDataAccess.Action.EXPORT, channel=channel
    )
    return resident


def normalised_identifier(*, national_id: str = "", phone: str = "") -> dict[str, str]:
    """Exactly one identifier, validated and normalised, keyed by its kind. The messages
    name the field and never repeat the value."""
    national_id, phone = (national_id or "").strip(), (phone or "").strip()
    if bool(national_id) == bool(phone):
        raise ValidationError(
            _("Give either a national ID number or a phone number, not both.")
            if national_id
            else _("Give a national ID number or a phone number.")
        )
    if national_id:
        try:
            return {"national_id": pii.validate_national_id(national_id)}
        except ValidationError as exc:
            raise ValidationError({"national_id": exc.messages}) from None
    try:
        return {"phone": pii.validate_phone(phone)}
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None


def _allowance_take(*, holder: str, limit: int, message: str, number_hash: str = "") -> None:
    """Count one use against ``holder``'s allowance for this clock hour, or raise
    ``LimitReached`` (``message`` formatted with ``limit`` and ``minutes``) once it is used
    up. The count lives in the shared cache (Redis in production, so every server process
    sees it).

    With ``number_hash`` (the keyed hash of the number entered) a number counts once per
    hour: checking it again tells nothing new, and one edit passing through a form's check
    and then the action's is one check, not two."""
    now = time.time()
    window = int(now // 3600)
    if number_hash and not cache.add(
        f"identifier-checked:{holder}:{window}:{number_hash}", 1, timeout=3600 + 60
    ):
        return
    key = f"identifier-checks:{holder}:{window}"
    cache.add(key, 0, timeout=3600 + 60)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.set(key, 1, timeout=3600 + 60)
        used = 1
    if used > limit:
        retry_after = int((window + 1) * 3600 - now) + 1
        raise LimitReached(
            message % {"limit": limit, "minutes": -(-retry_after // 60)},
            retry_after=retry_after,
        )


def _identifier_lookup_allowance_take(user: User, *, number_hash: str = "") -> None:
    """Count one lookup or check of an identifier against the user's hourly allowance
    (a check of an entered number once per number, see ``_allowance_take``).

    Every path that can confirm that an ID number is registered (lookups, creating or
    changing a profile with an ID, bulk import, admin) takes from it, so none of them is an
    unmetered oracle. Workers and administrators get ``IDENTIFIER_LOOKUPS_PER_HOUR``;
    residents, who only ever enter their own number, ``SELF_SERVICE_IDENTIFIER_CHECKS_PER_HOUR``.
    """
    staff = is_worker(user) or is_administrator(user)
    _allowance_take(
        holder=f"user:{user.pk}",
        limit=(
            settings.IDENTIFIER_LOOKUPS_PER_HOUR
            if staff
            else settings.SELF_SERVICE_IDENTIFIER_CHECKS_PER_HOUR
        ),
        message=_(
            "You have looked up or entered ID or phone numbers %(limit)d times this hour, the "
            "most allowed. Try again in %(minutes)d minutes."
        ),
        number_hash=number_hash,
    )


def identifier_checks_take(*, user: User, number_hashes: Iterable[str]) -> None:
    """Count each entered number (by its keyed hash) against the user's allowance: a bulk
    import's already-registered ID numbers, or one the admin form is about to check. Raises
    ``LimitReached`` if they do not all fit, without saying which rows matched."""
    for number_hash in dict.fromkeys(h for h in number_hashes if h):
        _identifier_lookup_allowance_take(user, number_hash=number_hash)


def _signup_allowance_take(client_address: str, number_hash: str) -> None:
    """Anonymous sign-ups that give an ID number, per client address and hour."""
    _allowance_take(
        holder=f"address:{client_address or 'unknown'}",
        number_hash=number_hash,
        limit=settings.SELF_SERVICE_IDENTIFIER_CHECKS_PER_HOUR,
        message=_(
            "Too many sign-ups with an ID number from your network this hour. Try again in "
            "%(minutes)d minutes, or ask your community office."
        ),
    )


@transaction.atomic
def residents_find_by_identifier(
    *, user: User, national_id: str = "", phone: str = ""
) -> QuerySet[Resident]:
    """The residents with exactly this national ID or phone, through the keyed hash, inside
    the user's scope (workers: their communities); several people may share a phone, the
    most recently updated first. Each call counts against the user's hourly allowance of
    identifier lookups (``LimitReached`` once it is used up)."""
    if not (is_worker(user) or is_administrator(user)):
        raise ActionNotAllowed(_("Only community workers and administrators look residents up."))
    identifier = normalised_identifier(national_id=national_id, phone=phone)
    _identifier_lookup_allowance_take(user)
    return resident_list_by_identifier(user=user, **identifier)


def resident_find_by_identifier(
    *, user: User, national_id: str = "", phone: str = ""
) -> Resident | None:
    """``residents_find_by_identifier``'s first match, or ``None`` when nobody matches."""
    return residents_find_by_identifier(user=user, national_id=national_id, phone=phone).first()


# Places and accounts, kept by administrators (the admin site) --------------------------------


@transaction.atomic
def areas_load(*, max_level: int = AreaLevel.STREET, provinces: Sequence[str] | None = None) -> int:
    """Load the administrative-division tree (``geography/areas.csv``) down to ``max_level``
    for ``provinces`` (codes or two-digit prefixes; ``None``: all): the areas the table lacks
    are added, the others left alone, so it may run again. Returns how many were added. The
    data migration loads provinces, cities and districts; streets and townships come from
    here (``manage.py load_areas``)."""
    return sync_areas(Area, max_level=max_level, provinces=provinces)


def _check_administrator(user: User) -> None:
    if not is_administrator(user):
        raise ActionNotAllowed(_("Only administrators may do this."))


@transaction.atomic
def _check_area_administrator(user: User, community: Community) -> None:
    """An administrator with an area keeps the communities inside it only."""
    area = administered_area(user)
    if area is not None and not area.contains(community.area):
        raise ActionNotAllowed(
            _("This community is outside the area you administer (%(area)s).") % {"area": area}
        )


def _area_fill(community: Community) -> None:
    """A community given no area takes the one its city and district name point at."""
    if community.area_id is None and community.city_id is not None:
        community.area = area_for_place(
            Area, city_adcode=community.city.adcode, district=community.district
        )


@transaction.atomic
def community_save(*, user: User, community: Community) -> Community:
    """Create or change a community (all fields validated). Administrators only, inside
    their area. A community given no area takes the one its city and district name point at
    (``residents.reference.area_for_place``)."""
    _check_administrator(user)
    _area_fill(community)
    if community.pk is not None:
        _check_area_administrator(user, Community.objects.get(pk=community.pk))
    _check_area_administrator(user, community)
    community.full_clean()
    community.save()
    return community


@transaction.atomic
def community_delete(*, user: User, community: Community) -> None:
    """Delete a community no profile, request or capacity refers to (the database protects
    those). Administrators only, inside their area."""
    _check_administrator(user)
    _check_area_administrator(user, community)
    community.delete()


def _check_account_in_area(user: User, account: User) -> None:
    area = administered_area(user)
    if area is None or account_in_area(account=account, area=area):
        return
    raise ActionNotAllowed(
        _(
            "This account reaches outside the area you administer (%(area)s): its area or "
            "communities must lie inside it."
        )
        % {"area": area}
    )


def _check_may_manage(user: User, account: User) -> None:
    """The account, as stored, holds nothing beyond the user (``residents.privileges``):
    otherwise changing it, or setting its password and signing in as it, would give the
    user what they do not hold."""
    if not privileges.may_manage(granter=user, account=account):
        raise ActionNotAllowed(
            _(
                "This account holds privileges you do not hold (superuser status, staff "
                "status or permissions): only someone who holds them may change it."
            )
        )


@transaction.atomic
def account_save(
    *,
    user: User,
    account: User,
    communities: Iterable[Community] | None = None,
    permissions: Iterable[Permission] | None = None,
    groups: Iterable[Group] | None = None,
) -> User:
    """Create or change a login (role, area, names, active, staff and superuser flags; its
    password already set by the caller's form; ``communities``, when given, become the ones
    a worker serves, ``permissions`` and ``groups`` its model permissions and groups).
    Administrators only. Nobody gives privileges they do not hold, nor changes an account
    holding some (``residents.privileges``). An administrator with an area manages the
    accounts inside it only, and gives areas inside it only (never the whole country); an
    administrator cannot take away their own role or deactivate themself, so the site
    always keeps the one changing it."""
    _check_administrator(user)
    if account.pk == user.pk and not (account.is_active and is_administrator(account)):
        raise ValidationError(_("You cannot deactivate your own account or drop your own role."))
    _check_may_manage(user, account)
    stored = account.pk is not None and User.objects.filter(pk=account.pk).exists()
    if permissions is None:
        permissions = list(account.user_permissions.all()) if stored else []
    if groups is None:
        groups = list(account.groups.all()) if stored else []
    permissions, groups = list(permissions), list(groups)
    problems = privileges.grant_problems(
        granter=user,
        wanted=privileges.privileges_given(
            superuser=account.is_superuser,
            staff=account.is_staff,
            permissions=permissions,
            groups=groups,
        ),
    )
    if problems:
        raise ValidationError(problems)
    area = administered_area(user)
    if area is not None:
        if stored:
            _check_account_in_area(user, User.objects.get(pk=account.pk))
        if account.role == User.Role.ADMIN and not area.contains(account.area):
            raise ValidationError(
                {
                    "area": _("Choose an area inside the one you administer (%(area)s).")
                    % {"area": area}
                }
            )
        if communities is not None:
            outside = [c for c in communities if not area.contains(c.area)]
            if outside:
                raise ValidationError(
                    {
                        "communities": _(
                            "These communities are outside the area you administer: %(communities)s."
                        )
                        % {"communities": "、".join(c.name for c in outside[:10])}
                    }
                )
    if account.role != User.Role.ADMIN and account.area_id is not None:
        raise ValidationError({"area": _("Only administrators have an area.")})
    account.save()
    if communities is not None:
        account.communities.set(communities)
    account.user_permissions.set(permissions)
    account.groups.set(groups)
    return account


@dataclass(frozen=True)
class PasswordSet:
    """A password an administrator set (or made unusable): the login, and the credentials of
    other apps its old password took with it, each with its count (none are listed when
    nothing was ended)."""

    account: User
    ended: tuple[CredentialsEnded, ...] = ()


@transaction.atomic
def account_password_set(*, user: User, account: User, password: str | None) -> PasswordSet:
    """Set a login's password (checked by the site's password rules), or with ``None`` stop
    it signing in with a password. Administrators only (the admin site's password page),
    inside their area, for accounts holding nothing beyond their own privileges.

    A password is reset because it was forgotten or stolen: whoever held the old one must
    be out. Its sessions end by themselves (Django checks each session against the
    password's hash), and its API tokens and the credentials the apps above hold for it, which
    would keep acting as it, are ended here (``_password_replace``; the owner asks for a new
    token, an administrator replaces the others). The result lists what ended, for the administrator to be told."""
    _check_administrator(user)
    _check_may_manage(user, account)
    _check_account_in_area(user, account)
    ended = _password_replace(account, password)
    return PasswordSet(account=account, ended=ended)


@transaction.atomic
def account_password_replace(*, account: User, password: str) -> PasswordSet:
    """An operator on the server sets a login's password (``manage.py changepassword``).
    There is no signed-in person to check: whoever runs commands on the server holds the
    database already. The rest is an administrator's reset (``_password_replace``): the site's
    password rules, checked before anything is written, then the login's other sessions, its
    API tokens and the credentials the apps above hold for it end. Django's own command set the password alone, and
    left them acting as the login. The result lists what ended, for the operator to be
    told."""
    ended = _password_replace(account, password)
    return PasswordSet(account=account, ended=ended)


def _password_replace(
    account: User, password: str | None, *, field: str | None = None
) -> tuple[CredentialsEnded, ...]:
    """The one rule for a new password, whoever sets it: checked by the site's password
    rules (their refusal names ``field``, when given), then everything the old one opened is
    closed. The login's other web sessions end by themselves (Django checks each session
    against the password's hash; a page that keeps the changer signed in updates their own),
    its API tokens, which would keep acting as it, are deleted, and the apps above end the
    credentials they hold for it (``password_replaced``; each tells what it ended).
    A reset may follow a theft, and a thief signed in as the login could have been given
    either; whoever reset it cannot tell which were theirs, so none survives. Returns what
    the apps above ended, those that ended something, so the person can be told."""
    from rest_framework.authtoken.models import Token

    if password is None:
        account.set_unusable_password()
    else:
        try:
            validate_password(password, user=account)
        except ValidationError as exc:
            raise (ValidationError({field: exc.messages}) if field else exc) from None
        account.set_password(password)
    account.save(update_fields=["password"])
    Token.objects.filter(user=account).delete()
    answers = password_replaced.send(sender=User, account=account)
    return tuple(ended for _, ended in answers if ended is not None and ended.count)


@dataclass(frozen=True)
class PasswordChanged:
    """A changed password: the login, the API token that replaces the caller's own when the
    change came through the API with one (``None`` otherwise), and the credentials of other
    apps the old password took with it (none listed when nothing was ended)."""

    user: User
    token: str | None
    ended: tuple[CredentialsEnded, ...] = ()


@transaction.atomic
def account_password_change(
    *, user: User, new_password: str, field: str = "new_password2", new_token: bool = False
) -> PasswordChanged:
    """A signed-in person changes their own password (the "Change password" page, and
    ``POST /api/v1/me/password/``).

    The channel has confirmed the old password first, as a login does and counted with the
    login's failures (``residents.login_protection.password_confirmed``), so a stolen
    session cannot guess it faster than the login page allows. The new password follows
    the site's rules (a refusal names ``field``, the channel's field for it); the person's
    other sessions, their API tokens and the credentials the apps above hold for them end, as
    after an administrator's reset. The channel keeps the caller signed in: the page its own session, the API with
    ``new_token`` a new token in place of the one the call came with (a client signed in only
    by a token would otherwise have locked itself out)."""
    from rest_framework.authtoken.models import Token

    if not user.is_authenticated or not user.is_active:
        raise ActionNotAllowed(_("Sign in to change your password."))
    ended = _password_replace(user, new_password, field=field)
    token = Token.objects.create(user=user).key if new_token else None
    return PasswordChanged(user=user, token=token, ended=ended)


@transaction.atomic
def account_delete(*, user: User, account: User) -> None:
    """Delete a login (its profile, if any, stays without one). Administrators only (inside
    their area, for accounts holding nothing beyond their own privileges), and never their
    own."""
    _check_administrator(user)
    _check_may_manage(user, account)
    _check_account_in_area(user, account)
    if account.pk == user.pk:
        raise ValidationError(_("You cannot delete your own account."))
    account.delete()


@transaction.atomic
def permission_group_save(*, user: User, group: Group, permissions: Iterable[Permission]) -> Group:
    """Create or change a permission group. Groups are shared by the administrators of every
    area, so nationwide administrators only; and, as for a login, nobody gives a group
    permissions they do not hold, nor changes a group holding some (its members would gain
    them)."""
    _check_permission_group_change(user, group)
    permissions = list(permissions)
    problems = privileges.grant_problems(
        granter=user,
        wanted=privileges.privileges_given(
            superuser=False, staff=False, permissions=permissions, groups=()
        ),
    )
    if problems:
        raise ValidationError(problems.get("user_permissions", []))
    group.full_clean()
    group.save()
    group.permissions.set(permissions)
    return group


@transaction.atomic
def permission_group_delete(*, user: User, group: Group) -> None:
    """Delete a permission group (its members lose its permissions): nationwide
    administrators holding every permission it gives."""
    _check_permission_group_change(user, group)
    group.delete()


def _check_permission_group_change(user: User, group: Group) -> None:
    if not answers_for_everything(user=user):
        raise ActionNotAllowed(_("Only a nationwide administrator changes permission groups."))
    if group.pk is None:
        return
    stored = privileges.privileges_given(
        superuser=False, staff=False, permissions=(), groups=[group]
    )
    if not stored.within(privileges.privileges_of(user)):
        raise ActionNotAllowed(
            _(
                "This group gives permissions you do not hold: only someone who holds them may change it."
            )
        )


# Places and accounts the site's operator sets up (the demo's seed) ----------------------------


@transaction.atomic
def cities_from_reference(*, adcodes: Sequence[str]) -> list[City]:
    """The cities with these administrative codes, in that order, creating any a database lacks
    from the reference geography every installation loads (``residents.reference``, as the data
    migration does). A code that is not a prefecture-level city of the reference raises a
    ``ValidationError`` naming it, and nothing is written."""
    found = {c.adcode: c for c in City.objects.filter(adcode__in=adcodes)}
    missing = [code for code in adcodes if code not in found]
    if missing:
        reference = load_prefecture_cities().set_index("adcode")
        unknown = [code for code in missing if code not in reference.index]
        if unknown:
            raise ValidationError(
                {
                    "adcode": _("Not a prefecture-level city of the reference list: %(codes)s")
                    % {"codes": ", ".join(unknown)}
                }
            )
        regions = {r.code: r for r in Region.objects.all()}
        for code in missing:
            row = reference.loc[code]
            city = City(
                adcode=code,
                name=row["name"],
                province=row["province"],
                region=regions[region_code(row["region"])],
            )
            city.full_clean()
            city.save()
            found[code] = city
    return [found[code] for code in adcodes]


@transaction.atomic
def communities_create(*, user: User, communities: Sequence[Community]) -> list[Community]:
    """Create many communities at once, all or none. Administrators only, inside their area;
    each takes its area and passes every field's rules as ``community_save`` does (codes unique
    in the database and among the rows); problems raise ``RowsInvalid`` naming each row's
    fields."""
    _check_administrator(user)
    for community in communities:
        # As ``community_save``: the area its city and district point at, inside the
        # administrator's own area.
        _area_fill(community)
        _check_area_administrator(user, community)
    problems: dict[int, dict[str, list[str]]] = {}
    codes = [c.code for c in communities]
    taken = set(Community.objects.filter(code__in=codes).values_list("code", flat=True))
    seen: set[str] = set()
    for index, community in enumerate(communities):
        errors: dict[str, list[str]] = {}
        try:
            community.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = {field: list(messages) for field, messages in exc.message_dict.items()}
        if community.code in taken or community.code in seen:
            errors.setdefault("code", []).append(_("A community with this code already exists."))
        seen.add(community.code)
        if errors:
            problems[index] = errors
    if problems:
        raise RowsInvalid(problems)
    return Community.objects.bulk_create(communities, batch_size=IMPORT_BATCH_SIZE)


@transaction.atomic
def account_create(
    *,
    user: User | None,
    username: str,
    password: str | None,
    role: str,
    first_name: str = "",
    communities: Sequence[Community] = (),
    area: Area | None = None,
    superuser: bool = False,
) -> User:
    """Create a login with its role, name, password (the site's password rules; ``None``: it
    cannot sign in with a password), for a community worker the communities served and for an
    administrator the area administered (``None``: nationwide).

    ``user`` is the administrator creating it; ``None`` is the site's operator at the command
    line (as Django's ``createsuperuser``: the demo's seed). Bad input raises one
    ``ValidationError`` naming the fields, and nothing is written."""
    if user is not None:
        _check_administrator(user)
    account = User(
        username=username,
        role=role,
        first_name=first_name,
        area=area,
        is_staff=superuser,
        is_superuser=superuser,
    )
    errors: dict[str, list[str]] = {}
    try:
        account.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    if area is not None and role != User.Role.ADMIN:
        errors.setdefault("area", []).append(_("Only administrators have an area."))
    if communities and role != User.Role.WORKER:
        errors.setdefault("communities", []).append(_("Only community workers serve communities."))
    if password is not None:
        try:
            validate_password(password, user=account)
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    if password is None:
        account.set_unusable_password()
    else:
        account.set_password(password)
    if user is not None:
        # The administrator's own checks (their area, the areas and communities they give).
        return account_save(user=user, account=account, communities=list(communities) or None)
    account.save()
    if communities:
        account.communities.set(communities)
    return account


@transaction.atomic
def resident_account_link(*, resident: Resident, account: User) -> Resident:
    """Let a resident's login act for their profile (the login must be a resident's, and the
    profile not linked to another login already)."""
    if account.role != User.Role.RESIDENT:
        raise ValidationError({"user": _("Only a resident's login can hold a profile.")})
    if resident.user_id not in (None, account.pk):
        raise StateConflict(_("This profile already belongs to another login."))
    if Resident.objects.filter(user=account).exclude(pk=resident.pk).exists():
        raise StateConflict(_("This login already holds another profile."))
    resident.user = account
    resident.save(update_fields=["user", "updated_at"])
    return resident
