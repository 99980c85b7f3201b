"""A password set by an administrator shuts out whoever held the old one (a second probe,
December 2026).

An administrator resets a login's password because it was forgotten or stolen. The login's
web sessions ended (Django checks a session against the password's hash), but its API
tokens kept working: whoever had stolen the account kept acting as it through the API.
``residents.actions.account_password_set`` now deletes them.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from residents import actions
from tests.factories import AdministratorFactory, CommunityFactory, WorkerFactory, api_client

pytestmark = pytest.mark.django_db

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
