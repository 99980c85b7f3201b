"""Sign-up does not say which user names exist (a second probe, December 2026).

The sign-up page answered "This user name is taken; choose another." for a name with an
account and created the account otherwise: anyone could test names (an ex-partner's usual
handle, a landlord's tenant) one request at a time, unmetered. Sign-up now adds a random code
to the name chosen, so every name is free: taken or free, the answer is the same, with the
same work, and the person is shown the user name to sign in with.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents import actions
from residents.models import User
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase-1"
TAKEN = "synthetic-has-one"
WELCOME = {
    "en": "Your user name is {}: sign in with it.",
    "zh-hans": "您的用户名是 {}：请用它登录。",
}


@pytest.fixture
def community():
    community = CommunityFactory()
    UserFactory(username=TAKEN)
    return community


def _sign_up(username: str, community, *, language: str = "en") -> tuple:
    client = Client()
    prefix = "" if language == "en" else f"/{language}"
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"{prefix}/signup/",
            {
                "username": username,
                "password1": PASSWORD,
                "password2": PASSWORD,
                "community": community.pk,
            },
            follow=True,
        )
    return response, len(queries)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_taken_and_a_free_name_get_the_same_answer(community, language):
    answers = {}
    _sign_up("synthetic-first", community, language=language)  # the first one warms caches
    for name in (TAKEN, "synthetic-free", TAKEN.upper()):
        response, queries = _sign_up(name, community, language=language)
        page = response.content.decode()
        assert [status for _, status in response.redirect_chain] == [302]
        assert response.request["PATH_INFO"].endswith(reverse("services:my_requests"))
        assert "is taken" not in page and "已被使用" not in page
        # The person learns the whole user name, and signs in with it.
        created = User.objects.filter(username__regex=rf"^{re.escape(name)}-[0-9]{{6}}$").latest(
            "pk"
        )
        assert WELCOME[language].format(created.username) in page
        login = Client().post(
            reverse("login"), {"username": created.username, "password": PASSWORD}
        )
        assert login.status_code == 302
        answers[name] = (response.status_code, page.replace(created.username, "NAME"), queries)
    # The same page (but for the name and the form token) and the same number of queries,
    # taken or free.
    assert (
        len(
            {
                (status, re.sub(r'value="[^"]{64}"', "", page), queries)
                for status, page, queries in answers.values()
            }
        )
        == 1
    )
    assert User.objects.filter(username=TAKEN).count() == 1


def test_the_action_never_refuses_a_name_as_taken(community):
    first = actions.resident_signup(username=TAKEN, password=PASSWORD, community=community)
    second = actions.resident_signup(username=TAKEN, password=PASSWORD, community=community)
    assert first.username != second.username
    assert {first.username[: len(TAKEN) + 1], second.username[: len(TAKEN) + 1]} == {f"{TAKEN}-"}


def test_the_form_says_what_happens_to_the_name(client, community):
    english = client.get("/signup/").content.decode()
    assert "We add six digits to it" in english
    chinese = client.get("/zh-hans/signup/").content.decode()
    assert "我们会在后面加上六位数字" in chinese
