"""The words of every notification, in every language of the site.

``compose`` renders an event's title and body once per language with
``translation.override``, so the centre can show the reader's language and email or SMS go
out in the recipient's. Texts name the request by number, service and status only: never
what the resident wrote, never a name, phone or address.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from notifications.models import Event
from notifications.sources import DigestFacts, RequestFacts


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def _category(facts: RequestFacts) -> str:
    chinese = (translation.get_language() or "").startswith("zh")
    return facts.category_name_zh if chinese and facts.category_name_zh else facts.category_name


def _when(moment) -> str:
    if moment is None:
        return _("no date set")
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _request_message(event: str, facts: RequestFacts) -> Message:
    values = {
        "number": facts.request_id,
        "service": _category(facts),
        "status": str(facts.status_label),
        "when": _when(facts.expected_completion_at),
        "rating": facts.satisfaction or 0,
    }
    title, body = {
        Event.SUBMITTED: (
            _("New request #%(number)s"),
            _("A new request for %(service)s came in for a community you serve."),
        ),
        Event.STATUS_CHANGED: (
            _("Request #%(number)s: %(status)s"),
            _("Your request for %(service)s is now: %(status)s."),
        ),
        Event.ASSIGNED: (
            _("Request #%(number)s assigned to you"),
            _("The request for %(service)s is yours to work on."),
        ),
        Event.PUBLIC_REPLY: (
            _("New reply on request #%(number)s"),
            _("A community worker replied on your request for %(service)s."),
        ),
        Event.EXPECTED_COMPLETION_CHANGED: (
            _("Request #%(number)s: new expected completion"),
            _("Your request for %(service)s is now expected to be completed by %(when)s."),
        ),
        Event.RATED: (
            _("Low rating on request #%(number)s"),
            _("The resident rated the request for %(service)s %(rating)s out of 5."),
        ),
        Event.INFORMATION_ADDED: (
            _("Request #%(number)s: information added"),
            _("The resident added information to the request for %(service)s."),
        ),
        Event.WITHDRAWN: (
            _("Request #%(number)s withdrawn"),
            _("The resident withdrew the request for %(service)s."),
        ),
        Event.REOPENED: (
            _("Request #%(number)s reopened"),
            _("The resident reopened the request for %(service)s."),
        ),
        Event.REVIEW_OPENED: (
            _("Review needed: request #%(number)s"),
            _("The request for %(service)s was rated %(rating)s out of 5: please review it."),
        ),
        Event.SLA_DUE_SOON: (
            _("Request #%(number)s is due soon"),
            _("The request for %(service)s is due by %(when)s and is still open."),
        ),
        Event.SLA_BREACHED: (
            _("Request #%(number)s is overdue"),
            _("The request for %(service)s was due by %(when)s and is still open."),
        ),
    }[event]
    return Message(title=title % values, body=body % values)


def _digest_message(facts: DigestFacts) -> Message:
    return Message(
        title=_("Daily digest for %(day)s")
        % {"day": formats.date_format(timezone.localtime(facts.until), "DATE_FORMAT")},
        body=_(
            "In the last day: %(submitted)s new requests, %(resolved)s resolved, "
            "%(low)s low ratings. Open now: %(open)s, of which %(overdue)s overdue."
        )
        % {
            "submitted": facts.submitted,
            "resolved": facts.resolved,
            "low": facts.low_ratings,
            "open": facts.open,
            "overdue": facts.overdue,
        },
    )


def compose(event: str, facts: RequestFacts | DigestFacts) -> dict[str, dict[str, str]]:
    """The event's message in every language of the site, as ``Notification.texts``."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            if isinstance(facts, DigestFacts):
                message = _digest_message(facts)
            else:
                message = _request_message(event, facts)
        texts[language] = asdict(message)
    return texts


def message_in(texts: dict[str, dict[str, str]], language: str | None) -> Message:
    """The stored message in ``language`` (the site's default language if it has none)."""
    chosen = texts.get(language or "") or texts.get(settings.LANGUAGE_CODE) or {}
    return Message(title=chosen.get("title", ""), body=chosen.get("body", ""))
