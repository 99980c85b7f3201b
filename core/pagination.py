"""Pagination: cursors for the API's lists, keys first for long pages of joined rows.

The API's lists:

Cursor pagination never counts the table (page-number pagination's ``COUNT(*)`` halves list
throughput at 100k requests) and stays stable while rows arrive, change or go (a keyset on
the whole ordering, ``ApiCursorPagination``). Clients follow the ``next`` and ``previous``
links; ``page_size`` may ask for 1 to 200 rows (``API_PAGE_SIZE``), anything else is a 400.

The pages: ``KeysFirstPaginator``, and ``CappedCountPaginator`` for a list counted only up to
a cap, whose pages go on past it.
"""

from __future__ import annotations

import binascii
import functools
import operator
from base64 import b64decode, b64encode
from dataclasses import dataclass
from urllib import parse

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Q
from django.utils.translation import gettext
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param


@dataclass(frozen=True)
class PageSizeRule:
    """How many rows a client may ask a page to hold: a whole number from ``smallest`` to
    ``largest``, ``default`` when not asked. The paginators read ``page_size`` with it and the
    OpenAPI schema documents it from it (``minimum``/``maximum``), so the two cannot differ.

    DRF's paginators quietly answer an out-of-range or malformed ``page_size`` with the
    largest or the default page; a client then cannot tell that it was not given what it
    asked for, and the schema cannot say the bounds. Here it is a 400 naming ``page_size``
    and the range."""

    parameter: str = "page_size"
    default: int = 50
    smallest: int = 1
    largest: int = 200

    def read(self, raw: str | None) -> int:
        """The page size asked for in ``raw`` (a query parameter's text), or the default when
        it was not sent (or sent empty, as the filters take an empty value); a
        ``ValidationError`` naming the parameter when it is not a whole number in range."""
        text = (raw or "").strip()
        if not text:
            return self.default
        # Length first: int() refuses a string of thousands of digits with its own error.
        well_formed = text.isascii() and text.isdigit() and len(text) <= 9
        if well_formed and self.smallest <= int(text) <= self.largest:
            return int(text)
        raise ValidationError({self.parameter: [self.problem()]})

    def problem(self) -> str:
        # The value is not repeated: an API error names the field, never echoes the input.
        return gettext("%(parameter)s must be a whole number from %(smallest)s to %(largest)s.") % {
            "parameter": self.parameter,
            "smallest": f"{self.smallest:,}",
            "largest": f"{self.largest:,}",
        }

    def schema(self) -> dict:
        """The OpenAPI description of the query parameter."""
        return {
            "name": self.parameter,
            "required": False,
            "in": "query",
            "description": (
                f"How many rows a page holds: {self.smallest} to {self.largest} "
                f"(default {self.default}); anything else is a 400 naming {self.parameter}."
            ),
            "schema": {
                "type": "integer",
                "minimum": self.smallest,
                "maximum": self.largest,
                "default": self.default,
            },
        }


# Every list of the REST API.
API_PAGE_SIZE = PageSizeRule()


