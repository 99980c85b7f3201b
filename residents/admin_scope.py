"""The admin site keeps the scope the pages and the API keep (``residents.queries``).

Every model admin that shows rows about a community, a resident or a login says how its rows
reach one, and the mixins below cut its list, its change pages, its bulk actions and the
choices of its foreign keys to what the signed-in member of staff answers for:

* ``CommunityScopedAdmin``: rows of a community (``scope_field`` names the path to its id),
  through ``within_scope``;
* ``AccountScopedAdmin``: rows of a login (``account_field``: the path to the user), through
  ``scoped_account_ids``, the logins ``account_list`` lets an administrator manage;
* ``NationwideOnlyAdmin``: records of the whole installation that belong to no one area
  (login attempts, notification events): nationwide administrators and superusers only.

``scoped_choices`` maps a foreign key's name to the rows it may point at, so a form cannot be
posted with the id of a login or community outside the scope (an admin's raw-id and
autocomplete fields are validated against the model's whole table otherwise). A login chosen
by id is named beside its box by ``User.display_name``, as the lists name it.

Why: with view permission on a model, an administrator of one city saw every request, status
change, capacity and consent of the country, the other areas' analysis results, and the API
tokens and Open311 keys of the nationwide administrators (enough to act as them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from residents import queries
from residents.models import User


def _communities(user: User) -> QuerySet:
    return queries.community_choices(user=user)


def _accounts(user: User) -> QuerySet:
    return queries.account_list(user=user)


# What a foreign key of these names may point at, for the signed-in user.
SCOPED_CHOICES: dict[str, Callable[[User], QuerySet]] = {
    "community": _communities,
    "default_community": _communities,
    "user": _accounts,
    "owner": _accounts,
    "recipient": _accounts,
}


class AccountRawIdWidget(ForeignKeyRawIdWidget):
    """A login chosen by id, named beside its box as every page names a person
    (``User.display_name``, as the Open311 key list's owner column), where Django's widget
    wrote ``str(user)``, the user name."""

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        try:
            user = User.objects.using(self.db).get(pk=value)
        except (ValueError, User.DoesNotExist, ValidationError):
            return "", ""
        try:
            url = reverse(f"{self.admin_site.name}:residents_user_change", args=(user.pk,))
        except NoReverseMatch:
            url = ""
        return user.display_name, url


class ScopedChoicesAdmin:
    """A foreign key named in ``scoped_choices`` offers, and accepts, only rows in scope."""

    scoped_choices: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name in self.scoped_choices:
            kwargs["queryset"] = SCOPED_CHOICES[db_field.name](request.user)
            if db_field.related_model is User and db_field.name in self.raw_id_fields:
                kwargs.setdefault(
                    "widget",
                    AccountRawIdWidget(
                        db_field.remote_field, self.admin_site, using=kwargs.get("using")
                    ),
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CommunityScopedAdmin(ScopedChoicesAdmin):
    scope_field: str = "community_id"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return queries.within_scope(
            super().get_queryset(request), user=request.user, field=self.scope_field
        )


class AccountScopedAdmin(ScopedChoicesAdmin):
    account_field: str = "user"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = super().get_queryset(request)
        ids = queries.scoped_account_ids(user=request.user)
        return rows if ids is None else rows.filter(**{f"{self.account_field}__in": ids})


class NationwideOnlyAdmin:
    def _nationwide(self, request: HttpRequest) -> bool:
        return queries.answers_for_everything(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._nationwide(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._nationwide(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._nationwide(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._nationwide(request) and super().has_delete_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = super().get_queryset(request)
        return rows if self._nationwide(request) else rows.none()
