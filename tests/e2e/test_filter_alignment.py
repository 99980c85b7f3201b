"""At desktop width, in both languages: a filter bar's fields line up, each label at the same
height and each control the same height, whatever the control (a choice, a text box, a date)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import BROWSER_DB, log_in

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
