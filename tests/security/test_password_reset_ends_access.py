"""A password set by an administrator shuts out whoever held the old one (a second probe,
December 2026).

An administrator resets a login's password because it was forgotten or stolen. The login's
web sessions ended (Django checks a session against the password's hash), but its API
tokens kept working: whoever had stolen the account kept acting as it through the API.
``residents.actions.account_password_set`` now deletes them. Its Open311 keys kept working
too, after a reset and after the owner changed the password themself; the one rule of a new
password (``residents.actions._password_replace``) now revokes them as well.
"""

from __future__ import annotations

import html

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from residents import actions
from services.models import Open311ApiKey, ServiceRequest
from services.open311.actions import (
    open311_api_key_issue,
    open311_api_key_replace,
    open311_api_keys_deactivate,
)
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    CommunityFactory,
    WorkerFactory,
    api_client,
)

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"

NEW_PASSWORD = "a-long-new-pass-2026"


def test_a_reset_password_ends_the_old_sessions_and_tokens():
    worker = WorkerFactory(communities=[CommunityFactory()])
    token = Token.objects.create(user=worker)
    stolen_session = Client()
    stolen_session.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    stolen_token = api_client(None)
    stolen_token.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert stolen_session.get("/queue/").status_code == 200
    assert stolen_token.get("/api/v1/requests/").status_code == 200

    admin = AdministratorFactory(is_superuser=True)
    admin_site = Client()
    admin_site.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    answer = admin_site.post(
        f"/admin/residents/user/{worker.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert answer.status_code == 302

    assert stolen_session.get("/queue/").status_code == 302  # to the login page
    assert stolen_token.get("/api/v1/requests/").status_code == 401
    assert not Token.objects.filter(user=worker).exists()
    # The administrator stays signed in.
    assert admin_site.get("/admin/").status_code == 200


def test_making_a_password_unusable_deletes_the_tokens_too():
    worker = WorkerFactory(communities=[CommunityFactory()])
    Token.objects.create(user=worker)
    actions.account_password_set(
        user=AdministratorFactory(is_superuser=True), account=worker, password=None
    )
    assert not Token.objects.filter(user=worker).exists()


# Open311 keys (7 December 2026): a key acts as its owner, as a token does, yet a reset or a
# change of the owner's password left it working. ``_password_replace`` now revokes them.


def _submits(key: str, community) -> int:
    """The status of an Open311 submission with ``key`` for ``community``."""
    return (
        Client()
        .post(
            "/open311/v2/requests.json",
            {
                "api_key": key,
                "service_code": "water_supply",
                "address_id": community.code,
                "description": "No water on the third floor.",
            },
        )
        .status_code
    )


@pytest.fixture
def keys():
    """A worker with two Open311 keys (one switched off earlier), and another worker's key."""
    community = CommunityFactory()
    worker = WorkerFactory(communities=[community])
    colleague = WorkerFactory(communities=[community])
    key = open311_api_key_issue(owner=worker, organisation="Synthetic volunteers")
    old = open311_api_key_issue(owner=worker, organisation="Synthetic volunteers")
    open311_api_keys_deactivate(api_keys=[old.api_key])
    other = open311_api_key_issue(owner=colleague, organisation="Synthetic neighbours")
    assert _submits(key.key, community) == 201
    assert _submits(other.key, community) == 201
    return community, worker, key, old, other


def _admin_site() -> Client:
    client = Client()
    client.force_login(AdministratorFactory(is_superuser=True), backend=BACKEND)
    return client


def _reset_on_the_admin_site(worker) -> None:
    answer = _admin_site().post(
        f"/admin/residents/user/{worker.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert answer.status_code == 302


def _change_on_the_page(worker) -> None:
    client = Client()
    client.force_login(worker, backend=BACKEND)
    answer = client.post(
        "/me/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert answer.status_code == 302


def _change_through_the_api(worker) -> None:
    client = api_client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=worker).key}")
    answer = client.post(
        "/api/v1/me/password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert answer.status_code == 200, answer.content


@pytest.mark.parametrize(
    "replace",
    [_reset_on_the_admin_site, _change_on_the_page, _change_through_the_api],
    ids=["administrator-reset", "change-page", "change-api"],
)
def test_a_new_password_ends_the_owners_open311_keys_and_no_one_elses(keys, replace):
    community, worker, key, _old, other = keys
    before = ServiceRequest.objects.count()

    replace(worker)

    assert _submits(key.key, community) == 403
    assert ServiceRequest.objects.count() == before
    assert not Open311ApiKey.objects.filter(owner=worker, active=True).exists()
    # Another login's key goes on working.
    assert _submits(other.key, community) == 201
    other.api_key.refresh_from_db()
    assert other.api_key.active


def test_a_revoked_key_switched_on_again_stays_dead(keys):
    """Ticking *active* again on the key's admin page (the integration stopped, say) does not
    bring back a key the thief may hold, nor one deactivated before the reset; *Replace*
    issues one that works."""
    community, worker, key, old, _other = keys
    _reset_on_the_admin_site(worker)
    admin_site = _admin_site()
    for revoked in (key, old):
        page = f"/admin/services/open311apikey/{revoked.api_key.pk}/change/"
        answer = admin_site.post(
            page, {"organisation": "Synthetic volunteers", "default_community": "", "active": "on"}
        )
        assert answer.status_code == 302, answer.content
        revoked.api_key.refresh_from_db()
        assert revoked.api_key.active
        assert _submits(revoked.key, community) == 403
    replaced = open311_api_key_replace(api_key=key.api_key)
    assert _submits(replaced.key, community) == 201


def test_making_a_password_unusable_revokes_the_keys_too(keys):
    community, worker, key, _old, other = keys
    actions.account_password_set(
        user=AdministratorFactory(is_superuser=True), account=worker, password=None
    )
    assert _submits(key.key, community) == 403
    assert _submits(other.key, community) == 201


# The person was not told (7 December 2026, night): the keys stopped with the password, and
# neither the owner changing it nor the administrator resetting it read so on the page. The
# action now returns what ended (``PasswordChanged.ended``, ``PasswordSet.ended``), and the
# page says how many keys and what to do, in the reader's language.

ENDED_FOR_OWNER = {
    "en": "Your 2 Open311 keys were ended with your old password. "
    "An administrator can issue new ones.",
    "zh-hans": "您的 2 个 Open311 密钥已随旧密码一并停用。管理员可以为您签发新的密钥。",
}
ENDED_FOR_ADMINISTRATOR = {
    "en": "Li Wei's 2 Open311 keys were ended with the old password. To issue new ones, "
    "select them on the Open311 API keys list and replace them with new ones.",
    "zh-hans": "Li Wei 的 2 个 Open311 密钥已随旧密码一并停用。如需签发新密钥，"
    "请在“Open311 API 密钥”列表中选中这些密钥，用新密钥替换。",
}


@pytest.fixture
def two_keys(keys):
    """The worker, named Li Wei, with two working keys and one switched off before."""
    _community, worker, _key, _old, _other = keys
    worker.first_name, worker.last_name = "Li", "Wei"
    worker.save(update_fields=["first_name", "last_name"])
    open311_api_key_issue(owner=worker, organisation="Synthetic volunteers")
    return worker


def test_the_actions_return_how_many_working_keys_ended(two_keys):
    changed = actions.account_password_change(user=two_keys, new_password=NEW_PASSWORD)
    assert [ended.count for ended in changed.ended] == [2]
    # None work now: a second password ends nothing more, and nothing is listed.
    done = actions.account_password_set(
        user=AdministratorFactory(is_superuser=True), account=two_keys, password=None
    )
    assert done.account == two_keys and done.ended == ()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_owner_is_told_on_the_page_how_many_keys_ended(two_keys, language):
    client = Client()
    client.force_login(two_keys, backend=BACKEND)
    prefix = "" if language == "en" else "/zh-hans"
    page = client.post(
        f"{prefix}/me/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert page.redirect_chain and page.status_code == 200
    assert ENDED_FOR_OWNER[language] in html.unescape(page.content.decode())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_administrator_is_told_how_many_keys_the_reset_ended(two_keys, language):
    prefix = "" if language == "en" else "/zh-hans"
    page = _admin_site().post(
        f"{prefix}/admin/residents/user/{two_keys.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert page.redirect_chain and page.status_code == 200
    assert ENDED_FOR_ADMINISTRATOR[language] in html.unescape(page.content.decode())


def test_nothing_is_said_of_keys_to_a_person_who_had_none():
    worker = WorkerFactory(communities=[CommunityFactory()])
    client = Client()
    client.force_login(worker, backend=BACKEND)
    page = client.post(
        "/me/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password has been changed." in page.content.decode()
    assert "Open311" not in page.content.decode()


# The API was not told either (7 December 2026, late): ``POST /api/v1/me/password/`` answered
# with the new token alone, so an integration changing its password learnt that its Open311
# keys had stopped only when they were refused. Its answer now lists what ended, as the page
# says it, in the caller's language.


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_api_tells_the_caller_how_many_keys_ended(two_keys, language):
    client = api_client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=two_keys).key}")
    answer = client.post(
        "/api/v1/me/password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["ended"] == [
        {"kind": "open311_keys", "count": 2, "message": ENDED_FOR_OWNER[language]}
    ]


def test_the_api_lists_nothing_ended_for_a_caller_who_had_no_keys():
    worker = WorkerFactory(communities=[CommunityFactory()])
    client = api_client(None)
    client.force_login(worker, backend=BACKEND)
    answer = client.post(
        "/api/v1/me/password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["ended"] == []
