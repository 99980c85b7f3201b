"""Respect the visitor's language on unprefixed URLs.

The pages use ``i18n_patterns(prefix_default_language=False)``: English lives at ``/login/``,
Chinese at ``/zh-hans/login/``. Django then serves every unprefixed URL in the default
language, whatever the browser's ``Accept-Language`` or the language cookie say. This
middleware sends such a visitor to the same page under their language's prefix.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import get_script_prefix, is_valid_path
from django.utils import translation
from django.utils.cache import patch_vary_headers


class PreferredLanguageMiddleware:
    """Redirect a GET of an unprefixed page to the preferred language's prefixed URL.

    The preference is the language cookie (set by the language switcher) and then
    ``Accept-Language``. Only pages inside ``i18n_patterns`` move (the admin among them): the
    API, Open311 and static files have no language prefix and are left alone; the API and Open311
    answer in the preferred language. Place it right after
    ``django.middleware.locale.LocaleMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    # The API and Open311 have no language prefix: LocaleMiddleware serves them in the default
    # language, so their answers (refusals, validation messages; Open311's service names and
    # status notes) follow the cookie and Accept-Language here. Machine clients send no
    # cookie, so Accept-Language is what they choose by.
    MACHINE_PREFIXES = ("/api/", "/open311/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = self._redirect(request)
        if redirect is not None:
            return redirect
        if request.path_info.startswith(self.MACHINE_PREFIXES):
            preferred = translation.get_language_from_request(request, check_path=False)
            if preferred:
                translation.activate(preferred)
                request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def _redirect(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD"):
            return None
        if translation.get_language_from_path(request.path_info):
            return None
        preferred = translation.get_language_from_request(request, check_path=False)
        if not preferred or preferred == settings.LANGUAGE_CODE:
            return None
        language_path = f"/{preferred}{request.path_info}"
        urlconf = getattr(request, "urlconf", None)
        with translation.override(preferred):
            if not is_valid_path(language_path, urlconf):
                return None
        script_prefix = get_script_prefix()
        url = request.get_full_path().replace(script_prefix, f"{script_prefix}{preferred}/", 1)
        response = HttpResponseRedirect(url)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
