"""What the project replaces in Django and django-axes at start-up is checked: a system check
fails, naming both sides, when a replaced attribute is gone or the replacement is not in place."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.templatetags import admin_list
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core import replacements
from core.admin import readable_boolean_icon
from residents import login_attempts


def test_every_replacement_is_in_place():
    replaced = {(entry.owner, entry.name): entry for entry in replacements._REPLACEMENTS}
    assert replaced[admin_list, "_boolean_icon"].replacement is readable_boolean_icon
    assert replaced[AccessAttempt, "__str__"].replacement is login_attempts._attempt_name
    assert replaced[AccessLog, "__str__"].replacement is login_attempts._login_name
    assert replaced[AccessFailureLog, "__str__"].replacement is login_attempts._failure_name
    assert replacements.check_replacements() == []


@pytest.fixture
def own_registry(monkeypatch):
    """The replacements made in a test, apart from the project's."""
    registry: list[replacements.Replacement] = []
    monkeypatch.setattr(replacements, "_REPLACEMENTS", registry)
    return registry


def test_a_renamed_attribute_fails_the_check(own_registry, monkeypatch):
    # As if Django had renamed its icon function: the replacement would set a name nothing reads.
    monkeypatch.delattr(admin_list, "_boolean_icon")
    replacements.replace(admin_list, "_boolean_icon", readable_boolean_icon)
    assert not hasattr(admin_list, "_boolean_icon")
    [error] = replacements.check_replacements()
    assert error.id == "core.E001"
    assert error.msg == (
        "django.contrib.admin.templatetags.admin_list._boolean_icon no longer exists, so "
        "core.admin.readable_boolean_icon replaces nothing."
    )
    with pytest.raises(SystemCheckError, match=r"core\.E001"):
        call_command("check")


def test_a_name_a_class_only_inherits_is_not_there_to_replace(own_registry):
    # As if axes had dropped its records' ``__str__``: the one left is inherited (here from
    # ``object``, for a model from Django's ``Model``), not the package's own.
    class Record:
        pass

    replacements.replace(Record, "__str__", login_attempts._attempt_name)
    assert Record.__str__ is object.__str__
    assert [error.id for error in replacements.check_replacements()] == ["core.E001"]


def test_a_replacement_set_back_fails_the_check(own_registry, monkeypatch):
    monkeypatch.setattr(AccessLog, "__str__", AccessLog.__str__)
    replacements.replace(AccessLog, "__str__", login_attempts._login_name)
    assert replacements.check_replacements() == []
    AccessLog.__str__ = lambda entry: "Access Log"  # as axes' own would read
    [error] = replacements.check_replacements()
    assert error.id == "core.E002"
    assert "axes.models.AccessLog.__str__ is not residents.login_attempts._login_name" in error.msg
