"""``{% load localised %}``: ``obj|local_name`` is the active language's name of the object;
``{% sentence_gap %}`` goes between two translated sentences (a space in English, nothing in
Chinese), as ``core.localisation.join_sentences`` joins them; ``{% open_bracket %}`` and
``{% close_bracket %}`` go around an aside (``core.localisation.brackets``); ``{% labelled label
text %}`` is a text after its label with the reader's colon (``core.localisation.labelled``)."""

from __future__ import annotations

from django import template

from core.localisation import brackets, labelled, localised_name, sentence_separator

register = template.Library()


@register.filter(name="local_name")
def local_name(obj: object) -> str:
    return localised_name(obj)


@register.simple_tag(name="sentence_gap")
def sentence_gap() -> str:
    """Between two translated sentences, or after a translated label ending in its colon."""
    return sentence_separator()


@register.simple_tag(name="open_bracket")
def open_bracket() -> str:
    """Before an aside after a text, as ``core.localisation.brackets`` brackets it."""
    return brackets()[0]


@register.simple_tag(name="close_bracket")
def close_bracket() -> str:
    return brackets()[1]


@register.simple_tag(name="labelled")
def labelled_tag(label: object, text: object) -> str:
    """A text after its label ("Analysis runs: 1", "分析运行：1"); escaped as any tag's output."""
    return labelled(label, text)
