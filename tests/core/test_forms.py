"""Every form of ours refuses a choice it did not offer without repeating what was sent
(``core.forms``), in the reader's language, and a field that words the refusal itself keeps
its own message."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.utils import translation

from core.forms import ChoicesWithoutEcho, Form
from residents.models import Community

# The packages whose forms are ours.
OUR_PACKAGES = ("analytics", "core", "demo", "notifications", "residents", "services")


class _Choices(Form):
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])
    kinds = forms.MultipleChoiceField(choices=[("a", "A")], required=False)
    typed = forms.TypedChoiceField(choices=[(1, "one")], coerce=int, required=False)
    places = forms.ModelMultipleChoiceField(Community.objects.none(), required=False)
    own = forms.ChoiceField(
        choices=[("a", "A")], required=False, error_messages={"invalid_choice": "Pick A."}
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Select a valid choice. That choice is not one of the available choices."),
        ("zh-hans", "选择一个有效的选项。该选择不在可用的选项中。"),
    ],
)
def test_no_choice_field_repeats_the_value_sent(language, message):
    sent = "<b>made-up</b>"
    with translation.override(language):
        form = _Choices(
            {"kind": sent, "kinds": [sent], "typed": sent, "places": [sent], "own": sent}
        )
        assert not form.is_valid()
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    for name in ("kind", "kinds", "typed", "places"):
        assert errors[name] == [message], name
    assert errors["own"] == ["Pick A."]
    assert "made-up" not in repr(errors)


def test_a_field_added_after_the_form_is_made_refuses_alike():
    form = _Choices({"kind": "a", "late": "z"})
    form.fields["late"] = forms.ChoiceField(choices=[("y", "Y")])
    with translation.override("en"):
        assert not form.is_valid()
        assert form.errors["late"] == [
            "Select a valid choice. That choice is not one of the available choices."
        ]


def _our_form_modules() -> list[str]:
    """The modules of ours that define a form class (their source names one)."""
    base = Path(settings.BASE_DIR)
    names = []
    for package in OUR_PACKAGES:
        for path in (base / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if re.search(r"^class \w+\(.*Form\b.*\):", path.read_text(), re.M):
                names.append(".".join(path.relative_to(base).with_suffix("").parts))
    return names


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_form_of_ours_refuses_choices_without_echo():
    modules = _our_form_modules()
    assert len(modules) >= 8
    for name in modules:
        importlib.import_module(name)
    ours = [
        cls
        for cls in _subclasses(forms.BaseForm)
        if cls.__module__.split(".")[0] in OUR_PACKAGES and cls.__module__ != "core.forms"
    ]
    assert len(ours) >= 25
    assert (
        sorted(
            f"{cls.__module__}.{cls.__qualname__}"
            for cls in ours
            if not issubclass(cls, ChoicesWithoutEcho)
        )
        == []
    )
