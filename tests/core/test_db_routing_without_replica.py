"""With no read replica configured, the analysis runs' input reads use the primary."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from analytics import queries as analytics_queries
from core.db_routing import replica_configured
from tests.factories import make_world


@pytest.mark.django_db
def test_without_a_replica_the_run_reads_use_the_primary():
    assert not replica_configured()
    make_world()
    with CaptureQueriesContext(connections["default"]) as on_primary:
        frame = analytics_queries.request_history_frame()
    assert len(frame) == 2
    assert any("services_servicerequest" in q["sql"] for q in on_primary.captured_queries)
