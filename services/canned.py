"""Canned replies: short public replies a worker can pick to start a reply to the resident,
defined once here as reference data in English and Chinese (gettext).

Each reply applies to every service (``categories`` and ``dimensions`` empty), to the services
of some areas of need (``dimensions``), or to named services (``categories``, their codes in
``services/catalogue.py``). The worker edits the text before sending; nothing is sent as is
without the worker choosing to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CannedReply:
    code: str
    title: Promise
    text: Promise
    dimensions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def applies_to(self, *, category_code: str, dimension: str) -> bool:
        if not self.dimensions and not self.categories:
            return True
        return category_code in self.categories or dimension in self.dimensions


CANNED_REPLIES: tuple[CannedReply, ...] = (
    CannedReply(
        "received",
        _("Received, we are on it"),
        _("Thank you. We have received your request and a community worker is looking into it."),
    ),
    CannedReply(
        "need_more_information",
        _("Ask for more information"),
        _(
            "To help you we need a little more information. Please add it to your request, "
            "with a photo if you can."
        ),
    ),
    CannedReply(
        "visit_arranged",
        _("A visit is arranged"),
        _("A community worker will visit you. We will tell you the time before we come."),
    ),
    CannedReply(
        "repair_scheduled",
        _("Repair scheduled"),
        _(
            "The repair has been scheduled with the maintenance team. We will tell you when it is done."
        ),
        dimensions=("infrastructure", "environmental_protection"),
    ),
    CannedReply(
        "school_contacted",
        _("School contacted"),
        _("We have contacted the school about your request and will tell you their answer."),
        dimensions=("public_education",),
    ),
    CannedReply(
        "care_provider_contacted",
        _("Care provider contacted"),
        _(
            "We have asked a care provider to contact you to agree on the help you need and "
            "when it starts."
        ),
        categories=("elderly_home_care", "chronic_disease_followup"),
    ),
    CannedReply(
        "documents_needed",
        _("Documents needed"),
        _(
            "Please bring your identity card and household register to the community service "
            "centre so that we can process your application."
        ),
        dimensions=("employment_social_security",),
    ),
)
CANNED_BY_CODE: dict[str, CannedReply] = {reply.code: reply for reply in CANNED_REPLIES}


def canned_replies_for(*, category_code: str, dimension: str) -> tuple[CannedReply, ...]:
    """The replies that fit a request of this service (general ones first)."""
    return tuple(
        r for r in CANNED_REPLIES if r.applies_to(category_code=category_code, dimension=dimension)
    )
