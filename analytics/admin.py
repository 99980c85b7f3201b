"""Admin for analysis runs and imported panels: for looking, not editing.

Runs change only through the actions (start, execute, approve), which keep status, result and
the rows a run wrote consistent; panels are imported with ``import_panel`` (validated and
atomic). So everything here is read-only, except that an administrator may delete a run or a
panel that is no longer wanted (through ``analysis_run_delete`` and ``panel_dataset_delete``).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics import actions, queries, reports
from analytics.models import AnalysisRun, PanelDataset
from core.admin import ActionAdminMixin
from core.localisation import labelled


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
    # What the stored JSON and English say (parameters, progress, error, timings, result) is
    # shown as the run's pages show it, in the reader's language: never the raw codes.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "status",
                    "result_link",
                    "progress",
                    "progress_text",
                    "error_text",
                ]
            },
        ),
        (_("Input"), {"fields": ["parameters", "data_fingerprint", "data_cutoff"]}),
        (
            _("Execution"),
            {
                "fields": [
                    "attempts",
                    "worker_pid",
                    "time_taken",
                    "created_by",
                    "created_at",
                    "started_at",
                    "finished_at",
                ]
            },
        ),
        (_("Approval"), {"fields": ["approved_by", "approved_at"]}),
    ]
    readonly_fields = ["progress_text", "error_text", "parameters", "time_taken", "result_link"]

    def get_queryset(self, request: HttpRequest):
        # The runs the pages and the API show this user (``runs_for``: an administrator of an
        # area sees no what-if of another area). No page here needs the (large) result.
        return queries.runs_for(request.user).defer("result")

    @admin.display(description=_("progress message"))
    def progress_text(self, run: AnalysisRun) -> str:
        return reports.run_progress_text(run) or self.get_empty_value_display()

    @admin.display(description=_("error"))
    def error_text(self, run: AnalysisRun) -> str:
        return reports.run_error_text(run) or self.get_empty_value_display()

    @admin.display(description=_("parameters"))
    def parameters(self, run: AnalysisRun) -> SafeString | str:
        pairs = reports.params_summary(run)
        if not pairs:
            return self.get_empty_value_display()
        return format_html_join(mark_safe("<br>"), "{}", ((labelled(*pair),) for pair in pairs))

    @admin.display(description=_("Time"))
    def time_taken(self, run: AnalysisRun) -> str:
        # The whole run's time, as its page gives it; the stages' times are the engine's.
        total = (run.timings or {}).get("total")
        if total is None:
            return self.get_empty_value_display()
        return gettext("%(seconds)s s") % {"seconds": formats.number_format(total, 1)}

    @admin.display(description=_("result"))
    def result_link(self, run: AnalysisRun) -> SafeString | str:
        # The stored result is the whole country's; the run's page cuts it to the reader's
        # area (``kinds.<kind>.for_audience``) and shows it in words, tables and charts.
        if run.status != AnalysisRun.Status.SUCCEEDED:
            return self.get_empty_value_display()
        return format_html(
            '<a href="{}">{}</a>',
            reverse("analytics:run_detail", kwargs={"pk": run.pk}),
            gettext("See the result on the run's page"),
        )

    def delete_through_action(self, request: HttpRequest, obj: AnalysisRun) -> None:
        actions.analysis_run_delete(user=request.user, run=obj)


@admin.register(PanelDataset)
class PanelDatasetAdmin(ReadOnlyAdmin):
    list_display = ["name", "synthetic", "fingerprint", "imported_by", "imported_at"]
    list_filter = ["synthetic"]
    search_fields = ["name", "source"]

    def delete_through_action(self, request: HttpRequest, obj: PanelDataset) -> None:
        actions.panel_dataset_delete(user=request.user, dataset=obj)
