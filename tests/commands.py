"""A management command as one operator reads it, in one language: the shared way the tests
run a project command in English or Chinese and look for English left in its Chinese output."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation


def command_in(language: str, *args: str, **options: object) -> tuple[str, str]:
    """What the command ``args`` prints to stdout and to stderr with ``language`` active."""
    out, err = io.StringIO(), io.StringIO()
    with translation.override(language):
        call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def refusal_in(language: str, *args: str, **options: object) -> tuple[str, str]:
    """The message of the command's refusal (its ``CommandError``) with ``language`` active,
    and what it printed to stderr before refusing."""
    err = io.StringIO()
    with translation.override(language), pytest.raises(CommandError) as refused:
        call_command(*args, stdout=io.StringIO(), stderr=err, **options)
    return str(refused.value), err.getvalue()


def english_words(text: str, *, allowed: object = (), quoted: object = ()) -> set[str]:
    """The Latin-letter words of ``text`` other than ``allowed`` ones (names, codes, options
    the output quotes), the ``quoted`` texts (a file's path, a password) left out: in a Chinese
    output, each is English left untranslated."""
    for value in quoted:
        text = text.replace(str(value), "")
    return set(re.findall(r"[A-Za-z][A-Za-z0-9_-]*", text)) - set(allowed)
