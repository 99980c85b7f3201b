"""What one member of staff may give another: the one rule for roles' privileges.

A login's *privileges* on the admin site are its superuser flag, its staff status and the
model permissions it holds, directly or through its groups (``Privileges``). An
administrator may create, change, set the password of or delete a login only if the login's
privileges, before and after, lie within their own (``Privileges.within``):

* superuser status is given, taken and changed by superusers only;
* staff status only by someone who holds it;
* a permission only by someone who holds it (a group: all of its permissions).

Superusers hold everything, so nothing limits them. The area rules (``residents.queries``:
which logins an administrator of an area manages, which areas and communities they give)
come on top of this one.

Why: an administrator of one city, given the admin site to manage the accounts of their
area, could give themself, or an account of their area they then signed in as, every
permission of the site: user permissions and groups were saved by the admin's form, past
``residents.actions.account_save``. And one who could set passwords could take over an
account holding permissions they lacked. ``account_save``, ``account_password_set``,
``account_delete`` and ``permission_group_save`` check this rule; the admin's forms offer
only what it allows (``grantable_permissions``, ``grantable_groups``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from residents.models import User


@dataclass(frozen=True)
class Privileges:
    superuser: bool
    staff: bool
    permissions: frozenset[int]  # Permission ids, held directly or through a group

    def within(self, holder: Privileges) -> bool:
        """Whether ``holder`` holds everything these privileges give."""
        if holder.superuser:
            return True
        return (
            not self.superuser
            and (holder.staff or not self.staff)
            and self.permissions <= holder.permissions
        )


def _all_permission_ids() -> frozenset[int]:
    return frozenset(Permission.objects.values_list("pk", flat=True))


def privileges_of(account: User) -> Privileges:
    """What a stored login holds now (read afresh, never from a cached user object)."""
    stored = User.objects.filter(pk=account.pk).values("is_superuser", "is_staff").first()
    if stored is None:
        return Privileges(superuser=False, staff=False, permissions=frozenset())
    if stored["is_superuser"]:
        return Privileges(superuser=True, staff=True, permissions=_all_permission_ids())
    held = Permission.objects.filter(Q(user=account.pk) | Q(group__user=account.pk))
    return Privileges(
        superuser=False,
        staff=stored["is_staff"],
        permissions=frozenset(held.values_list("pk", flat=True)),
    )


def privileges_given(
    *,
    superuser: bool,
    staff: bool,
    permissions: Iterable[Permission],
    groups: Iterable[Group],
) -> Privileges:
    """The privileges a login will hold with these flags, permissions and groups."""
    if superuser:
        return Privileges(superuser=True, staff=True, permissions=_all_permission_ids())
    ids = {p.pk for p in permissions}
    group_ids = [g.pk for g in groups]
    if group_ids:
        ids |= set(Permission.objects.filter(group__in=group_ids).values_list("pk", flat=True))
    return Privileges(superuser=False, staff=staff, permissions=frozenset(ids))


def grant_problems(*, granter: User, wanted: Privileges) -> dict[str, list[str]]:
    """What ``granter`` may not give of ``wanted``, by the admin form's field (empty: all of
    it may be given)."""
    own = privileges_of(granter)
    if wanted.within(own):
        return {}
    problems: dict[str, list[str]] = {}
    if wanted.superuser:
        problems["is_superuser"] = [_("Only a superuser makes or changes a superuser.")]
    else:
        if wanted.staff and not own.staff:
            problems["is_staff"] = [_("You can give staff status only if you hold it yourself.")]
        if not wanted.permissions <= own.permissions:
            problems["user_permissions"] = [
                _("You can give only permissions you hold yourself, directly or through a group.")
            ]
    return problems


def may_manage(*, granter: User, account: User) -> bool:
    """Whether ``account``, as stored, holds nothing beyond ``granter``: only then may the
    granter change it, set its password (and so sign in as it) or delete it."""
    if account.pk is None:
        return True
    return privileges_of(account).within(privileges_of(granter))


def permission_label(permission: Permission) -> str:
    """A permission as a person reads it: its model's and its action's names in the reader's
    language ("服务 | 服务请求 | 可添加服务请求"), as Django's own in English.

    Django stores a permission's name once, in English, made from the model's untranslated
    name ("Can add request"); its four actions are named again here, in the catalogue, and a
    permission of another kind keeps its stored name.
    """
    model = permission.content_type.model_class()
    action = permission.codename.removesuffix(f"_{permission.content_type.model}")
    wording = {
        "add": _("Can add %(thing)s"),
        "change": _("Can change %(thing)s"),
        "delete": _("Can delete %(thing)s"),
        "view": _("Can view %(thing)s"),
    }.get(action)
    if model is None or wording is None:
        return str(permission)
    name = wording % {"thing": model._meta.verbose_name}
    return f"{permission.content_type} | {name}"


def grantable_permissions(*, user: User) -> QuerySet[Permission]:
    """The permissions ``user`` may give: all for a superuser, else the ones they hold."""
    permissions = Permission.objects.select_related("content_type")
    if user.is_superuser:
        return permissions.all()
    return permissions.filter(pk__in=privileges_of(user).permissions)


def grantable_groups(*, user: User) -> QuerySet[Group]:
    """The groups ``user`` may give: those with no permission beyond ``user``'s own."""
    if user.is_superuser:
        return Group.objects.all()
    beyond = Permission.objects.exclude(pk__in=privileges_of(user).permissions)
    return Group.objects.exclude(permissions__in=beyond)
