"""``manage.py changepassword`` goes through the password action: the login's API tokens and
Open311 keys end, as after a reset on the admin site (Django's own command set the password
alone, and left them acting as the login). Its own lines name only what the residents app ends;
the keys are told by the services app's line, only when some ended."""

from __future__ import annotations

import getpass

import pytest
from django.core.management import get_commands, load_command_class
from django.utils import translation
from rest_framework.authtoken.models import Token

from tests.commands import command_in, english_words, refusal_in
from tests.factories import Open311ApiKeyFactory, WorkerFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "synthetic-Harbour-7-lantern"


def _typed(monkeypatch, *passwords: str) -> None:
    """What the operator types at each of the command's password prompts, in turn."""
    typed = iter(passwords)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="Password: ": next(typed))


@pytest.fixture
def worker():
    worker = WorkerFactory()
    Token.objects.create(user=worker)
    return worker


def test_the_projects_command_is_the_one_manage_py_runs():
    assert get_commands()["changepassword"] == "residents"


def test_a_changed_password_ends_the_logins_tokens_and_keys(worker, monkeypatch):
    key = Open311ApiKeyFactory(owner=worker)
    _typed(monkeypatch, NEW_PASSWORD, NEW_PASSWORD)
    out, _err = command_in("en", "changepassword", worker.username)
    worker.refresh_from_db()
    key.refresh_from_db()
    assert worker.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(user=worker).exists()
    assert not key.active
    assert out.splitlines()[1:] == [
        f"The password of '{worker.username}' is changed; its other sessions and API tokens "
        "have ended.",
        f"{worker.display_name}'s 1 Open311 key was ended with the old password. To issue a "
        "new one, select it on the Open311 API keys list and replace it with a new one.",
    ]


def test_a_login_without_keys_is_not_told_keys_ended(worker, monkeypatch):
    _typed(monkeypatch, NEW_PASSWORD, NEW_PASSWORD)
    out, _err = command_in("en", "changepassword", worker.username)
    assert out.splitlines()[1:] == [
        f"The password of '{worker.username}' is changed; its other sessions and API tokens "
        "have ended.",
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_commands_help_names_no_other_apps_credential(language):
    # The residents app does not know what an Open311 key is (``CredentialsEnded``).
    command = load_command_class("residents", "changepassword")
    with translation.override(language):
        description = command.create_parser("manage.py", "changepassword").description
    assert "Open311" not in description
    assert "API" in description


def test_the_password_rules_apply_and_a_refused_try_writes_nothing(worker, monkeypatch):
    key = Open311ApiKeyFactory(owner=worker)
    # Too common, then two that differ, then too common again: three tries, nothing changed.
    _typed(monkeypatch, "password", "password", NEW_PASSWORD, "other", "12345678", "12345678")
    message, err = refusal_in("en", "changepassword", worker.username)
    assert message == f"The password of '{worker.username}' is unchanged after 3 tries."
    assert "This password is too common." in err
    worker.refresh_from_db()
    key.refresh_from_db()
    assert not worker.check_password(NEW_PASSWORD)
    assert Token.objects.filter(user=worker).exists()
    assert key.active


def test_it_speaks_the_operators_language(worker, monkeypatch):
    _typed(monkeypatch, NEW_PASSWORD, NEW_PASSWORD)
    out, _err = command_in("zh-hans", "changepassword", worker.username)
    assert out == (
        f"正在修改 '{worker.username}' 的密码。\n"
        f"'{worker.username}' 的密码已修改；该账号在其他地方的登录和 API 令牌都已失效。\n"
    )
    assert english_words(out, allowed={"API"}, quoted=[worker.username]) == set()
    message, _err = refusal_in("zh-hans", "changepassword", "synthetic-nobody")
    assert message == "没有名为 'synthetic-nobody' 的登录账户。"
