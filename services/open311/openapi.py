"""The Open311 GeoReport v2 endpoints as an OpenAPI 3.0 document, served at
``/open311/v2/openapi.json`` (docs/open311.md, "Machine-readable description").

It is built from the code that serves the endpoints, so the two cannot drift apart quietly:
the paths and their path parameters from the routes (``urls.urlpatterns``), each path's
methods from its view's ``allowed``, the formats from the renderers, the bounds of
``page``, ``page_size``, ``status`` and ``description`` from the parsers' and settings'
constants, the datatypes of a service's attributes from ``services.extra_fields``, the
discovery changeset from the view. The JSON shapes of the answers are stated here, element by
element as the specification has them; the fuzz test (``tests/fuzz/test_open311_fuzz.py``)
calls every operation from this document and checks each answer against it, so a shape that
changes in ``representations`` without changing here fails.

XML answers are documented as ``text/xml`` text: OpenAPI describes XML by JSON schemas with
``xml`` hints that no client we know reads for GeoReport v2, and the JSON is the XML mapped
by the Spark convention (docs/open311.md).
"""

from __future__ import annotations

import re

from django.urls import URLPattern

from services.extra_fields import DATATYPES
from services.open311 import conf, renderers
from services.open311.parsers import MAX_PAGE, STATUSES, W3C_DATE_OR_DATE_TIME

BASE_PATH = "/open311/v2"
FORMATS = tuple(renderers.CONTENT_TYPES)
JSON = "application/json"
XML = "text/xml"

# ``(?P<name>[^/]+)`` in a route becomes ``{name}``; the format suffix's group is ``fmt``.
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


TEXT = {"type": "string"}
# What a client sends: no parameter, path segment or form field may hold a NUL character
# (``parsers.find_null_characters``; no database text column can store one).
NO_NUL = r"^[^\x00]*$"
INPUT_TEXT = {"type": "string", "pattern": NO_NUL}
DATE_TIME = {"type": "string", "format": "date-time"}
ALWAYS_NULL = _nullable({"type": "string", "maxLength": 0})

SCHEMAS: dict[str, dict] = {
    "Service": {
        "type": "object",
        "required": [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ],
        "properties": {
            "service_code": TEXT,
            "service_name": TEXT,
            "description": _nullable(TEXT),
            "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime"]},
            "keywords": TEXT,
            "group": TEXT,
        },
        "additionalProperties": False,
    },
    "AttributeValue": {
        "type": "object",
        "required": ["key", "name"],
        "properties": {"key": TEXT, "name": TEXT},
        "additionalProperties": False,
    },
    "Attribute": {
        "type": "object",
        "required": [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
        ],
        "properties": {
            "variable": {"type": "boolean"},
            "code": TEXT,
            "datatype": {"type": "string", "enum": list(DATATYPES)},
            "required": {"type": "boolean"},
            "datatype_description": _nullable(TEXT),
            "order": {"type": "integer", "minimum": 1},
            "description": TEXT,
            "values": {"type": "array", "items": {"$ref": "#/components/schemas/AttributeValue"}},
        },
        "additionalProperties": False,
    },
    "ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {
            "service_code": TEXT,
            "attributes": {"type": "array", "items": {"$ref": "#/components/schemas/Attribute"}},
        },
        "additionalProperties": False,
    },
    "ServiceRequest": {
        "type": "object",
        "description": "A request as anyone may read it: placed at its community (or, in a "
        "small place, its district or city, with address_id, lat and long null), nothing "
        "personal.",
        "required": [
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "agency_responsible",
            "service_notice",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "address",
            "address_id",
            "zipcode",
            "lat",
            "long",
            "media_url",
        ],
        "properties": {
            "service_request_id": {"type": "integer", "minimum": 1},
            "status": {"type": "string", "enum": list(STATUSES)},
            "status_notes": TEXT,
            "service_name": TEXT,
            "service_code": TEXT,
            "description": _nullable(TEXT),
            "agency_responsible": ALWAYS_NULL,
            "service_notice": _nullable(TEXT),
            "requested_datetime": DATE_TIME,
            "updated_datetime": _nullable(DATE_TIME),
            "expected_datetime": _nullable(DATE_TIME),
            "address": TEXT,
            "address_id": _nullable(TEXT),
            "zipcode": ALWAYS_NULL,
            "lat": _nullable({"type": "number", "minimum": -90, "maximum": 90}),
            "long": _nullable({"type": "number", "minimum": -180, "maximum": 180}),
            "media_url": ALWAYS_NULL,
        },
        "additionalProperties": False,
    },
    "CreatedRequest": {
        "type": "object",
        "required": ["service_request_id", "service_notice", "account_id"],
        "properties": {
            "service_request_id": {"type": "integer", "minimum": 1},
            "service_notice": TEXT,
            "account_id": ALWAYS_NULL,
        },
        "additionalProperties": False,
    },
    "Discovery": {
        "type": "object",
        "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": TEXT,
            "contact": TEXT,
            "key_service": TEXT,
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "changeset", "type", "formats"],
                    "properties": {
                        "specification": TEXT,
                        "url": TEXT,
                        "changeset": TEXT,
                        "type": {"type": "string", "enum": ["production", "test"]},
                        "formats": {"type": "array", "items": TEXT},
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    },
    "Errors": {
        "type": "array",
        "minItems": 1,
        "description": "Every problem of the request; code is the HTTP status.",
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": TEXT},
            "additionalProperties": False,
        },
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


