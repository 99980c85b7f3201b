"""Fixtures of the fuzz tests."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    SupplyCapacityFactory,
    WorkerFactory,
    area_node,
)


@pytest.fixture
def in_test_transaction():
    """Requests run through the WSGI application in this thread; like Django's test client,
    keep the request signals from closing the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db):
    """One community in Nanjing with a resident, two requests and a capacity; a worker of it;
    the administrator of Nanjing (an area holding it) and a nationwide one."""
    community = CommunityFactory()
    resident = ResidentFactory(community=community, with_account=True)
    ServiceRequestFactory(community=community, resident=resident, status="in_progress")
    ServiceRequestFactory(community=community, resident=resident, status="resolved")
    SupplyCapacityFactory(community=community)
    return {
        "anonymous": None,
        "resident": resident.user,
        "worker": WorkerFactory(communities=[community]),
        "area_admin": AdministratorFactory(area=area_node("320100")),
        "national_admin": AdministratorFactory(),
    }
