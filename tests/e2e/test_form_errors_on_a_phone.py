"""On a phone, in Chinese: a resident's request refused for its service's question comes back
with the problem in view. The page opens again at its top; the error summary there names the
question and the photo to choose again, holds the focus, and its link leads to the question,
which sits right after the service select (it used to be under the map, screens below)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.conftest import BROWSER_DB, PHONE, log_in

pytestmark = [pytest.mark.browser, BROWSER_DB]


def _in_view(page, selector: str) -> bool:
    # A link to an element scrolls it to the top, at -0.06 px in Chromium's subpixel layout.
    return page.evaluate(
        """selector => { const box = document.querySelector(selector).getBoundingClientRect();
            return box.top > -1 && box.top < window.innerHeight; }""",
        selector,
    )


def test_a_refused_request_shows_its_problems_in_view_on_a_phone(
    new_page, resident_user, tmp_path: Path
):
    photo = tmp_path / "street-lamp.png"
    Image.new("RGB", (40, 30), "orange").save(photo)
    page = new_page(viewport=PHONE)
    log_in(page, resident_user.username)
    page.goto("/zh-hans/requests/new/")
    page.get_by_label("服务").select_option(label="道路与路灯维修")
    page.get_by_label("请描述您的需求").fill("楼下的路灯坏了，晚上很黑。")
    page.get_by_label("照片").set_input_files(photo)
    # The service's own question ("what is wrong?") is left unanswered.
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_load_state()

    summary = page.locator("[data-error-summary]")
    assert "请检查以下字段" in summary.inner_text()
    assert "请重新选择照片" in summary.inner_text()
    assert summary.evaluate("element => element === document.activeElement")
    assert _in_view(page, "[data-error-summary]")
    question = "#id_extra__road_repair__hazard"
    link = summary.get_by_role("link", name="出了什么问题")
    assert link.get_attribute("href") == question
    # Scrolled away, the link still brings the question back into view.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert not _in_view(page, question)
    link.click()
    assert _in_view(page, question)
    # The description typed is still there; only the photo must be chosen again.
    assert page.get_by_label("请描述您的需求").input_value() == "楼下的路灯坏了，晚上很黑。"
