"""Each page renders for the roles it is for; anonymous visitors go to the login page and
signed-in users of another role get 403, except where a resident's page has a page of their
own for staff (an old bookmark): there they are sent to it with a line saying why."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import translation

RESIDENT_PAGES = [
    "profile",
    "profile_edit",
    "account_erase",
    "profile_portrait",
    "my_data",
    "services:my_data_json",
    "services:my_data_csv",
    "services:my_requests",
    "services:request_submit",
]
STAFF_PAGES = [
    "services:queue",
    "resident_find",
    "resident_create",
    "services:request_log_anonymous",
]
ADMIN_PAGES = ["services:overview", "audit_log"]


@pytest.fixture
def users(resident_user, worker, administrator):
    return {"resident": resident_user, "worker": worker, "admin": administrator}


# A resident's page that sends staff to their own page for the same thing, by role.
STAFF_ELSEWHERE = {
    "services:my_requests": {"worker": "services:queue", "admin": "services:queue"},
    "services:request_submit": {"worker": "resident_find", "admin": "resident_find"},
}


def _expected(page: str, role: str) -> int:
    if role in STAFF_ELSEWHERE.get(page, {}):
        return 302
    if page in RESIDENT_PAGES:
        return 200 if role == "resident" else 403
    if page in STAFF_PAGES:
        return 200 if role in ("worker", "admin") else 403
    return 200 if role == "admin" else 403


@pytest.mark.parametrize("page", RESIDENT_PAGES + STAFF_PAGES + ADMIN_PAGES)
@pytest.mark.parametrize("role", ["resident", "worker", "admin"])
def test_page_access_by_role(client, users, page, role):
    client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse(page))
    assert response.status_code == _expected(page, role)


@pytest.mark.parametrize(
    ("page", "role", "target", "prefix", "said"),
    [
        (page, role, target, prefix, said)
        for page, targets in STAFF_ELSEWHERE.items()
        for role, target in targets.items()
        for prefix, said in (
            ("", "is the residents' page"),
            ("/zh-hans", "是居民的页面"),
        )
    ],
)
def test_staff_opening_a_residents_page_land_on_their_own_with_a_line_why(
    client, users, page, role, target, prefix, said
):
    with translation.override("en"):
        page_path, target_path = prefix + reverse(page), prefix + reverse(target)
    client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(page_path)
    assert response.status_code == 302
    assert response["Location"] == target_path
    landed = client.get(response["Location"])
    assert landed.status_code == 200
    messages = landed.content.decode().split('class="messages"', 1)[1].split("</ul>", 1)[0]
    assert said in html.unescape(messages)
    # Something sent to the resident's page is refused, not dropped on the way to another.
    assert client.post(page_path).status_code == 403


@pytest.mark.parametrize("page", RESIDENT_PAGES + STAFF_PAGES + ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("resident", "services:my_requests"),
        ("worker", "services:queue"),
        ("admin", "services:overview"),
    ],
)
def test_home_sends_each_role_to_its_start_page(client, users, role, target):
    client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_navigation_matches_the_role(client, users):
    client.force_login(users["resident"], backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("profile")).content.decode()
    assert reverse("services:my_requests") in html
    assert reverse("services:queue") not in html
    client.force_login(users["worker"], backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("services:queue")).content.decode()
    assert reverse("resident_find") in html
    assert reverse("services:overview") not in html


def test_a_resident_cannot_open_another_residents_request(
    client, resident_user, other_resident_user, other_community, make_request
):
    theirs = make_request(community=other_community, resident=other_resident_user.resident_profile)
    client.force_login(resident_user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("services:request_detail", args=[theirs.pk])).status_code == 404


def test_a_worker_cannot_open_requests_or_residents_of_other_communities(
    client, worker, other_resident_user, other_community, make_request
):
    theirs = make_request(community=other_community, resident=other_resident_user.resident_profile)
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("services:request_detail", args=[theirs.pk])).status_code == 404
    resident_pk = other_resident_user.resident_profile.pk
    assert client.get(reverse("resident_detail", args=[resident_pk])).status_code == 404
    assert client.get(reverse("resident_edit", args=[resident_pk])).status_code == 404


def test_the_forbidden_page_explains_itself_in_the_layout(client, users):
    client.force_login(users["resident"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("services:queue"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in html
    assert reverse("services:my_requests") in html  # the resident's own navigation
