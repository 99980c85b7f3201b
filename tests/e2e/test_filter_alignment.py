"""At desktop width, in both languages: a filter bar's fields line up, each label at the same
height and each control the same height, whatever the control (a choice, a text box, a date);
a list's headings sit over their columns."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import BROWSER_DB, log_in
from tests.factories import ServiceRequestFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("prefix", ["", "/zh-hans"])
def test_the_audit_logs_filters_line_up_at_desktop_width(new_page, admin_user, prefix):
    page = new_page(viewport=DESKTOP)
    log_in(page, "admin-zhou")
    page.goto(f"{prefix}/audit/")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('form.filters .field')].map(field => {
            const label = field.querySelector('label').getBoundingClientRect();
            const control = field.querySelector('input, select').getBoundingClientRect();
            return {label: Math.round(label.top), top: Math.round(control.top),
                    height: Math.round(control.height)};
        })"""
    )
    assert len(boxes) == 6
    # All six sit on one row at this width.
    assert len({box["label"] for box in boxes}) == 1, boxes
    assert len({box["top"] for box in boxes}) == 1, boxes
    assert len({box["height"] for box in boxes}) == 1, boxes


@pytest.mark.parametrize(
    ("who", "path"),
    [("worker-li", "/queue/?view=all"), ("resident-amy", "/requests/")],
)
def test_a_lists_headings_sit_over_their_columns_at_desktop_width(
    new_page, resident_user, worker_user, queue_requests, who, path
):
    """A list stacked into compact rows on a phone is a table at a desktop: each heading over
    its column, the heading row as wide as the rows (they were two tables side by side, the
    headings squeezed to the left)."""
    ServiceRequestFactory(resident=resident_user.resident_profile, status="resolved")
    page = new_page(viewport=DESKTOP)
    log_in(page, who)
    page.goto(path)
    lefts = page.evaluate(
        """() => [...document.querySelectorAll('table.stack tr')].map(
            row => [...row.children].map(cell => Math.round(cell.getBoundingClientRect().left)))"""
    )
    assert len(lefts) > 1 and all(row == lefts[0] for row in lefts), lefts
