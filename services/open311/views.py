"""GeoReport v2 endpoints. Each view reads its parameters with ``parsers``, asks ``queries``
or ``actions``, and answers through ``renderers`` in the format named by the URL suffix.

GET methods are public, as the specification has them; submitting a request (POST) needs an
``api_key``.
Errors are GeoReport v2 error bodies: 404 for what does not exist, 403 for a missing or
invalid key, 400 for everything else.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from core.localisation import join_list, labelled
from services.models import ServiceCategory
from services.open311 import (
    actions,
    conf,
    openapi,
    parsers,
    queries,
    renderers,
    representations,
)
from services.open311.errors import Open311Error, bad_request, forbidden, not_found

logger = logging.getLogger(__name__)

# The specification's "general service error", for a failure on our side.
GENERAL_ERROR = gettext_lazy(
    "The request could not be processed because of an error on this server; it has been "
    "logged. Try again later, and tell the site's administrators if it persists."
)

# Sortable stamp of the discovery document: bump it when the endpoint's shape changes.
DISCOVERY_CHANGESET = "2026-11-25 00:00"

# Where each field an action names arrives in a GeoReport v2 request.
ACTION_FIELDS = {
    "category": "service_code",
    "community": "address_id",
    "description": "description",
    "attributes": "attribute",
    "address_string": "address_string",
    "latitude": "lat",
    "longitude": "long",
}
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@method_decorator(csrf_exempt, name="dispatch")  # clients authenticate with api_key, not cookies
class Open311View(View):
    allowed = ("GET",)

    def dispatch(self, request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
        fmt = fmt.lower()
        try:
            if not renderers.is_supported(fmt):
                raise not_found(
                    gettext("Format '%(format)s' is not supported: use .xml or .json.")
                    % {"format": fmt}
                )
            method = request.method if request.method != "HEAD" else "GET"
            query, form = parsers.read_parameters(request, with_body=method == "POST")
            nul = parsers.find_null_characters(query, kwargs) + parsers.find_null_characters(
                form, {}
            )
            if nul:
                raise bad_request(*nul)
            if method not in self.allowed:
                response = renderers.render_error(
                    bad_request(
                        gettext("%(method)s is not supported here; use %(allowed)s.")
                        % {"method": request.method, "allowed": join_list(self.allowed)}
                    ),
                    fmt,
                )
                response["Allow"] = ", ".join(self.allowed)
                return response
            # The spec sends a POST's parameters in the form; some clients put jurisdiction_id
            # and api_key in the query string instead, so both places are read.
            jurisdiction_id = form.get("jurisdiction_id") or query.get("jurisdiction_id") or ""
            queries.check_jurisdiction(jurisdiction_id.strip())
            handler = getattr(self, method.lower())
            return handler(request, fmt=fmt, **kwargs)
        except Open311Error as error:
            return renderers.render_error(error, fmt)
        except Exception:
            # The specification answers any failure during processing ("eg CRM is down") with
            # a 400 error body the client can read and show, not Django's HTML error page.
            # Only the method and path are logged: a POST body carries the submitter's details.
            logger.exception("Open311 %s %s failed", request.method, request.path)
            return renderers.render_error(bad_request(GENERAL_ERROR), fmt)


class DiscoveryView(Open311View):
    def get(self, request: HttpRequest, *, fmt: str) -> HttpResponse:
        endpoint = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
        payload = representations.discovery(
            endpoint.rsplit("/", 1)[0],
            production=not settings.DEBUG,
            changeset=DISCOVERY_CHANGESET,
        )
        return renderers.render(payload, fmt=fmt, root="discovery")


class ServiceListView(Open311View):
    def get(self, request: HttpRequest, *, fmt: str) -> HttpResponse:
        # Paged as GET requests is: a client that pages every list "until an empty page"
        # reads the services once and stops, rather than the same whole list for ever.
        page = parsers.parse_services_page(request.GET)
        services = queries.services_page(page)
        payload = [representations.service(c) for c in services]
        response = renderers.render(payload, fmt=fmt, root="services")
        if len(services) == page.size:
            # A full page links on as GET requests' do: after its last service, wherever
            # services are added or retired meanwhile.
            position = queries.service_position(services[-1])
            response["Link"] = f'<{_next_page_url(request, position)}>; rel="next"'
        return response


class ServiceDefinitionView(Open311View):
    def get(self, request: HttpRequest, *, fmt: str, service_code: str) -> HttpResponse:
        category = queries.service(service_code)
        payload = representations.service_definition(category)
        return renderers.render(payload, fmt=fmt, root="service_definition")


class RequestsView(Open311View):
    allowed = ("GET", "POST")

    def get(self, request: HttpRequest, *, fmt: str) -> HttpResponse:
        filters = parsers.parse_request_filters(request.GET)
        include_description = conf.description_is_public()
        places = queries.public_places()
        found = queries.service_requests(filters, places)
        payload = [
            representations.service_request(
                r,
                include_description=include_description,
                place=places.level(r.community_id),
            )
            for r in found
        ]
        response = renderers.render(payload, fmt=fmt, root="service_requests")
        if len(found) == filters.page.size:
            # A full page: the next one starts after its last request, wherever requests
            # are added or closed meanwhile (RFC 8288 link; the body stays GeoReport's).
            last = found[-1]
            position = parsers.Position(last.public_created, last.pk)
            response["Link"] = f'<{_next_page_url(request, position)}>; rel="next"'
        return response

    def post(self, request: HttpRequest, *, fmt: str) -> HttpResponse:
        content_type = request.content_type or ""
        if content_type not in FORM_CONTENT_TYPES:
            raise bad_request(
                gettext(
                    "POST requests must be form-encoded (Content-Type: "
                    "application/x-www-form-urlencoded), not '%(content_type)s'."
                )
                % {"content_type": content_type or gettext("none")}
            )
        api_key = queries.active_api_key(
            (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
        )
        submission = parsers.parse_submission(request.POST)
        category = queries.service(submission.service_code)
        attributes = parsers.parse_attributes(
            submission.raw_attributes, category.extra_fields or [], category.code
        )
        community = queries.community_for_location(
            queries.Location(
                latitude=submission.latitude,
                longitude=submission.longitude,
                address_string=submission.address_string,
                address_id=submission.address_id,
            ),
            api_key,
        )
        queries.check_owner_may_submit_for(api_key, community)
        try:
            created = actions.open311_request_submit(
                api_key=api_key,
                category=category,
                community=community,
                description=submission.description,
                attributes=attributes,
                address_string=submission.address_string,
                latitude=submission.latitude,
                longitude=submission.longitude,
            )
        except ValidationError as exc:
            raise bad_request(*action_error_descriptions(exc, category)) from None
        except PermissionDenied as exc:
            raise forbidden(
                str(exc) or gettext("This api_key's owner may not submit this request.")
            ) from None
        payload = [representations.created_request(created)]
        return renderers.render(payload, fmt=fmt, root="service_requests", status=201)


class RequestDetailView(Open311View):
    def get(self, request: HttpRequest, *, fmt: str, service_request_id: str) -> HttpResponse:
        places = queries.public_places()
        found = queries.service_request(service_request_id, places)
        payload = [
            representations.service_request(
                found,
                include_description=conf.description_is_public(),
                place=places.level(found.community_id),
            )
        ]
        return renderers.render(payload, fmt=fmt, root="service_requests")


def _next_page_url(request: HttpRequest, after: parsers.Position | parsers.ServicePosition) -> str:
    """This address with ``cursor`` at ``after`` and without ``page``: the same filters and
    ``page_size``, counted from the request (or service) after ``after``."""
    query = request.GET.copy()
    query.pop("page", None)
    query["cursor"] = after.encode()
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class OpenApiDocumentView(View):
    """The OpenAPI 3.0 description of these endpoints (``openapi.document``), as JSON."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse(openapi.document(version=DISCOVERY_CHANGESET))


