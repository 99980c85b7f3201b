"""A keyboard user sees where the focus is: the focus ring stands out from what is around it
by at least 3:1 (WCAG 2.2, non-text contrast), in the page's body and on the header's brand
colour alike. The ring was a light teal, 2.0:1 on white."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import BROWSER_DB, PHONE, log_in

pytestmark = [pytest.mark.browser, BROWSER_DB]

# The focused element's outline against the first opaque background behind it.
RING_CONTRAST = """element => {
  const rgb = text => text.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let behind = element.parentElement;
  while (behind) {
    const colour = rgb(getComputedStyle(behind).backgroundColor);
    if (colour.length < 4 || colour[3] > 0) { break; }
    behind = behind.parentElement;
  }
  const style = getComputedStyle(element);
  const ring = luminance(rgb(style.outlineColor));
  const back = luminance(rgb(behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)"));
  return {style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          contrast: (Math.max(ring, back) + 0.05) / (Math.min(ring, back) + 0.05)};
}"""


def test_the_focus_ring_stands_out_in_the_page_and_in_the_header(new_page, worker_user):
    page = new_page(viewport=PHONE)
    log_in(page, worker_user.username)
    page.goto("/zh-hans/residents/find/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the header's first link, on the brand colour
    header = page.evaluate_handle("document.activeElement")
    assert header.evaluate("element => !!element.closest('.site-header')")
    ring = header.evaluate(RING_CONTRAST)
    assert ring["style"] != "none" and ring["width"] >= 2
    assert ring["contrast"] >= 3, ring

    field = page.get_by_role("textbox", name="号码")
    field.focus()
    ring = field.evaluate(RING_CONTRAST)
    assert ring["style"] != "none" and ring["width"] >= 2
    assert ring["contrast"] >= 3, ring
