"""Names that exist in English and Chinese (categories, regions): show the active language's."""

from __future__ import annotations

from django.utils.translation import get_language, gettext


def chinese_active() -> bool:
    return (get_language() or "").lower().startswith("zh")


def localised_name(obj: object) -> str:
    """``name_zh`` when Chinese is active and the object has one, otherwise ``name``.

    Works for anything with ``name`` and ``name_zh`` (``ServiceCategory``, ``Region``); other
    objects fall back to ``str``.
    """
    if obj is None:
        return ""
    name_zh = getattr(obj, "name_zh", "")
    if name_zh and chinese_active():
        return name_zh
    return getattr(obj, "name", None) or str(obj)


def sentence_separator() -> str:
    """What goes between two whole sentences in the active language (or after a label ending
    in its colon): a space in English, nothing in Chinese, whose full-width stop and colon
    carry their own space."""
    return "" if chinese_active() else " "


def join_sentences(*sentences: str) -> str:
    """Whole sentences, already in the active language, as one text: English puts a space
    between two sentences, Chinese nothing (each ends in its full-width stop). Empty ones are
    left out."""
    return sentence_separator().join(str(s) for s in sentences if s)


def labelled_problem(label: object, problem: object) -> str:
    """A problem named by its field or parameter, "Label: problem", with the colon of the active
    language (full-width in Chinese, and no space after it)."""
    return gettext("%(parameter)s: %(problem)s") % {"parameter": label, "problem": problem}
