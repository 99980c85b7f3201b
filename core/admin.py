"""What every app's admin shares: the admin writes through the owning app's actions too.

``ReadOnlyAdminMixin``: a model the admin only shows (history, audit logs, reference data).
``ActionAdminMixin``: a model the admin edits; the subclass says which action saves and which
deletes, and bulk deletion from the list runs that action on each row, so the admin keeps
the rules every other channel keeps (one write path per model).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import utils as admin_utils
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.localisation import join_sentences, labelled, localised_name


def readable_boolean_icon(value: bool | None) -> SafeString:
    """The admin's yes/no/unknown icon with words for its text: Django's says "True"/"False"
    (the value itself) in every language, which is what a screen reader reads out."""
    icon, words = {
        True: ("yes", gettext("Yes")),
        False: ("no", gettext("No")),
        None: ("unknown", gettext("Unknown")),
    }[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), words)


def _label_colon(item: Any) -> Any:
    """One line of Django's list of what a delete takes with it ("Analysis run: <a>…</a>"),
    or a nested list of them, with the reader's colon after the model's name: Django joins
    them with an ASCII colon and a space in every language. The name (Django's ``capfirst``
    of a verbose name) holds no ": ", so the first one is Django's."""
    if isinstance(item, list):
        return [_label_colon(inner) for inner in item]
    name, separator, rest = str(item).partition(": ")
    if not separator:
        return item
    joined = labelled(name, rest)
    # Both parts of a linked line are already escaped HTML (``format_html``).
    return mark_safe(joined) if isinstance(item, SafeString) else joined  # noqa: S308


def deleted_objects_labelled(objs: Any, request: HttpRequest, admin_site: Any) -> tuple:
    """Django's ``get_deleted_objects`` (what a delete page lists), each line labelled with
    the reader's colon (``_label_colon``); the counts above it are
    ``admin/includes/object_delete_summary.html``'s."""
    to_delete, model_count, perms_needed, protected = _DJANGO_GET_DELETED_OBJECTS(
        objs, request, admin_site
    )
    return _label_colon(to_delete), model_count, perms_needed, _label_colon(protected)


_DJANGO_GET_DELETED_OBJECTS = admin_utils.get_deleted_objects


@admin.display(description=_("name"), ordering="name")
def local_name(obj: Any) -> str:
    """A list's column naming a category or region in the reader's language, where its code
    (``water_supply``, ``northeast``) would otherwise be read."""
    return localised_name(obj)


# Django's note under a multiple choice, which it appends to the field's help after a space
# (so "…的社区。 按住…" in Chinese). Django's catalogue translates it.
_MULTIPLE_CHOICE_NOTE = "Hold down “Control”, or “Command” on a Mac, to select more than one."


def _help_with_note(help_text: str) -> str:
    return join_sentences(help_text, gettext(_MULTIPLE_CHOICE_NOTE))


class SentenceJoinedHelpMixin:
    """A multiple choice's help and Django's note after it are joined as the reader's language
    joins two sentences (``core.localisation.join_sentences``)."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        form_field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if form_field is not None and form_field.help_text and db_field.help_text:
            note = str(form_field.help_text)
            if note != str(db_field.help_text):  # Django added its note
                form_field.help_text = lazy(_help_with_note, str)(db_field.help_text)
        return form_field


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActionAdminMixin:
    """Subclasses implement ``save_through_action`` and ``delete_through_action``.

    An action may refuse what the form let through (a state the form cannot see, such as an
    erased profile, or an administrator deleting their own login): the admin's transaction is
    rolled back, nothing is written, and the page says why instead of failing with a 500.
    """

    def save_through_action(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Any:
        raise NotImplementedError

    def delete_through_action(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = self.save_through_action(request, obj, form, change)
        # The admin goes on with ``obj`` (related objects, the log entry, the redirect).
        if saved is not None and saved is not obj:
            obj.pk = saved.pk
            obj.__dict__.update(
                {f.attname: getattr(saved, f.attname) for f in saved._meta.concrete_fields}
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_through_action(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_through_action(request, obj)

    def _refused(self, request: HttpRequest, exc: ValidationError) -> HttpResponse:
        self.message_user(request, join_sentences(*exc.messages), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ValidationError as exc:
            return self._refused(request, exc)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().delete_view(request, *args, **kwargs)
        except ValidationError as exc:
            return self._refused(request, exc)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changelist_view(request, *args, **kwargs)
        except ValidationError as exc:
            return self._refused(request, exc)
