"""The administrator overview: headline figures and the two charts' data."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from services.models import ServiceRequest


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _json_script(html: str, element_id: str):
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_overview_shows_figures_and_feeds_the_charts(
    admin_client, community, other_community, make_request
):
    now = timezone.now()
    make_request(community=community, expected_completion_at=now - timedelta(hours=2))
    make_request(community=community)
    make_request(community=other_community, status=ServiceRequest.Status.CLOSED, satisfaction=4)
    make_request(community=other_community, status=ServiceRequest.Status.CLOSED, satisfaction=5)

    response = admin_client.get(reverse("services:overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["summary"]["open"] == 2
    assert response.context["summary"]["overdue"] == 1
    assert response.context["summary"]["mean_satisfaction"] == pytest.approx(4.5)
    assert "vendor/chartjs/chart.umd.min.js" in html

    trend = _json_script(html, "demand-trend-data")
    assert trend["labels"][-1] == timezone.localtime(now).strftime("%Y-%m")
    health = next(s for s in trend["series"] if s["label"] == "Health care")
    assert health["values"][-1] == 4

    by_community = _json_script(html, "community-requests-data")
    assert set(by_community["labels"]) == {"Elm Street", "Pine Village"}
    totals = dict(
        zip(
            by_community["labels"],
            [o + f for o, f in zip(*(s["values"] for s in by_community["series"]), strict=True)],
            strict=True,
        )
    )
    assert totals == {"Elm Street": 2, "Pine Village": 2}


def test_overview_chart_labels_follow_the_language(admin_client, community, make_request):
    make_request(community=community)
    html = admin_client.get("/zh-hans/overview/").content.decode()
    trend = _json_script(html, "demand-trend-data")
    assert "医疗卫生" in [s["label"] for s in trend["series"]]


def test_overview_marks_the_current_month_as_partial(admin_client, community, make_request):
    make_request(community=community)
    html = admin_client.get(reverse("services:overview")).content.decode()
    trend = _json_script(html, "demand-trend-data")
    month = timezone.localtime(timezone.now()).strftime("%Y-%m")
    assert trend["partial_label"].startswith(f"{month} (partial, to ")
    assert 'id="partial-month-note"' in html and "The current month is partial" in html

    html = admin_client.get("/zh-hans/overview/").content.decode()
    trend = _json_script(html, "demand-trend-data")
    assert trend["partial_label"].startswith(f"{month}（本月未完")
    assert "本月尚未结束" in html
    # The two sentences side by side, joined as Chinese joins them (no space between).
    assert "近 12 个月每月提交的诉求数。<span" in html


def test_the_upload_page_is_in_the_navigation_of_staff_only(
    client, administrator, worker, resident_user
):
    upload = reverse("bulk:upload")
    for user, shown in ((administrator, True), (worker, True), (resident_user, False)):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        html = client.get("/", follow=True).content.decode()
        assert (f'href="{upload}"' in html) is shown, user.role
