"""The shape of a service's extra questions (``ServiceCategory.extra_fields``).

They are Open311 GeoReport v2 attributes: the service definition publishes them as they
are, forms and the REST API ask them, and every channel checks answers against them. So a
question that is not one a GeoReport v2 client can read (another datatype, a list without
keys, a code a form key cannot carry) is refused when the catalogue is saved, not found by a
client later. The questions are asked in the order of the list, on every channel.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GeoReport v2's attribute datatypes, in the specification's order.
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
# A code travels as the form key ``attribute[code]`` (and ``attribute[code][]``).
_CODE = re.compile(r"^[^\s\[\]]+$")


def extra_field_problems(extra_fields: object) -> list[str]:
    """Every problem of a list of extra questions, each naming the question (by number)."""
    if not isinstance(extra_fields, list):
        return [_("The extra fields must be a list of questions.")]
    problems: list[str] = []
    codes: set[str] = set()
    for number, spec in enumerate(extra_fields, start=1):
        if not isinstance(spec, dict):
            problems.append(
                _("Question %(number)s must be an object with a code, a label and a datatype.")
                % {"number": number}
            )
            continue
        problems.extend(_question_problems(number, spec, codes))
    return problems


def _question_problems(number: int, spec: dict, codes: set[str]) -> list[str]:
    problems = []
    code = spec.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        problems.append(
            _("Question %(number)s: the code must be text without spaces or square brackets.")
            % {"number": number}
        )
    elif code in codes:
        problems.append(
            _("Question %(number)s: the code %(code)s is used by another question.")
            % {"number": number, "code": code}
        )
    else:
        codes.add(code)
    datatype = spec.get("datatype", "string")
    if datatype not in DATATYPES:
        problems.append(
            _("Question %(number)s: the datatype %(datatype)s is not one of %(datatypes)s.")
            % {"number": number, "datatype": datatype, "datatypes": ", ".join(DATATYPES)}
        )
    if not isinstance(spec.get("label", ""), str):
        problems.append(_("Question %(number)s: the label must be text.") % {"number": number})
    if "required" in spec and not isinstance(spec["required"], bool):
        problems.append(
            _("Question %(number)s: required must be true or false.") % {"number": number}
        )
    values = spec.get("values") or []
    if datatype in LIST_DATATYPES:
        if not _good_values(values):
            problems.append(
                _(
                    "Question %(number)s: a list question needs values, each with its own key "
                    "and a name."
                )
                % {"number": number}
            )
    elif values:
        problems.append(
            _("Question %(number)s: only list questions (%(datatypes)s) have values.")
            % {"number": number, "datatypes": ", ".join(LIST_DATATYPES)}
        )
    return problems


def _good_values(values: object) -> bool:
    """A non-empty list of ``{"key": …, "name": …}``: keys text or whole numbers, none empty,
    none repeated; names text (a missing name shows the key)."""
    if not isinstance(values, list) or not values:
        return False
    keys = []
    for value in values:
        if not isinstance(value, dict) or not isinstance(value.get("name", ""), str):
            return False
        key = value.get("key")
        if isinstance(key, bool) or not isinstance(key, str | int) or key == "":
            return False
        keys.append(str(key))
    return len(set(keys)) == len(keys)


def validate_extra_fields(extra_fields: object) -> None:
    """The model field's validator: every problem at once."""
    problems = extra_field_problems(extra_fields)
    if problems:
        raise ValidationError(problems)
