"""Everyone may change their own password (a second probe, December 2026: nobody could;
only an administrator's reset on the admin site).

The page asks the current password as the login page asks it (wrong ones count towards the
same lock), keeps the session that changed it, and ends everything the old password opened:
the person's other sessions and their API tokens (the rule of an administrator's reset,
``residents.actions._password_replace``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.authtoken.models import Token

from residents import actions
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    UserFactory,
    WorkerFactory,
    api_client,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-pass-2026"
PAGE = "/me/password/"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _change(client: Client, old: str, new: str = NEW_PASSWORD, again: str | None = None):
    return client.post(
        PAGE, {"old_password": old, "new_password1": new, "new_password2": again or new}
    )


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: ResidentFactory(with_account=True).user,
        lambda: WorkerFactory(communities=[CommunityFactory()]),
        lambda: AdministratorFactory(),
    ],
    ids=["resident", "worker", "administrator"],
)
def test_each_role_changes_their_password_and_shuts_out_the_old_one(make_user):
    user = make_user()
    here, elsewhere = _signed_in(user), _signed_in(user)
    token = Token.objects.create(user=user)
    by_token = api_client(None)
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert by_token.get("/api/v1/notifications/").status_code == 200

    page = here.get("/")
    page = here.get(page.url) if page.status_code == 302 else page
    assert PAGE in page.content.decode()  # the header's account link
    answer = _change(here, PASSWORD)
    assert answer.status_code == 302

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert here.get(PAGE).status_code == 200  # this session stays signed in
    assert elsewhere.get(PAGE).status_code == 302  # the other one is sent to the login page
    assert by_token.get("/api/v1/notifications/").status_code == 401
    assert not Token.objects.filter(user=user).exists()
    signed_in = Client().post("/login/", {"username": user.username, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_a_wrong_current_password_a_mismatch_and_a_weak_password_are_refused_by_field():
    user = WorkerFactory(communities=[CommunityFactory()])
    client = _signed_in(user)
    wrong = _change(client, "not my password")
    assert wrong.status_code == 200
    assert wrong.context["form"].errors == {"old_password": ["The password is not correct."]}
    differ = _change(client, PASSWORD, again="a-long-new-pass-2027")
    assert differ.context["form"].errors == {"new_password2": ["The two passwords differ."]}
    weak = _change(client, PASSWORD, new="12345678")
    assert set(weak.context["form"].errors) == {"new_password2"}
    assert any("too common" in m for m in weak.context["form"].errors["new_password2"])
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_page_speaks_chinese():
    client = _signed_in(WorkerFactory(communities=[CommunityFactory()]))
    page = client.get("/zh-hans" + PAGE).content.decode()
    for text in ("修改密码", "当前密码", "新密码", "再次输入新密码"):
        assert text in page
    refused = client.post(
        "/zh-hans" + PAGE,
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "密码不正确。" in refused.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page():
    answer = Client().get(PAGE)
    assert answer.status_code == 302
    assert "/login/" in answer.url


def test_wrong_current_passwords_count_towards_the_login_lock(settings):
    """A stolen session guesses the password no faster than the login page allows: wrong
    current passwords are failed logins of the user name, and once it is locked the right
    one is refused on this page and at login alike."""
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(username="grace")
    stolen = _signed_in(user)
    assert _change(stolen, "guess").status_code == 200  # the page says it is wrong
    for _ in range(2):
        _change(stolen, "guess")
    assert _change(stolen, PASSWORD).status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Client().post("/login/", {"username": "grace", "password": PASSWORD}).status_code == 429


def test_the_erase_page_counts_wrong_passwords_too(settings):
    """Found by the same probe: "Delete my account" asked the password again with
    ``check_password``, unmetered, so a stolen session could guess it there at will."""
    settings.AXES_FAILURE_LIMIT = 3
    resident = ResidentFactory(with_account=True)
    stolen = _signed_in(resident.user)
    for _ in range(3):
        stolen.post("/me/delete/", {"password": "guess", "confirm": "on"})
    answer = stolen.post("/me/delete/", {"password": PASSWORD, "confirm": "on"})
    assert answer.status_code == 429
    resident.refresh_from_db()
    assert resident.erased_at is None


def test_the_action_applies_the_password_rules_and_ends_the_tokens():
    user = WorkerFactory(communities=[CommunityFactory()])
    Token.objects.create(user=user)
    with pytest.raises(ValidationError) as refused:
        actions.account_password_change(user=user, new_password="password")
    assert "new_password2" in refused.value.message_dict
    assert Token.objects.filter(user=user).exists()
    actions.account_password_change(user=user, new_password=NEW_PASSWORD)
    assert not Token.objects.filter(user=user).exists()


# The same through the API: POST /api/v1/me/password/ -----------------------------------------

API = "/api/v1/me/password/"


def _token_client(user):
    token = Token.objects.create(user=user)
    client = api_client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, token


def _api_change(client, current: str, new: str = NEW_PASSWORD, **headers):
    return client.post(
        API, {"current_password": current, "new_password": new}, format="json", **headers
    )


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: ResidentFactory(with_account=True).user,
        lambda: WorkerFactory(communities=[CommunityFactory()]),
        lambda: AdministratorFactory(),
    ],
    ids=["resident", "worker", "administrator"],
)
def test_each_role_changes_their_password_through_the_api(make_user):
    user = make_user()
    elsewhere = _signed_in(user)
    client, token = _token_client(user)
    other_client, _other = _token_client(UserFactory())  # another login's token stays
    answer = _api_change(client, PASSWORD)
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    new_token = answer.json()["token"]
    assert new_token and new_token != token.key
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The token the call came with ends, as do the other sessions; the new token works.
    assert client.get("/api/v1/notifications/").status_code == 401
    assert elsewhere.get(PAGE).status_code == 302
    renewed = api_client(None)
    renewed.credentials(HTTP_AUTHORIZATION=f"Token {new_token}")
    assert renewed.get("/api/v1/notifications/").status_code == 200
    assert list(Token.objects.filter(user=user).values_list("key", flat=True)) == [new_token]
    assert other_client.get("/api/v1/notifications/").status_code == 200


def test_a_browser_session_changing_through_the_api_stays_signed_in():
    user = WorkerFactory(communities=[CommunityFactory()])
    Token.objects.create(user=user)
    client = api_client(None)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    answer = _api_change(client, PASSWORD)
    assert answer.status_code == 200
    assert answer.json()["token"] is None
    assert client.get("/api/v1/notifications/").status_code == 200
    assert not Token.objects.filter(user=user).exists()


def test_the_api_refuses_a_wrong_current_password_and_a_weak_one_by_field():
    user = WorkerFactory(communities=[CommunityFactory()])
    client, token = _token_client(user)
    wrong = _api_change(client, "not-it")
    assert wrong.status_code == 400
    assert set(wrong.json()) == {"current_password"}
    weak = _api_change(client, PASSWORD, "password")
    assert weak.status_code == 400
    assert set(weak.json()) == {"new_password"}
    assert "password" not in str(weak.json()["new_password"]).replace("password is", "")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Token.objects.filter(key=token.key).exists()


def test_the_api_speaks_chinese():
    user = WorkerFactory(communities=[CommunityFactory()])
    client, _token = _token_client(user)
    wrong = _api_change(client, "not-it", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert wrong.json()["current_password"] == ["密码不正确。"]
    done = _api_change(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "新令牌" in done.json()["detail"]


def test_wrong_current_passwords_through_the_api_count_towards_the_login_lock(settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(username="heidi")
    client, _token = _token_client(user)
    for _ in range(2):
        assert _api_change(client, "guess").status_code == 400
    # The failure that reaches the limit locks the name at once, as at the login page.
    assert _api_change(client, "guess").status_code == 429
    locked = _api_change(client, PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert int(locked["Retry-After"]) > 0
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Client().post("/login/", {"username": "heidi", "password": PASSWORD}).status_code == 429


def test_anonymous_callers_of_the_api_are_401():
    assert _api_change(api_client(None), PASSWORD).status_code == 401
