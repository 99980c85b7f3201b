"""GeoReport v2 output: XML (the required format) and JSON, the second being the first's
programmatic mapping by the Spark convention: a container element (``services``) becomes a
JSON array of its repeated children (``service``), and every other element a key."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

from services.open311.errors import Open311Error

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
DEFAULT_FORMAT = "json"

# The name of each container's repeated child element, as the specification spells them.
CONTAINER_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry at all (control characters a client may have typed).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def is_supported(fmt: str) -> bool:
    return fmt in CONTENT_TYPES


def render(payload: Mapping | Sequence, *, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """One GeoReport v2 response. ``root`` names the XML root element: a container
    (``services``, ``service_requests``, ``errors``) for a list, or an element
    (``service_definition``, ``discovery``) for a mapping."""
    if fmt == "xml":
        body = xml_document(payload, root)
    else:
        fmt = "json"
        body = json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False)
    return HttpResponse(body.encode(), status=status, content_type=CONTENT_TYPES[fmt])


def render_error(error: Open311Error, fmt: str) -> HttpResponse:
    return render(
        error.as_body(),
        fmt=fmt if is_supported(fmt) else DEFAULT_FORMAT,
        root="errors",
        status=error.status,
    )


def xml_document(payload: Mapping | Sequence, root: str) -> str:
    element = ET.Element(root)
    _fill(element, payload)
    ET.indent(element, space="  ")
    # Written by hand so that the declaration names the encoding as the spec shows it.
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")


def _fill(element: ET.Element, value: object) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_tag = CONTAINER_ITEMS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    elif value is not None:
        element.text = _text(value)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))
