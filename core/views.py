"""Pieces every app's pages share: action errors next to form fields, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language as django_set_language


def add_action_errors(form, exc: ValidationError) -> None:
    """Put an action's validation errors next to the form fields they name."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language``, run with the language of the page the visitor came from.

    Django translates the ``next`` address into the new language by resolving it in the
    currently active language; from a ``/zh-hans/`` page that is Chinese, so the address is
    resolved as it is, not the (English) default, and switching back to English works.
    """
    next_url = request.POST.get("next", request.GET.get("next", ""))
    try:
        path = urlsplit(next_url).path
    except ValueError:
        # Not an address at all ("http://[::1", a bracket left open): Django's view refuses it
        # as a target and goes back to the referring page or the home page.
        path = ""
    language = translation.get_language_from_path(path)
    with translation.override(language or settings.LANGUAGE_CODE):
        return django_set_language(request)
