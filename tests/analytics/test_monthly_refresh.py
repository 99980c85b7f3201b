import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from analytics.actions import MONTHLY_REFRESH_TRIES, analytics_monthly_refresh
from analytics.models import AnalysisRun

pytestmark = pytest.mark.django_db
Status = AnalysisRun.Status


def test_monthly_refresh_is_scheduled_with_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["monthly-portraits-and-forecast"]
    assert entry["task"] == "analytics.monthly_refresh"
    # Checked hourly (it starts each kind once a month), so a failed run is tried again.
    assert entry["schedule"].minute == {30} and len(entry["schedule"].hour) == 24


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


def test_a_failed_scheduled_run_is_tried_again_a_few_times_a_month(
    django_capture_on_commit_callbacks,
):
    today = timezone.localdate()
    for attempt in range(1, MONTHLY_REFRESH_TRIES + 1):
        with django_capture_on_commit_callbacks(execute=False):
            started = analytics_monthly_refresh(today=today)
        assert [run.kind for run in started] == (
            ["portraits", "forecast"] if attempt == 1 else ["forecast"]
        )
        # The portraits succeed; every forecast fails.
        AnalysisRun.objects.filter(kind="portraits").update(status=Status.SUCCEEDED)
        AnalysisRun.objects.filter(kind="forecast").update(status=Status.FAILED)
    with django_capture_on_commit_callbacks(execute=False):
        assert analytics_monthly_refresh(today=today) == []
    assert AnalysisRun.objects.filter(kind="forecast").count() == MONTHLY_REFRESH_TRIES


def test_a_scheduled_run_stuck_in_the_queue_is_not_started_twice(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        analytics_monthly_refresh(today=timezone.localdate())
        # Still queued (its worker is busy): in flight, so not started again.
        assert analytics_monthly_refresh(today=timezone.localdate()) == []
    assert AnalysisRun.objects.filter(status=Status.QUEUED).count() == 2


# Real commits: a run is queued when its row is committed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_monthly_refresh_goes_on_when_the_broker_is_down(broker_down):
    started = analytics_monthly_refresh(today=timezone.localdate())
    assert started == []
    failed = AnalysisRun.objects.filter(status=Status.FAILED)
    assert sorted(failed.values_list("kind", flat=True)) == ["forecast", "portraits"]
    assert AnalysisRun.objects.exclude(status=Status.FAILED).count() == 0
