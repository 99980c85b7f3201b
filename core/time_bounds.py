"""The one rule for dates and times a client may send: recorded events lie between
``EARLIEST`` and now; query bounds between ``EARLIEST`` and a year ahead.

Why: an import dated 1700 made the next forecast build a 3,924-month grid, and a filter at
year 9999 or with a −20:00 offset overflowed Python's or the database's range (500). Every
accepted moment is converted to UTC before it reaches a query.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import django_filters
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
QUERY_HORIZON = timedelta(days=366)
# A UTC offset the databases and every client library accept (ISO 8601 allows up to ±24:00,
# PostgreSQL ±15:59; the world's zones span −12:00 to +14:00).
MAX_OFFSET = timedelta(hours=14)


def _offset_problem(moment: datetime) -> str | None:
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        return _("The time-zone offset must be between −14:00 and +14:00.")
    return None


def too_early_message() -> str:
    return _("Cannot be before %(earliest)s.") % {"earliest": EARLIEST.date().isoformat()}


def future_message() -> str:
    return _("Cannot be in the future.")


def recorded_time_problem(moment: datetime, *, now: datetime) -> str | None:
    """Why a moment cannot be when something happened (``None`` if it can)."""
    problem = _offset_problem(moment)
    if problem:
        return problem
    if moment < EARLIEST:
        return too_early_message()
    if moment > now:
        return future_message()
    return None


def period_problem(day: date, *, today: date) -> str | None:
    """Why a day cannot be a planning period (supply capacity): from ``EARLIEST`` to a year
    ahead."""
    if not EARLIEST.date() <= day <= today + QUERY_HORIZON:
        return _("Give a date from %(earliest)s to a year from now.") % {
            "earliest": EARLIEST.date().isoformat()
        }
    return None


def query_time_problem(moment: datetime, *, now: datetime) -> str | None:
    """Why a moment cannot bound a search (``None`` if it can)."""
    problem = _offset_problem(moment)
    if problem:
        return problem
    if not EARLIEST <= moment <= now + QUERY_HORIZON:
        return _("Give a date from %(earliest)s to a year from now.") % {
            "earliest": EARLIEST.date().isoformat()
        }
    return None


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class QueryDateTimeField(IsoDateTimeField):
    """An ISO 8601 search bound, checked by ``query_time_problem`` and given in UTC."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        problem = query_time_problem(moment, now=timezone.now())
        if problem:
            raise ValidationError(problem, code="out_of_range")
        return as_utc(moment)


class QueryDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = QueryDateTimeField
