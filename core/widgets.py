"""Form widgets every app may use.

``FastSelect`` is Django's ``<select>`` with the same options, attributes and groups, written
out in Python instead of through the form renderer's templates: a template per option made
lists of a hundred communities or services a large part of a page's time (the worker's
queue renders several on every view)."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            for option in options:
                parts.append(
                    format_html(
                        '<option value="{}"{}>{}</option>',
                        option["value"],
                        flatatt(option["attrs"]),
                        option["label"],
                    )
                )
            if group:
                parts.append(mark_safe("</optgroup>"))  # a constant tag, nothing to escape
        parts.append(mark_safe("</select>"))
        # Every part is already escaped by format_html: joined as they are.
        return format_html("{}" * len(parts), *parts)
