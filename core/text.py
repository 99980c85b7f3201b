"""The one rule for text a person types and the site keeps: no invisible control characters.

A control character (C0, DEL or C1: ESC, a backspace, a NUL) cannot be seen on a page, is
refused by the XLSX writer and by terminals' readers, and makes two codes that look alike
differ; a bidirectional override or isolate (U+202E and its kin) makes text display in an
order other than the one stored, so a name, an address or a note can be made to read as
something else (``Trojan Source``). A lone surrogate cannot be written as UTF-8 at all, and
the database refuses it. Such text is refused where it is written, with an error naming the
field, never silently changed: the person sees what was wrong and what is kept is what
they typed. A field holding several lines (a description, a note) may hold line breaks and
tabs; a one-line field (a name, a code, an address) none.

Every channel applies this: the model fields' validators (forms, the admin, API serializers,
``full_clean`` in actions and bulk imports) and the actions that check their fields by hand.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

# What a field of several lines may hold besides printable text (a browser sends a line
# break in a text area as CR LF).
LINE_BREAKS_AND_TABS = frozenset("\t\n\r")
# Bidirectional embeddings, overrides, isolates and marks (Unicode's Bidi_Control property):
# of category Cf, where the invisible joiners that Chinese and other scripts use also are,
# so they are named one by one.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def forbidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` this rule refuses, or ``None``."""
    allowed = LINE_BREAKS_AND_TABS if multiline else frozenset()
    for character in value:
        if character in allowed:
            continue
        if character in BIDI_CONTROLS or unicodedata.category(character) in ("Cc", "Cs"):
            return character
    return None


def text_problem(value: object, *, multiline: bool = False) -> str | None:
    """Why ``value`` may not be kept (a sentence for the field's error), or ``None``.

    The character is named by its code point, never quoted: it is invisible, and the text
    around it may be personal."""
    if not isinstance(value, str):
        return None
    character = forbidden_character(value, multiline=multiline)
    if character is None:
        return None
    if character == "\x00":
        return _("Null characters are not allowed.")
    if character in "\t\n\r":
        return _("This field holds one line: remove the line break or tab.")
    return _(
        "This text holds an invisible control character (U+%(code)s), which is not allowed: "
        "remove it and type the text again."
    ) % {"code": f"{ord(character):04X}"}


@deconstructible(path="core.text.PlainTextValidator")
class PlainTextValidator:
    """``text_problem`` as a Django validator, for model and form fields."""

    code = "control_character"

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        problem = text_problem(value, multiline=self.multiline)
        if problem:
            raise ValidationError(problem, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainTextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(self.multiline)


# The two validators the models name: one line (names, codes, addresses) or several.
one_line_text = PlainTextValidator()
multi_line_text = PlainTextValidator(multiline=True)


def text_errors(fields: dict[str, tuple[object, bool]]) -> dict[str, list[str]]:
    """The problems of several fields at once, by field name (for the actions that check
    their fields by hand): ``{"name": (value, multiline)}``."""
    errors: dict[str, list[str]] = {}
    for field, (value, multiline) in fields.items():
        problem = text_problem(value, multiline=multiline)
        if problem:
            errors[field] = [problem]
    return errors
