"""Admin for the catalogue, service requests with their history, idempotency records and
supply capacity. (Open311 keys have their own admin in ``services.open311.admin``.)

The admin writes through ``services.actions`` like every other channel: the catalogue through
``category_save``/``category_delete``, capacity through ``capacity_set``/``capacity_update``/
``capacity_delete``. Requests, their history and idempotency records are read-only here:
requests change only through the pages, the API and Open311 (``request_transition``,
``request_assign``, ``request_rate``), which keep the history complete.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ActionAdminMixin, ReadOnlyAdminMixin, local_name
from residents.admin_scope import CommunityScopedAdmin
from services import actions
from services.models import (
    CapacityChange,
    IdempotencyRecord,
    RequestComment,
    RequestStatusChange,
    ReviewTask,
    ServiceCategory,
    ServiceRequest,
    SupplyCapacity,
)


class ServiceInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The services of an area of need, each edited on its own page (through the action)."""

    model = ServiceCategory
    fk_name = "parent"
    fields = [local_name, "sla_hours", "unit_cost", "active", "order"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(ActionAdminMixin, admin.ModelAdmin):
    list_display = [
        local_name,
        "parent",
        "dimension",
        "sla_hours",
        "unit_cost",
        "active",
        "sensitive",
        "order",
    ]
    list_filter = [
        "dimension",
        "active",
        "sensitive",
        ("parent", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["code", "name", "name_zh"]
    list_select_related = ["parent"]
    ordering = ["dimension", "parent__code", "order", "code"]

    def get_inlines(self, request, obj):
        return [ServiceInline] if obj is not None and obj.parent_id is None else []

    def save_through_action(self, request, obj, form, change):
        return actions.category_save(user=request.user, category=obj)

    def delete_through_action(self, request, obj) -> None:
        actions.category_delete(user=request.user, category=obj)


class StatusHistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RequestStatusChange
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    readonly_fields = fields
    extra = 0
    ordering = ["changed_at", "id"]


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue against the SLA")), ("no", _("Within the SLA"))]

    def queryset(self, request, queryset):
        from services.queries import overdue_condition

        if self.value() in ("yes", "no"):
            return queryset.filter(overdue_condition(self.value() == "yes"))
        return queryset


@admin.register(ServiceRequest)
class ServiceRequestAdmin(CommunityScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "category",
        "community",
        "status",
        "urgency",
        "channel",
        "created_at",
        "expected_completion_at",
        "overdue",
        "assigned_to",
        "satisfaction",
    ]
    list_filter = [
        "status",
        OverdueFilter,
        "urgency",
        "channel",
        "category__dimension",
        ("category", admin.RelatedOnlyFieldListFilter),
        "community__city",
    ]
    search_fields = ["=id", "category__code", "community__code", "community__name"]
    list_select_related = ["category", "community", "assigned_to"]
    date_hierarchy = "created_at"
    # The table grows to hundreds of thousands of rows: no full count on every filter.
    show_full_result_count = False
    raw_id_fields = ["resident", "logged_by", "assigned_to"]
    autocomplete_fields = ["community", "category"]
    readonly_fields = [
        "status",
        "created_at",
        "updated_at",
        "resolved_at",
        "satisfaction",
        "satisfaction_comment",
    ]
    inlines = [StatusHistoryInline]

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, request: ServiceRequest) -> bool:
        return request.is_overdue


@admin.register(RequestStatusChange)
class RequestStatusChangeAdmin(CommunityScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope_field = "request__community_id"
    list_display = ["request", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status", "changed_at"]
    search_fields = ["=request__id", "changed_by__username"]
    list_select_related = ["request__category", "changed_by"]
    show_full_result_count = False


@admin.register(RequestComment)
class RequestCommentAdmin(CommunityScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Notes, replies and residents' information, read-only: they are written on the request
    page and the API, through ``services.actions``. The list leaves the free text out (it may
    name people)."""

    scope_field = "request__community_id"

    list_display = ["request", "kind", "author", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["=request__id", "author__username"]
    list_select_related = ["request__category", "author"]
    show_full_result_count = False


@admin.register(ReviewTask)
class ReviewTaskAdmin(CommunityScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Reviews opened by low ratings, read-only: they are closed on the Reviews page and the
    API, through ``services.actions``."""

    scope_field = "request__community_id"

    list_display = ["request", "rating", "supervisor", "state", "outcome", "opened_at"]
    list_filter = ["state", "outcome", "opened_at"]
    search_fields = ["=request__id", "supervisor__username"]
    list_select_related = ["request__category", "supervisor"]
    show_full_result_count = False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(CommunityScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope_field = "request__community_id"
    list_display = ["key", "user", "request", "created_at"]
    search_fields = ["=key", "user__username", "=request__id"]
    list_select_related = ["user", "request__category"]
    show_full_result_count = False


@admin.register(SupplyCapacity)
class SupplyCapacityAdmin(CommunityScopedAdmin, ActionAdminMixin, admin.ModelAdmin):
    scoped_choices = ("community",)
    list_display = [
        "period",
        "community",
        "category",
        "provider",
        "capacity",
        "budget",
        "source",
    ]
    list_filter = ["provider", "source", "period", "category__dimension", "community__city"]
    search_fields = ["community__code", "community__name", "category__code"]
    list_select_related = ["community", "category"]
    autocomplete_fields = ["community", "category"]
    readonly_fields = ["plan_run_id", "created_by", "created_at"]
    date_hierarchy = "period"

    # The admin site writes through the one write path of capacity (validated, audited);
    # rows from an approved plan change only by approving or revoking plans.
    def save_through_action(self, request, obj, form, change):
        reason = CapacityChange.Reason.ADMIN
        if change:
            fields = actions.CAPACITY_UPDATABLE_FIELDS & set(form.changed_data)
            return actions.capacity_update(
                user=request.user,
                supply_capacity=obj,
                reason=reason,
                **{field: getattr(obj, field) for field in fields},
            )
        row, _created = actions.capacity_set(
            user=request.user,
            community=obj.community,
            category=obj.category,
            period=obj.period,
            provider=obj.provider,
            capacity=obj.capacity,
            budget=obj.budget,
            source=obj.source,
            reason=reason,
        )
        return row

    def delete_through_action(self, request, obj) -> None:
        actions.capacity_delete(
            user=request.user, supply_capacity=obj, reason=CapacityChange.Reason.ADMIN
        )

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["choices"] = [
                choice
                for choice in SupplyCapacity.Source.choices
                if choice[0] != SupplyCapacity.Source.PLAN
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.source == SupplyCapacity.Source.PLAN:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.source == SupplyCapacity.Source.PLAN:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(CapacityChange)
class CapacityChangeAdmin(CommunityScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "changed_at",
        "period",
        "community",
        "category",
        "provider",
        "source",
        "reason",
        "plan_run_id",
        "capacity_before",
        "capacity_after",
        "budget_before",
        "budget_after",
        "changed_by",
    ]
    list_filter = ["reason", "source", "period"]
    search_fields = ["community__code", "category__code", "=plan_run_id"]
    list_select_related = ["community", "category", "changed_by"]
