"""Roles, defined once for pages, API and actions.

A user's role is read from the attributes of the user model (``is_administrator``,
``is_worker``, ``is_superuser``), so this module needs no app. Which objects a role may see is
each app's ``queries`` module's business; this module only says who holds which role.

* administrator (role ``admin`` or a superuser);
* community worker (role ``worker``, never a superuser);
* resident: any other signed-in, active person.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

# The roles a page may require (``role_required``).
RESIDENT = "resident"
WORKER = "worker"
ADMIN = "admin"
STAFF = (WORKER, ADMIN)


def is_administrator(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active) and (
        user.is_administrator
    )


def is_worker(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_worker
        and not user.is_superuser
    )


def is_resident(user: Any) -> bool:
    """A signed-in person who is neither a worker nor an administrator."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and not is_worker(user)
        and not is_administrator(user)
    )


def user_roles(user: Any) -> set[str]:
    """The page roles a user holds; administrators may also use every worker page."""
    if is_administrator(user):
        return {ADMIN, WORKER}
    if is_worker(user):
        return {WORKER}
    if is_resident(user):
        return {RESIDENT}
    return set()


def role_required(*roles: str) -> Callable:
    """Anonymous visitors go to the login page; a signed-in user without the role gets 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not user_roles(request.user) & set(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
