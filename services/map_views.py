"""The request map page for workers and administrators (``docs/map.md``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.localisation import localised_name
from core.roles import STAFF, role_required
from geography import outlines
from residents import queries as resident_queries
from residents.community_picker import picker_scope
from services import queries
from services.filters import RequestFilter
from services.map import allow_tiles, legend, request_map

DEFAULT_MAP_VIEW = "open"


@role_required(*STAFF)
def request_map_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.copy()
    query.setdefault("view", DEFAULT_MAP_VIEW)
    # Whether the communities are too many to list: decided once, for the filter and here.
    scope = picker_scope(resident_queries.community_choices(user=request.user))
    communities = scope.communities
    filterset = RequestFilter(
        query,
        queryset=queries.request_list(user=request.user),
        user=request.user,
        categories=[(c, localised_name(c)) for c in queries.category_list() if c.parent_id],
        communities=scope,
    )
    area = filterset.form.cleaned_data.get("area") if filterset.is_valid() else None
    landmarks_withheld = False
    if area is not None:
        # The communities drawn are the chosen area's (a province's would be tens of thousands).
        communities = communities.filter(
            pk__in=resident_queries.area_communities(area).values("pk")
        )
    elif scope.large:
        # Too many to draw (and to count open requests for) on every view: drawn once an area
        # is chosen. The requests are drawn as ever (up to MAP_MAX_POINTS).
        communities, landmarks_withheld = communities.none(), True
    data = request_map(
        requests=filterset.qs.order_by("-created_at", "-id"), communities=communities
    )
    response = render(
        request,
        "services/request_map.html",
        {
            "map": data,
            "map_data": data.as_json(),
            "legend": legend(),
            "filter_form": filterset.form,
            "view": query.get("view"),
            "outline_source": outlines.source(),
            "landmarks_withheld": landmarks_withheld,
        },
    )
    return allow_tiles(response, data.tiles)
