"""Admin: notifications, their deliveries and events are shown, never edited (the tasks
write them); a delivery's address appears masked only."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from notifications.models import Delivery, Notification, NotificationEvent, Preference


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["channel", "state", "address_masked", "attempts", "claimed_at", "sent_at", "error"]
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "recipient", "request_id", "created_at", "read_at", "in_app"]
    list_filter = ["kind", "in_app"]
    list_select_related = ["recipient"]
    exclude = ["texts"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "notification", "channel", "state", "address_masked", "sent_at"]
    list_filter = ["channel", "state"]


@admin.register(NotificationEvent)
class NotificationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "request_id", "actor", "created_at", "processed_at"]
    list_filter = ["kind"]


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "in_app", "email", "sms", "preferred_channel", "language"]
