"""Replacing a piece of third-party behaviour at start-up, and the system check that it holds.

An app's ``ready()`` replaces, say, the Django admin's yes/no icon or django-axes' record
names through ``replace``. Such a replacement fails silently when a new version renames what
it replaces (the new name is used, ours is set on a name nothing reads) or when something
sets it back later, so ``replace`` notes whether the replaced attribute was there, and
``check_replacements`` (a system check: ``manage.py check``, ``runserver``, ``migrate``)
fails with a message naming both when one is gone or no longer ours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.core import checks


@dataclass(frozen=True)
class Replacement:
    owner: ModuleType | type
    name: str
    replacement: Callable[..., Any]
    found: bool  # whether the owner defined ``name`` when it was replaced

    def describe(self) -> str:
        return f"{_qualified(self.owner)}.{self.name}"


_REPLACEMENTS: list[Replacement] = []


def _qualified(thing: Any) -> str:
    if isinstance(thing, ModuleType):
        return thing.__name__
    return f"{thing.__module__}.{thing.__qualname__}"


def _defines(owner: ModuleType | type, name: str) -> bool:
    """Whether ``owner`` defines ``name`` itself: a module's own attribute, or for a class one
    that it or a base from its own package defines (a model's ``__str__``, not Django's
    ``Model.__str__``, which every model inherits)."""
    if isinstance(owner, ModuleType):
        return name in vars(owner)
    package = owner.__module__.split(".")[0]
    return any(
        name in vars(base) for base in owner.__mro__ if base.__module__.split(".")[0] == package
    )


def replace(owner: ModuleType | type, name: str, replacement: Callable[..., Any]) -> None:
    """Set ``owner.name`` to ``replacement``, only if ``owner`` has it: an attribute nothing
    reads any more is not added (``check_replacements`` reports it)."""
    found = _defines(owner, name)
    if found:
        setattr(owner, name, replacement)
    _REPLACEMENTS.append(Replacement(owner, name, replacement, found))


def check_replacements(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for entry in _REPLACEMENTS:
        ours = _qualified(entry.replacement)
        if not entry.found:
            errors.append(
                checks.Error(
                    f"{entry.describe()} no longer exists, so {ours} replaces nothing.",
                    hint="The package was updated: find what it uses instead and replace "
                    "that, or drop the replacement if the package now does it itself.",
                    id="core.E001",
                )
            )
        elif getattr(entry.owner, entry.name, None) is not entry.replacement:
            errors.append(
                checks.Error(
                    f"{entry.describe()} is not {ours} any more: it was set back after start-up.",
                    hint="Something set it after the app that replaced it was ready.",
                    id="core.E002",
                )
            )
    return errors
