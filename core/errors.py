"""Domain errors raised by the actions and mapped to HTTP statuses in one place
(``core.api.exception_handler``).

They subclass Django's own exceptions on purpose: the web pages already show a
``ValidationError``'s messages next to a form and turn ``PermissionDenied`` into a 403 page, so
they need no special handling there; only the API distinguishes the finer cases.

* ``ActionNotAllowed`` (403): the caller's role may not do this to an object it can see.
* ``StateConflict`` (409): the input is well formed but does not fit the object's current state.
* ``InvalidTransition`` (409): a status change the lifecycle does not allow; names the allowed.
* ``IdempotencyKeyReused`` (422): an ``Idempotency-Key`` sent again with a different body.
* ``LimitReached`` (429): a rate limit on a sensitive action (looking residents up by ID).
* ``ServiceUnavailable`` (503): a service the action needs (the task broker) is unreachable.

None of the messages ever quotes a personal identifier.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _


class ActionNotAllowed(PermissionDenied):
    """The user may see the object but their role may not do this to it."""


class StateConflict(ValidationError):
    """Valid input that conflicts with the current state of the object (HTTP 409)."""

    http_status = 409


class InvalidTransition(StateConflict):
    """A move the lifecycle does not allow from the object's current state.

    ``current``, ``requested`` and ``allowed`` are codes for machines (the API's 409 body);
    ``message`` is for people and is written by the app that owns the lifecycle, with the
    states' labels and the moves' verbs in the reader's language, never the codes.
    """

    def __init__(
        self,
        *,
        current: str,
        requested: str,
        allowed: tuple[str, ...],
        message: str,
        allowed_actions: tuple[str, ...] = (),
    ):
        self.current = str(current)
        self.requested = str(requested)
        self.allowed = tuple(str(s) for s in allowed)
        self.allowed_actions = tuple(str(a) for a in allowed_actions)
        super().__init__(message, code="invalid_transition")


class IdempotencyKeyReused(StateConflict):
    """The same ``Idempotency-Key`` came back with a different request body."""

    http_status = 422

    def __init__(self, *, original_id: int):
        self.original_id = original_id
        super().__init__(
            _(
                "This Idempotency-Key was already used for a different request (#%(id)s). "
                "Send the same body to get that result again, or use a new key."
            )
            % {"id": original_id},
            code="idempotency_key_reused",
        )


class LimitReached(StateConflict):
    """A user used up an allowance (e.g. identifier lookups per hour); says when it renews."""

    http_status = 429

    def __init__(self, message: str, *, retry_after: int):
        self.retry_after = retry_after
        super().__init__(message, code="rate_limited")


class ServiceUnavailable(StateConflict):
    """A service the action needs (e.g. the task broker) cannot be reached; says when to try
    again. Nothing is left half done: the action says what it recorded."""

    http_status = 503

    def __init__(self, message: str, *, retry_after: int):
        self.retry_after = retry_after
        super().__init__(message, code="service_unavailable")


class RowsInvalid(ValidationError):
    """A batch write (a bulk import) was refused: nothing was written.

    ``rows`` maps each bad row's position in the batch (0-based) to its errors by field, as
    the single-object action would have raised them for that row.
    """

    def __init__(self, rows: dict[int, dict[str, list[str]]]):
        self.rows = dict(sorted(rows.items()))
        super().__init__(
            _("%(count)d row(s) have problems; nothing was written.") % {"count": len(self.rows)},
            code="rows_invalid",
        )
