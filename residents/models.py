"""People and places: regions, cities, communities, accounts, resident profiles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.localisation import localised_name, with_code
from core.text import one_line_text
from residents import pii
from residents.fields import EncryptedTextField


class Region(models.Model):
    """One of the seven major regions of China used by the source paper."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50, validators=[one_line_text])
    name_zh = models.CharField(_("Chinese name"), max_length=20, validators=[one_line_text])
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        # The admin's lists, filters and titles show it: in the reader's language.
        return localised_name(self)


class City(models.Model):
    """A prefecture-level city (or municipality), identified by its administrative code."""

    adcode = models.CharField(
        _("administrative code"), max_length=6, unique=True, validators=[one_line_text]
    )
    name = models.CharField(_("name"), max_length=50, validators=[one_line_text])
    province = models.CharField(_("province"), max_length=50, validators=[one_line_text])
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="cities", verbose_name=_("region")
    )

    class Meta:
        ordering = ["adcode"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        # In the reader's brackets: the admin site and every default choice label show it.
        return with_code(self.name, self.adcode)


class Area(models.Model):
    """A node of the administrative-division tree (``geography/areas.csv``): a province, a
    prefecture-level unit, a district or county, or a street or township.

    ``path`` lists the codes from the province down to this node, each followed by ``/``:
    every area inside this one has a path starting with it, so "within" is one indexed
    prefix comparison (``path__startswith``)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("Prefecture-level city")
        DISTRICT = 3, _("District or county")
        STREET = 4, _("Street or township")

    code = models.CharField(
        _("administrative code"), max_length=12, unique=True, validators=[one_line_text]
    )
    name = models.CharField(_("name"), max_length=100, validators=[one_line_text])
    name_en = models.CharField(
        _("romanised name"), max_length=100, blank=True, validators=[one_line_text]
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("within"),
    )
    # Unique, so indexed; on PostgreSQL Django adds the ``varchar_pattern_ops`` ("_like")
    # index that LIKE 'prefix%' needs (the database's collation is not C).
    path = models.CharField(_("path"), max_length=80, unique=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return with_code(self.name, self.code)

    @property
    def full_name(self) -> str:
        """The Chinese names from the province down (``四川省 成都市 武侯区``): the names are
        those of the official list, which has no romanised form for most areas."""
        names = []
        node: Area | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " ".join(reversed(names))

    def contains(self, other: Area | None) -> bool:
        """Whether ``other`` is this area or lies inside it."""
        return other is not None and other.path.startswith(self.path)


class Community(models.Model):
    class Kind(models.TextChoices):
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    # The SYNTHETIC demo city's communities (``seed_demo``) carry codes with this prefix.
    DEMO_CODE_PREFIX = "DEMO-"

    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="communities", verbose_name=_("city")
    )
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[one_line_text])
    name = models.CharField(_("name"), max_length=100, validators=[one_line_text])
    district = models.CharField(
        _("district or county"), max_length=100, blank=True, validators=[one_line_text]
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="communities",
        verbose_name=_("area"),
        help_text=_(
            "The street or township (or, where it is not known, the district, county or city) "
            "the community belongs to. Found from the city and district when left empty."
        ),
    )
    kind = models.CharField(_("urban or rural"), max_length=5, choices=Kind.choices)
    population = models.PositiveIntegerField(_("population"))
    households = models.PositiveIntegerField(_("households"))
    schools = models.PositiveSmallIntegerField(_("schools"), default=0)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["city__adcode", "code"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(households__lte=models.F("population")),
                name="community_households_not_above_population",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# The profile facts used for resident portraits (and the forecasts and fairness audits that
# read them): the one list of what consent covers, what withdrawal clears, what the
# separate "portrait" form asks.
PORTRAIT_FIELDS = (
    "birth_year",
    "gender",
    "household_size",
    "children_in_household",
    "elderly_living_alone",
    "employment_status",
    "income_band",
    "education",
    "health_needs",
    "hukou_type",
)


class User(AbstractUser):
    """An account. The role decides what it may see; workers see their communities only."""

    class Role(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        WORKER = "worker", _("Community worker")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.RESIDENT)
    # Django's, with the one rule for typed text (``core.text``).
    first_name = models.CharField(
        _("first name"), max_length=150, blank=True, validators=[one_line_text]
    )
    last_name = models.CharField(
        _("last name"), max_length=150, blank=True, validators=[one_line_text]
    )
    communities = models.ManyToManyField(
        Community,
        blank=True,
        related_name="workers",
        verbose_name=_("assigned communities"),
        help_text=_("Communities a community worker serves."),
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administrators",
        verbose_name=_("administered area"),
        help_text=_(
            "The province, city, district or street an administrator is responsible for: they "
            "see, analyse and approve only within it. Empty: the whole country."
        ),
    )

    @property
    def is_administrator(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def is_worker(self) -> bool:
        return self.role == self.Role.WORKER

    @property
    def display_name(self) -> str:
        """How this person is named to others, the one rule for every page, notification,
        export, the API's display texts and the audit log: the full name when it is set, else
        the user name. A resident's full name is their personal information, so it is shown
        masked (as their profile's name is); staff are named in full, since who acted on a
        request or viewed an identifier must be recognisable."""
        full_name = self.get_full_name()
        if not full_name:
            return self.get_username()
        if self.role == self.Role.RESIDENT and not self.is_superuser:
            return pii.mask_name(full_name)
        return full_name

    def __str__(self) -> str:
        # Whatever names a person by ``str`` (the admin's list columns, read-only fields,
        # filters, choices and titles) names them by the one rule, not by their user name.
        return self.display_name


class Resident(models.Model):
    """A resident's profile. Identifiers are encrypted; only their keyed hashes are searchable."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other or not stated")

    class Employment(models.TextChoices):
        EMPLOYED = "employed", _("Employed")
        SELF_EMPLOYED = "self_employed", _("Self-employed")
        UNEMPLOYED = "unemployed", _("Unemployed")
        RETIRED = "retired", _("Retired")
        STUDENT = "student", _("Student")
        FARMER = "farmer", _("Farming")
        OTHER = "other", _("Other")

    class IncomeBand(models.TextChoices):
        LOW = "low", _("Low")
        LOWER_MIDDLE = "lower_middle", _("Lower middle")
        UPPER_MIDDLE = "upper_middle", _("Upper middle")
        HIGH = "high", _("High")

    class Education(models.TextChoices):
        NONE = "none", _("No schooling")
        PRIMARY = "primary", _("Primary")
        JUNIOR = "junior_secondary", _("Junior secondary")
        SENIOR = "senior_secondary", _("Senior secondary")
        TERTIARY = "tertiary", _("Tertiary")

    class HealthNeeds(models.TextChoices):
        NONE = "none", _("None")
        CHRONIC = "chronic", _("Chronic disease")
        DISABILITY = "disability", _("Disability")
        BOTH = "both", _("Chronic disease and disability")

    class Hukou(models.TextChoices):
        LOCAL_URBAN = "local_urban", _("Local urban hukou")
        LOCAL_RURAL = "local_rural", _("Local rural hukou")
        NON_LOCAL = "non_local", _("Non-local hukou")

    class Channel(models.TextChoices):
        SELF_SERVICE = "self_service", _("Self-service (web or app)")
        COMMUNITY_WORKER = "community_worker", _("Community worker")
        HOTLINE = "hotline", _("Hotline")

    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident_profile",
        verbose_name=_("user account"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="residents", verbose_name=_("community")
    )

    name = EncryptedTextField(_("name"), blank=True, validators=[one_line_text])
    phone = EncryptedTextField(_("phone"), blank=True)
    national_id = EncryptedTextField(_("national ID number"), blank=True)
    phone_hash = models.CharField(
        _("phone number hash"), max_length=64, blank=True, db_index=True, editable=False
    )
    national_id_hash = models.CharField(
        _("ID number hash"), max_length=64, blank=True, editable=False
    )

    # The facts portraits and the analyses built on them use (``PORTRAIT_FIELDS``). None is
    # needed to make a request, so each is optional, asked apart from sign-up with its
    # purpose stated, kept only while the resident's consent stands (``PortraitConsent``),
    # and cleared when it is withdrawn. Empty means "not given", never a default answer.
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    household_size = models.PositiveSmallIntegerField(
        _("household size"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    employment_status = models.CharField(
        _("employment status"), max_length=16, choices=Employment.choices, blank=True
    )
    income_band = models.CharField(
        _("income band"), max_length=16, choices=IncomeBand.choices, blank=True
    )
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    health_needs = models.CharField(
        _("health or disability needs"), max_length=12, choices=HealthNeeds.choices, blank=True
    )
    elderly_living_alone = models.BooleanField(_("elderly, living alone"), null=True, blank=True)
    children_in_household = models.PositiveSmallIntegerField(
        _("children in household"), null=True, blank=True, validators=[MaxValueValidator(20)]
    )
    hukou_type = models.CharField(_("hukou type"), max_length=12, choices=Hukou.choices, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"),
        max_length=16,
        choices=Channel.choices,
        default=Channel.SELF_SERVICE,
    )

    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    erased_at = models.DateTimeField(
        _("personal data erased at"),
        null=True,
        blank=True,
        help_text=_("Set when the resident asked for their personal data to be deleted."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            # One profile per national ID; blank IDs (unknown) may repeat.
            models.UniqueConstraint(
                fields=["national_id_hash"],
                condition=~models.Q(national_id_hash=""),
                name="resident_unique_national_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Resident')} #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        self.refresh_lookup_hashes()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        for field, validate in (
            ("phone", pii.validate_phone),
            ("national_id", pii.validate_national_id),
        ):
            value = getattr(self, field)
            if value:
                try:
                    setattr(self, field, validate(value))
                except ValidationError as exc:
                    errors[field] = exc.messages
        this_year = timezone.now().year
        if self.birth_year and self.birth_year > this_year:
            errors["birth_year"] = [_("Birth year cannot be in the future.")]
        if errors:
            raise ValidationError(errors)

    @classmethod
    def channel_unless_told(cls, *, has_login: bool) -> str:
        """How a person is reached when nobody said: through the website if they have a
        login; otherwise through the community worker who keeps their profile (a profile
        without a login is someone, often elderly, who does not use the website)."""
        return cls.Channel.SELF_SERVICE if has_login else cls.Channel.COMMUNITY_WORKER

    def refresh_lookup_hashes(self) -> None:
        """The lookup hashes are derived from the identifiers: keep them in step.

        ``save()`` calls this; code that bypasses ``save()`` (``bulk_create``) must call it.
        """
        self.phone_hash = pii.lookup_hash(pii.normalise_phone(self.phone)) if self.phone else ""
        self.national_id_hash = (
            pii.lookup_hash(pii.normalise_national_id(self.national_id)) if self.national_id else ""
        )

    @property
    def masked_name(self) -> str:
        return pii.mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return pii.mask_phone(self.phone)

    @property
    def masked_national_id(self) -> str:
        return pii.mask_national_id(self.national_id)

    def age(self, year: int | None = None) -> int | None:
        if self.birth_year is None:
            return None
        return (year or timezone.now().year) - self.birth_year

    def portrait_clear(self) -> None:
        """Empty every portrait fact (not saved): what withdrawal and erasure leave."""
        for field in PORTRAIT_FIELDS:
            setattr(self, field, self._meta.get_field(field).get_default())


class PersonalDataAccess(models.Model):
    """The personal-data audit log: who saw a resident's unmasked identifiers, who downloaded
    a resident's data, who erased it, and what the retention policy purged; when, and
    through which channel.

    Never stores the identifiers themselves. ``accessor`` is empty for the scheduled
    retention task; ``resident`` is empty for a purge, which counts its ``records``.
    """

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Viewed the identifiers unmasked")
        EXPORT = "export", _("Downloaded all the personal data")
        ERASE = "erase", _("Erased the personal data")
        PURGE = "purge", _("Purged the free text and photos of old closed requests")

    class Channel(models.TextChoices):
        API = "api", _("API")
        WEB = "web", _("Web page")
        ADMIN = "admin", _("Admin site")
        EXPORT = "export", _("Export")
        TASK = "task", _("Scheduled task")

    # The actions a resident sees in their own access log: someone saw or took their data.
    RESIDENT_VISIBLE_ACTIONS = (Action.REVEAL, Action.EXPORT, Action.ERASE)

    accessor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accessed by"),
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_log",
        verbose_name=_("resident"),
    )
    action = models.CharField(
        _("what was done"), max_length=8, choices=Action.choices, default=Action.REVEAL
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    records = models.PositiveIntegerField(_("records"), default=1)
    accessed_at = models.DateTimeField(_("accessed at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self) -> str:
        who = self.accessor_id or _("background task")
        return (
            f"{who} {self.get_action_display()} → {_('Resident')} #{self.resident_id} "
            f"({self.get_channel_display()})"
        )


class PortraitConsent(models.Model):
    """A resident's consent to the use of their portrait facts for demand analysis: which
    version of the stated purpose they agreed to, when, who recorded it (the resident, or a
    worker they told in person), and when it was withdrawn. At most one stands at a time;
    the rows stay as the record of what was agreed when."""

    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="portrait_consents",
        verbose_name=_("resident"),
    )
    version = models.CharField(_("purpose version"), max_length=16)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("portrait consent")
        verbose_name_plural = _("portrait consents")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="portrait_consent_one_standing_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Resident')} #{self.resident_id} {self.version}"
