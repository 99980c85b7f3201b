"""GeoReport v2 routes, mounted at ``/open311/v2/``. Every resource takes a format suffix."""

from django.urls import re_path

from services.open311 import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^services" + FORMAT, views.ServiceListView.as_view(), name="services"),
    re_path(
        r"^services/(?P<service_code>[^/]+)" + FORMAT,
        views.ServiceDefinitionView.as_view(),
        name="service-definition",
    ),
    re_path(r"^requests" + FORMAT, views.RequestsView.as_view(), name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+)" + FORMAT,
        views.RequestDetailView.as_view(),
        name="request",
    ),
    # Every service is realtime, so no token is ever issued; the resource still answers as
    # the specification has it (404, token not found) rather than as an unknown path.
    re_path(r"^tokens/(?P<token>[^/]+)" + FORMAT, views.TokenView.as_view(), name="token"),
    # This API's own description (OpenAPI 3.0), built from these routes and their views.
    re_path(r"^openapi\.json$", views.OpenApiDocumentView.as_view(), name="openapi"),
    # Any other path, also one holding a line break (which "." would not match, leaving
    # Django's HTML page to answer).
    re_path(r"^(?P<path>[\s\S]*)$", views.UnknownResourceView.as_view(), name="unknown"),
]