# What each route answers on success, in JSON (the XML is the same, Spark-mapped).
SUCCESS = {
    "discovery": ("The service discovery document.", _ref("Discovery")),
    "services": ("The services, by group.", _list_of("Service")),
    "service-definition": ("The service's questions.", _ref("ServiceDefinition")),
    "requests": ("The requests, newest first.", _list_of("ServiceRequest")),
    "request": ("The request, as a one-element list.", _list_of("ServiceRequest")),
    "token": None,  # no token is ever issued: always 404
}
SUMMARIES = {
    ("discovery", "get"): "The service discovery document",
    ("services", "get"): "The services a request can be made for",
    ("service-definition", "get"): "A service's questions (attributes)",
    ("requests", "get"): "Requests anyone may read, newest first",
    ("requests", "post"): "Submit a request (needs an api_key)",
    ("request", "get"): "One request",
    ("token", "get"): "A token's request: no token is ever issued, so always 404",
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


JURISDICTION = _query(
    "jurisdiction_id",
    INPUT_TEXT,
    "The one jurisdiction served (OPEN311_JURISDICTION_ID), compared without regard to case; "
    "may be left out.",
)


def _paging() -> list[dict]:
    return [
        _query(
            "page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            "Which page, counted from 1 (after cursor when it is sent).",
        ),
        _query(
            "page_size",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": conf.MAX_REQUESTS,
                "default": conf.MAX_REQUESTS,
            },
            "How many a page holds.",
        ),
        _query(
            "cursor",
            INPUT_TEXT,
            'Opaque: the position a full page\'s Link rel="next" address holds. Follow that '
            "address rather than making one.",
        ),
    ]


def _request_filters() -> list[dict]:
    status_list = "|".join(STATUSES)
    return [
        _query(
            "service_request_id",
            {"type": "string", "pattern": r"^\d{1,18}(,\d{1,18})*$"},
            f"Comma-separated ids (at most {conf.MAX_REQUESTS:,}); overrides every other filter.",
        ),
        _query("service_code", INPUT_TEXT, "Comma-separated service codes."),
        _query(
            "status",
            {"type": "string", "pattern": rf"^({status_list})(,({status_list}))*$"},
            "open, closed or both, comma-separated.",
        ),
        _query(
            "start_date",
            {"type": "string", "pattern": W3C_DATE_OR_DATE_TIME},
            "W3C date-time with a time zone, or a bare date (that day in the jurisdiction's "
            f"time zone); at most {conf.DEFAULT_WINDOW_DAYS} days before end_date.",
        ),
        _query("end_date", {"type": "string", "pattern": W3C_DATE_OR_DATE_TIME}, "As start_date."),
    ]


