"""Names that exist in English and Chinese (categories, regions): show the active language's."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language, gettext, gettext_noop, ngettext_lazy


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


def join_list(items: Iterable[object]) -> str:
    """Items listed in a sentence (the choices a field allows), separated as the active
    language separates them: a comma and a space in English, the enumeration comma 、 in
    Chinese."""
    return gettext(", ").join(str(item) for item in items)


def labelled(label: object, text: object) -> str:
    """A text after its label (a field or parameter before its problem, a service before its
    amount), "Label: text", with the colon of the active language (full-width in Chinese, and
    no space after it)."""
    return gettext("%(parameter)s: %(problem)s") % {"parameter": label, "problem": text}


def with_code(name: object, code: object) -> str:
    """A name with its code after it in brackets (a city's administrative code, a community's
    code, or a community's district and city): ASCII brackets in English, full-width ones in
    Chinese."""
    # Translators: a name, then its code in brackets.
    return gettext("%(name)s (%(code)s)") % {"name": name, "code": code}


def choices_with_codes(choices: Iterable[tuple[object, object]]) -> str:
    """The choices a field allows, listed in a sentence for whoever must send one: each by its
    label in the active language, with the code to send in brackets ("Hotline (hotline)";
    "热线（hotline）"), separated as the language separates a list. A refusal that lists bare
    codes put English words into a Chinese sentence; one that lists labels alone did not say
    what to send. A choice labelled by its own code is listed once."""
    return join_list(
        code if str(label) == str(code) else with_code(label, code) for code, label in choices
    )


def brackets() -> tuple[str, str]:
    """The brackets around an aside after a text (a list's count before "Show all"): " (" and
    ")" in English, full-width "（" and "）" in Chinese, as ``with_code`` puts them."""
    return ("（", "）") if chinese_active() else (" (", ")")


# Django's own messages whose Chinese (in Django's catalogue) has an ASCII space after a
# full-width stop or colon. Our catalogue comes first (LOCALE_PATHS) and gives each the same
# Chinese without that space; naming them here keeps those entries when the catalogue is
# extracted afresh. Each text must stay exactly Django's, or it no longer overrides.
DJANGO_MESSAGES_REPUNCTUATED = (
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop(
        "ManagementForm data is missing or has been tampered with. Missing fields: "
        "%(field_names)s. You may need to file a bug report if the issue persists."
    ),
    gettext_noop("Change history: %s"),
)
# Django admin texts Django's Chinese catalogue lacks (the admin index's column headings for
# screen readers, the add-user page's note) or words with a half-width colon or with spaces
# around a name. Ours comes first and supplies them; each text must stay exactly Django's.
DJANGO_ADMIN_MESSAGES = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Sorting priority: %(priority_number)s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Models in the %(name)s application"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("Add another %(model)s"),
    # Every admin page's title, heading and breadcrumb name the model after a verb, which
    # Django's Chinese separates by a space ("查看 分析运行"), as the delete pages do.
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Add %(name)s"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? All of the '
        "following related items will be deleted:"
    ),
    gettext_noop(
        "Are you sure you want to delete the selected %(objects_name)s? All of the following "
        "objects and their related items will be deleted:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would require deleting the "
        "following protected related objects:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would require deleting the following "
        "protected related objects:"
    ),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("Select all %(total_count)s %(module_name)s"),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Cannot delete %(name)s"),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in deleting related "
        "objects, but your account doesn't have permission to delete the following types of "
        "objects:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would result in deleting related objects, but "
        "your account doesn't have permission to delete the following types of objects:"
    ),
    # The admin sign-in's refusal, which anyone signing in there with a wrong password or
    # without staff rights reads: Django's Chinese spaces the field's name and ends each
    # sentence with an ASCII full stop.
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that "
        "both fields may be case-sensitive."
    ),
    # The suffix Django's forms put after every label (``Form.label_suffix``), which the
    # admin's editable and read-only fields show: Django's Chinese keeps the ASCII colon.
    # Our own pages' fields carry no suffix (``includes/field.html``).
    # Translators: the colon after a form field's label.
    gettext_noop(":"),
    # A login's user name, on the admin's add and change pages of a user (``AbstractUser``'s
    # help, ``UnicodeUsernameValidator``'s refusal): Django's Chinese leaves "+" out of the
    # characters allowed, and its refusal allows "English letters" only, where any letter is
    # allowed (a Chinese name too).
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    gettext_noop(
        "Enter a valid username. This value may contain only letters, numbers, and "
        "@/./+/-/_ characters."
    ),
)
# Django's length limits of a text field, whose Chinese calls the field "this variable" and
# puts an ASCII bracket after a space ("确保该变量包含不超过 2000 字符 (目前字符数 2001)。").
# Ours words them as our own limits are worded ("最多 2000 个字符"); each text must stay
# exactly Django's (``django.core.validators``).
DJANGO_LENGTH_MESSAGES = (
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
