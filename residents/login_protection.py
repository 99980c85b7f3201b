"""Login protection that an attacker cannot turn against other people.

* **The client's address** comes from ``REMOTE_ADDR``, or, only when the connection comes
  from a configured trusted proxy (``TRUSTED_PROXIES``), from the ``X-Forwarded-For`` hop
  the nearest untrusted party added. A client cannot forge its address by sending the
  header itself, and behind the proxy every user does not share the proxy's address.
* **Lockouts** (django-axes) count failures per (user name, address) pair and per user name
  across all addresses, each with its own limit: one source guessing one account is stopped
  after ``AXES_FAILURE_LIMIT`` failures without touching anyone else, a distributed guess
  at one account after ``LOGIN_FAILURES_PER_USERNAME``. Nothing locks an address, so five
  failures never lock a whole office, proxy or site out.
* **The published demo password** opens nothing while ``DEBUG`` is off.
* **A password asked again** of someone signed in (``password_confirmed``: changing it)
  goes through the same backends, so a wrong one is a failed login of that user name and a
  locked name is refused there too: a stolen session guesses no faster than the login page.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpRequest

# The demo city's published password (README, ``seed_demo``).
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 -- published on purpose, refused outside DEBUG

# One (user name, address) pair, then the user name alone; the handler below reads the
# failure counts in this order.
LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the party that connected to us or to our trusted proxies.

    ``X-Forwarded-For`` is read right to left, skipping the trusted proxies' own hops; the
    first address that is not a trusted proxy is the client. Anything left of it was written
    by the client and is ignored. Without trusted proxies, the header is never read.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(_parse(remote), networks):
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return remote  # a malformed chain: fall back to the proxy, never guess
        if not _is_trusted(address, networks):
            return str(address)
    return remote


def password_confirmed(request: HttpRequest, *, user, password: str) -> bool:
    """Whether ``password`` is the signed-in ``user``'s, asked as a login asks it.

    A wrong password counts as a failed login of the user name from the client's address
    (django-axes); once the name is locked, even the right one is refused here and
    ``axes.middleware.AxesMiddleware`` answers the request as it answers a locked login
    (429). The demo password is refused with ``DEBUG`` off, as at login."""
    account = authenticate(request, username=user.get_username(), password=password)
    return account is not None and account.pk == user.pk


class LoginAttemptHandler(AxesDatabaseHandler):
    """django-axes' database handler with one limit per lockout parameter."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        pair, username = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return (
            pair >= settings.AXES_FAILURE_LIMIT or username >= settings.LOGIN_FAILURES_PER_USERNAME
        )


class DemoPasswordRefusal:
    """An authentication backend placed before Django's: with ``DEBUG`` off it stops any
    login with the published demo password (``PermissionDenied`` ends the backend chain).

    ``seed_demo`` refuses to run without ``DEBUG``, but a database seeded on a laptop can
    later be served with ``DEBUG`` off; its demo logins must not open there. (No
    ``get_user``: sessions are restored by the backend that signed the user in.)"""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password == DEMO_PASSWORD and not settings.DEBUG:
            raise PermissionDenied
        return None
