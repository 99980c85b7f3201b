"""Journey 2: an administrator starts an analysis run from its page, watches its progress, and
then reads the result tables.

The run is a resident-portraits run on 36 synthetic residents (about a second of work).
Without a broker a run would execute eagerly inside the request that starts it, and the page
would jump straight to the result. So the test holds the queued task, as a broker would until
a worker is free, and then executes it itself as the worker: the page shows the queued run,
the running run with the progress the runner reports, and, by following the run on its own,
the result.

The page's timers run on Playwright's paused clock and are advanced by the test, so the page
polls the server only at moments the test chooses. (On SQLite the live server and the test
share one in-memory database, and a poll must not land in the middle of the run's writes.)
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

import analytics.tasks
from analytics import kinds
from analytics.models import AnalysisRun
from services.models import ServiceCategory
from tests.e2e.conftest import BROWSER_DB, log_in, path_id
from tests.factories import CommunityFactory, ResidentFactory, ServiceRequestFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

POLL_INTERVAL_MS = 1_000  # the progress page polls its run once a second
CATEGORIES = ["elderly_home_care", "road_repair", "job_placement", "waste_collection"]


@pytest.fixture
def communities_with_residents(elm_street, pine_village) -> dict[str, int]:
    """Three communities of synthetic residents (their number by community name), with
    requests over the last months that lean to a different service in each, a few rated."""
    plum_garden = CommunityFactory(name="Plum Garden", kind="urban")
    categories = {c.code: c for c in ServiceCategory.objects.filter(code__in=CATEGORIES)}
    now = timezone.now()
    sizes = {elm_street: 14, pine_village: 10, plum_garden: 12}
    for c, (community, size) in enumerate(sizes.items()):
        for n in range(size):
            resident = ResidentFactory(community=community)
            for k in range((n * (c + 1)) % 4):
                code = CATEGORIES[c] if k == 0 else CATEGORIES[(n + k) % len(CATEGORIES)]
                ServiceRequestFactory(
                    resident=resident,
                    category=categories[code],
                    status="closed" if k % 2 else "submitted",
                    satisfaction=1 + (n + k + c) % 5 if k % 2 else None,
                    created_at=now - timedelta(days=5 + 17 * k + 3 * n + c),
                )
    return {community.name: size for community, size in sizes.items()}


class HeldQueue:
    """Stands in for the broker: keeps the ids of the runs queued, for the test to execute."""

    def __init__(self) -> None:
        self.run_ids: list[int] = []

    def apply_async(self, args: list, **options) -> None:
        self.run_ids.append(args[0])


def test_administrator_starts_a_run_sees_its_progress_and_then_the_results(
    new_page, screenshots, monkeypatch, admin_user, communities_with_residents
):
    worker_task = analytics.tasks.analysis_run_execute_task
    held = HeldQueue()
    monkeypatch.setattr(analytics.tasks, "analysis_run_execute_task", held)

    page = new_page()
    log_in(page, "admin-zhou")
    start = datetime.now()
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=5))

    page.get_by_role("navigation").get_by_role("link", name="Analytics").click()
    card = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Resident portraits")
    )
    expect(card).to_contain_text("No finished run yet.")
    card.get_by_role("link", name="Runs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Runs: Resident portraits")
    page.get_by_role("button", name="Start the run").click()

    # Queued: the run's page shows its progress bar while it waits for a worker.
    page.wait_for_url("**/analytics/runs/*/")
    run_id = path_id(page.url, r"/runs/(\d+)/$")
    assert held.run_ids == [run_id]
    expect(page.get_by_role("status")).to_contain_text(f"Run #{run_id} has been started.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Resident portraits · #{run_id}")
    status = page.locator("[data-run-status]")
    bar = page.get_by_role("progressbar", name="Progress")
    expect(status).to_have_text("Queued")
    expect(page.get_by_role("heading", name="Waiting for a worker")).to_be_visible()
    expect(bar).to_have_js_property("value", 0)

    # Running: the worker takes the run; at its first progress report the page polls and
    # shows the same percentage and message.
    seen: list[tuple[int, str]] = []
    problems: list[AssertionError] = []
    portraits_run = kinds.get("portraits").run

    def portraits_run_watched(run, progress):
        def progress_and_look(percent: int, message: str = "") -> None:
            progress(percent, message)
            if seen or not 0 < percent < 100:
                return
            seen.append((percent, message))
            page.clock.run_for(POLL_INTERVAL_MS)
            try:
                expect(status).to_have_text("Running")
                expect(bar).to_have_js_property("value", percent)
                expect(page.locator("[data-progress-text]")).to_have_text(f"{percent}%")
                expect(page.locator("[data-progress-message]")).to_have_text(message)
            except AssertionError as exc:  # the run would record it as its own failure
                problems.append(exc)
                raise
            screenshots.take(page, "analytics-run-progress")

        return portraits_run(run, progress_and_look)

    monkeypatch.setitem(
        kinds.registry(),
        "portraits",
        dataclasses.replace(kinds.get("portraits"), run=portraits_run_watched),
    )
    worker_task.apply(args=[run_id])
    if problems:
        raise problems[0]
    assert seen, "the run reported no progress between 0 and 100 %"
    run = AnalysisRun.objects.get(pk=run_id)
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error

    # Finished: at its next poll the page sees it and shows the result tables.
    page.clock.run_for(POLL_INTERVAL_MS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Resident portraits")
    page.clock.resume()  # let the charts draw
    expect(status).to_have_text("Succeeded")
    segments = page.locator(".segment-card")
    expect(segments).not_to_have_count(0)
    assert segments.count() == len(run.result["segments"]) >= 2
    table = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Community portraits")
    )
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(communities_with_residents))
    for name, size in communities_with_residents.items():
        row = rows.filter(has=page.get_by_role("cell", name=name, exact=True))
        expect(row.locator("td").nth(1)).to_have_text(str(size))
    screenshots.take(page, "analytics-portraits")
