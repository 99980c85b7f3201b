"""``{% load forms %}``: ``form|error_summary`` is the list of a form's refused fields shown at
its top (``includes/form_errors.html``)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms, template

from core.localisation import join_sentences, labelled

register = template.Library()

# A label that is a question (or ends in its own colon) is followed by the problem directly.
_LABEL_ENDINGS = ("?", "？", ":", "：")


@dataclass(frozen=True)
class RefusedField:
    anchor: str  # the id of the field's input (or of its group of radio buttons)
    text: str  # the field's label and one of its problems


@register.filter(name="error_summary")
def error_summary(form: forms.BaseForm) -> list[RefusedField]:
    """Each problem of each visible field of ``form``, in the form's order, with its label.
    (Hidden fields' problems are shown as the form's own, above the summary.)"""
    if not form.is_bound:
        return []
    lines = []
    for field in form.visible_fields():
        label = str(field.label or "")
        for error in field.errors:
            if label.endswith(_LABEL_ENDINGS):
                text = join_sentences(label, error)
            else:
                text = labelled(label, error)
            lines.append(RefusedField(anchor=field.id_for_label or field.auto_id, text=text))
    return lines
