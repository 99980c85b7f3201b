"""What the residents app announces to the apps above it (which it must not import).

``resident_erased`` is sent inside ``residents.actions.resident_erase``'s transaction once the
profile is scrubbed; a receiver erases what its app holds about the person through that app's
own action (``services`` strips the free text of their requests), so a failure there rolls
the whole erasure back.
"""

from __future__ import annotations

from typing import Protocol

from django.dispatch import Signal

# Keyword argument: ``resident`` (the erased ``Resident``).
resident_erased = Signal()

# Keyword argument: ``account`` (the login whose password was just reset or changed). Sent
# inside ``residents.actions._password_replace``'s transaction, after the login's API tokens
# are deleted: a receiver ends the other credentials its app holds for the login (``services``
# revokes its Open311 keys), so a reset after a suspected theft leaves nothing working, and
# returns what it ended as a ``CredentialsEnded`` (or ``None``), which the actions hand back.
password_replaced = Signal()


class CredentialsEnded(Protocol):
    """What a receiver of ``password_replaced`` ended: how many of one kind of credential, and
    the words telling the people concerned, in the language active when shown. The app that
    holds the credential words it (this app does not know what an Open311 key is); the pages
    that changed the password show the words, so the person is not left to find out when an
    integration stops."""

    @property
    def kind(self) -> str:
        """What ended, as a stable code for programs (``open311_keys``); never shown to a
        person, who reads ``to_owner``."""
        ...

    @property
    def count(self) -> int: ...

    def to_owner(self) -> str:
        """To the login's owner, who changed their password: what ended and what to do."""
        ...

    def to_administrator(self, *, account_name: str) -> str:
        """To the administrator who reset ``account_name``'s password: the same."""
        ...


# Keyword argument: ``resident`` (whose consent to the portrait purpose was withdrawn or who
# was erased). The analytics app forgets the segments its portrait runs gave them.
portrait_withdrawn = Signal()
