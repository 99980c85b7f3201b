"""Bulk upload of residents and service requests from a CSV or XLSX table.

Reading is done by pandas (openpyxl for XLSX). Validation is column-wise over the whole
table and collects every problem as ``(row, column, reason)``, where ``row`` is the row
number as a spreadsheet shows it (the header is row 1, the first data row is row 2). The
import actions write nothing unless the whole file is clean, and then write with
``bulk_create`` in one transaction.

No problem reason ever quotes a cell's value: a bad name, phone or ID number is named by its
row and column only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

import pandas as pd
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.errors import ActionNotAllowed, LimitReached, RowsInvalid
from core.localisation import choices_with_codes, join_list, join_sentences
from core.roles import is_administrator, is_worker
from core.rows import HEADER_ROW, spreadsheet_row
from core.time_bounds import EARLIEST, future_message, too_early_message
from residents import actions as resident_actions
from residents import pii
from residents.models import PORTRAIT_FIELDS, Community, Resident, User
from residents.queries import community_choices, resident_list
from services import actions, tables
from services.actions import DESCRIPTION_MAX_LENGTH, STAFF_CHANNELS
from services.models import ServiceRequest
from services.queries import active_services

RESIDENT_COLUMNS = (
    "community",
    "name",
    "phone",
    "national_id",
    "preferred_channel",
    *PORTRAIT_FIELDS,
    "portrait_consent",
)
# Only the community is needed. The portrait facts are optional, and a row that gives them
# must say the person consented to their stated purpose (``portrait_consent`` yes): the
# importing worker records that consent, as on the portrait page.
RESIDENT_REQUIRED = ("community",)
REQUEST_COLUMNS = (
    "community",
    "category",
    "description",
    "urgency",
    "channel",
    "created_at",
    "resident_national_id",
)
REQUEST_REQUIRED = ("community", "category", "description")
# ``answer:<code>`` holds the answer to the service's extra question ``<code>`` (list keys of a
# multi-value question separated by commas); blank cells are no answer.
ANSWER_PREFIX = "answer:"
NAME_MAX_LENGTH = 100
MAX_ROWS = tables.MAX_ROWS
BATCH_SIZE = 2_000
# The words a yes/no cell may hold (any case; a blank cell is no), first the ones to write.
YES_WORDS = ("yes", "true", "1", "y", "是")
NO_WORDS = ("no", "false", "0", "n", "否")
TRUE_WORDS = frozenset(YES_WORDS)
FALSE_WORDS = frozenset((*NO_WORDS, ""))

# The codes each choice column takes, with their meanings: the importer checks cells against
# these, and the upload page and the templates' Codes sheet list them (``services.bulk_codes``).
Choices = tuple[tuple[str, str | Promise], ...]
REQUEST_CHOICES: dict[str, Choices] = {
    "urgency": tuple(ServiceRequest.Urgency.choices),
    # Staff log a need taken by a worker, on the hotline or through Open311, never self-service.
    "channel": tuple((str(channel), channel.label) for channel in STAFF_CHANNELS),
}
# What a blank cell of a choice column means (columns not named here: nothing given).
REQUEST_DEFAULTS = {
    "urgency": str(ServiceRequest.Urgency.NORMAL),
    "channel": str(ServiceRequest.Channel.COMMUNITY_WORKER),
}
RESIDENT_CHOICES: dict[str, Choices] = {
    "preferred_channel": tuple(Resident.Channel.choices),
    "gender": tuple(Resident.Gender.choices),
    "employment_status": tuple(Resident.Employment.choices),
    "income_band": tuple(Resident.IncomeBand.choices),
    "education": tuple(Resident.Education.choices),
    "health_needs": tuple(Resident.HealthNeeds.choices),
    "hukou_type": tuple(Resident.Hukou.choices),
}
# A blank channel is the action's default for a profile without a login.
RESIDENT_DEFAULTS = {"preferred_channel": str(Resident.channel_unless_told(has_login=False))}
RESIDENT_YES_NO = ("portrait_consent", "elderly_living_alone")
# Whole-number columns: (lowest, highest); a highest of None is the current year.
RESIDENT_NUMBERS: dict[str, tuple[int, int | None]] = {
    "birth_year": (1900, None),
    "household_size": (1, 30),
    "children_in_household": (0, 20),
}
# How a ``created_at`` cell is written (ISO 8601; without an offset, the site's time zone).
CREATED_AT_EXAMPLE = "2025-03-01T09:30:00+08:00"


def number_range(column: str) -> tuple[int, int]:
    """The lowest and highest whole number a resident number column takes today."""
    low, high = RESIDENT_NUMBERS[column]
    return low, high if high is not None else timezone.now().year


def choice_codes(choices: Choices) -> list[str]:
    return [code for code, _label in choices]


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.reason,
        }


class BulkImportError(ValidationError):
    """The upload was refused; ``problems`` lists every bad cell. Nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.row, p.column))
        super().__init__(
            _("The file has %(count)d problem(s); nothing was imported.")
            % {"count": len(self.problems)},
            code="bulk_import_invalid",
        )


