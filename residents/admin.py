"""Admin for places, accounts and resident profiles.

Resident identifiers are masked in the list and on the change page, never pre-filled in the
form, and never searchable (the changelist search sits in the URL): an administrator finds a
resident by exact national ID or phone through a posted form matched on the keyed hash, and
sees the clear values only through an audited reveal.

The admin writes through ``residents.actions`` like every other channel: profiles through
``resident_create``/``resident_update`` (a profile is erased, never deleted), communities and
logins through ``community_save``/``account_save`` and their deletes. Regions, cities and
areas are reference data (the ``geography`` package, loaded by a migration and
``load_areas``) and read-only here. An administrator with an area lists and changes only the
communities, profiles and logins inside it (``residents.queries``), and gives areas inside it.
"""

from __future__ import annotations

from contextvars import ContextVar

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from core.admin import ActionAdminMixin, ReadOnlyAdminMixin, SentenceJoinedHelpMixin, local_name
from core.errors import LimitReached
from core.forms import ChoicesWithoutEcho, Form, ModelForm
from core.roles import is_administrator
from residents import actions, pii, privileges, queries
from residents.actions import IDENTIFIER_FIELDS, PROFILE_FIELDS
from residents.admin_scope import AccountScopedAdmin, CommunityScopedAdmin, NationwideOnlyAdmin
from residents.community_picker import picker_scope
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


@admin.register(Region)
class RegionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [local_name, "order"]
    search_fields = ["code", "name", "name_zh"]
    ordering = ["order"]


@admin.register(City)
class CityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["adcode", "name", "province", "region"]
    list_filter = ["region"]
    search_fields = ["adcode", "name", "province"]
    list_select_related = ["region"]


@admin.register(Area)
class AreaAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["=code", "name"]
    list_select_related = ["parent"]


@admin.register(Community)
class CommunityAdmin(ActionAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "city", "district", "area", "kind", "population", "households"]
    list_filter = ["kind", "city__region", "city"]
    search_fields = ["code", "name", "district", "city__name", "city__adcode"]
    list_select_related = ["city", "area"]
    autocomplete_fields = ["city", "area"]

    def get_queryset(self, request: HttpRequest):
        return queries.within_scope(super().get_queryset(request), user=request.user, field="pk")

    def save_through_action(self, request, obj, form, change):
        return actions.community_save(user=request.user, community=obj)

    def delete_through_action(self, request, obj) -> None:
        actions.community_delete(user=request.user, community=obj)


# Who is using the admin's password page (the form Django makes there is not told), and the
# password it set, whose ended credentials the page then tells the administrator about.
_acting_user: ContextVar[User | None] = ContextVar("admin_acting_user", default=None)
_passwords_set: ContextVar[list[actions.PasswordSet] | None] = ContextVar(
    "admin_passwords_set", default=None
)


class PasswordThroughActionForm(ChoicesWithoutEcho, AdminPasswordChangeForm):
    """The admin's password page, writing through ``residents.actions.account_password_set``."""

    def save(self, commit: bool = True) -> User:
        usable = self.cleaned_data.get("set_usable_password", True)
        done = actions.account_password_set(
            user=_acting_user.get(),
            account=self.user,
            password=self.cleaned_data["password1"] if usable else None,
        )
        passwords_set = _passwords_set.get()
        if passwords_set is not None:
            passwords_set.append(done)
        return done.account


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    """Permissions named in the reader's language (Django stores their names in English)."""

    def label_from_instance(self, obj) -> str:
        return privileges.permission_label(obj)


class UserChangeWithoutEcho(ChoicesWithoutEcho, UserChangeForm):
    """Django's, refusing a role it does not offer without repeating it (``core.forms``)."""


class UserCreationWithoutEcho(ChoicesWithoutEcho, AdminUserCreationForm):
    """Django's, refusing a role it does not offer without repeating it (``core.forms``)."""


