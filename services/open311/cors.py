"""Cross-origin reads of Open311 from browsers on other sites (docs/open311.md, "Browser
clients").

GeoReport v2's reads (discovery, services, a service's definition, requests) are public by the
specification and need no key, so a browser app on another origin may read them when the
operator allows its origin (``OPEN311_CORS_ALLOWED_ORIGINS``; none by default). Writes never:
a POST of requests is not given CORS headers, and a preflight asking for any method but GET
or HEAD is not answered with them, so a script on another site can neither send a
non-simple request nor read the answer to a form POST. Credentials are never allowed, and
nothing outside ``/open311/v2/`` (pages, the REST API, the admin, which use the session)
is ever given CORS headers.
"""

from __future__ import annotations

from corsheaders.middleware import CorsMiddleware
from django.http import HttpRequest

READ_METHODS = frozenset({"GET", "HEAD"})


class Open311ReadCorsMiddleware(CorsMiddleware):
    """django-cors-headers' middleware for the read methods of ``CORS_URLS_REGEX`` only."""

    def is_enabled(self, request: HttpRequest) -> bool:
        method = request.method or ""
        if method == "OPTIONS":  # a preflight: the method the script wants to send
            method = request.headers.get("access-control-request-method", "").upper()
        return method in READ_METHODS and super().is_enabled(request)