@dataclass(frozen=True)
class ImportResult:
    created: int


# Reading ------------------------------------------------------------------------------------------


def read_table(file: IO[bytes] | bytes, filename: str) -> pd.DataFrame:
    """The uploaded table as strings (blank cells are ""), column names trimmed and lowered.

    Read within the limits of ``services.tables`` (rows, columns, cell length, unpacked
    size), checked while reading; a file over one, or one that cannot be read at all, raises
    ``BulkImportError`` naming where.
    """
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    try:
        header, rows = tables.read_rows(file, suffix)
    except tables.TableRefused as exc:
        problem = exc.problem
        raise BulkImportError([Problem(problem.row, problem.column, problem.reason)]) from None
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    del rows  # the frame holds the same cells; the lists of them go now
    if frame.columns.duplicated().any():
        duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise BulkImportError(
            [Problem(HEADER_ROW, column, _("This column appears twice.")) for column in duplicated]
        )
    # Every cell is already text, stripped (``tables.read_rows``): no copy of the table.
    frame.index = pd.RangeIndex(spreadsheet_row(0), spreadsheet_row(len(frame)))
    # Blank rows are no records, but the rows under them keep the numbers a spreadsheet shows.
    return frame[(frame != "").any(axis=1)]


# Column checks: each returns a boolean Series "bad" over the rows -------------------------------


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, bad: pd.Series, column: str, reason: str) -> None:
        self.problems.extend(Problem(int(row), column, reason) for row in bad.index[bad])

    def add_rows(self, rows: Iterable[int], column: str, reason: str) -> None:
        self.problems.extend(Problem(int(row), column, reason) for row in rows)


def _column(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column] if column in frame else pd.Series("", index=frame.index)


def _check_header(
    frame: pd.DataFrame, allowed: tuple[str, ...], required: tuple[str, ...], *, answers: bool
) -> list[Problem]:
    """Missing and unknown columns, and the row count; ``answers``: ``answer:<code>`` columns
    are allowed too."""
    problems = [
        Problem(HEADER_ROW, column, _("This column is required."))
        for column in required
        if column not in frame.columns
    ]
    problems += [
        Problem(
            HEADER_ROW,
            column,
            _("Unknown column; allowed: %(cols)s.") % {"cols": join_list(allowed)},
        )
        for column in frame.columns
        if column not in allowed and not (answers and _is_answer_column(column))
    ]
    if len(frame) == 0:
        problems.append(Problem(HEADER_ROW, "file", _("The file has no data rows.")))
    if len(frame) > MAX_ROWS:
        problems.append(
            Problem(HEADER_ROW, "file", _("At most %(max)d rows per upload.") % {"max": MAX_ROWS})
        )
    return problems


