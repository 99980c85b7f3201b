"""Exports of service requests as CSV or XLSX.

* ``requests_export``: the requests a user may see (``queries.request_list``), narrowed and
  ordered by the same query string as the queue page (``services.filters.RequestFilter``),
  so a download holds exactly the rows of the view it was taken from; one row each, with
  codes and timestamps, and the assigned worker's name (``User.display_name``). No resident
  identifiers and no free text (descriptions and comments may name people), so the file can
  be shared inside the service.
* ``public_export``: an anonymised table for publication, counts of requests by community,
  category and month. No identifiers, no free text, and any count below
  ``core.disclosure.SUPPRESSION_THRESHOLD`` is suppressed so that small groups cannot be singled out.

Every CSV is written by ``core.exports.csv_stream``, as all the site's CSVs are.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import QueryDict

from core.disclosure import SUPPRESSED, is_small
from core.exports import CONTENT_TYPES, csv_stream, xlsx_bytes
from core.localisation import join_sentences, labelled
from residents.models import User
from services.filters import RequestFilter
from services.models import ServiceRequest
from services.queries import assignee_names, request_list

FORMATS = ("csv", "xlsx")
REQUEST_EXPORT_COLUMNS = (
    "id",
    "community",
    "category",
    "urgency",
    "channel",
    "status",
    "created_at",
    "expected_completion_at",
    "resolved_at",
    # Who the request is assigned to, named as the pages name them (``User.display_name``).
    "assigned_to_name",
)
PUBLIC_EXPORT_COLUMNS = ("community", "category", "month", "requests")


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def _to_file(frame: pd.DataFrame, fmt: str, stem: str) -> ExportFile:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if fmt == "csv":
        content = b"".join(
            csv_stream(columns=list(frame.columns), rows=frame.itertuples(index=False, name=None))
        )
    else:
        content = xlsx_bytes(frame)
    return ExportFile(content, CONTENT_TYPES[fmt], f"{stem}.{fmt}")


class ExportFiltersInvalid(ValueError):
    """The query string does not describe a view; ``messages`` say which parameter and why."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def requests_frame(*, user: User, params: QueryDict | None = None) -> pd.DataFrame:
    requests = request_list(user=user)
    if params:
        filterset = RequestFilter(params, queryset=requests, user=user)
        if not filterset.is_valid():
            form = filterset.form
            raise ExportFiltersInvalid(
                [
                    labelled(form.fields[f].label or f, join_sentences(*e))
                    for f, e in form.errors.items()
                ]
            )
        requests = filterset.qs
    rows = requests.values_list(
        "id",
        "community__code",
        "category__code",
        "urgency",
        "channel",
        "status",
        "created_at",
        "expected_completion_at",
        "resolved_at",
        "assigned_to_id",
    )
    frame = pd.DataFrame.from_records(list(rows), columns=list(REQUEST_EXPORT_COLUMNS))
    names = assignee_names(user=user, assignee_ids=frame["assigned_to_name"].dropna().unique())
    frame["assigned_to_name"] = frame["assigned_to_name"].map(
        lambda pk: names.get(int(pk), "") if pd.notna(pk) else ""
    )
    for column in ("created_at", "expected_completion_at", "resolved_at"):
        # Spreadsheets cannot hold time-zone-aware values: export ISO text in UTC.
        frame[column] = frame[column].map(lambda v: v.isoformat() if v is not None else "")
    return frame


def requests_export(*, user: User, fmt: str, params: QueryDict | None = None) -> ExportFile:
    """The requests the user may see, filtered and sorted as ``params`` say, as CSV or XLSX."""
    return _to_file(requests_frame(user=user, params=params), fmt, "service-requests")


def public_frame() -> pd.DataFrame:
    """Requests per community × category × month over all requests; counts below the
    threshold are replaced by ``"<5"``."""
    rows = (
        ServiceRequest.objects.annotate(month=TruncMonth("created_at"))
        .values("community__code", "category__code", "month")
        .annotate(requests=Count("id"))
        .order_by("community__code", "category__code", "month")
    )
    frame = pd.DataFrame.from_records(
        [
            (r["community__code"], r["category__code"], f"{r['month']:%Y-%m}", r["requests"])
            for r in rows
        ],
        columns=list(PUBLIC_EXPORT_COLUMNS),
    )
    frame["requests"] = frame["requests"].map(lambda n: SUPPRESSED if is_small(n) else str(n))
    return frame


def public_export(*, fmt: str) -> ExportFile:
    return _to_file(public_frame(), fmt, "service-requests-public")
