"""What every app's admin shares: the admin writes through the owning app's actions too.

``ReadOnlyAdminMixin``: a model the admin only shows (history, audit logs, reference data).
``ActionAdminMixin``: a model the admin edits; the subclass says which action saves and which
deletes, and bulk deletion from the list runs that action on each row, so the admin keeps
the rules every other channel keeps (one write path per model).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActionAdminMixin:
    """Subclasses implement ``save_through_action`` and ``delete_through_action``."""

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
