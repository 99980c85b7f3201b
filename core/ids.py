"""An object's id typed into a query string or a form: one rule for every filter taking one.

Ids are ``BigAutoField`` values, 1 to 2**63 - 1, the range of PostgreSQL's ``bigint`` and of
SQLite's ``INTEGER``. A filter that let through any number (``NumberFilter`` reads a
decimal) handed the database ``community=99999999999999999999999``, which it cannot hold:
a server error on the queue page, the map and the request downloads, and a misleading
"Invalid cursor" from the API. An id outside the range, or not a whole number, is now an
error of its field, like any other bad filter value.
"""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


# In the OpenAPI schema a whole number in the ids' range: a NumberFilter is documented as any
# number, and a client sending 2.5 or 1e30 was refused for a rule the schema did not state.
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A filter on an id (``field_name`` ending ``_id``), bounded as ``IdField``. An id of no
    object (or of one outside the caller's scope) matches nothing: the list is empty."""

    field_class = IdField