def _is_answer_column(column: str) -> bool:
    return column.startswith(ANSWER_PREFIX) and len(column) > len(ANSWER_PREFIX)


def _answers(frame: pd.DataFrame, categories: pd.Series, out: _Collector) -> list[dict]:
    """Each row's answers to its service's questions, checked as every channel checks them
    (``services.actions.validate_attributes``): known questions only, required ones answered,
    each of its type."""
    columns = [c for c in frame.columns if _is_answer_column(c)]
    codes = [c[len(ANSWER_PREFIX) :] for c in columns]
    cells = zip(*(frame[c].tolist() for c in columns), strict=True) if columns else None
    answers: list[dict] = []
    for row, category in categories.items():
        values = next(cells) if cells is not None else ()
        given = {code: value for code, value in zip(codes, values, strict=True) if value}
        if category is None or pd.isna(category):
            answers.append({})
            continue
        if not given and not category.extra_fields:
            answers.append({})  # nothing asked, nothing answered: the common case
            continue
        kinds = {spec["code"]: spec.get("datatype") for spec in category.extra_fields or []}
        for code, value in given.items():
            if kinds.get(code) == "multivaluelist":
                given[code] = [key.strip() for key in value.split(",") if key.strip()]
        cleaned, errors = actions.validate_attributes(category, given)
        for code, messages in errors.items():
            out.add_rows([row], f"{ANSWER_PREFIX}{code}", join_sentences(*messages))
        answers.append(cleaned)
    return answers


def _required(frame: pd.DataFrame, required: tuple[str, ...], out: _Collector) -> None:
    for column in required:
        out.add(frame[column] == "", column, _("A value is required."))


def _choice(
    frame: pd.DataFrame,
    column: str,
    choices: list[tuple[str, object]],
    out: _Collector,
    *,
    default: str = "",
) -> pd.Series:
    """A column of codes, each one of ``choices`` (code, label); a refusal names each choice by
    its label in the operator's language with the code to write in brackets."""
    values = [code for code, _label in choices]
    series = frame[column].str.lower() if column in frame else pd.Series("", index=frame.index)
    if default:
        series = series.where(series != "", default)
    bad = (series != "") & ~series.isin(values)
    out.add(bad, column, _("Choose one of: %(values)s.") % {"values": choices_with_codes(choices)})
    return series


def _integer(
    frame: pd.DataFrame, column: str, low: int, high: int, out: _Collector, *, default: int | None
) -> pd.Series:
    raw = frame[column] if column in frame else pd.Series("", index=frame.index)
    numbers = pd.to_numeric(raw, errors="coerce")
    blank = raw == ""
    not_whole = ~blank & (numbers.isna() | (numbers % 1 != 0))
    out.add(not_whole, column, _("Enter a whole number."))
    out_of_range = ~blank & ~not_whole & ((numbers < low) | (numbers > high))
    out.add(
        out_of_range,
        column,
        _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high},
    )
    if default is not None:
        numbers = numbers.where(~blank, default)
    return numbers.fillna(0).astype("int64")


def _identifier(
    frame: pd.DataFrame, column: str, validate, out: _Collector
) -> tuple[pd.Series, pd.Series]:
    """Normalised identifiers ("" when blank or bad) and their keyed hashes."""
    normalised = pd.Series("", index=frame.index, dtype=object)
    if column not in frame:
        return normalised, normalised.copy()
    bad_rows = []
    for row, value in frame[column].items():
        if not value:
            continue
        try:
            normalised[row] = validate(value)
        except ValidationError:
            bad_rows.append(row)
    reason = (
        _("Enter a valid 18-character resident ID number.")
        if validate is pii.validate_national_id
        else _("Enter a valid phone number.")
    )
    out.add_rows(bad_rows, column, reason)
    hashes = normalised.map(lambda v: pii.lookup_hash(v) if v else "")
    return normalised, hashes


