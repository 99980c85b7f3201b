"""``{% load service_requests %}``: a resident's requests on the residents app's pages.

The residents app sits below services and may not import it; its resident page asks for the
requests here, scoped to the viewer like every other list (``services.queries``).
"""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from services import queries

register = template.Library()


@register.simple_tag(takes_context=True)
def requests_of_resident(context: template.Context, resident, limit: int = 50) -> QuerySet:
    """The newest ``limit`` requests of ``resident`` that the viewer may see."""
    return queries.request_list(user=context["request"].user).filter(resident=resident)[:limit]
