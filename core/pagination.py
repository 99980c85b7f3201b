"""Pagination: cursors for the API's lists, keys first for long pages of joined rows.

The API's lists:

Cursor pagination never counts the table (page-number pagination's ``COUNT(*)`` halves list
throughput at 100k requests) and stays stable while new rows arrive. Clients follow the
``next`` and ``previous`` links; ``page_size`` may ask for up to 200 rows.

The pages: ``KeysFirstPaginator``, and ``CappedCountPaginator`` for a list counted only up to
a cap, whose pages go on past it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage, Page, Paginator
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-id",)

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor is opaque but not signed: its position is whatever the client encoded,
        # compared with the ordering's first field. One that field cannot hold (text for an
        # id, a number past the database's integers) is an invalid cursor, as DRF answers
        # for one it cannot decode, never a server error.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError):
            raise NotFound(self.invalid_cursor_message) from None


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
