"""Pages for bulk upload of residents and requests, and the request exports.

The upload page shows either the table of problems (row, column, reason; never a cell's
value) or the number of rows imported. Views validate the form, call an action, render.
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.forms import Form
from core.localisation import join_list
from core.roles import STAFF, role_required
from services import bulk, bulk_templates, exports, tables

IMPORTERS = {
    "requests": bulk.bulk_import_requests,
    "residents": bulk.bulk_import_residents,
}


class BulkUploadForm(Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=list(bulk_templates.KINDS.items()),
    )
    file = forms.FileField(label=_("CSV or XLSX file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > tables.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(tables.too_large_message())
        return upload


def _columns(columns: tuple[str, ...], required: tuple[str, ...]) -> dict[str, str]:
    """A file kind's column names (the header a file must spell), required and optional."""
    return {
        "required": join_list(required),
        "optional": join_list(c for c in columns if c not in required),
    }


@role_required(*STAFF)
def bulk_upload(request: HttpRequest) -> HttpResponse:
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    context: dict = {
        "form": form,
        "problems": None,
        "imported": None,
        "request_columns": _columns(bulk.REQUEST_COLUMNS, bulk.REQUEST_REQUIRED),
        "resident_columns": _columns(bulk.RESIDENT_COLUMNS, bulk.RESIDENT_REQUIRED),
        "codes": bulk_templates.page_codes(user=request.user),
        "communities_on_page": bulk_templates.COMMUNITIES_ON_PAGE,
    }
    status = 200
    if request.method == "POST" and form.is_valid():
        importer = IMPORTERS[form.cleaned_data["kind"]]
        upload = form.cleaned_data["file"]
        try:
            # The upload itself (spooled to disk past FILE_UPLOAD_MAX_MEMORY_SIZE), read as a
            # stream by services.tables: never a copy of it whole in memory.
            upload.seek(0)
            result = importer(user=request.user, file=upload, filename=upload.name)
        except bulk.BulkImportError as exc:
            context["problems"] = exc.problems
            status = 422
        else:
            context["imported"] = result.created
            context["form"] = BulkUploadForm()
    elif request.method == "POST":
        status = 400
    return render(request, "services/bulk_upload.html", context, status=status)


def _download(export: exports.ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@role_required(*STAFF)
def upload_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """A kind's template: its header, an example row and (XLSX) the Codes sheet."""
    if kind not in bulk_templates.KINDS or fmt not in exports.FORMATS:
        raise Http404
    return _download(bulk_templates.template_file(user=request.user, kind=kind, fmt=fmt))


@role_required(*STAFF)
def upload_codes(request: HttpRequest, kind: str) -> HttpResponse:
    """The Codes sheet as a CSV file, for those filling in the CSV template."""
    if kind not in bulk_templates.KINDS:
        raise Http404
    return _download(bulk_templates.codes_file(user=request.user, kind=kind))


@role_required(*STAFF)
def requests_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    try:
        export = exports.requests_export(user=request.user, fmt=fmt, params=request.GET)
    except exports.ExportFiltersInvalid as exc:
        return HttpResponse(
            "\n".join(exc.messages), status=400, content_type="text/plain; charset=utf-8"
        )
    return _download(export)


def public_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Anonymised aggregate counts: open to everyone, like published statistics."""
    if fmt not in exports.FORMATS:
        raise Http404
    return _download(exports.public_export(fmt=fmt))
