"""Reads of places scoped to the user, evaluated as sets of ids."""

from __future__ import annotations

import pytest

from residents.queries import scoped_community_id_set
from tests.factories import AdministratorFactory, CommunityFactory, ResidentFactory, WorkerFactory


@pytest.mark.django_db
def test_a_workers_scope_as_ids_is_the_communities_not_the_links():
    """A worker's scope is a subquery of the link table; its own ids are not communities'.
    Here the two never coincide (the links are made after many communities), which a fresh
    SQLite database would otherwise hide and PostgreSQL's sequences would not."""
    communities = [CommunityFactory() for _ in range(6)]
    worker = WorkerFactory()
    worker.communities.set(communities[4:])
    assert scoped_community_id_set(user=worker) == {c.pk for c in communities[4:]}


@pytest.mark.django_db
def test_nationwide_administrators_have_no_limit_and_residents_no_communities():
    assert scoped_community_id_set(user=AdministratorFactory()) is None
    assert scoped_community_id_set(user=ResidentFactory().user) == set()
