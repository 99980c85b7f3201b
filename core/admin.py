"""What every app's admin shares: the admin writes through the owning app's actions too.

``ReadOnlyAdminMixin``: a model the admin only shows (history, audit logs, reference data).
``ActionAdminMixin``: a model the admin edits; the subclass says which action saves and which
deletes, and bulk deletion from the list runs that action on each row, so the admin keeps
the rules every other channel keeps (one write path per model).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from core.localisation import join_sentences


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
