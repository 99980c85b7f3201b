"""What the start forms of every kind share: ``params()`` turns the cleaned fields into the
run's ``params``; ``user`` is the one starting the run (forms whose choices depend on the
user's scope use it)."""

from __future__ import annotations

from typing import Any

from django import forms


class RunStartForm(forms.Form):
    """Base of the start forms (a kind without parameters uses it as it is)."""

    def __init__(self, *args: Any, user=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def params(self) -> dict[str, Any]:
        return {}
