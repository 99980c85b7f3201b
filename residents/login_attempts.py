"""django-axes (which records logins and locks out repeated failures) in the reader's language.

It ships no Chinese catalogue, so its admin pages read English on Chinese pages. Its app gets
a name of ours, its records are named in the reader's language, and the names of its models,
fields and admin sections are translated in our catalogue, which Django reads before a
package's own (``LOCALE_PATHS``). They are listed below in axes' exact wording so that the
extraction keeps them in the catalogue.
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from core.replacements import replace

# The texts axes shows on our admin pages, as axes words them.
AXES_TEXTS = (
    # Models
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    # Fields
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    # Admin: sections, a filter, an action, an empty value
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Locked Out"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
)


def _when(moment) -> str:
    return formats.localize(timezone.localtime(moment)) if moment else ""


def _attempt_name(attempt) -> str:
    return gettext("Login attempts as %(username)s from %(address)s") % {
        "username": attempt.username,
        "address": attempt.ip_address,
    }


def _login_name(entry) -> str:
    return gettext("Login as %(username)s at %(time)s") % {
        "username": entry.username,
        "time": _when(entry.attempt_time),
    }


def _failure_name(entry) -> str:
    return gettext("Failed login as %(username)s at %(time)s") % {
        "username": entry.username,
        "time": _when(entry.attempt_time),
    }


class LoginAttemptsConfig(AxesAppConfig):
    verbose_name = _("Login protection")

    def ready(self) -> None:
        super().ready()
        # axes names its records in English f-strings ("Attempted Access: ..."), which the
        # admin shows as a page's title and in its breadcrumbs.
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        replace(AccessAttempt, "__str__", _attempt_name)
        replace(AccessLog, "__str__", _login_name)
        replace(AccessFailureLog, "__str__", _failure_name)
