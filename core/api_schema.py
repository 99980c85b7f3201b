"""Every error status an API operation can answer, documented in the OpenAPI schema.

A drf-spectacular post-processing hook: each operation under ``/api/v1/`` gets the error
responses the shared machinery can produce (``core.api.exception_handler``,
``core.api_guards``), unless the view documented them itself:

* 400 — a validation error (an object of field → messages, or ``detail``); every operation
  that takes input;
* 401 — no or a wrong token (``WWW-Authenticate: Token``); every operation;
* 403 — the role may not do this; every operation;
* 404 — not found, or not in the caller's scope (also a stale ``cursor``); every operation;
* 409 — a state conflict; every write;
* 429 — an allowance is used up (``Retry-After``); every write.

Nothing here invents an answer a view cannot give; the fuzzing tests
(``tests/fuzz``) fail on any status or body the schema does not describe.
"""

from __future__ import annotations

import copy
import re

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

ERROR_REF = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Field names (or non_field_errors, or detail) with what is wrong.",
    "additionalProperties": True,
}
WRITES = {"post", "put", "patch", "delete"}


def _json(schema: dict, description: str, **extra) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def document_error_responses(result: dict, generator, request, public) -> dict:
    result.setdefault("components", {}).setdefault("schemas", {})["ValidationError"] = (
        VALIDATION_ERROR
    )
    validation_ref = {"$ref": "#/components/schemas/ValidationError"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method not in WRITES | {"get", "head"}:
                continue
            responses = operation.setdefault("responses", {})
            standard = {
                "400": _json(validation_ref, "The input is not valid; each problem is named."),
                "401": _json(
                    ERROR_REF,
                    "No valid token or session.",
                    headers={"WWW-Authenticate": {"schema": {"type": "string"}}},
                ),
                "403": _json(ERROR_REF, "Your role may not do this."),
                "404": _json(ERROR_REF, "Not found, or not yours to see."),
            }
            if method in WRITES:
                standard["409"] = _json(ERROR_REF, "The change conflicts with the current state.")
                standard["429"] = _json(
                    ERROR_REF,
                    "An allowance is used up; Retry-After says when it renews.",
                    headers={"Retry-After": {"schema": {"type": "integer"}}},
                )
            for code, response in standard.items():
                responses.setdefault(code, response)
    return result


# drf-spectacular documents a DecimalField as a string matching ``^-?\d{0,N}(?:\.\d{0,M})?$``,
# which admits "", "-" and ".": schema-valid, and refused ("A valid number is required.").
# Without the sign when the field takes no negative number (``NonNegativeDecimalSchema``).
_LOOSE_DECIMAL = re.compile(r"^\^(-\?)?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


class WritableChoiceFieldSchema(OpenApiSerializerFieldExtension):
    """``core.api.WritableChoiceField``: a request lists the values a client may write, a
    response every value a row can hold."""

    target_class = "core.api.WritableChoiceField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction) -> dict:
        if direction == "request":
            return build_choice_field(self.target)
        return build_choice_field(serializers.ChoiceField(choices=self.target.read_choices))


class NonNegativeDecimalSchema(OpenApiSerializerFieldExtension):
    """A decimal written as a string whose ``min_value`` is 0 or more: drf-spectacular states
    no bound for such a string and its pattern admits a minus sign, so a negative number was
    schema-valid and refused. The pattern loses the sign and the bound is stated."""

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction) -> dict:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        minimum = self.target.min_value
        if schema.get("format") == "decimal" and minimum is not None and minimum >= 0:
            schema["pattern"] = schema.get("pattern", "").replace("^-?", "^", 1)
            schema["minimum"] = int(minimum) if minimum == int(minimum) else float(minimum)
        return schema


def decimals_need_a_digit(result: dict, generator, request, public) -> dict:
    """A decimal written as a string has at least one digit: its pattern says so."""

    def visit(node) -> None:
        if isinstance(node, dict):
            loose = _LOOSE_DECIMAL.match(node.get("pattern", "") or "")
            if node.get("format") == "decimal" and loose:
                sign, whole, places = loose.groups()
                node["pattern"] = (
                    rf"^{sign or ''}(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
                )
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result.get("components", {}))
    return result