def _communities(frame: pd.DataFrame, user: User, out: _Collector) -> pd.Series:
    """Community ids by row (0 when bad); unknown codes and codes outside the user's scope
    are problems of the ``community`` column."""
    codes = frame["community"]
    wanted = set(codes.unique()) - {""}
    in_scope = dict(community_choices(user=user).filter(code__in=wanted).values_list("code", "pk"))
    existing = set(Community.objects.filter(code__in=wanted).values_list("code", flat=True))
    present = codes != ""
    out.add(present & ~codes.isin(existing), "community", _("Unknown community code."))
    out.add(
        present & codes.isin(existing) & ~codes.isin(in_scope),
        "community",
        _("You do not serve this community."),
    )
    return codes.map(in_scope).fillna(0).astype("int64")


def _check_user(user: User) -> None:
    if not (is_worker(user) or is_administrator(user)):
        raise ActionNotAllowed(_("Only community workers and administrators may bulk import."))


def _duplicates(hashes: pd.Series, column: str, out: _Collector) -> None:
    present = hashes != ""
    repeated = present & hashes.duplicated(keep="first")
    out.add(repeated, column, _("This ID number appears earlier in the file."))


# Residents ----------------------------------------------------------------------------------------


def validate_residents(*, user: User, frame: pd.DataFrame) -> tuple[list[dict], list[Problem]]:
    """Clean resident rows (model field values) and every problem found."""
    header = _check_header(frame, RESIDENT_COLUMNS, RESIDENT_REQUIRED, answers=False)
    if header:
        return [], header
    out = _Collector()
    _required(frame, RESIDENT_REQUIRED, out)
    community_ids = _communities(frame, user, out)

    names = frame["name"] if "name" in frame else pd.Series("", index=frame.index)
    out.add(
        names.str.len() > NAME_MAX_LENGTH,
        "name",
        _("Ensure the name has at most %(max)d characters.") % {"max": NAME_MAX_LENGTH},
    )
    phones, _phone_hashes = _identifier(frame, "phone", pii.validate_phone, out)
    national_ids, id_hashes = _identifier(frame, "national_id", pii.validate_national_id, out)
    _duplicates(id_hashes, "national_id", out)
    taken = set(
        Resident.objects.filter(national_id_hash__in=set(id_hashes) - {""}).values_list(
            "national_id_hash", flat=True
        )
    )
    already_registered = (id_hashes != "") & id_hashes.isin(taken)
    # Each row that would confirm a registered number takes from the importer's hourly
    # allowance of identifier checks, like a lookup; past it, the rows are not named.
    try:
        resident_actions.identifier_checks_take(
            user=user, number_hashes=id_hashes[already_registered].tolist()
        )
    except LimitReached as exc:
        return [], [Problem(HEADER_ROW, "national_id", exc.messages[0])]
    out.add(already_registered, "national_id", _("A resident with this ID number already exists."))

    numbers = {
        column: _integer(frame, column, *number_range(column), out, default=None)
        for column in RESIDENT_NUMBERS
    }
    choices = {
        column: _choice(frame, column, list(codes), out)
        for column, codes in RESIDENT_CHOICES.items()
    }
    # Blank is the action's default (``Resident.channel_unless_told``).
    preferred_channel = choices.pop("preferred_channel")
    elderly_raw = _column(frame, "elderly_living_alone").str.lower()
    out.add(
        ~elderly_raw.isin(TRUE_WORDS | FALSE_WORDS),
        "elderly_living_alone",
        _("Enter true or false."),
    )
    consent_raw = _column(frame, "portrait_consent").str.lower()
    out.add(
        ~consent_raw.isin(TRUE_WORDS | FALSE_WORDS),
        "portrait_consent",
        _("Enter true or false."),
    )
    consented = consent_raw.isin(TRUE_WORDS)
    given = {name: _column(frame, name) != "" for name in PORTRAIT_FIELDS}
    any_given = pd.concat(given, axis=1).any(axis=1)
    out.add(
        any_given & ~consented,
        "portrait_consent",
        _("Portrait facts are kept only with the person's consent: enter yes, or leave them out."),
    )
    for name, present in given.items():
        out.add(
            consented & ~present,
            name,
            _("With consent, every portrait fact is needed."),
        )
    if out.problems:
        return [], out.problems

    def where_consented(series: pd.Series, empty: object) -> pd.Series:
        return series.astype(object).where(consented, empty)

    clean = pd.DataFrame(
        {
            "community_id": community_ids,
            "name": names,
            "phone": phones,
            "national_id": national_ids,
            "preferred_channel": preferred_channel,
            **{name: where_consented(series, None) for name, series in numbers.items()},
            "elderly_living_alone": where_consented(elderly_raw.isin(TRUE_WORDS), None),
            **{name: where_consented(series, "") for name, series in choices.items()},
            "portrait_consent": consented,
        }
    )
    return clean.to_dict("records"), []