SUBMISSION = {
    "type": "object",
    "required": ["api_key", "service_code"],
    "description": "Also attribute[code]=value for the service's attributes "
    "(attribute[code][]=key for a multivaluelist), and at least one of lat & long, "
    "address_string or address_id.",
    "properties": {
        "api_key": INPUT_TEXT,
        "jurisdiction_id": INPUT_TEXT,
        "service_code": INPUT_TEXT,
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": INPUT_TEXT,
        "address_id": {**INPUT_TEXT, "description": "A community code."},
        "description": {**INPUT_TEXT, "maxLength": conf.MAX_DESCRIPTION_LENGTH},
        **{
            name: {**INPUT_TEXT, "description": "Accepted and discarded."}
            for name in (
                "email",
                "device_id",
                "account_id",
                "first_name",
                "last_name",
                "phone",
                "media_url",
            )
        },
    },
    "additionalProperties": INPUT_TEXT,
}


def _answer(description: str, schema: dict) -> dict:
    return {
        "description": description,
        "content": {JSON: {"schema": schema}, XML: {"schema": TEXT}},
    }


def _errors(description: str) -> dict:
    return _answer(description, _ref("Errors"))


def _operation(name: str, method: str) -> dict:
    responses = {
        "400": _errors("Bad or missing parameters, each named; a failure on this server."),
        "404": _errors("No such jurisdiction, service, request, token or format."),
    }
    success = SUCCESS[name]
    if method == "post":
        responses["201"] = _answer("The request was made.", _list_of("CreatedRequest"))
        responses["403"] = _errors("api_key missing or invalid, or not for this community.")
    elif success is not None:
        responses["200"] = _answer(*success)
    operation = {
        "tags": ["open311"],
        "operationId": f"open311_{name.replace('-', '_')}_{method}",
        "summary": SUMMARIES[(name, method)],
        "parameters": [JURISDICTION],
        "responses": dict(sorted(responses.items())),
    }
    if name == "services":
        operation["parameters"] += _paging()
    if (name, method) == ("requests", "get"):
        operation["parameters"] += _request_filters() + _paging()
    if method == "post":
        operation["parameters"] = []  # in the form, as the specification sends them
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": SUBMISSION},
                "multipart/form-data": {"schema": SUBMISSION},
            },
        }
    return operation


def _route_path(pattern: URLPattern) -> tuple[str, list[str]]:
    """``^services/(?P<service_code>[^/]+)\\.(?P<fmt>…)$`` → ``/services/{service_code}.{format}``
    and the names of its path parameters."""
    text = pattern.pattern.regex.pattern.strip("^$").replace("\\.", ".")
    names = _GROUP.findall(text)
    path = _GROUP.sub(lambda m: "{format}" if m.group(1) == "fmt" else "{" + m.group(1) + "}", text)
    return "/" + path, ["format" if name == "fmt" else name for name in names]


def _path_parameter(name: str) -> dict:
    if name == "format":
        schema = {"type": "string", "enum": list(FORMATS)}
        description = "The answer's format (case does not matter)."
    else:
        schema = {"type": "string", "pattern": r"^[^/\x00]+$"}
        description = f"The {name.replace('_', ' ')}."
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def document(*, version: str) -> dict:
    """The OpenAPI 3.0 document of the GeoReport v2 endpoints (``version``: the discovery
    document's changeset)."""
    from services.open311 import urls  # the routes import the views, which import us

    paths: dict[str, dict] = {}
    for pattern in urls.urlpatterns:
        name = pattern.name
        if name not in SUCCESS:  # the catch-all for unknown resources, and this document
            continue
        path, path_names = _route_path(pattern)
        view_class = pattern.callback.view_class
        paths[path] = {
            "parameters": [_path_parameter(n) for n in path_names],
            **{method.lower(): _operation(name, method.lower()) for method in view_class.allowed},
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Open311 GeoReport v2",
            "version": version,
            "description": "GeoReport v2 (" + conf.SPECIFICATION + ") as this server "
            "answers it: every resource in XML or JSON by its suffix; GET needs no key, POST "
            "requests an api_key. docs/open311.md has the rules.",
        },
        "servers": [{"url": BASE_PATH}],
        "tags": [{"name": "open311", "description": "Open311 GeoReport v2"}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