class TokenView(Open311View):
    def get(self, request: HttpRequest, *, fmt: str, token: str) -> HttpResponse:
        raise not_found(
            gettext(
                "token '%(token)s' was not found: every service here is realtime, so POST "
                "requests answers with the service_request_id and issues no tokens."
            )
            % {"token": token}
        )


# Its own dispatch replaces Open311View's, and with it the exemption: a POST to an unknown
# resource (or a format the routes do not take, requests.x-y) was Django's HTML page "403
# CSRF verification failed" rather than the GeoReport 404 (found by fuzzing the OpenAPI
# document, whose calls carry no CSRF exemption as Django's test client does).
@method_decorator(csrf_exempt, name="dispatch")
class UnknownResourceView(Open311View):
    def dispatch(self, request: HttpRequest, *args, path: str, **kwargs) -> HttpResponse:
        fmt = path.rsplit(".", 1)[-1].lower() if "." in path else renderers.DEFAULT_FORMAT
        error = not_found(
            gettext(
                "'%(path)s' is not a GeoReport v2 resource: use discovery, services, "
                "services/<service_code>, requests, requests/<service_request_id> or "
                "tokens/<token>, followed by .xml or .json."
            )
            % {"path": path}
        )
        return renderers.render_error(error, fmt)


def action_error_descriptions(exc: ValidationError, category: ServiceCategory) -> list[str]:
    """An action's validation errors, each naming the GeoReport v2 parameter it concerns: an
    extra field's code becomes ``attribute[code]``."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    attribute_codes = {spec["code"] for spec in category.extra_fields or []}
    descriptions = []
    for field, messages in exc.message_dict.items():
        if field in attribute_codes:
            name = f"attribute[{field}]"
        elif field == "__all__":
            name = ""
        else:
            name = ACTION_FIELDS.get(field, field)
        for message in messages:
            descriptions.append(labelled(name, message) if name else message)
    return descriptions
