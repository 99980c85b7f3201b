"""Admin pages for Open311 API keys. A key is shown once, on the page right after it is
issued, and never stored: the database keeps its SHA-256 digest and a short prefix."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ActionAdminMixin
from residents.admin_scope import AccountScopedAdmin
from services.models import Open311ApiKey
from services.open311 import actions

ISSUED_KEYS_ATTRIBUTE = "_open311_issued_keys"


def issued_keys_page(
    request: HttpRequest, model_admin: admin.ModelAdmin, issued: list[actions.IssuedKey]
) -> HttpResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Copy the new Open311 API key now"),
        "opts": model_admin.model._meta,
        "issued": issued,
    }
    response = TemplateResponse(request, "admin/open311/key_issued.html", context)
    # The page carries a secret: no browser or proxy may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(AccountScopedAdmin, ActionAdminMixin, admin.ModelAdmin):
    # The keys of the logins the administrator manages, issued only to those logins and for
    # their communities: a key acts as its owner.
    account_field = "owner"
    scoped_choices = ("owner", "default_community")
    list_display = (
        "prefix",
        "organisation",
        "owner_name",
        "default_community",
        "active",
        "created_at",
        "last_used_at",
    )
    list_select_related = ("owner", "default_community")
    list_filter = ("active",)
    # The owner is shown by the name people go by (``User.display_name``) and found by it or
    # by their user name.
    search_fields = (
        "prefix",
        "organisation",
        "owner__username",
        "owner__first_name",
        "owner__last_name",
    )
    raw_id_fields = ("owner", "default_community")
    actions = ("replace_keys", "deactivate_keys")

    def get_fields(self, request: HttpRequest, obj: Open311ApiKey | None = None) -> list[str]:
        if obj is None:
            return ["owner", "organisation", "default_community"]
        return [
            "prefix",
            "owner_name",
            "organisation",
            "default_community",
            "active",
            "created_at",
            "last_used_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Open311ApiKey | None = None):
        if obj is None:
            return ()
        return ("prefix", "owner_name", "created_at", "last_used_at")

    @admin.display(
        description=Open311ApiKey._meta.get_field("owner").verbose_name,
        # Sorted as shown: the full name, else the user name.
        ordering=Coalesce(
            NullIf(Trim(Concat("owner__first_name", Value(" "), "owner__last_name")), Value("")),
            "owner__username",
        ),
    )
    def owner_name(self, obj: Open311ApiKey) -> str:
        return obj.owner.display_name

    def save_through_action(
        self, request: HttpRequest, obj: Open311ApiKey, form, change: bool
    ) -> Open311ApiKey:
        if change:
            return actions.open311_api_key_update(
                api_key=obj,
                organisation=obj.organisation,
                default_community=obj.default_community,
                active=obj.active,
            )
        issued = actions.open311_api_key_issue(
            owner=obj.owner,
            organisation=obj.organisation,
            default_community=obj.default_community,
        )
        setattr(request, ISSUED_KEYS_ATTRIBUTE, [issued])
        return issued.api_key

    def delete_through_action(self, request: HttpRequest, obj: Open311ApiKey) -> None:
        raise PermissionDenied

    def response_add(self, request: HttpRequest, obj: Open311ApiKey, post_url_continue=None):
        issued = getattr(request, ISSUED_KEYS_ATTRIBUTE, None)
        if not issued:
            return super().response_add(request, obj, post_url_continue)
        return issued_keys_page(request, self, issued)

    def has_delete_permission(self, request: HttpRequest, obj: Open311ApiKey | None = None) -> bool:
        # A key is deactivated (or replaced), never deleted: requests keep who logged them.
        return False

    @admin.action(description=_("Replace the selected keys with new ones (shown once)"))
    def replace_keys(self, request: HttpRequest, queryset) -> HttpResponse:
        with transaction.atomic():
            issued = [
                actions.open311_api_key_replace(api_key=api_key)
                for api_key in queryset.select_related("owner", "default_community")
            ]
        return issued_keys_page(request, self, issued)

    @admin.action(description=_("Deactivate the selected keys"))
    def deactivate_keys(self, request: HttpRequest, queryset) -> None:
        count = actions.open311_api_keys_deactivate(api_keys=queryset)
        self.message_user(
            request,
            ngettext("%(count)d key deactivated.", "%(count)d keys deactivated.", count)
            % {"count": count},
            messages.SUCCESS,
        )
