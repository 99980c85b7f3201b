"""``{% load localised %}``: ``obj|local_name`` is the active language's name of the object."""

from __future__ import annotations

from django import template

from core.localisation import localised_name

register = template.Library()


@register.filter(name="local_name")
def local_name(obj: object) -> str:
    return localised_name(obj)
