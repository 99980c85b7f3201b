"""The request lifecycle, defined once: its statuses, the moves between them (named as the verbs
a person clicks), who may make each move, what each needs, and the reasons a request may be
rejected or closed without being resolved.

The model (``ServiceRequest.TRANSITIONS``), the actions, the request page, the queue's bulk
actions, the REST API and Open311 all read this module, so the page and the bulk bar offer the
same moves and every message names statuses by their label and moves by their verb, in the
reader's language, never by a code such as ``in_progress``.

No database access here, and no import of the models (they import this).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.localisation import join_list


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


class Reason(models.TextChoices):
    """Why a request was rejected or closed without being resolved (with a free-text note)."""

    DUPLICATE = "duplicate", _("Duplicate of another request")
    OUT_OF_SCOPE = "out_of_scope", _("Not a service the community provides")
    NOT_ELIGIBLE = "not_eligible", _("The resident is not eligible")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Not enough information to act on")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred to another agency")
    RESIDENT_UNREACHABLE = "resident_unreachable", _("The resident could not be reached")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
    NO_CAPACITY = "no_capacity", _("No capacity to provide the service")
    WITHDRAWN = "withdrawn", _("Withdrawn by the resident")
    OTHER = "other", _("Other (explained in the note)")


# The reasons a worker picks from; "withdrawn" is recorded by the resident's own move only.
REJECT_REASONS = (
    Reason.DUPLICATE,
    Reason.OUT_OF_SCOPE,
    Reason.NOT_ELIGIBLE,
    Reason.INSUFFICIENT_INFORMATION,
    Reason.REFERRED_ELSEWHERE,
    Reason.OTHER,
)
CLOSE_UNRESOLVED_REASONS = (
    Reason.RESIDENT_UNREACHABLE,
    Reason.NO_LONGER_NEEDED,
    Reason.DUPLICATE,
    Reason.REFERRED_ELSEWHERE,
    Reason.NO_CAPACITY,
    Reason.OTHER,
)
# "Other" says nothing by itself: the note must explain it.
REASONS_NEEDING_A_NOTE = (Reason.OTHER,)

STAFF = "staff"
RESIDENT = "resident"

OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
# No move leads out of these: a request that reaches one stays there.
FINAL_STATUSES = (Status.CLOSED, Status.REJECTED)
# A resident may reopen a resolved request for this many days after it was resolved.
REOPEN_WINDOW_DAYS = 14


@dataclass(frozen=True)
class Move:
    """One move of the lifecycle: its name (the API's and the forms' code), the verb on its
    button, the statuses it starts from, where it leads, and what it needs."""

    name: str
    verb: Promise
    sources: tuple[str, ...]
    target: str
    actors: tuple[str, ...] = (STAFF,)
    # The request must have a worker assigned (work starts, and ends, with someone on it).
    needs_assignee: bool = False
    # The move names the worker (assign).
    takes_assignee: bool = False
    # A reason from this list is required (reject, close without resolution).
    reasons: tuple[str, ...] = ()
    # Where it leads when ``target`` cannot be reached (reopen: back to the same worker, or
    # to the unassigned pool when that worker no longer serves the community).
    fallback_target: str | None = None
    danger: bool = False

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.target, self.fallback_target) if self.fallback_target else (self.target,)

    @property
    def final(self) -> bool:
        """The move cannot be taken back (it ends the request): the pages ask first."""
        return all(target in FINAL_STATUSES for target in self.targets)

    def applies_to(self, status: str) -> bool:
        return status in self.sources

    def made_by(self, actor: str) -> bool:
        return actor in self.actors


MOVES: tuple[Move, ...] = (
    Move("accept", _("Accept"), (Status.SUBMITTED,), Status.ACCEPTED),
    Move(
        "assign",
        _("Assign"),
        (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS),
        Status.ASSIGNED,
        takes_assignee=True,
    ),
    Move("start", _("Start work"), (Status.ASSIGNED,), Status.IN_PROGRESS, needs_assignee=True),
    Move("resolve", _("Resolve"), (Status.IN_PROGRESS,), Status.RESOLVED, needs_assignee=True),
    Move("unassign", _("Hand back (unassign)"), (Status.ASSIGNED,), Status.ACCEPTED),
    Move("close", _("Close"), (Status.RESOLVED,), Status.CLOSED),
    Move(
        "reopen",
        _("Reopen"),
        (Status.RESOLVED,),
        Status.ASSIGNED,
        actors=(STAFF, RESIDENT),
        fallback_target=Status.ACCEPTED,
    ),
    Move(
        "reject",
        _("Reject"),
        (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED),
        Status.REJECTED,
        reasons=REJECT_REASONS,
        danger=True,
    ),
    Move(
        "close_unresolved",
        _("Close without resolution"),
        (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS),
        Status.CLOSED,
        reasons=CLOSE_UNRESOLVED_REASONS,
        danger=True,
    ),
    Move(
        "withdraw",
        _("Withdraw my request"),
        OPEN_STATUSES,
        Status.CLOSED,
        actors=(RESIDENT,),
        reasons=(Reason.WITHDRAWN,),
        danger=True,
    ),
)
MOVES_BY_NAME: dict[str, Move] = {move.name: move for move in MOVES}
STAFF_MOVES: tuple[Move, ...] = tuple(m for m in MOVES if m.made_by(STAFF))
RESIDENT_MOVES: tuple[Move, ...] = tuple(m for m in MOVES if m.made_by(RESIDENT))


def _transitions() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {status: [] for status in Status.values}
    for move in MOVES:
        for source in move.sources:
            for target in move.targets:
                if target != source and target not in table[source]:
                    table[source].append(target)
    return {status: tuple(targets) for status, targets in table.items()}


# Status -> the statuses it may become, derived from the moves (the model's ``TRANSITIONS``).
TRANSITIONS: dict[str, tuple[str, ...]] = _transitions()


def moves_from(status: str, *, actor: str = STAFF) -> tuple[Move, ...]:
    """The moves an ``actor`` may make from ``status``, in the table's order."""
    return tuple(m for m in MOVES if m.made_by(actor) and m.applies_to(status))


def move_to(current: str, target: str, *, actor: str = STAFF) -> Move | None:
    """The move that takes a request from ``current`` to ``target`` (for callers that name
    the status they want rather than the move), or ``None``."""
    for move in moves_from(current, actor=actor):
        if move.target == target:
            return move
    return None


def targets_of(moves: tuple[Move, ...], *, current: str) -> tuple[str, ...]:
    """The statuses ``moves`` lead to from ``current``, each once, in the table's order."""
    return tuple(dict.fromkeys(t for m in moves for t in m.targets if t != current))


def status_label(code: str) -> str:
    """A status in the reader's language (an unknown code is shown as given)."""
    try:
        return str(Status(code).label)
    except ValueError:
        return str(code)


def verbs(moves: tuple[Move, ...]) -> str:
    return join_list(f"“{move.verb}”" for move in moves)
