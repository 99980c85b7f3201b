"""The one rule of which requests the overview's kept counts hold (docs/overview-counts.md).

``RequestMonthCount`` and ``CommunityRequestCount`` hold the requests created in the months
``RequestCountedMonth`` lists (closed months of the site's time zone, rolled up by
``actions.request_months_count``); every other request (the current month, a month not rolled
up yet, a month a back-dated import reopened, anything before the first counted month) is
counted from the requests themselves, selected by ``uncounted_condition``. Reads add the two,
so a missing or reopened month is slower to read, never wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from services.partitions import REQUEST_PARTITION_KEY, month_start, next_month

# A month is rolled up only this long after it ended: a request written with ``created_at``
# taken in the month's last instants has committed by then.
COUNT_GRACE = timedelta(hours=1)

# pg_advisory_xact_lock's key for the roll-up and the writes into closed months, so that a
# roll-up never counts a month while an import is adding to it (any constant of our own).
COUNTS_LOCK_KEY = 731_100_016


def month_of(moment: datetime) -> date:
    """The month (its first day) ``moment`` falls in, in the site's time zone."""
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)


def last_countable_month(now: datetime) -> date:
    """The latest month a roll-up at ``now`` may count: the last one that ended at least
    ``COUNT_GRACE`` ago."""
    current = month_of(now - COUNT_GRACE)
    return (
        date(current.year - 1, 12, 1)
        if current.month == 1
        else current.replace(month=current.month - 1)
    )


def counts_lock() -> None:
    """Serialise the roll-up with the writes into closed months until the transaction ends
    (PostgreSQL; SQLite writes one transaction at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [COUNTS_LOCK_KEY])


def counted_stretches(counted: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """The counted months as [start, end) instants, consecutive months joined."""
    stretches: list[tuple[datetime, datetime]] = []
    for month in sorted(counted):
        start, end = month_start(month), month_start(next_month(month))
        if stretches and stretches[-1][1] == start:
            stretches[-1] = (stretches[-1][0], end)
        else:
            stretches.append((start, end))
    return stretches


def uncounted_condition(counted: Iterable[date], *, since: datetime | None = None) -> Q:
    """The requests no counted month holds (from ``since`` on): the gaps between the counted
    stretches, as ranges of the partition key, so PostgreSQL reads only those partitions."""
    key = REQUEST_PARTITION_KEY
    gaps: list[Q] = []
    gap_start = since
    for start, end in counted_stretches(counted):
        if since is not None and end <= since:
            continue
        if gap_start is None or gap_start < start:
            bounds = {f"{key}__lt": start}
            if gap_start is not None:
                bounds[f"{key}__gte"] = gap_start
            gaps.append(Q(**bounds))
        gap_start = max(end, since) if since is not None else end
    gaps.append(Q(**{f"{key}__gte": gap_start}) if gap_start is not None else Q())
    condition = gaps[0]
    for gap in gaps[1:]:
        condition |= gap
    return condition
