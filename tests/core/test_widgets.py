"""``FastSelect`` writes the same <select> as Django's template-rendered one."""

from __future__ import annotations

from django import forms
from django.test.html import parse_html

from core.widgets import FastSelect


def test_it_matches_djangos_select_with_groups_attributes_and_escaping():
    choices = [
        ("", "—"),
        ("City › <District>", [("1", 'Elm "Street"'), ("2", "Pine & Village")]),
        ("3", "Plum Garden"),
    ]
    attrs = {"id": "id_community", "data-x": "1", "required": True}
    ours = FastSelect(choices=choices).render("community", "2", attrs=attrs)
    django = forms.Select(choices=choices).render("community", "2", attrs=attrs)
    # The same elements, attributes and text (attribute order aside).
    assert parse_html(ours) == parse_html(django)
    assert "&lt;District&gt;" in ours and "selected" in ours