def bulk_import_residents(*, user: User, file: IO[bytes] | bytes, filename: str) -> ImportResult:
    """Import every row of the file as a resident profile, or nothing (``BulkImportError``).
    The rows are written by ``residents.actions.residents_import``, which checks each as a
    single profile is checked."""
    _check_user(user)
    frame = read_table(file, filename)
    rows, problems = validate_residents(user=user, frame=frame)
    if problems:
        raise BulkImportError(problems)
    try:
        created = resident_actions.residents_import(user=user, rows=rows)
    except RowsInvalid as exc:
        raise BulkImportError(_problems(exc, {"community_id": "community"}, frame)) from None
    except LimitReached as exc:
        raise BulkImportError([Problem(HEADER_ROW, "national_id", exc.messages[0])]) from None
    return ImportResult(created=created)


# Service requests ---------------------------------------------------------------------------------


def _created_at(frame: pd.DataFrame, now: datetime, out: _Collector) -> pd.Series:
    """Submission times in UTC. Values with an offset keep it; values without one are read in
    the site's time zone; blank means now."""
    raw = frame["created_at"] if "created_at" in frame else pd.Series("", index=frame.index)
    blank = raw == ""
    with_offset = raw.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    aware = pd.to_datetime(
        raw.where(with_offset, None), errors="coerce", format="ISO8601", utc=True
    )
    naive = pd.to_datetime(
        raw.where(~blank & ~with_offset, None), errors="coerce", format="ISO8601"
    )
    if naive.dt.tz is not None:  # nothing naive was parsed; keep one dtype
        naive = naive.dt.tz_convert("UTC")
    else:
        naive = naive.dt.tz_localize(
            timezone.get_current_timezone(), ambiguous="NaT", nonexistent="NaT"
        ).dt.tz_convert("UTC")
    parsed = aware.where(with_offset, naive)
    bad = ~blank & parsed.isna()
    out.add(bad, "created_at", _("Enter an ISO date and time, e.g. 2025-03-01T09:30."))
    out.add(~blank & ~bad & (parsed > pd.Timestamp(now)), "created_at", future_message())
    # Bounded below as well: a year-1700 row made the next forecast build a 3,924-month grid.
    out.add(~blank & ~bad & (parsed < pd.Timestamp(EARLIEST)), "created_at", too_early_message())
    return parsed.where(~blank, pd.Timestamp(now))


