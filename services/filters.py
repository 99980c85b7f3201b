"""The one definition of how service requests are filtered, searched and sorted: the worker's
queue page, the API's request list and the request export all read their query string
through ``RequestFilter``, so a saved view, a page and its download always hold the same rows.

Scope is not a filter: every caller passes a queryset already scoped to the user
(``services.queries``); the filters only narrow it. The tabs of the queue page (``TABS``) are
the ``view`` filter, and the page counts each tab with the same conditions
(``tab_conditions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.booleans import BooleanQueryFilter, RawNullBooleanSelect
from core.forms import Form
from core.ids import IdFilter
from core.time_bounds import QueryDateTimeFilter, query_time_problem
from core.widgets import FastSelect
from residents.community_picker import (
    AreaCodeField,
    PickerScope,
    filter_picker_widgets,
    picker_scope,
)
from residents.community_tree import community_tree_widget
from residents.models import User
from residents.queries import area_communities
from services.models import ServiceCategory, ServiceRequest
from services.queries import overdue_condition, status_condition

Status = ServiceRequest.Status
Urgency = ServiceRequest.Urgency

# The queue page's default: what needs action from the person looking.
DEFAULT_VIEW = "action"
DEFAULT_PAGE_SORT = "deadline"
# Sorting a request with no deadline after every dated one.
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)
SEARCH_MAX_LENGTH = 100
URGENCY_RANK = {Urgency.LOW: 0, Urgency.NORMAL: 1, Urgency.HIGH: 2, Urgency.CRITICAL: 3}


@dataclass(frozen=True)
class Tab:
    code: str
    label: str
    # Holds open requests only (``tab_conditions`` implies an open status).
    open_only: bool = True


TABS = (
    Tab("action", _("Needs action")),
    Tab("mine", _("Assigned to me")),
    Tab("unassigned", _("Unassigned")),
    Tab("overdue", _("Overdue")),
    Tab("open", _("All open")),
    Tab("all", _("All"), open_only=False),
)
OPEN_TABS = frozenset(tab.code for tab in TABS if tab.open_only)


def tab_conditions(*, user: User) -> dict[str, Q]:
    """Each tab's condition (``TABS``), for the ``view`` filter and the page's counts."""
    is_open = status_condition("open")
    mine = Q(assigned_to_id=user.pk)
    unassigned = Q(assigned_to__isnull=True)
    return {
        "action": is_open & (mine | unassigned),
        "mine": is_open & mine,
        "unassigned": is_open & unassigned,
        "overdue": overdue_condition(True),
        "open": is_open,
        "all": Q(),
    }


@dataclass(frozen=True)
class Sort:
    code: str
    label: str
    # The order; its first field is also the API's cursor position, so it is never null.
    ordering: tuple[str, ...]


SORTS = (
    Sort("deadline", _("Deadline, soonest first"), ("deadline_key", "id")),
    Sort("urgency", _("Urgency, most urgent first"), ("-urgency_rank", "deadline_key", "id")),
    Sort("oldest", _("Age, oldest first"), ("created_at", "id")),
    Sort("newest", _("Age, newest first"), ("-created_at", "-id")),
)
SORT_BY_CODE = {sort.code: sort for sort in SORTS}
DEFAULT_ORDERING = SORT_BY_CODE["newest"].ordering


def with_sort_keys(requests: QuerySet) -> QuerySet:
    """The annotations the sorts use: the deadline with none last, and urgency as a rank."""
    return requests.annotate(
        deadline_key=Coalesce(F("expected_completion_at"), Value(NO_DEADLINE)),
        urgency_rank=Case(
            *[When(urgency=code, then=Value(rank)) for code, rank in URGENCY_RANK.items()],
            default=Value(1),
            output_field=IntegerField(),
        ),
    )


def sort_ordering(code: str | None) -> tuple[str, ...]:
    sort = SORT_BY_CODE.get(code or "")
    return sort.ordering if sort else DEFAULT_ORDERING


def search_condition(text: str) -> Q:
    """A request number (``123`` or ``#123``: that request only), or else words of the
    description, or the service's name in either language or its code."""
    text = text.strip()
    number = re.fullmatch(r"#?\s*(\d{1,12})", text)
    if number:
        return Q(pk=int(number.group(1)))
    # The services matching the words are found first in the small category table, so the
    # request table is scanned once, not joined twice for every row.
    categories = ServiceCategory.objects.filter(
        Q(name__icontains=text)
        | Q(name_zh__icontains=text)
        | Q(code__icontains=text)
        | Q(parent__name__icontains=text)
        | Q(parent__name_zh__icontains=text)
    ).values_list("pk", flat=True)
    return Q(description__icontains=text) | Q(category_id__in=list(categories))


class DayField(forms.DateField):
    """A calendar day bounding a search: between the earliest allowed day and a year ahead."""

    def clean(self, value):
        day = super().clean(value)
        if day is not None:
            moment = timezone.make_aware(datetime.combine(day, time.min))
            problem = query_time_problem(moment, now=timezone.now())
            if problem:
                raise ValidationError(problem, code="out_of_range")
        return day


class DayFilter(django_filters.DateFilter):
    field_class = DayField


class RequestFilterForm(Form):
    """The filters' form: a day range whose end comes before its start is an error of the end
    day (it could match nothing), not an empty list that looks like no requests."""

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and end < start:
            self.add_error("submitted_to", _("The last day comes before the first day."))
        return cleaned


@extend_schema_field(OpenApiTypes.STR)
class AreaFilter(django_filters.Filter):
    """An area by its official code (``residents.community_picker.AreaCodeField``)."""

    field_class = AreaCodeField


class OverdueSelect(RawNullBooleanSelect):
    """true / false / any, worded for a deadline."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", _("Any")),
            ("true", _("Overdue against the SLA")),
            ("false", _("Within the SLA")),
        ]


class RequestFilter(django_filters.FilterSet):
    """Filters, search and sort of a scoped request list (page, API and export alike)."""

    view = django_filters.ChoiceFilter(
        empty_label=_("Any"),
        label=_("Tab"),
        choices=[(tab.code, tab.label) for tab in TABS],
        method="filter_view",
        help_text=(
            "A tab of the queue: `action` (open, assigned to you or to nobody), `mine`, "
            "`unassigned`, `overdue`, `open`, `all`."
        ),
    )
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text="A request number (`123` or `#123`), else words of the description or a service.",
    )
    status = django_filters.ChoiceFilter(
        empty_label=_("Any"),
        label=_("Status"),
        choices=[("open", _("Open (not yet resolved)")), *Status.choices],
        method="filter_status",
        help_text="A status, or `open` for submitted, accepted, assigned and in progress.",
    )
    category = django_filters.CharFilter(
        label=_("Service"),
        field_name="category__code",
        help_text="Code of a second-level category.",
    )
    dimension = django_filters.ChoiceFilter(
        empty_label=_("Any"),
        label=_("Area of need"),
        field_name="category__dimension",
        choices=ServiceCategory.Dimension.choices,
    )
    urgency = django_filters.ChoiceFilter(
        label=_("Urgency"), choices=Urgency.choices, empty_label=_("Any")
    )
    area = AreaFilter(
        label=_("Area"),
        method="filter_area",
        help_text=(
            "Official code of an area (province, city, district or street, e.g. `510104`): "
            "the requests of its communities."
        ),
    )
    community = IdFilter(label=_("Community"), field_name="community_id")
    assigned = django_filters.ChoiceFilter(
        empty_label=_("Any"),
        label=_("Assignment"),
        choices=[("me", _("Assigned to me")), ("unassigned", _("Unassigned"))],
        method="filter_assigned",
        help_text="`me`: assigned to you; `unassigned`: assigned to nobody.",
    )
    overdue = BooleanQueryFilter(
        label=_("Deadline"),
        method="filter_overdue",
        widget=OverdueSelect,
        help_text="true: open and past the expected completion; false: open and within it.",
    )
    submitted_from = DayFilter(
        label=_("Submitted from"),
        method="filter_submitted_from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A day (YYYY-MM-DD), inclusive, in the site's time zone.",
    )
    submitted_to = DayFilter(
        label=_("Submitted to"),
        method="filter_submitted_to",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A day (YYYY-MM-DD), inclusive, in the site's time zone.",
    )
    sort = django_filters.ChoiceFilter(
        empty_label=_("Any"),
        label=_("Sort by"),
        choices=[(sort.code, sort.label) for sort in SORTS],
        method="filter_sort",
        help_text="`deadline`, `urgency` (most urgent first), `oldest` or `newest` (default).",
    )
    resident = IdFilter(field_name="resident_id")
    assigned_to = IdFilter(field_name="assigned_to_id")
    channel = django_filters.ChoiceFilter(choices=ServiceRequest.Channel.choices)
    created_after = QueryDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601, inclusive."
    )
    created_before = QueryDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601, exclusive."
    )

    # What the queue page shows as its filter form (the rest are for API clients).
    PAGE_FIELDS = (
        "q",
        "status",
        "category",
        "urgency",
        "area",
        "community",
        "assigned",
        "overdue",
        "submitted_from",
        "submitted_to",
        "sort",
    )

    class Meta:
        model = ServiceRequest
        fields: list = []
        form = RequestFilterForm

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        request=None,
        prefix=None,
        user: User | None = None,
        categories=None,
        communities: PickerScope | None = None,
    ):
        # The API's filter backend passes the request; pages and exports pass the user. A
        # page passes its communities as a ``PickerScope``: it and its view share the one
        # decision whether they are too many to list.
        self.user = user if user is not None else getattr(request, "user", None)
        self._categories = categories
        self._communities = communities
        super().__init__(data, queryset, request=request, prefix=prefix)

    @property
    def form(self):
        # The page shows its choices as lists (the user's communities, the services); the
        # API takes the same parameters as plain values, so its answers do not change.
        if not hasattr(self, "_form"):
            form = super().form
            # The help texts document the API's parameters; a page's labels say enough.
            for field in form.fields.values():
                field.help_text = ""
            # The area filter is shown where the communities are too many to list
            # (``residents.community_picker``); elsewhere it only carries a value through.
            form.fields["area"].widget = forms.HiddenInput()
            scope = picker_scope(self._communities) if self._communities is not None else None
            if scope is not None and scope.large:
                widgets = filter_picker_widgets(
                    scope.communities,
                    area_code=self.data.get("area"),
                    community_id=self.data.get("community"),
                    all_label=_("All my communities"),
                )
                form.fields["area"].widget = widgets.area
                form.fields["community"].widget = widgets.community
                form.fields["community"].help_text = widgets.community_help
            elif scope is not None:
                form.fields["community"].widget = community_tree_widget(
                    scope.communities, empty_label=_("All my communities")
                )
            if self._categories is not None:
                form.fields["category"].widget = FastSelect(
                    choices=[("", _("Any"))] + [(c.code, name) for c, name in self._categories]
                )
        return self._form

    def filter_queryset(self, queryset):
        queryset = with_sort_keys(queryset)
        return super().filter_queryset(queryset)

    def filter_view(self, queryset, name, value):
        return queryset.filter(tab_conditions(user=self.user)[value])

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(search_condition(value))

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_condition(value))

    def filter_area(self, queryset, name, value):
        return queryset.filter(community_id__in=area_communities(value).values("pk"))

    def filter_assigned(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assigned_to_id=self.user.pk)
        return queryset.filter(assigned_to__isnull=True)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_condition(value))

    def filter_submitted_from(self, queryset, name, value):
        start = timezone.make_aware(datetime.combine(value, time.min))
        return queryset.filter(created_at__gte=start)

    def filter_submitted_to(self, queryset, name, value):
        end = timezone.make_aware(datetime.combine(value + timedelta(days=1), time.min))
        return queryset.filter(created_at__lt=end)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*sort_ordering(value))
