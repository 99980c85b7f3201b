"""What keeps the API's answers JSON and 4xx for any input a client can send.

* ``page_not_found`` / ``server_error`` / ``bad_request`` / ``permission_denied``: Django's
  error views, answering JSON under ``/api/`` (a non-numeric id never matches a route, so
  DRF never sees it; without this the answer was an HTML page).
* ``JSONParser``: DRF's, with a body nested too deep for the decoder (``RecursionError``)
  refused as malformed instead of crashing.
* ``NullCharacterMiddleware``: a NUL in a path or query string is refused with 400 before
  any view runs; no database text column can store one, and PostgreSQL fails on it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import parsers
from rest_framework.exceptions import ParseError

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": _("Server error; it has been logged."), "code": "server_error"},
            status=500,
        )
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Bad request."), "code": "bad_request"}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": _("You may not do this."), "code": "permission_denied"}, status=403
        )
    return defaults.permission_denied(request, exception)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None


class NullCharacterMiddleware:
    """400 for a NUL (``%00``) anywhere in the path or query string, JSON under ``/api/``.

    Open311 answers its own GeoReport error for these (``services.open311``), so its paths
    are left to it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if not request.path.startswith("/open311/") and (
            "\x00" in request.path or b"\x00" in unquote_to_bytes(query)
        ):
            message = _("The address contains a null character, which is not allowed.")
            if _is_api(request):
                return JsonResponse({"detail": message, "code": "null_character"}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
