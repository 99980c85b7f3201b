"""Every label a person reads on a model's field or a form's field (its verbose name, help text
and choices, as the admin and the forms show them) is translated: in Chinese it reads Chinese
with Chinese punctuation, and in English a range takes an en dash."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest
from django import forms
from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import override

PROJECT_APPS = ("core", "residents", "notifications", "services", "analytics", "demo")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# ASCII punctuation touching a Chinese character (a Chinese sentence takes full-width
# punctuation), a space after full-width punctuation, a hyphen between two figures (a range).
HALF_WIDTH_IN_CHINESE = re.compile(r"[\u4e00-\u9fff][,;:?!()]|[,;:?!()][\u4e00-\u9fff]")
SPACE_AFTER_FULL_WIDTH = re.compile(r"[，。、；：？！（）] ")
HYPHEN_RANGE = re.compile(r"\d-\d")
# Names that read the same in both languages: an interface's and two coordinate systems'.
SAME_IN_BOTH = {"API", "WGS-84", "GCJ-02"}


def _model_fields():
    for config in apps.get_app_configs():
        if config.name not in PROJECT_APPS:
            continue
        for model in config.get_models():
            for field in model._meta.get_fields():
                if field.auto_created or not hasattr(field, "verbose_name"):
                    continue
                yield f"{model._meta.label}.{field.name}", field


def _form_classes():
    for name in PROJECT_APPS:
        try:
            module = importlib.import_module(f"{name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def _texts(label, field):
    """(where, text) of each text of ``field`` a person reads."""
    yield f"{label} verbose name", field.verbose_name
    if field.help_text:
        yield f"{label} help text", field.help_text
    for value, text in getattr(field, "flatchoices", None) or []:
        if value not in ("", None):
            yield f"{label} choice {value!r}", text


def _problems(where: str, text) -> list[str]:
    problems = []
    if str(text) in SAME_IN_BOTH:
        return problems
    with override("en"):
        english = str(text)
    with override("zh-hans"):
        chinese = str(text)
    if not isinstance(text, Promise):
        problems.append(f"{where}: {english!r} is not marked for translation")
    if not CHINESE.search(chinese):
        problems.append(f"{where}: {chinese!r} reads in English in Chinese")
    if HALF_WIDTH_IN_CHINESE.search(chinese) or SPACE_AFTER_FULL_WIDTH.search(chinese):
        problems.append(f"{where}: {chinese!r} has half-width punctuation or a space after")
    if HYPHEN_RANGE.search(english) or HYPHEN_RANGE.search(chinese):
        problems.append(f"{where}: {english!r} / {chinese!r} gives a range with a hyphen")
    return problems


def test_every_model_fields_label_help_and_choices_read_in_both_languages():
    fields = list(_model_fields())
    assert len(fields) > 100
    models = {field.model for _, field in fields}
    problems = [
        problem
        for model in models
        for where, text in (
            (f"{model._meta.label} name", model._meta.verbose_name),
            (f"{model._meta.label} plural name", model._meta.verbose_name_plural),
        )
        for problem in _problems(where, text)
    ]
    problems += [
        problem
        for label, field in fields
        for where, text in _texts(label, field)
        for problem in _problems(where, text)
    ]
    assert problems == []


@pytest.mark.django_db
def test_every_forms_fields_read_in_both_languages():
    classes = list(_form_classes())
    assert len(classes) > 5
    problems = []
    for cls in classes:
        for name, field in cls.base_fields.items():
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            if field.label is not None and not isinstance(field.widget, forms.HiddenInput):
                problems += _problems(f"{where} label", field.label)
            if field.help_text:
                problems += _problems(f"{where} help text", field.help_text)
            if isinstance(field, forms.ModelChoiceField):
                continue  # its choices are rows, named by the data
            for value, text in getattr(field, "choices", None) or []:
                if value not in ("", None) and not isinstance(text, list | tuple):
                    problems += _problems(f"{where} choice {value!r}", text)
    assert problems == []
