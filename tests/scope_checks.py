"""How tests see that a large scope is never read whole (an administrator's scope can hold
tens of thousands of communities): the bulk imports of both apps ask about the communities
their rows name only, and a page decides once whether the reader's communities are too many
to list (``residents.community_picker.is_large``: a count of at most limit + 1 rows)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
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


def threshold_counts(queries: Iterable[dict], *, limit: int) -> int:
    """How many of the captured ``queries`` are ``is_large``'s count at picker limit
    ``limit``."""
    pattern = re.compile(rf"COUNT\(\*\).*\bLIMIT {limit + 1}\b", re.S | re.I)
    return sum(1 for query in queries if pattern.search(query["sql"]))


def threshold_counts_rendering(client, url: str, params: dict | None = None, *, limit: int) -> int:
    """How many times rendering ``url`` (which must answer 200) counted whether the reader's
    communities are too many to list."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return threshold_counts(captured.captured_queries, limit=limit)