@admin.register(User)
class UserAdmin(SentenceJoinedHelpMixin, ActionAdminMixin, DjangoUserAdmin):
    form = UserChangeWithoutEcho
    add_form = UserCreationWithoutEcho
    change_password_form = PasswordThroughActionForm
    list_display = ["username", "role", "area", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    list_select_related = ["area"]
    filter_horizontal = ["communities", "groups", "user_permissions"]
    autocomplete_fields = ["area"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Role, area and communities"), {"fields": ["role", "area", "communities"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Role, area and communities"), {"fields": ["role", "area", "communities"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return queries.account_list(user=request.user)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "communities":
            communities = queries.community_choices(user=request.user)
            kwargs["queryset"] = communities
            if picker_scope(communities).large:
                # A province's communities are searched, not listed (the picker's threshold,
                # residents.community_picker): the admin's autocomplete asks CommunityAdmin,
                # whose queryset is the same scope.
                kwargs["widget"] = AutocompleteSelectMultiple(db_field, self.admin_site)
        # Only what the administrator holds is offered (the action checks it again).
        elif db_field.name == "user_permissions":
            kwargs["queryset"] = privileges.grantable_permissions(user=request.user)
            kwargs["form_class"] = PermissionChoiceField
        elif db_field.name == "groups":
            kwargs["queryset"] = privileges.grantable_groups(user=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Only a superuser gives superuser status (residents.privileges): not offered.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "is_superuser"]})
            for name, options in fieldsets
        ]

    def save_through_action(self, request, obj, form, change):
        def given(name: str):
            return form.cleaned_data.get(name)

        return actions.account_save(
            user=request.user,
            account=obj,
            communities=given("communities"),
            permissions=given("user_permissions"),
            groups=given("groups"),
        )

    def user_change_password(self, request, id, form_url=""):
        token = _acting_user.set(request.user)
        passwords_set: list[actions.PasswordSet] = []
        set_token = _passwords_set.set(passwords_set)
        try:
            response = super().user_change_password(request, id, form_url)
        finally:
            _acting_user.reset(token)
            _passwords_set.reset(set_token)
        for done in passwords_set:
            for ended in done.ended:
                self.message_user(
                    request,
                    ended.to_administrator(account_name=done.account.display_name),
                    messages.WARNING,
                )
        return response

    def delete_through_action(self, request, obj) -> None:
        actions.account_delete(user=request.user, account=obj)