class ApiCursorPagination(CursorPagination):
    """Keyset (seek) pagination on the whole ordering.

    DRF's cursor keeps the value of the ordering's *first* field only and counts rows from it
    (an offset) through ties: in a list ordered by a field many rows share (a capacity's
    month, a request's urgency) a page was an offset into the tie, so a row added, removed or
    filtered out between two pages made the next page repeat or skip rows, and past DRF's cap
    on the offset (1,000) the same page came back for ever. Here the cursor holds the values
    of *every* ordering field of the row it stops at, and the ordering ends in a unique field
    (the id), so the next page is "the rows after this one" in a total order: a row added or
    removed between two pages never moves another across the page boundary (a row added
    behind the cursor is not shown; one added ahead of it is, once).

    The cursor is opaque to clients and not signed: a position the ordering's fields cannot
    hold is 404 ``Invalid cursor``, as DRF answers for one it cannot decode.

    ``page_size`` follows ``page_size_rule``: out of range or not a whole number is a 400
    naming it, where DRF's own paginators quietly clamp it or fall back to the default.
    """

    page_size_rule = API_PAGE_SIZE
    page_size = API_PAGE_SIZE.default
    page_size_query_param = API_PAGE_SIZE.parameter
    max_page_size = API_PAGE_SIZE.largest
    ordering = ("-id",)

    def get_page_size(self, request) -> int:
        return self.page_size_rule.read(request.query_params.get(self.page_size_query_param))

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        return [
            self.page_size_rule.schema()
            if parameter["name"] == self.page_size_query_param
            else parameter
            for parameter in parameters
        ]

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        position = self.cursor.position if self.cursor else None
        ordering = _reversed(self.ordering) if reverse else self.ordering
        queryset = queryset.order_by(*ordering)
        try:
            if position is not None:
                queryset = queryset.filter(keyset_after(ordering, position))
            rows = list(queryset[: self.page_size + 1])
        except (ValueError, TypeError, OverflowError, DjangoValidationError):
            # A position the ordering's fields cannot hold (text for an id, a bad date, a
            # number past the database's integers).
            raise NotFound(self.invalid_cursor_message) from None
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
            self.has_previous, self.has_next = more, True
        else:
            self.has_previous, self.has_next = position is not None, more
        self.display_page_controls = self.has_previous or self.has_next
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        if not self.page:  # nothing before a backward cursor's row: start again
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self.encode_cursor(Cursor(0, False, self._position(self.page[-1])))

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        # An empty page after a forward cursor: the rows before the cursor's own row.
        first = self._position(self.page[0]) if self.page else self.cursor.position
        return self.encode_cursor(Cursor(0, True, first))

    def decode_cursor(self, request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"))
            reverse = bool(int(tokens.get("r", ["0"])[0]))
            position = tokens["p"]
        except (TypeError, ValueError, KeyError, UnicodeError, binascii.Error):
            raise NotFound(self.invalid_cursor_message) from None
        if len(position) != len(self.ordering):
            raise NotFound(self.invalid_cursor_message)
        return Cursor(offset=0, reverse=reverse, position=position)

    def encode_cursor(self, cursor: Cursor) -> str:
        tokens = {"p": cursor.position}
        if cursor.reverse:
            tokens["r"] = "1"
        encoded = b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def _position(self, row) -> list[str]:
        # A row is a model instance, or a dict where the list reads plain rows (requests).
        read = row.__getitem__ if isinstance(row, dict) else row.__getattribute__
        values = [read(name.lstrip("-")) for name in self.ordering]
        return [
            value.isoformat() if hasattr(value, "isoformat") else str(value) for value in values
        ]


def _reversed(ordering: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in ordering)


def keyset_after(ordering: tuple[str, ...], position: list[str]) -> Q:
    """The rows strictly after ``position`` in ``ordering``: later in the first field, or
    equal in it and later in the second, and so on (the last field is unique)."""
    alternatives = []
    equal = Q()
    for name, value in zip(ordering, position, strict=True):
        field = name.lstrip("-")
        later = Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": value})
        alternatives.append(equal & later)
        equal &= Q(**{field: value})
    return functools.reduce(operator.or_, alternatives)


class KeysFirstPaginator(Paginator):
    """Page-number pagination that sorts and cuts on the keys alone, then reads the page's
    rows with their joins.

    A page of a queryset that joins its related rows (``select_related``) makes the database
    join every matching row before sorting, though only one page is shown: on 100,000
    requests a search matching 19,000 of them spent most of its time there. Sorting the keys
    first and joining only the page's rows gives the same page in the same order.
    """

    def __init__(self, object_list, per_page: int, *, partition_key: str | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.partition_key = partition_key

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self._rows(self._keys(bottom, top)), number, self)

    def _keys(self, bottom: int, top: int) -> list:
        """The keys of rows ``bottom`` to ``top`` (each with its partition key, when set)."""
        if self.partition_key is None:
            return list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return list(self.object_list.values_list("pk", self.partition_key)[bottom:top])

    def _rows(self, keys: list) -> list:
        """The rows of ``keys``, with their joins, in the keys' order. With a partition key
        the rows are read from their own partitions: by id alone, the database probed every
        partition of every community in the scope for the page's ids (a district of 149
        communities × 41 months), since the page is still read within the list's scope."""
        if self.partition_key is None:
            rows = self.object_list.order_by().in_bulk(keys)
            return [rows[key] for key in keys if key in rows]
        ids = [key for key, _partition in keys]
        rows = (
            self.object_list.order_by()
            .filter(**{f"{self.partition_key}__in": {part for _key, part in keys}})
            .in_bulk(ids)
        )
        return [rows[key] for key in ids if key in rows]


class UncountedPage(Page):
    """A page of a list whose total is not known: there is a next page when reading this
    one found a row beyond it."""

    def __init__(self, object_list, number: int, paginator: Paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class CappedCountPaginator(KeysFirstPaginator):
    """Keys-first pages of a list counted only up to a cap (``count`` as counted; ``capped``
    when the counting stopped at the cap, so the list holds more).

    With an exact count the pages are ``KeysFirstPaginator``'s. With a capped one the total
    is not known (``total_unknown``): any page number may be asked for, each page reads one
    row more than it shows to know whether there is a next page, and neither a last page nor
    a number of pages is offered (``num_pages`` counts only the pages within the cap). A page
    past the last row is empty; the count never goes beyond the cap.
    """

    # Past it a page number is refused (``get_page`` shows the last page within the cap):
    # an offset beyond what the database takes would fail rather than come back empty.
    LAST_PAGE = 1_000_000

    def __init__(
        self,
        object_list,
        per_page: int,
        *,
        count: int,
        capped: bool,
        partition_key: str | None = None,
    ):
        super().__init__(object_list, per_page, partition_key=partition_key)
        self.count = count
        self.total_unknown = capped

    def validate_number(self, number) -> int:
        if not self.total_unknown:
            return super().validate_number(number)
        try:
            return super().validate_number(number)
        except EmptyPage:
            number = int(number)  # an integer: validate_number raised no PageNotAnInteger
            if 1 <= number <= self.LAST_PAGE:
                return number
            raise

    def page(self, number) -> Page:
        if not self.total_unknown:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        keys = self._keys(bottom, bottom + self.per_page + 1)
        more = len(keys) > self.per_page
        return UncountedPage(self._rows(keys[: self.per_page]), number, self, more=more)
