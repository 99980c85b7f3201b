"""What the residents app announces to the apps above it (which it must not import).

``resident_erased`` is sent inside ``residents.actions.resident_erase``'s transaction once the
profile is scrubbed; a receiver erases what its app holds about the person through that app's
own action (``services`` strips the free text of their requests), so a failure there rolls
the whole erasure back.
"""

from __future__ import annotations

from django.dispatch import Signal

# Keyword argument: ``resident`` (the erased ``Resident``).
resident_erased = Signal()

# Keyword argument: ``account`` (the login whose password was just reset or changed). Sent
# inside ``residents.actions._password_replace``'s transaction, after the login's API tokens
# are deleted: a receiver ends the other credentials its app holds for the login (``services``
# revokes its Open311 keys), so a reset after a suspected theft leaves nothing working.
password_replaced = Signal()

# Keyword argument: ``resident`` (whose consent to the portrait purpose was withdrawn or who
# was erased). The analytics app forgets the segments its portrait runs gave them.
portrait_withdrawn = Signal()