class ResidentAdminForm(ModelForm):
    """Identifiers are write-only here: never pre-filled (that would display them unmasked);
    left blank, they keep their stored value."""

    class Meta:
        model = Resident
        fields = [
            "community",
            *IDENTIFIER_FIELDS,
            *(f for f in PROFILE_FIELDS if f != "community"),
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        editing = bool(self.instance and self.instance.pk)
        masked = {
            "name": self.instance.masked_name,
            "phone": self.instance.masked_phone,
            "national_id": self.instance.masked_national_id,
        }
        for name in IDENTIFIER_FIELDS:
            field = self.fields[name]
            field.widget = forms.TextInput(attrs={"autocomplete": "off"})
            self.initial[name] = ""
            if editing and masked[name]:
                field.help_text = _("Stored as %(masked)s. Leave blank to keep it.") % {
                    "masked": masked[name]
                }

    def _kept(self, name: str, value: str) -> str:
        if value or not (self.instance and self.instance.pk):
            return value
        return getattr(self.instance, name)

    def clean_name(self) -> str:
        return self._kept("name", (self.cleaned_data.get("name") or "").strip())

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        return self._kept("phone", pii.validate_phone(value) if value else "")

    def clean_national_id(self) -> str:
        value = self.cleaned_data.get("national_id") or ""
        value = self._kept("national_id", pii.validate_national_id(value) if value else "")
        changed = value and pii.lookup_hash(value) != getattr(self.instance, "national_id_hash", "")
        if changed:
            # The duplicate check below confirms whether a number is registered: metered like
            # every other path (LimitReached is a ValidationError, shown on the field).
            actions.identifier_checks_take(user=self.actor, number_hashes=[pii.lookup_hash(value)])
        if value:
            duplicate = Resident.objects.filter(
                national_id_hash=pii.lookup_hash(pii.normalise_national_id(value))
            )
            if self.instance and self.instance.pk:
                duplicate = duplicate.exclude(pk=self.instance.pk)
            if duplicate.exists():
                raise ValidationError(
                    _("A resident with this national ID number is already registered.")
                )
        return value


class ErasedFilter(admin.SimpleListFilter):
    title = _("personal data erased")
    parameter_name = "erased"

    def lookups(self, request, model_admin):
        return [("yes", _("Erased")), ("no", _("Not erased"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(erased_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(erased_at__isnull=True)
        return queryset


class IdentifierFindForm(Form):
    kind = forms.ChoiceField(
        label=_("Search by"),
        choices=[("national_id", _("National ID number")), ("phone", _("Phone number"))],
    )
    value = forms.CharField(label=_("Number"), max_length=32)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("value"):
            try:
                cleaned["identifier"] = actions.normalised_identifier(
                    **{cleaned["kind"]: cleaned["value"]}
                )
            except ValidationError as exc:
                self.add_error("value", next(iter(exc.message_dict.values())))
        return cleaned


@admin.register(Resident)
class ResidentAdmin(ActionAdminMixin, admin.ModelAdmin):
    form = ResidentAdminForm

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a fresh class per call: whose allowance the checks use
        return form

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        # A profile added here has no login (logins are made apart).
        return {
            **super().get_changeform_initial_data(request),
            "preferred_channel": Resident.channel_unless_told(has_login=False),
        }

    change_form_template = "admin/residents/resident/change_form.html"
    change_list_template = "admin/residents/resident/change_list.html"
    list_display = [
        "id",
        "shown_name",
        "shown_phone",
        "shown_national_id",
        "community",
        "birth_year",
        "gender",
        "has_account",
        "erased_at",
    ]
    list_filter = [
        ErasedFilter,
        "gender",
        "employment_status",
        "income_band",
        "hukou_type",
        "health_needs",
        "elderly_living_alone",
        "community__city",
    ]
    # Never an identifier (encrypted, and the search term would sit in the URL): id only.
    search_fields = ["=id"]
    search_help_text = _(
        "Search by profile number. To find someone by national ID or phone, use "
        "“Find by ID or phone”."
    )
    list_select_related = ["community"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["community"]
    # The login is linked at sign-up and unlinked by erasure; the creator is whoever created it.
    # The portrait facts are shown, never edited here: they are written only with the
    # resident's consent (the resident's or a worker's portrait page, or the API).
    readonly_fields = [
        "user",
        "created_by",
        "created_at",
        "updated_at",
        "erased_at",
        *PORTRAIT_FIELDS,
    ]
    actions = ["erase_personal_data"]

    def get_queryset(self, request: HttpRequest):
        return queries.within_scope(
            super().get_queryset(request), user=request.user, field="community_id"
        )

    def has_delete_permission(self, request: HttpRequest, obj: Resident | None = None) -> bool:
        # A profile is erased (the action below), never deleted: requests keep their counts.
        return False

    def save_through_action(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in (*IDENTIFIER_FIELDS, *PROFILE_FIELDS)}
        if change:
            stored = Resident.objects.get(pk=obj.pk)
            return actions.resident_update(user=request.user, resident=stored, **fields)
        return actions.resident_create(user=request.user, **fields)

    def delete_through_action(self, request, obj) -> None:
        raise PermissionDenied

    @admin.display(description=_("name"))
    def shown_name(self, resident: Resident) -> str:
        return resident.masked_name or "—"

    @admin.display(description=_("phone"))
    def shown_phone(self, resident: Resident) -> str:
        return resident.masked_phone or "—"

    @admin.display(description=_("national ID number"))
    def shown_national_id(self, resident: Resident) -> str:
        return resident.masked_national_id or "—"

    @admin.display(description=_("login"), boolean=True)
    def has_account(self, resident: Resident) -> bool:
        return resident.user_id is not None

    def get_urls(self):
        return [
            path(
                "find/",
                self.admin_site.admin_view(self.find_view),
                name="residents_resident_find",
            ),
            path(
                "<int:pk>/reveal/",
                self.admin_site.admin_view(require_POST(self.reveal_view)),
                name="residents_resident_reveal",
            ),
            *super().get_urls(),
        ]

    def reveal_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The clear identifiers in this response only, with an audit entry (channel admin)."""
        # Through the scoped queryset: outside the area the answer is 404, as everywhere,
        # not a refusal that says the profile exists.
        resident = get_object_or_404(self.get_queryset(request), pk=pk)
        if not (self.has_view_permission(request, resident) and is_administrator(request.user)):
            raise PermissionDenied
        revealed = actions.resident_identifiers_reveal(
            user=request.user, resident=resident, channel=PersonalDataAccess.Channel.ADMIN
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": resident,
            "title": _("Identifiers of %(resident)s") % {"resident": resident},
            "revealed": revealed,
        }
        response = TemplateResponse(
            request, "admin/residents/resident/reveal_identifiers.html", context
        )
        response["Cache-Control"] = "no-store"
        return response

    def find_view(self, request: HttpRequest) -> HttpResponse:
        """Find a resident by exact national ID or phone: posted, matched on the keyed hash."""
        if not (self.has_view_permission(request) and is_administrator(request.user)):
            raise PermissionDenied
        form = IdentifierFindForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                found = actions.resident_find_by_identifier(
                    user=request.user, **form.cleaned_data["identifier"]
                )
            except LimitReached as exc:
                messages.error(request, exc.messages[0])
            else:
                if found is not None:
                    return HttpResponseRedirect(
                        reverse("admin:residents_resident_change", args=[found.pk])
                    )
                messages.warning(request, _("No resident matches that number."))
            form = IdentifierFindForm(initial={"kind": form.cleaned_data["kind"]})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Find a resident by ID or phone"),
            "form": form,
        }
        return TemplateResponse(request, "admin/residents/resident/find.html", context)

    @admin.action(description=_("Erase the personal data of the selected residents"))
    def erase_personal_data(self, request: HttpRequest, queryset) -> None:
        if not is_administrator(request.user):
            raise PermissionDenied
        count = 0
        for resident in queryset:
            actions.resident_erase(
                user=request.user,
                resident=resident,
                delete_account=True,
                channel=PersonalDataAccess.Channel.ADMIN,
            )
            count += 1
        self.message_user(request, _("%(count)d profiles erased.") % {"count": count})


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """The audit trail is read-only: nobody edits or deletes who saw what."""

    list_display = ["accessed_at", "accessor", "action", "resident", "channel", "records"]
    list_filter = ["action", "channel", "accessed_at"]
    search_fields = ["accessor__username", "=resident__id"]
    list_select_related = ["accessor", "resident"]
    date_hierarchy = "accessed_at"

    def get_queryset(self, request: HttpRequest):
        return queries.audit_log(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(PortraitConsent)
class PortraitConsentAdmin(CommunityScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Consents are the residents' own acts: shown, never added, changed or deleted here."""

    scope_field = "resident__community_id"

    list_display = ["resident", "version", "given_at", "withdrawn_at", "recorded_by"]
    list_filter = ["version", "withdrawn_at"]
    search_fields = ["=resident__id"]
    list_select_related = ["resident", "recorded_by"]


# Admins of other packages that hold logins' secrets or whereabouts ---------------------------
# An API token acts as its login, so an administrator sees and issues tokens only for the
# logins they manage (never a nationwide administrator's); login attempts (user names and
# addresses of the whole installation) and the permission groups every area shares are for
# nationwide administrators.


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ScopedTokenAdmin(AccountScopedAdmin, TokenAdmin):
    account_field = "user"
    scoped_choices = ("user",)


class NationwideAccessAttemptAdmin(NationwideOnlyAdmin, AccessAttemptAdmin):
    # axes words these in English f-strings, which no catalogue translates.
    @admin.action(description=_("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request: HttpRequest, queryset) -> None:
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(
            request, _("%(count)s expired login attempts cleaned up.") % {"count": count}
        )

    @admin.display(description=_("Status"))
    def status(self, obj: AccessAttempt) -> str:
        left = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        if left > 0:
            return _("%(count)s attempts left") % {"count": left}
        return _("Locked Out")


class NationwideAccessLogAdmin(NationwideOnlyAdmin, AccessLogAdmin):
    pass


class NationwideAccessFailureLogAdmin(NationwideOnlyAdmin, AccessFailureLogAdmin):
    pass


class NationwideGroupAdmin(
    NationwideOnlyAdmin, SentenceJoinedHelpMixin, ActionAdminMixin, GroupAdmin
):
    """Groups are shared by the administrators of every area: changing one's permissions
    changes theirs, so only nationwide administrators do, giving only the permissions they
    hold (``residents.privileges``)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "permissions":
            kwargs["queryset"] = privileges.grantable_permissions(user=request.user)
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_through_action(self, request, obj, form, change):
        return actions.permission_group_save(
            user=request.user, group=obj, permissions=form.cleaned_data["permissions"]
        )

    def delete_through_action(self, request, obj) -> None:
        actions.permission_group_delete(user=request.user, group=obj)


for model, model_admin in (
    (Group, NationwideGroupAdmin),
    (AccessAttempt, NationwideAccessAttemptAdmin),
    (AccessLog, NationwideAccessLogAdmin),
    (AccessFailureLog, NationwideAccessFailureLogAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
