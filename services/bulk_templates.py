"""What a bulk upload's cells may hold, for the person filling one in, and the templates.

``bulk_codes`` is the one view of it: for each column the importer constrains, a rule in the
reader's language and the codes it takes with their meanings (the communities the user may
import into, the active services and their questions' ``answer:`` columns, the choice
columns, the yes/no words, the ranges and formats). The upload page's card "Codes you can
use" and the templates' Codes sheet (``template_file``, ``codes_file``) are both made from
it, and it is made from the importer's own definitions (``services.bulk``), so a code the
importer takes is a code the page lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import CONTENT_TYPES, csv_stream, xlsx_workbook_bytes
from core.localisation import brackets, join_sentences, localised_name
from core.time_bounds import EARLIEST
from residents.models import PORTRAIT_FIELDS, User
from residents.queries import community_choices
from services import bulk
from services.exports import ExportFile
from services.extra_fields import LIST_DATATYPES
from services.models import ServiceCategory
from services.queries import active_services

# What a file may hold, named as the upload form and the templates name it.
KINDS = {"requests": gettext_lazy("Service requests"), "residents": gettext_lazy("Residents")}
# The upload page lists this many communities per kind; the downloads list every one in
# scope (a nationwide administrator may answer for thousands).
COMMUNITIES_ON_PAGE = 50


@dataclass(frozen=True)
class Code:
    code: str
    meaning: str
    # The code a blank cell stands for.
    default: bool = False

    @property
    def described(self) -> str:
        """The meaning, and for the default code that a blank cell means it (the page and the
        Codes sheet alike)."""
        if not self.default:
            return self.meaning
        opening, closing = brackets()
        blank = _("a blank cell means this")
        return f"{self.meaning}{opening}{blank}{closing}"


@dataclass(frozen=True)
class ColumnCodes:
    """One column: what it takes (``rule``) and its codes, if it has any."""

    column: str
    rule: str
    codes: tuple[Code, ...] = ()
    # How many codes there are in all: more than ``codes`` holds when the list was cut short.
    total: int = 0

    @property
    def cut_short(self) -> bool:
        return self.total > len(self.codes)


@dataclass(frozen=True)
class KindCodes:
    kind: str
    label: str
    columns: tuple[ColumnCodes, ...]


def template_columns(kind: str) -> tuple[str, ...]:
    """The columns the importer reads for a kind, required ones first (without a request
    file's ``answer:`` columns, which depend on the services)."""
    columns, required = (
        (bulk.REQUEST_COLUMNS, bulk.REQUEST_REQUIRED)
        if kind == "requests"
        else (bulk.RESIDENT_COLUMNS, bulk.RESIDENT_REQUIRED)
    )
    return (*required, *(c for c in columns if c not in required))


def _answer_column(code: str) -> str:
    return f"{bulk.ANSWER_PREFIX}{code}"


# The rules ------------------------------------------------------------------------------------


def _choice_codes(choices: bulk.Choices, default: str | None) -> tuple[Code, ...]:
    return tuple(Code(code, str(label), default=code == default) for code, label in choices)


def _community(user: User, limit: int | None) -> ColumnCodes:
    communities = community_choices(user=user)
    pairs = communities.values_list("code", "name")
    shown = list(pairs[:limit] if limit is not None else pairs)
    # Counted only when the list was cut short: a worker's few communities cost one query.
    total = len(shown) if limit is None or len(shown) < limit else communities.count()
    return ColumnCodes(
        "community",
        join_sentences(_("Required."), _("The code of a community you may import into.")),
        tuple(Code(code, name) for code, name in shown),
        total,
    )


def _category(services: list[ServiceCategory]) -> ColumnCodes:
    codes = tuple(Code(s.code, localised_name(s)) for s in services)
    return ColumnCodes(
        "category",
        join_sentences(
            _("Required."),
            _("The code of an active service. A service's questions have columns of their own."),
        ),
        codes,
        len(codes),
    )


def _answer_rule(datatype: str) -> str:
    if datatype == "singlevaluelist":
        return _("One of these codes.")
    if datatype == "multivaluelist":
        return _("One or more of these codes, separated by commas.")
    if datatype == "number":
        return _("A number.")
    if datatype == "datetime":
        return _created_at_format()
    return _("Text.")


def _answers(services: list[ServiceCategory]) -> Iterator[ColumnCodes]:
    """Each service's questions, one entry per service and question (two services may ask a
    question of the same code, with different answers)."""
    for service in services:
        for spec in service.extra_fields or []:
            datatype = spec.get("datatype", "string")
            values = spec.get("values", []) if datatype in LIST_DATATYPES else []
            codes = tuple(Code(v["key"], _(v.get("name") or v["key"])) for v in values)
            names = {
                "service": localised_name(service),
                "question": _(spec.get("label") or spec["code"]),
            }
            asked = (
                _("%(service)s asks “%(question)s”; an answer is required.")
                if spec.get("required")
                else _("%(service)s asks “%(question)s”; an answer is optional.")
            ) % names
            rule = join_sentences(asked, _answer_rule(datatype))
            yield ColumnCodes(_answer_column(spec["code"]), rule, codes, len(codes))


def _created_at_format() -> str:
    return _("A date and time in ISO 8601 form, e.g. %(example)s.") % {
        "example": bulk.CREATED_AT_EXAMPLE
    }


def _created_at() -> ColumnCodes:
    return ColumnCodes(
        "created_at",
        join_sentences(
            _created_at_format(),
            _("Without an offset, the site's time zone is used."),
            _("From %(earliest)s, not in the future.") % {"earliest": EARLIEST.date().isoformat()},
            _("A blank cell means now."),
        ),
    )


def _portrait(rule: str, column: str) -> str:
    if column not in PORTRAIT_FIELDS:
        return rule
    return join_sentences(
        _("A portrait fact: only with the person's consent, and then every fact is needed."),
        rule,
    )


def _choice(column: str, choices: bulk.Choices, default: str | None) -> ColumnCodes:
    codes = _choice_codes(choices, default)
    rule = _("One of these codes.")
    if default is None:
        rule = join_sentences(rule, _("A blank cell gives none."))
    return ColumnCodes(column, _portrait(rule, column), codes, len(codes))


def _yes_no(column: str) -> ColumnCodes:
    codes = (
        *(Code(word, _("Yes")) for word in bulk.YES_WORDS),
        # A blank cell is no (``bulk.FALSE_WORDS``).
        *(Code(word, _("No"), default=word == bulk.NO_WORDS[0]) for word in bulk.NO_WORDS),
    )
    rule = _("Yes or no, in any of these words.")
    return ColumnCodes(column, _portrait(rule, column), codes, len(codes))


def _number(column: str) -> ColumnCodes:
    low, high = bulk.number_range(column)
    rule = _("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    return ColumnCodes(column, _portrait(rule, column))


def _identifier(column: str) -> ColumnCodes:
    if column == "phone":
        rule = _(
            "A mainland mobile number (11 digits, starting with 1) or a landline number "
            "with its area code."
        )
    elif column == "national_id":
        rule = _("An 18-character resident ID number; each resident once.")
    else:
        rule = _(
            "The ID number of a resident you serve who lives in that community; a blank cell "
            "gives none."
        )
    return ColumnCodes(column, rule)


def _fixed_rules() -> dict[str, Callable[[], ColumnCodes]]:
    """The rule of each constrained column that does not depend on the user, by column."""
    rules: dict[str, Callable[[], ColumnCodes]] = {
        "created_at": _created_at,
        "phone": lambda: _identifier("phone"),
        "national_id": lambda: _identifier("national_id"),
        "resident_national_id": lambda: _identifier("resident_national_id"),
    }
    for choices, defaults in (
        (bulk.REQUEST_CHOICES, bulk.REQUEST_DEFAULTS),
        (bulk.RESIDENT_CHOICES, bulk.RESIDENT_DEFAULTS),
    ):
        for column, codes in choices.items():
            rules[column] = lambda c=column, k=codes, d=defaults: _choice(c, k, d.get(c))
    for column in bulk.RESIDENT_YES_NO:
        rules[column] = lambda c=column: _yes_no(c)
    for column in bulk.RESIDENT_NUMBERS:
        rules[column] = lambda c=column: _number(c)
    return rules


def bulk_codes(*, user: User, kind: str, community_limit: int | None = None) -> list[ColumnCodes]:
    """The codes and rules of a kind's constrained columns, in the template's column order,
    for this user: the communities in their scope (the first ``community_limit``, with the
    total), the active services and their questions. Free-text columns are left out."""
    services = list(active_services()) if kind == "requests" else []
    fixed = _fixed_rules()
    columns: list[ColumnCodes] = []
    for column in template_columns(kind):
        if column == "community":
            columns.append(_community(user, community_limit))
        elif column == "category":
            columns.append(_category(services))
        elif column in fixed:
            columns.append(fixed[column]())
    columns.extend(_answers(services))
    return columns


def page_codes(*, user: User) -> list[KindCodes]:
    """The upload page's card: each kind's codes, the community lists cut short."""
    return [
        KindCodes(
            kind,
            str(label),
            tuple(bulk_codes(user=user, kind=kind, community_limit=COMMUNITIES_ON_PAGE)),
        )
        for kind, label in KINDS.items()
    ]


# The files ------------------------------------------------------------------------------------


def codes_frame(columns: list[ColumnCodes]) -> pd.DataFrame:
    """The Codes sheet: for each column a row with its rule, then a row per code."""
    rows: list[tuple[str, str, str]] = []
    for entry in columns:
        rows.append((entry.column, "", entry.rule))
        rows.extend((entry.column, code.code, code.described) for code in entry.codes)
    return pd.DataFrame(rows, columns=[_("Column"), _("Code"), _("Meaning")], dtype=object)


def _example_answer(spec: dict) -> str:
    """An answer a required question takes, for the example row."""
    datatype = spec.get("datatype", "string")
    if datatype in LIST_DATATYPES:
        return spec["values"][0]["key"]
    if datatype == "number":
        return "1"
    if datatype == "datetime":
        return bulk.CREATED_AT_EXAMPLE
    return _("Example")


def _first_community(user: User) -> str | None:
    """The code of the first community the user may import into, for the example row."""
    return community_choices(user=user).values_list("code", flat=True).first()


def _request_example(
    user: User, services: list[ServiceCategory], header: list[str]
) -> dict[str, str] | None:
    community = _first_community(user)
    if community is None or not services:
        return None
    # A service that asks nothing required makes the shortest example; else the first.
    service = next(
        (s for s in services if not any(q.get("required") for q in s.extra_fields or [])),
        services[0],
    )
    row = dict.fromkeys(header, "")
    row.update(
        community=community,
        category=service.code,
        description=_("Example row: delete it, then write one row per request."),
        urgency=bulk.REQUEST_DEFAULTS["urgency"],
        channel=bulk.REQUEST_DEFAULTS["channel"],
        created_at=bulk.CREATED_AT_EXAMPLE,
    )
    for spec in service.extra_fields or []:
        if spec.get("required"):
            row[_answer_column(spec["code"])] = _example_answer(spec)
    return row


def _resident_example(user: User, header: list[str]) -> dict[str, str] | None:
    community = _first_community(user)
    if community is None:
        return None
    row = dict.fromkeys(header, "")
    row.update(
        community=community,
        name=_("Example row: delete it"),
        preferred_channel=bulk.RESIDENT_DEFAULTS["preferred_channel"],
        portrait_consent=bulk.NO_WORDS[0],
    )
    return row


def template_frame(*, user: User, kind: str) -> pd.DataFrame:
    """The template's table: the header as the importer reads it (required columns first, then
    the active services' ``answer:`` columns) and one example row that would import for this
    user, marked as an example to delete (none when they have no community to import into)."""
    header = list(template_columns(kind))
    if kind == "requests":
        services = list(active_services())
        for service in services:
            for spec in service.extra_fields or []:
                if _answer_column(spec["code"]) not in header:
                    header.append(_answer_column(spec["code"]))
        example = _request_example(user, services, header)
    else:
        example = _resident_example(user, header)
    return pd.DataFrame([example] if example else [], columns=header, dtype=object)


def template_file(*, user: User, kind: str, fmt: str) -> ExportFile:
    """A kind's template: CSV (the table), or XLSX (the table, and the Codes sheet)."""
    frame = template_frame(user=user, kind=kind)
    if fmt == "csv":
        content = _csv(frame)
    else:
        codes = codes_frame(bulk_codes(user=user, kind=kind))
        content = xlsx_workbook_bytes([(str(KINDS[kind]), frame), (_("Codes"), codes)])
    return ExportFile(content, CONTENT_TYPES[fmt], f"{kind}-template.{fmt}")


def codes_file(*, user: User, kind: str) -> ExportFile:
    """The Codes sheet as a CSV file, beside the CSV template (a CSV holds one table)."""
    content = _csv(codes_frame(bulk_codes(user=user, kind=kind)))
    return ExportFile(content, CONTENT_TYPES["csv"], f"{kind}-codes.csv")


def _csv(frame: pd.DataFrame) -> bytes:
    rows = frame.itertuples(index=False, name=None)
    return b"".join(csv_stream(columns=list(frame.columns), rows=rows))
