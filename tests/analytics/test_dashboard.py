"""The worker's dashboard: today's work, overdue, recent ratings, and the served communities'
latest portraits and forecasts, read as the analytics pages read them (scoped, unchanged)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.dashboard import worker_dashboard
from services.models import ServiceRequest
from tests.analytics import run_data
from tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db
Status = ServiceRequest.Status


@pytest.fixture
def runs():
    return run_data.run_world()


def test_the_dashboard_counts_the_workers_own_work(runs):
    world = runs.world
    worker = world.worker_assigned
    now = timezone.now()
    mine = ServiceRequestFactory(
        community=world.home, status=Status.ASSIGNED, assigned_to=worker, created_at=now
    )
    late = ServiceRequestFactory(
        community=world.home, expected_completion_at=now - timedelta(hours=2)
    )
    ServiceRequestFactory(community=world.other, expected_completion_at=now - timedelta(hours=2))
    low = ServiceRequestFactory(
        community=world.home, status=Status.CLOSED, satisfaction=2, satisfaction_comment="Late"
    )

    dashboard = worker_dashboard(user=worker)
    assert [r.pk for r in dashboard.my_work] == [mine.pk]
    assert late.pk in [r.pk for r in dashboard.overdue_list]
    assert all(r.community_id == world.home.pk for r in dashboard.overdue_list)
    assert dashboard.overdue == 1
    assert dashboard.new_today >= 1
    assert [r.pk for r in dashboard.ratings] == [low.pk]
    assert dashboard.low_ratings == 1
    assert [c.code for c in dashboard.communities] == [world.home.code]


def test_portraits_and_forecasts_are_scoped_as_on_the_analytics_pages(runs, client):
    world = runs.world
    client.force_login(world.worker_assigned, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("analytics:dashboard")).content.decode()
    assert world.home.name in html and world.other.name not in html
    # One resident: too few to show the community's portrait to a worker.
    assert "fewer than 5 residents" in html
    assert "4.0" in html and "(2.0–7.0)" in html  # the home community's next month
    assert "9.0" not in html  # the other community's forecast

    admin = worker_dashboard(user=world.admin)
    home = next(c for c in admin.communities if c.code == world.home.code)
    assert (home.residents, home.dominant_segment, home.requests_per_month) == (1, 0, 2.5)
    assert "older residents living alone" in home.dominant_description
    assert [(f.forecast, f.lower, f.upper) for f in home.forecasts] == [(4.0, 2.0, 7.0)]


def test_the_dashboard_without_runs_says_so_in_both_languages(client):
    world = run_data.make_world()
    client.force_login(world.worker_assigned, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("analytics:dashboard")).content.decode()
    assert "No portraits run yet." in html and "No forecast run yet." in html
    html = client.get("/zh-hans/analytics/dashboard/").content.decode()
    assert "我的工作台" in html and "尚无居民画像" in html


def test_residents_have_no_dashboard(client):
    world = run_data.make_world()
    client.force_login(world.resident_owner, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("analytics:dashboard")).status_code == 403
