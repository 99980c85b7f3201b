"""Service categories, service requests with their status history, and supply capacity."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.localisation import localised_name
from core.text import multi_line_text, one_line_text
from services import workflow
from services.extra_fields import validate_extra_fields


class ServiceCategory(models.Model):
    """A two-level taxonomy.

    The first level is one of the five dimensions of the basic public service equalization
    index; the second level holds the concrete services residents ask for. Requests always
    name a second-level category.
    """

    class Dimension(models.TextChoices):
        INFRASTRUCTURE = "infrastructure", _("Infrastructure")
        PUBLIC_EDUCATION = "public_education", _("Public education")
        HEALTH_CARE = "health_care", _("Health care")
        EMPLOYMENT_SOCIAL_SECURITY = (
            "employment_social_security",
            _("Employment and social security"),
        )
        ENVIRONMENTAL_PROTECTION = "environmental_protection", _("Environmental protection")

    code = models.SlugField(_("service code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100, validators=[one_line_text])
    name_zh = models.CharField(
        _("Chinese name"), max_length=50, blank=True, validators=[one_line_text]
    )
    description = models.TextField(_("description"), blank=True, validators=[multi_line_text])
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    dimension = models.CharField(_("dimension"), max_length=32, choices=Dimension.choices)
    sla_hours = models.PositiveIntegerField(
        _("expected resolution time (hours)"), null=True, blank=True
    )
    unit_cost = models.DecimalField(
        _("unit cost of one served request (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    extra_fields = models.JSONField(
        _("extra fields"),
        default=list,
        blank=True,
        validators=[validate_extra_fields],
        # Read by the person editing the catalogue on the admin site; the API describes the
        # stored shape (GeoReport v2 attributes) in its own words (``CategorySerializer``).
        help_text=_(
            "The questions a resident answers when asking for this service, asked in this "
            "order. Each question has a short code of its own, the question as residents read "
            "it, the kind of answer it takes (a line of text, a number, a date and time, a "
            "longer text, one choice from a list or several), whether an answer is required, "
            "and for a list, its choices."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Requests for this service reveal health, age, income, children or social "
            "security (sensitive personal information): never listed in the public Open311 "
            "feed."
        ),
    )
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["dimension", "order", "code"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        # The admin's lists, filters and titles and every default choice label show it.
        return localised_name(self)

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None


class ServiceRequest(models.Model):
    # The statuses and the moves between them are defined once, in ``services.workflow``.
    Status = workflow.Status

    class Urgency(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Channel(models.TextChoices):
        SELF_SERVICE = "self_service", _("Self-service (web or app)")
        COMMUNITY_WORKER = "community_worker", _("Community worker")
        HOTLINE = "hotline", _("Hotline")
        OPEN311 = "open311", _("Open311 client")

    # Status -> the statuses it may become, derived from ``workflow.MOVES``.
    TRANSITIONS: dict[str, tuple[str, ...]] = workflow.TRANSITIONS
    OPEN_STATUSES = workflow.OPEN_STATUSES
    URGENCY_SLA_FACTOR = {
        Urgency.LOW: 1.5,
        Urgency.NORMAL: 1.0,
        Urgency.HIGH: 0.5,
        Urgency.CRITICAL: 0.25,
    }

    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("resident"),
    )
    community = models.ForeignKey(
        "residents.Community",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("community"),
    )
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("service category"),
    )
    description = models.TextField(_("description"), max_length=4000, validators=[multi_line_text])
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    attributes = models.JSONField(
        _("answers to the category's extra fields"), default=dict, blank=True
    )
    address_string = models.CharField(
        _("address"), max_length=255, blank=True, validators=[one_line_text]
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="requests/%Y/%m/", blank=True)

    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="logged_requests",
        verbose_name=_("logged by"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name=_("assigned to"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    expected_completion_at = models.DateTimeField(_("expected completion"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    satisfaction_comment = models.TextField(
        _("satisfaction comment"), blank=True, max_length=2000, validators=[multi_line_text]
    )
    free_text_erased_at = models.DateTimeField(
        _("free text and photo erased at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When the description, comments, answers in free text, address and photo were "
            "erased: at the resident's request, or by the retention policy after closing."
        ),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["community", "category", "created_at"]),
            models.Index(fields=["-created_at", "-id"]),
            # The queue's open work (a few percent of all requests): by community, and by
            # assignee (mine / unassigned), each in deadline order (bench/bench_queue.py).
            # It also holds what the counts of open work group and filter by (the service,
            # the assignee, the status), so the overview's open requests by area of need
            # and the queue's tab counts read it alone, not each open request's row.
            models.Index(
                fields=["community", "expected_completion_at"],
                include=["category", "assigned_to", "status"],
                condition=models.Q(status__in=["submitted", "accepted", "assigned", "in_progress"]),
                name="request_open_by_community",
            ),
            models.Index(
                fields=["assigned_to", "expected_completion_at"],
                condition=models.Q(status__in=["submitted", "accepted", "assigned", "in_progress"]),
                name="request_open_by_assignee",
            ),
            # An administrator's newest-first pages within an area: each community's
            # requests in that order, read from the index alone (ids and times), instead of
            # every row of every community fetched to be sorted (bench/bench_pages.py).
            models.Index(
                fields=["community", "-created_at", "-id"], name="request_community_newest"
            ),
            # The ratings (few of all requests), by community and by when they came: the
            # overview's mean satisfaction and the dashboard's last 30 days read them from
            # the index instead of every request.
            models.Index(
                fields=["community", "updated_at"],
                include=["satisfaction"],
                condition=models.Q(satisfaction__isnull=False),
                name="request_rated_by_community",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="request_satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    def allowed_transitions(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.TRANSITIONS[self.status])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.overdue(self.status, self.expected_completion_at, timezone.now())

    @classmethod
    def overdue(cls, status: str, expected_completion_at, now) -> bool:
        """Open and past its expected completion (for rows read without a model instance)."""
        return bool(
            status in cls.OPEN_STATUSES and expected_completion_at and expected_completion_at < now
        )

    @classmethod
    def expected_completion_for(cls, category: ServiceCategory, urgency: str, start):
        if not category.sla_hours:
            return None
        return start + timedelta(hours=category.sla_hours * cls.URGENCY_SLA_FACTOR[urgency])


# The overview's request counts kept per month (docs/overview-counts.md) ---------------------------


class RequestCountedMonth(models.Model):
    """A closed month (site time zone) whose requests ``RequestMonthCount`` and
    ``CommunityRequestCount`` hold. Every other month is counted from the requests themselves
    on each view: the current one, one not rolled up yet, one a back-dated import reopened."""

    month = models.DateField(_("month"), primary_key=True)
    counted_at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("counted month")
        verbose_name_plural = _("counted months")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class RequestMonthCount(models.Model):
    """How many requests a community made in one counted month in one area of need (the
    service's first-level category; ``None`` for a request filed under a first-level category
    itself)."""

    month = models.DateField(_("month"))
    community = models.ForeignKey(
        "residents.Community",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
    )
    dimension = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("dimension"),
    )
    requests = models.PositiveIntegerField(_("requests"))

    class Meta:
        verbose_name = _("requests per month")
        verbose_name_plural = _("requests per month")
        indexes = [
            models.Index(
                fields=["month", "community"],
                include=["dimension", "requests"],
                name="request_month_count_month",
            ),
            # An area administrator's trend reads its communities' rows: by community first,
            # not every community's rows of the year filtered down to the area's (817,000
            # index entries in a province for a district's 9,000 rows).
            models.Index(
                fields=["community", "month"],
                include=["dimension", "requests"],
                name="request_month_count_community",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.community_id} {self.dimension_id}: {self.requests}"


class NationwideMonthCount(models.Model):
    """How many requests all communities together made in one counted month in one area of
    need: the sum of that month's ``RequestMonthCount`` rows. An administrator without an
    area reads the trend's year as about 60 rows instead of one per community (817,000 in a
    province, 0.4 s on every view)."""

    month = models.DateField(_("month"))
    dimension = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("dimension"),
    )
    requests = models.PositiveIntegerField(_("requests"))

    class Meta:
        verbose_name = _("requests per month nationwide")
        verbose_name_plural = _("requests per month nationwide")
        indexes = [
            models.Index(
                fields=["month"],
                include=["dimension", "requests"],
                name="nationwide_month_count_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension_id}: {self.requests}"


class CommunityRequestCount(models.Model):
    """How many requests a community made in all counted months together: the overview's
    busiest communities over the whole history read 20,000 rows, not 5 million requests."""

    community = models.OneToOneField(
        "residents.Community",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="+",
        verbose_name=_("community"),
    )
    requests = models.PositiveIntegerField(_("requests"))

    class Meta:
        verbose_name = _("requests per community")
        verbose_name_plural = _("requests per community")

    def __str__(self) -> str:
        return f"{self.community_id}: {self.requests}"


class RequestStatusChange(models.Model):
    """One step in a request's history: who moved it, when, from what to what, and why."""

    # No database foreign key: the request table is partitioned on PostgreSQL, and its id
    # alone is not unique there (services/partitions.py). The column stays indexed.
    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="history",
        db_constraint=False,
        verbose_name=_("service request"),
    )
    from_status = models.CharField(
        _("from status"), max_length=12, choices=ServiceRequest.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=12, choices=ServiceRequest.Status.choices
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True, max_length=2000, validators=[multi_line_text])
    # Why a request was rejected, closed without resolution or withdrawn (``workflow.Reason``).
    reason = models.CharField(
        _("reason"), max_length=32, choices=workflow.Reason.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"#{self.request_id}: {self.get_from_status_display() or '-'} → {self.get_to_status_display()}"


class RequestComment(models.Model):
    """What people write on a request besides its moves: a worker's internal note (staff
    only: never shown to the resident, in Open311, or in the resident's data download), a
    worker's public reply to the resident, or information the resident adds (with an
    optional photo)."""

    class Kind(models.TextChoices):
        INTERNAL_NOTE = "internal_note", _("Internal note")
        PUBLIC_REPLY = "public_reply", _("Reply to the resident")
        INFORMATION = "information", _("Information from the resident")

    # What the resident who made the request sees; the internal notes are for staff only.
    PUBLIC_KINDS = (Kind.PUBLIC_REPLY, Kind.INFORMATION)

    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="comments",
        db_constraint=False,
        verbose_name=_("service request"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("text"), max_length=2000, blank=True, validators=[multi_line_text])
    photo = models.ImageField(_("photo"), upload_to="requests/%Y/%m/", blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("request comment")
        verbose_name_plural = _("request comments")
        indexes = [models.Index(fields=["request", "kind"])]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.get_kind_display()}"

    @property
    def is_public(self) -> bool:
        return self.kind in self.PUBLIC_KINDS


class ReviewTask(models.Model):
    """A low rating (``LOW_RATING`` or less) opens a review of the request for the community's
    supervisor: an administrator linked to the community (``User.communities``, which for a
    worker lists the communities served and for an administrator those supervised), or, when
    no administrator is linked to it, any administrator. The reviewer closes it with an
    outcome and a note."""

    LOW_RATING = 2

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        SERVICE_REDONE = "service_redone", _("The service was provided again")
        EXPLAINED = "explained", _("Explained to the resident")
        WORKER_COACHED = "worker_coached", _("The worker was coached")
        NO_ACTION = "no_action", _("No action needed")

    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="reviews",
        db_constraint=False,
        verbose_name=_("service request"),
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_tasks",
        verbose_name=_("supervisor"),
        help_text=_("Empty: any administrator may take it."),
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(
        _("outcome note"), max_length=2000, blank=True, validators=[multi_line_text]
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("review task")
        verbose_name_plural = _("review tasks")
        constraints = [
            # One review per low rating: a request is rated once.
            models.UniqueConstraint(fields=["request"], name="review_task_one_per_request"),
        ]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.rating}/5 {self.get_state_display()}"


class IdempotencyRecord(models.Model):
    """Remembers the request created for a client's ``Idempotency-Key``, so a retry creates
    nothing twice and gets the first answer back. Kept for ``IDEMPOTENCY_KEY_TTL_HOURS``
    (``actions.idempotency_records_prune``, daily)."""

    # No index of its own: the unique (user, key) index serves every lookup by user, and a
    # second index on user alone tempted the planner into scanning all of a busy user's keys.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("user account"),
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        verbose_name=_("service request"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


# The least budget a capacity row holds: the check constraint, the actions' refusal and the
# API's stated bound, with the one message a person reads.
CAPACITY_BUDGET_MINIMUM = 0
CAPACITY_BUDGET_NEGATIVE = _("The budget cannot be negative.")


class SupplyCapacity(models.Model):
    """What can be supplied to a community for a category in one period, and by whom."""

    class Provider(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")
        MARKET = "market", _("Market")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        PLAN = "plan", _("Approved allocation plan")
        IMPORT = "import", _("Imported")

    community = models.ForeignKey(
        "residents.Community",
        on_delete=models.PROTECT,
        related_name="capacities",
        verbose_name=_("community"),
    )
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="capacities",
        verbose_name=_("service category"),
    )
    period = models.DateField(_("period (first day of month)"))
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    capacity = models.PositiveIntegerField(_("capacity (requests that can be served)"))
    budget = models.DecimalField(_("budget (CNY)"), max_digits=14, decimal_places=2, default=0)
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.MANUAL
    )
    # The allocation run whose approved plan wrote the row (source "plan"); an id, not a key,
    # because services does not depend on analytics.
    plan_run_id = models.PositiveIntegerField(_("allocation run"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-period", "community_id", "category_id", "provider"]
        verbose_name = _("supply capacity")
        verbose_name_plural = _("supply capacities")
        constraints = [
            # One row per source: an approved plan's rows sit beside the manual and imported
            # ones, so revoking or replacing the plan touches only its own.
            models.UniqueConstraint(
                fields=["community", "category", "period", "provider", "source"],
                name="capacity_unique_per_key_and_source",
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gte=CAPACITY_BUDGET_MINIMUM),
                name="capacity_budget_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(period__day=1), name="capacity_period_first_of_month"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.community_id}/{self.category_id} {self.period:%Y-%m} "
            f"{self.get_provider_display()}"
        )


# The sources a person writes (by hand, or by importing a table): a plan's rows are written
# by approving the plan (``analytics``), never directly; the API offers only these.
CAPACITY_SOURCES_WRITTEN_DIRECTLY = (SupplyCapacity.Source.MANUAL, SupplyCapacity.Source.IMPORT)


class CapacityChange(models.Model):
    """The audit of every write to supply capacity (one row per capacity row changed): who,
    when, through which channel, for which allocation run, and the figures before and after."""

    class Reason(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        IMPORT = "import", _("Imported")
        ADMIN = "admin", _("Changed in the admin site")
        PLAN_APPROVED = "plan_approved", _("Plan approved")
        PLAN_REPLACED = "plan_replaced", _("Plan replaced")
        PLAN_REVOKED = "plan_revoked", _("Plan revoked")

    period = models.DateField(_("period"))
    # The audit goes with a community or service that is deleted (the demo city's reset).
    community = models.ForeignKey(
        "residents.Community",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("community"),
    )
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("service category"),
    )
    provider = models.CharField(
        _("provider"), max_length=20, choices=SupplyCapacity.Provider.choices
    )
    source = models.CharField(_("source"), max_length=8, choices=SupplyCapacity.Source.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    plan_run_id = models.PositiveIntegerField(_("plan's run number"), null=True, blank=True)
    capacity_before = models.PositiveIntegerField(_("capacity before"), null=True, blank=True)
    capacity_after = models.PositiveIntegerField(_("capacity after"), null=True, blank=True)
    budget_before = models.DecimalField(
        _("budget before"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_after = models.DecimalField(
        _("budget after"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("capacity change")
        verbose_name_plural = _("capacity changes")

    def __str__(self) -> str:
        return (
            f"{self.period:%Y-%m} {self.community_id}/{self.category_id} "
            f"{self.get_reason_display()}"
        )


class Open311ApiKey(models.Model):
    """A key an Open311 client sends as ``api_key`` to submit service requests.

    Only the SHA-256 digest of the key is stored, so a leaked database does not leak usable
    keys; the key itself is shown once, when it is issued. ``prefix`` (its first characters)
    lets an administrator tell keys apart without seeing them. Requests submitted with a key
    are logged by its owner, a community worker, an administrator or an organisation's account.
    """

    PREFIX_LENGTH = 8

    prefix = models.CharField(_("key prefix"), max_length=PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="open311_api_keys",
        verbose_name=_("owner"),
        help_text=_("Requests submitted with this key are logged by this account."),
    )
    organisation = models.CharField(
        _("organisation"), max_length=200, blank=True, validators=[one_line_text]
    )
    default_community = models.ForeignKey(
        "residents.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default community"),
        help_text=_("Used when a request's location does not name or locate a community."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.prefix}… {self.organisation or self.owner_id}"

    @staticmethod
    def digest(raw_key: str) -> str:
        import hashlib

        return hashlib.sha256(raw_key.encode()).hexdigest()

    def assign_new_key(self) -> str:
        """Give this key fresh secret material and return the key, to be shown once."""
        import secrets

        raw_key = secrets.token_urlsafe(32)
        self.prefix = raw_key[: self.PREFIX_LENGTH]
        self.key_hash = self.digest(raw_key)
        return raw_key

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        owner = self.owner if self.owner_id else None
        if owner is not None and not (owner.is_worker or owner.is_administrator):
            raise ValidationError(
                {
                    "owner": _(
                        "Open311 keys are issued to community workers, administrators or "
                        "organisation accounts, not to residents."
                    )
                }
            )


class SavedQueueFilter(models.Model):
    """A view of the request queue a staff member saved under a name: the query string of
    ``services.filters.RequestFilter`` (filters, search, sort, tab), nothing personal."""

    MAX_PER_USER = 20

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_queue_filters",
        verbose_name=_("user account"),
    )
    name = models.CharField(_("name"), max_length=60, validators=[one_line_text])
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved queue view")
        verbose_name_plural = _("saved queue views")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_queue_filter_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
