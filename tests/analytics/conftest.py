"""Fixtures of the analytics tests. ``broker_down``: a broker that cannot be reached;
when Redis refuses the connection (the real broker is exercised in test_run_faults.py)."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError

from analytics.tasks import analysis_run_execute_task


@pytest.fixture
def broker_down(monkeypatch):
    published = []

    def refuse(*args, **kwargs):
        published.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(analysis_run_execute_task, "apply_async", refuse)
    return published