def empty_query_values_are_unset(result: dict, generator, request, public) -> dict:
    """An optional query parameter sent empty (``?status=``) is taken as not sent, as HTML
    forms send an unfilled field (django-filter's filters, ``page_size``): the schema says so
    with ``allowEmptyValue``, else ``status=`` would be input it forbids and is accepted."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result


COMPONENT_PREFIX = "#/components/schemas/"
JSON = "application/json"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
FORM_MEDIA_TYPES = (URLENCODED, MULTIPART)
# A body component as a media type carries it, named after the original (JSON keeps the name).
_MEDIA_TYPE_SUFFIX = {JSON: "", URLENCODED: "Form", MULTIPART: "Multipart"}
# A form's empty value of a nullable number: DRF reads it as null, as a browser sends a field
# left empty (an optional field's null is its default: not sent).
_FORM_EMPTY_VALUE = {"type": "string", "maxLength": 0}


def _is_file(schema: dict) -> bool:
    return schema.get("format") == "binary"


def _as_carried(schema: dict, media_type: str, originals: dict, components: dict) -> dict:
    """``schema`` (a body's object, or a choice of them) as ``media_type`` carries it."""
    schema = copy.deepcopy(schema)
    renamed: dict[str, str] = {}
    for key in ("oneOf", "anyOf"):
        for branch in schema.get(key, []):
            if "$ref" in branch:
                old = branch["$ref"]
                branch["$ref"] = COMPONENT_PREFIX + _carried_component(
                    old.removeprefix(COMPONENT_PREFIX), media_type, originals, components
                )
                renamed[old] = branch["$ref"]
    mapping = schema.get("discriminator", {}).get("mapping", {})
    for value, ref in mapping.items():
        mapping[value] = renamed.get(ref, ref)
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    for name, prop in list(properties.items()):
        if media_type != MULTIPART and _is_file(prop) and name not in required:
            del properties[name]  # only a multipart body carries a file
        elif media_type in FORM_MEDIA_TYPES:
            nullable = prop.pop("nullable", False)  # a form has no null
            if nullable and prop.get("type") in ("number", "integer"):
                properties[name] = {
                    "anyOf": [prop, _FORM_EMPTY_VALUE],
                    "description": "In a form, null is sent as an empty value.",
                }
    return schema


def _carried_component(name: str, media_type: str, originals: dict, components: dict) -> str:
    """The name of the component ``name`` as ``media_type`` carries it: the same name where
    nothing differs (and for JSON, whose variant replaces the original), else a new one."""
    carried = _as_carried(originals[name], media_type, originals, components)
    if carried == originals[name]:
        return name
    new_name = name + _MEDIA_TYPE_SUFFIX[media_type]
    components[new_name] = carried
    return new_name


def bodies_as_each_media_type_carries_them(result: dict, generator, request, public) -> dict:
    """A request body's schema per media type, as that media type carries it. drf-spectacular
    gives every media type the serializer's one schema, which promised what a media type
    cannot carry:

    * a file (``format: binary``) travels in a multipart body only: a JSON or URL-encoded
      body has no such property (text in its place is refused, saying to send a file);
    * a form (URL-encoded or multipart) has no null, and sends a number as text: its
      properties are not nullable (a client that writes "null" is refused, saying what to
      send), and a nullable number admits the empty value instead, which DRF reads as null,
      as a browser sends a field left empty."""
    components = result.get("components", {}).get("schemas", {})
    originals = copy.deepcopy(components)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            for media_type, content in (body or {}).get("content", {}).items():
                ref = content.get("schema", {}).get("$ref", "")
                if media_type in _MEDIA_TYPE_SUFFIX and ref.startswith(COMPONENT_PREFIX):
                    name = _carried_component(
                        ref.removeprefix(COMPONENT_PREFIX), media_type, originals, components
                    )
                    content["schema"] = {"$ref": COMPONENT_PREFIX + name}
    return result


def _resolved(schema: dict, components: dict) -> dict:
    ref = schema.get("$ref", "")
    return components.get(ref.rsplit("/", 1)[-1], {}) if ref else schema


# The mark of a body that needs one of its optional fields (``body_needs_a_field``); the hook
# below reads it and takes it out of the published schema.
NEEDS_A_FIELD = "x-needs-a-field"


def body_needs_a_field(serializer_class):
    """For a request serializer whose every field is optional but whose empty body is refused
    (information: text, a photo, or both): its body is required in the schema all the same.
    Stating *which* field as a ``oneOf`` is not possible for a body with a binary photo (a
    choice of shapes holding a file is more than schemathesis can generate: "Unsupported type:
    'Binary'"), so the schema says only that a body must be sent."""
    return extend_schema_serializer(extensions={NEEDS_A_FIELD: True})(serializer_class)


def _needs_fields(schema: dict, components: dict) -> bool:
    """Whether every body this schema allows names at least one field (an empty body is
    refused): it has required fields, or it is a choice of shapes that each have some, or
    its serializer says it needs one of its optional fields."""
    schema = _resolved(schema, components)
    choices = schema.get("oneOf") or schema.get("anyOf")
    if choices:
        return all(_needs_fields(choice, components) for choice in choices)
    return bool(schema.get("required")) or bool(schema.get(NEEDS_A_FIELD))


def bodies_with_required_fields_are_required(result: dict, generator, request, public) -> dict:
    """A request body whose every shape has required fields is itself required. drf-spectacular
    marks it so for a plain serializer but not for a choice of shapes (a lookup's one
    identifier, a move's own reasons, one body per kind of run), nor for one whose fields are
    each optional but not all at once (``body_needs_a_field``), so the schema allowed a post
    with no body at all, which is refused (400) naming the missing fields."""
    components = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body or body.get("required"):
                continue
            shapes = [content["schema"] for content in body.get("content", {}).values()]
            if shapes and all(_needs_fields(shape, components) for shape in shapes):
                body["required"] = True
    for component in components.values():
        component.pop(NEEDS_A_FIELD, None)
    return result


# A router resource: its collection ``…/things/`` and one item ``…/things/{id}/``.
_ITEM_PATH = re.compile(r"^(?P<collection>/api/v1/(?:[\w-]+/)+)\{(?P<key>\w+)\}/$")
ITEM_METHODS = ("get", "put", "patch", "delete")


def _success_bodies(operation: dict) -> dict[str, dict]:
    """An operation's success responses (2xx) by status."""
    return {
        status: response
        for status, response in operation.get("responses", {}).items()
        if str(status).startswith("2")
    }


def _names_property(response: dict, name: str, components: dict) -> bool:
    """Whether every JSON body of a response carries the property ``name``."""
    bodies = [media.get("schema", {}) for media in response.get("content", {}).values()]
    return bool(bodies) and all(
        name in _resolved(body, components).get("properties", {}) for body in bodies
    )


def _link(operation_id: str, key: str, expression: str) -> dict:
    return {"operationId": operation_id, "parameters": {key: expression}}


def links_follow_each_resource(result: dict, generator, request, public) -> dict:
    """OpenAPI links between the operations of each router resource, derived from the paths
    (never listed by hand): what a create answers leads, by the ``id`` in its body, to reading,
    changing and deleting that object; a delete leads, by the id it was sent, to the same
    object's other operations, which must not answer for it any more. A client (and
    schemathesis' stateful tests, ``tests/fuzz``) can follow them to chain calls."""
    components = result.get("components", {}).get("schemas", {})
    paths = result.get("paths", {})
    for item_path, item in paths.items():
        match = _ITEM_PATH.match(item_path)
        create = paths.get(match["collection"], {}).get("post") if match else None
        if create is None:
            continue
        key = match["key"]
        targets = {
            method: item[method]["operationId"]
            for method in ITEM_METHODS
            if method in item and "operationId" in item[method]
        }
        for response in _success_bodies(create).values():
            if _names_property(response, key, components):
                links = response.setdefault("links", {})
                for operation_id in targets.values():
                    links[operation_id] = _link(operation_id, key, f"$response.body#/{key}")
        if "delete" in item:
            for response in _success_bodies(item["delete"]).values():
                links = response.setdefault("links", {})
                for method, operation_id in targets.items():
                    if method != "delete":
                        links[operation_id] = _link(operation_id, key, f"$request.path.{key}")
    return result
