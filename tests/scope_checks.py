"""What the bulk imports of both apps must show: the scope is asked about the communities the
rows name, never read whole (an administrator's scope can hold tens of thousands of
communities)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType
from unittest import mock

from residents.queries import communities_outside_scope


@contextlib.contextmanager
def named_communities_only(actions: ModuleType) -> Iterator[mock.MagicMock]:
    """Within it, ``actions`` checks the scope through ``communities_outside_scope`` (the mock
    yielded records how) and loading the whole scope fails the test."""
    with (
        mock.patch.object(
            actions, "communities_outside_scope", wraps=communities_outside_scope
        ) as scope_check,
        mock.patch.object(
            actions,
            "scoped_community_id_set",
            create=True,
            side_effect=AssertionError("the whole scope was loaded"),
        ),
    ):
        yield scope_check
