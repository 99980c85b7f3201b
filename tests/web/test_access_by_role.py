"""Each page renders for the roles it is for; anonymous visitors go to the login page and
signed-in users of another role get 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

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


def _expected(page: str, role: str) -> int:
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
