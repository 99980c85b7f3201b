"""A yes/no filter typed into a query string: one rule for every filter taking one.

django-filter's ``BooleanFilter`` reads ``?overdue=:`` (or ``?erased=-1e277``) as "not
sent" and lists everything, although the schema says the value is a boolean: a client's typo
was silently a different question. Here ``true``/``false`` (also ``True``/``False`` and
``1``/``0``, as HTML forms send them) are read, an empty value or the web form's ``unknown``
("Any") is not sent, and anything else is an error of its field.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

TRUE = frozenset({"true", "True", "1"})
FALSE = frozenset({"false", "False", "0"})
UNSET = frozenset({"", "unknown"})


class RawNullBooleanSelect(forms.NullBooleanSelect):
    """The select of "Any / yes / no" that hands the field what was sent, so that a value it
    does not know is refused rather than read as "Any"."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictNullBooleanField(forms.NullBooleanField):
    widget = RawNullBooleanSelect
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value):
        if value is None or value in UNSET:
            return None
        if isinstance(value, bool):
            return value
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanQueryFilter(django_filters.BooleanFilter):
    """``BooleanFilter`` refusing a value that is neither true nor false (a 400 naming it)."""

    field_class = StrictNullBooleanField
