"""Admin for analysis runs and imported panels: for looking, not editing.

Runs change only through the actions (start, execute, approve), which keep status, result and
the rows a run wrote consistent; panels are imported with ``import_panel`` (validated and
atomic). So everything here is read-only, except that an administrator may delete a run or a
panel that is no longer wanted (through ``analysis_run_delete`` and ``panel_dataset_delete``).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from analytics import actions, queries
from analytics.models import AnalysisRun, PanelDataset
from core.admin import ActionAdminMixin
from residents.queries import answers_for_everything


class ReadOnlyAdmin(ActionAdminMixin, admin.ModelAdmin):
    """Shown, not edited; deleted only through the action each subclass names."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AnalysisRun)
class AnalysisRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "progress",
        "attempts",
        "created_by",
        "created_at",
        "finished_at",
        "approved_at",
    ]
    list_filter = ["kind", "status", ("approved_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    fieldsets = [
        (None, {"fields": ["kind", "status", "progress", "progress_message", "error"]}),
        (_("Input"), {"fields": ["params", "data_fingerprint", "data_cutoff"]}),
        (
            _("Execution"),
            {
                "fields": [
                    "attempts",
                    "worker_pid",
                    "timings",
                    "created_by",
                    "created_at",
                    "started_at",
                    "finished_at",
                ]
            },
        ),
        (_("Approval"), {"fields": ["approved_by", "approved_at"]}),
        (_("Result"), {"classes": ["collapse"], "fields": ["result"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        # The runs the pages and the API show this user (``runs_for``: an administrator of an
        # area sees no what-if of another area). The list never needs the (large) result.
        return queries.runs_for(request.user).defer("result")

    def get_fieldsets(self, request: HttpRequest, obj: AnalysisRun | None = None):
        # The stored result is the whole country's; the pages and the API cut it to the
        # reader's area (``kinds.<kind>.for_audience``), so here only nationwide
        # administrators see it.
        if answers_for_everything(user=request.user):
            return self.fieldsets
        return [entry for entry in self.fieldsets if "result" not in entry[1]["fields"]]

    def delete_through_action(self, request: HttpRequest, obj: AnalysisRun) -> None:
        actions.analysis_run_delete(user=request.user, run=obj)


@admin.register(PanelDataset)
class PanelDatasetAdmin(ReadOnlyAdmin):
    list_display = ["name", "synthetic", "fingerprint", "imported_by", "imported_at"]
    list_filter = ["synthetic"]
    search_fields = ["name", "source"]

    def delete_through_action(self, request: HttpRequest, obj: PanelDataset) -> None:
        actions.panel_dataset_delete(user=request.user, dataset=obj)
