"""Admin: notifications, their deliveries and events are shown, never edited (the tasks
write them); a delivery's address appears masked only. An administrator of an area sees the
notifications and preferences of the logins they manage (``residents.admin_scope``); the
events, which belong to no one person, only nationwide administrators see."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from notifications.models import Delivery, Notification, NotificationEvent, Preference
from residents.admin_scope import AccountScopedAdmin, NationwideOnlyAdmin


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["channel", "state", "address_masked", "attempts", "claimed_at", "sent_at", "error"]
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(AccountScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    account_field = "recipient"
    list_display = ["id", "kind", "recipient", "request_id", "created_at", "read_at", "in_app"]
    list_filter = ["kind", "in_app"]
    list_select_related = ["recipient"]
    exclude = ["texts"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(AccountScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    account_field = "notification__recipient"
    list_display = ["id", "notification", "channel", "state", "address_masked", "sent_at"]
    list_filter = ["channel", "state"]


@admin.register(NotificationEvent)
class NotificationEventAdmin(NationwideOnlyAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "request_id", "actor", "created_at", "processed_at"]
    list_filter = ["kind"]


@admin.register(Preference)
class PreferenceAdmin(AccountScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    account_field = "user"
    list_display = ["user", "in_app", "email", "sms", "preferred_channel", "language"]
