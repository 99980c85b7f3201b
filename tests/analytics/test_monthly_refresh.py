import datetime as dt

import pytest
from django.conf import settings

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
        first = analytics_monthly_refresh(today=dt.date(2026, 11, 1))
        again = analytics_monthly_refresh(today=dt.date(2026, 11, 1))
    assert [run.kind for run in first] == ["portraits", "forecast"]
    assert again == []
    assert AnalysisRun.objects.count() == 2
