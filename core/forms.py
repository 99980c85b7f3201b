"""What every form of ours shares: a choice the page did not offer is refused without
repeating what was sent.

Django's choice fields answer a value that is not among their choices with "Select a valid
choice. X is not one of the available choices.", X being whatever came in the request: a code
nobody should read, or text an altered page chose to have shown back. Every form of ours
derives from ``Form``, ``ModelForm`` or, for Django's own forms, ``ChoicesWithoutEcho`` (a
test checks), so each of its choice fields says ``CHOICE_NOT_OFFERED`` instead, unless the
field words that refusal itself (the request page's moves and reasons). The admin's model
forms are made from ``ModelForm`` too (``core.apps`` sets it as ``BaseModelAdmin.form``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Django's own words for a model choice, which repeat nothing: our catalogue gives their
# Chinese (``core.localisation.DJANGO_MESSAGES_REPUNCTUATED``).
CHOICE_NOT_OFFERED = _("Select a valid choice. That choice is not one of the available choices.")

# The messages of Django's choice fields that repeat the value sent ("%(value)s", "%(pk)s").
_CHOICE_MESSAGE_KEYS = ("invalid_choice", "invalid_pk_value")


def _default_message(field: forms.Field, key: str) -> Any:
    """The message ``key`` the field's class gives when the field is declared without one."""
    for cls in type(field).__mro__:
        messages = vars(cls).get("default_error_messages", {})
        if key in messages:
            return messages[key]
    return None


def refuse_choices_without_echo(field: forms.Field) -> None:
    """Give ``field`` ``CHOICE_NOT_OFFERED`` for a choice it does not offer, where it would
    say its class's default (which may repeat the value); a message the field was declared
    with is its own and stays."""
    for key in _CHOICE_MESSAGE_KEYS:
        message = field.error_messages.get(key)
        if message is not None and message is _default_message(field, key):
            field.error_messages[key] = CHOICE_NOT_OFFERED


class ChoicesWithoutEcho:
    """Put before a Django form class: its choice fields refuse a choice without echo."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        # Here, not in __init__: a subclass's __init__ may add or replace fields after ours.
        for field in self.fields.values():
            refuse_choices_without_echo(field)
        super().full_clean()  # type: ignore[misc]


class Form(ChoicesWithoutEcho, forms.Form):
    """The base of our plain forms."""


class ModelForm(ChoicesWithoutEcho, forms.ModelForm):
    """The base of our model forms."""
