"""What notifications need to know about requests, without importing ``services``.

``services`` sits above this app (it calls ``notify_request_event``), so the facts flow
the other way: ``services.apps`` registers a :class:`RequestSource` at start-up and the
notification tasks ask it, at send time, for typed facts about a request, the requests near
or past their deadline, and a day's figures for the digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class RequestFacts:
    """One request as notifications see it: no description, no personal data."""

    request_id: int
    community_id: int
    resident_user_id: int | None  # the account of the resident who made it (None if erased)
    assignee_id: int | None
    status: str
    status_label: str  # a lazy translation: worded in whatever language is active
    category_name: str
    category_name_zh: str
    expected_completion_at: datetime | None
    satisfaction: int | None
    link: str  # the request's page, without a language prefix
    review_recipient_ids: tuple[int, ...] = ()  # the supervisor reviewing a low rating, if named


@dataclass(frozen=True)
class DigestFacts:
    """The figures of an administrator's daily digest, for ``since`` to ``until``, over the
    communities they answer for (``community_ids``, a subquery of ids; ``None``: all)."""

    since: datetime
    until: datetime
    submitted: int
    resolved: int
    open: int
    overdue: int
    low_ratings: int


class RequestSource(Protocol):
    def request_facts(self, request_id: int, *, status: str | None = None) -> RequestFacts | None:
        """The request as it is now, but for ``status`` (when given): the status an event
        moved it to, which a later move must not rewrite."""

    def requests_near_deadline(
        self, *, due_before: datetime, due_after: datetime
    ) -> Sequence[RequestFacts]: ...

    def digest(
        self, *, since: datetime, until: datetime, community_ids: Any = None
    ) -> DigestFacts: ...


_source: RequestSource | None = None


def register(source: RequestSource) -> None:
    global _source
    _source = source


def source() -> RequestSource:
    if _source is None:
        raise RuntimeError("no request source registered (services.apps registers one)")
    return _source
