import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from analytics.actions import analytics_monthly_refresh
from analytics.models import AnalysisRun

pytestmark = pytest.mark.django_db


def test_monthly_refresh_is_scheduled_with_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["monthly-portraits-and-forecast"]
    assert entry["task"] == "analytics.monthly_refresh"
    assert entry["schedule"].day_of_month == {1}


def test_monthly_refresh_starts_portraits_and_forecast_once_a_month(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        # The runs are stamped with the real clock, so "this month" must be the real one.
        first = analytics_monthly_refresh(today=timezone.localdate())
        again = analytics_monthly_refresh(today=timezone.localdate())
    assert [run.kind for run in first] == ["portraits", "forecast"]
    assert again == []
    assert AnalysisRun.objects.count() == 2


def test_last_months_scheduled_runs_do_not_hold_back_this_months(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        earlier = analytics_monthly_refresh(today=timezone.localdate())
        a_month_ago = timezone.now() - dt.timedelta(days=35)
        AnalysisRun.objects.filter(pk__in=[run.pk for run in earlier]).update(
            created_at=a_month_ago
        )
        started = analytics_monthly_refresh(today=timezone.localdate())
    assert [run.kind for run in started] == ["portraits", "forecast"]
    assert AnalysisRun.objects.count() == 4
