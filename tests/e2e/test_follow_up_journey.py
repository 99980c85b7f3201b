"""Journey: the tighter workflow and the resident's follow-up, in English and in Chinese.

A resident reports a need and adds information to it; the community worker accepts, assigns
(to themself), writes an internal note and a public reply, starts work and resolves; the
resident sees the reply but not the note, reopens the request, which goes back to the same
worker; the worker starts and resolves again; the resident rates it 2/5 ("Nobody came"),
which opens a review; an administrator closes the review with an outcome.

Three browser contexts, three people, one live server. All data SYNTHETIC.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from services.models import RequestComment, ReviewTask, ServiceRequest
from tests.e2e.conftest import BROWSER_DB, log_in, path_id

pytestmark = [pytest.mark.browser, BROWSER_DB]

TEXT = {
    "en": {
        "prefix": "",
        "area": "Area of need",
        "health": "Health care",
        "service": "Service",
        "home_care": "Elderly home care",
        "describe": "Describe what you need",
        "submit": "Submit the request",
        "add_information": "Add information",
        "add": "Add to my request",
        "accept": "Accept",
        "assign_to": "Assign to",
        "assign": "Assign",
        "internal_note": "Internal note",
        "add_note": "Add the note",
        "canned": "Canned reply",
        "reply": "Reply to the resident",
        "send_reply": "Send the reply",
        "start": "Start work",
        "resolve": "Resolve",
        "reopen": "Reopen",
        "close_review": "Close the review",
        "outcome": "Outcome",
        "outcome_value": "Explained to the resident",
        "note": "Note",
        "satisfied": "How satisfied are you with the service?",
        "two": "2 – dissatisfied",
        "comment": "Comment",
        "send_rating": "Send my rating",
        "submitted": "Submitted",
        "accepted": "Accepted",
        "assigned": "Assigned",
        "in_progress": "In progress",
        "resolved": "Resolved",
        "open": "Open",
        "closed": "Closed",
        "internal_heading": "Internal notes (staff only)",
        "suffix": "",
    },
    "zh-hans": {
        "prefix": "/zh-hans",
        "area": "需求领域",
        "health": "医疗卫生",
        "service": "服务",
        "home_care": "居家养老服务",
        "describe": "请描述您的需求",
        "submit": "提交诉求",
        "add_information": "补充信息",
        "add": "补充到我的诉求",
        "accept": "受理",
        "assign_to": "指派给",
        "assign": "指派",
        "internal_note": "内部备注",
        "add_note": "添加备注",
        "canned": "常用回复",
        "reply": "回复居民",
        "send_reply": "发送回复",
        "start": "开始处理",
        "resolve": "解决",
        "reopen": "重新打开",
        "close_review": "关闭复核",
        "outcome": "结果",
        "outcome_value": "已向居民解释",
        "note": "备注",
        "satisfied": "您对这次服务满意吗？",
        "two": None,  # looked up below: the radio's Chinese label
        "comment": "意见",
        "send_rating": "提交评价",
        "submitted": "已提交",
        "accepted": "已受理",
        "assigned": "已指派",
        "in_progress": "处理中",
        "resolved": "已解决",
        "open": "Open",
        "closed": "已关闭",
        "internal_heading": "内部备注（仅工作人员可见）",
        "suffix": "-zh",
    },
}
DESCRIPTION = "Synthetic e2e request: my mother needs help with meals."
INFORMATION = "Synthetic information: the entrance is at the back, ring twice."
SECRET = "Synthetic internal note: check with the care provider first."


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_follow_up_journey(
    new_page, screenshots, language, elm_street, resident_user, worker_user, admin_user
):
    t = TEXT[language]
    prefix = t["prefix"]

    # The resident reports a need...
    resident = new_page()
    log_in(resident, "resident-amy")
    resident.goto(f"{prefix}/requests/new/")
    resident.get_by_label(t["area"]).select_option(label=t["health"])
    resident.locator("#id_category").select_option(label=t["home_care"])
    resident.get_by_label(t["describe"]).fill(DESCRIPTION)
    resident.get_by_role("button", name=t["submit"]).click()
    resident.wait_for_url(re.compile(r"/requests/\d+/$"))
    request_id = path_id(resident.url, r"/requests/(\d+)/$")
    status = resident.locator("h1 + p .badge").first
    expect(status).to_have_text(t["submitted"])

    # ...and adds information to it.
    resident.get_by_label(t["add_information"]).fill(INFORMATION)
    resident.get_by_role("button", name=t["add"]).click()
    conversation = resident.locator("#conversation")
    expect(conversation).to_contain_text(INFORMATION)

    # The worker accepts, assigns it to themself, notes, replies, starts and resolves.
    worker = new_page()
    log_in(worker, "worker-li")
    worker.goto(f"{prefix}/requests/{request_id}/")
    worker_status = worker.locator("h1 + p .badge").first
    expect(worker.locator("#conversation")).to_contain_text(INFORMATION)
    worker.get_by_role("button", name=t["accept"], exact=True).click()
    expect(worker_status).to_have_text(t["accepted"])
    # Work cannot start before someone is assigned: the page does not offer it.
    expect(worker.get_by_role("button", name=t["start"], exact=True)).to_have_count(0)
    worker.get_by_label(t["assign_to"]).select_option(label="Li Wei")
    worker.get_by_role("button", name=t["assign"], exact=True).click()
    expect(worker_status).to_have_text(t["assigned"])
    worker.locator("#internal-notes").get_by_label(t["internal_note"]).fill(SECRET)
    worker.get_by_role("button", name=t["add_note"]).click()
    expect(worker.locator("#internal-notes")).to_contain_text(SECRET)
    worker.get_by_label(t["canned"]).select_option("care_provider_contacted")
    reply_box = worker.get_by_label(t["reply"])
    expect(reply_box).not_to_have_value("")  # the canned text, filled in by the page
    reply = reply_box.input_value()
    worker.get_by_role("button", name=t["send_reply"]).click()
    expect(worker.locator("#conversation")).to_contain_text(reply)
    worker.get_by_role("button", name=t["start"], exact=True).click()
    expect(worker_status).to_have_text(t["in_progress"])
    screenshots.take(worker, f"worker-request-internal-notes{t['suffix']}")
    worker.get_by_role("button", name=t["resolve"], exact=True).click()
    expect(worker_status).to_have_text(t["resolved"])

    # The resident sees the reply, not the internal note, and reopens the request.
    resident.reload()
    expect(status).to_have_text(t["resolved"])
    expect(conversation).to_contain_text(reply)
    expect(resident.locator("body")).not_to_contain_text(SECRET)
    expect(resident.get_by_role("heading", name=t["internal_heading"])).to_have_count(0)
    screenshots.take(resident, f"resident-request-no-internal-notes{t['suffix']}")
    resident.get_by_role("button", name=t["reopen"], exact=True).click()
    expect(status).to_have_text(t["assigned"])
    stored = ServiceRequest.objects.get(pk=request_id)
    assert (stored.status, stored.assigned_to) == ("assigned", worker_user)

    # Back to the same worker, who starts and resolves again.
    worker.reload()
    expect(worker_status).to_have_text(t["assigned"])
    worker.get_by_role("button", name=t["start"], exact=True).click()
    expect(worker_status).to_have_text(t["in_progress"])
    worker.get_by_role("button", name=t["resolve"], exact=True).click()
    expect(worker_status).to_have_text(t["resolved"])

    # A low rating opens a review.
    resident.reload()
    rating = resident.get_by_role("group", name=t["satisfied"]).get_by_role("radio")
    rating.nth(3).check()  # 5, 4, 3, 2, 1: the fourth is "2 – dissatisfied"
    resident.get_by_label(t["comment"]).fill("Nobody came")
    resident.get_by_role("button", name=t["send_rating"]).click()
    expect(resident.locator("#rate")).to_have_count(0)
    task = ReviewTask.objects.get(request_id=request_id)
    assert (task.rating, task.state) == (2, "open")

    # The administrator sees the review and closes it with an outcome.
    admin = new_page()
    log_in(admin, "admin-zhou")
    admin.goto(f"{prefix}/reviews/")
    card = admin.locator(f"#review-{task.pk}")
    expect(card).to_contain_text("2/5")
    expect(card).to_contain_text("Nobody came")
    card.get_by_label(t["outcome"]).select_option(label=t["outcome_value"])
    card.get_by_label(t["note"]).fill("Called the resident; the visit was moved.")
    card.get_by_role("button", name=t["close_review"]).click()
    expect(admin.locator(f"#review-{task.pk}")).to_contain_text(t["outcome_value"])
    task.refresh_from_db()
    assert (task.state, task.outcome) == ("closed", "explained")
    kinds = list(
        RequestComment.objects.filter(request_id=request_id).values_list("kind", flat=True)
    )
    assert kinds == ["information", "internal_note", "public_reply"]