def validate_requests(*, user: User, frame: pd.DataFrame) -> tuple[list[dict], list[Problem]]:
    """Clean request rows (model field values) and every problem found."""
    header = _check_header(frame, REQUEST_COLUMNS, REQUEST_REQUIRED, answers=True)
    if header:
        return [], header
    now = timezone.now()
    out = _Collector()
    _required(frame, REQUEST_REQUIRED, out)
    community_ids = _communities(frame, user, out)

    codes = frame["category"]
    categories = {c.code: c for c in active_services().filter(code__in=set(codes) - {""})}
    out.add(
        (codes != "") & ~codes.isin(categories),
        "category",
        _("Not an active service code (use a second-level category)."),
    )
    out.add(
        frame["description"].str.len() > DESCRIPTION_MAX_LENGTH,
        "description",
        _("Ensure the description has at most %(max)d characters.")
        % {"max": DESCRIPTION_MAX_LENGTH},
    )
    answers = _answers(frame, codes.map(categories), out)
    choices = {
        column: _choice(frame, column, list(codes), out, default=REQUEST_DEFAULTS[column])
        for column, codes in REQUEST_CHOICES.items()
    }
    created_at = _created_at(frame, now, out)

    _ids, id_hashes = _identifier(frame, "resident_national_id", pii.validate_national_id, out)
    known = dict(
        resident_list(user=user)
        .filter(national_id_hash__in=set(id_hashes) - {""}, erased_at__isnull=True)
        .values_list("national_id_hash", "pk")
    )
    resident_community = dict(
        Resident.objects.filter(pk__in=known.values()).values_list("pk", "community_id")
    )
    resident_ids = id_hashes.map(known)
    given = id_hashes != ""
    out.add(
        given & resident_ids.isna(),
        "resident_national_id",
        _("No resident with this ID number among the residents you serve."),
    )
    lives_elsewhere = (
        given
        & resident_ids.notna()
        & (community_ids != 0)
        & (resident_ids.map(resident_community) != community_ids)
    )
    out.add(lives_elsewhere, "resident_national_id", _("This resident lives in another community."))
    if out.problems:
        return [], out.problems

    clean = pd.DataFrame(
        {
            "community_id": community_ids,
            "category": codes.map(categories),
            "description": frame["description"],
            "urgency": choices["urgency"],
            "channel": choices["channel"],
            "created_at": created_at,
            "resident_id": resident_ids.astype(object).where(resident_ids.notna(), None),
            "attributes": answers,
        },
        index=frame.index,
    )
    records = clean.to_dict("records")
    for record in records:
        record["created_at"] = record["created_at"].to_pydatetime()
        if record["resident_id"] is not None:
            record["resident_id"] = int(record["resident_id"])
    return records, []


def _problems(exc: RowsInvalid, column_of: dict[str, str], frame: pd.DataFrame) -> list[Problem]:
    """An action's per-row errors (by position among the frame's rows) as problems of the
    file's rows and columns."""
    return [
        Problem(int(frame.index[index]), column_of.get(field, field), join_sentences(*messages))
        for index, errors in exc.rows.items()
        for field, messages in errors.items()
    ]


# The action's field names -> the request file's columns (a service's question: its answer column).
REQUEST_FIELD_COLUMNS = {"resident": "resident_national_id", "attributes": "category"}


def bulk_import_requests(*, user: User, file: IO[bytes] | bytes, filename: str) -> ImportResult:
    """Import every row of the file as a submitted service request with its first history
    row and SLA deadline, or nothing (``BulkImportError``). The rows are written by
    ``services.actions.requests_import``, which checks each as a single submission is checked."""
    _check_user(user)
    frame = read_table(file, filename)
    rows, problems = validate_requests(user=user, frame=frame)
    if problems:
        raise BulkImportError(problems)
    try:
        created = actions.requests_import(
            user=user, rows=[actions.ImportedRequest(**row) for row in rows]
        )
    except RowsInvalid as exc:
        codes = {
            code
            for row in rows
            for code in (spec["code"] for spec in row["category"].extra_fields or [])
        }
        column_of = {**REQUEST_FIELD_COLUMNS, **{c: f"{ANSWER_PREFIX}{c}" for c in codes}}
        raise BulkImportError(_problems(exc, column_of, frame)) from None
    return ImportResult(created=created)
