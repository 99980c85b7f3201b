"""Roles, defined once for pages, API and actions.

A user's role is read from the attributes of the user model (``is_administrator``,
``is_worker``, ``is_superuser``), so this module needs no app. Which objects a role may see is
each app's ``queries`` module's business; this module only says who holds which role.

* administrator (role ``admin`` or a superuser);
* community worker (role ``worker``, never a superuser);
* resident: any other signed-in, active person.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise

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


def primary_role(user: Any) -> str | None:
    """The role a user is first of all (an administrator also holds the worker's pages): the
    one that decides where they start and where a page of another role sends them."""
    if is_administrator(user):
        return ADMIN
    if is_worker(user):
        return WORKER
    if is_resident(user):
        return RESIDENT
    return None


def user_roles(user: Any) -> set[str]:
    """The page roles a user holds; administrators may also use every worker page."""
    return {
        ADMIN: {ADMIN, WORKER},
        WORKER: {WORKER},
        RESIDENT: {RESIDENT},
        None: set(),
    }[primary_role(user)]


@dataclass(frozen=True)
class Elsewhere:
    """The page of their own that a signed-in person of another role is sent to from a page
    they may not use (an old bookmark of another role's page), with a line saying why, in
    their language (a lazy text)."""

    url_name: str
    message: Promise


def role_required(*roles: str, elsewhere: Mapping[str, Elsewhere] | None = None) -> Callable:
    """Anonymous visitors go to the login page. A signed-in user without the role gets 403,
    unless ``elsewhere`` names a page for their role: a GET then goes there (302) with its
    message. A POST still gets 403: redirected, what it sent would be dropped unsaid."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not user_roles(request.user) & set(roles):
                target = (elsewhere or {}).get(primary_role(request.user))
                if target is None or request.method not in ("GET", "HEAD"):
                    raise PermissionDenied
                messages.info(request, str(target.message))
                return redirect(target.url_name)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
