"""Pages of the analytics app: runs (list, start, live progress), resident portraits, demand
forecasts with what-if scenarios, allocation recommendations with scenarios and approval, and
the city-level equalization tables.

Administrators see and start everything. Community workers see portrait and forecast results
for the communities they serve, and start what-if scenarios for those communities (which only
they and administrators see). Views validate with a form, read through ``analytics.reports``
(scoped to the user), call an action, render. The tables download as CSV with the same scope
(``analytics.exports``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analytics import actions, exports, kinds, queries, reports
from analytics.dashboard import worker_dashboard
from analytics.forms import ScenarioCompareForm
from analytics.kinds.allocation.report import scenario_table
from analytics.models import AnalysisRun
from core.confirmation import Confirmation, confirmation_page, is_confirmed
from core.errors import LimitReached, ServiceUnavailable
from core.exports import CONTENT_TYPES, csv_stream
from core.localisation import labelled
from core.roles import ADMIN, STAFF, is_administrator, role_required
from residents.queries import demo_city_present

Kind = AnalysisRun.Kind
RUNS_PAGE_SIZE = 25
LINES_PAGE_SIZE = 50
COMMUNITIES_PAGE_SIZE = 100
SUPPLY_PAGE_SIZE = 200
RESULT_TEMPLATES = {
    Kind.PORTRAITS: "analytics/portraits.html",
    Kind.FORECAST: "analytics/forecast.html",
    Kind.ALLOCATION: "analytics/allocation.html",
    Kind.EQUALIZATION: "analytics/equalization.html",
    Kind.WHAT_IF: "analytics/what_if.html",
}
RESULT_URLS = {
    Kind.PORTRAITS: "analytics:portraits",
    Kind.FORECAST: "analytics:forecast",
    Kind.ALLOCATION: "analytics:allocation",
    Kind.EQUALIZATION: "analytics:equalization",
    # What-ifs are started from the forecast page and have no "latest result" of their own.
    Kind.WHAT_IF: "analytics:forecast",
}


def _kind_or_404(kind: str) -> str:
    if kind not in Kind.values:
        raise Http404
    return kind


def _require_kind(request: HttpRequest, kind: str) -> None:
    if not queries.may_see_kind(request.user, kind):
        raise PermissionDenied


def _run_or_404(request: HttpRequest, pk: int) -> AnalysisRun:
    run = queries.run_get(user=request.user, pk=pk)
    if run is None:
        raise Http404
    return run


def _base_context(request: HttpRequest, kind: str) -> dict:
    return {
        "kind": kind,
        "kind_label": Kind(kind).label,
        "can_start": queries.may_start_kind(request.user, kind),
        "runs_url": reverse("analytics:run_list", kwargs={"kind": kind}),
        "page_url": reverse(RESULT_URLS[kind]),
    }


# Hub and runs ------------------------------------------------------------------------------


@role_required(*STAFF)
def index(request: HttpRequest) -> HttpResponse:
    """One card per kind of analysis the user may see, with its latest run."""
    cards = []
    for kind in Kind.values:
        if not queries.may_see_kind(request.user, kind):
            continue
        # The cards show a run's number, status and date, never its (large) result.
        runs = queries.runs_for(request.user, kind=kind).defer("result")
        cards.append(
            {
                **_base_context(request, kind),
                "latest": runs.first(),
                "latest_succeeded": queries.latest_visible_run(
                    user=request.user, kind=kind, with_result=False
                ),
            }
        )
    return render(request, "analytics/index.html", {"cards": cards})


@role_required(*STAFF)
def run_list(request: HttpRequest, kind: str) -> HttpResponse:
    """The runs of one kind; administrators (and, for what-ifs, community workers) start a new
    run here (POST)."""
    kind = _kind_or_404(kind)
    _require_kind(request, kind)
    form_class = kinds.get(kind).form
    form = None
    limited = unavailable = False
    if queries.may_start_kind(request.user, kind):
        # Bound on every POST: a kind without parameters posts an empty form.
        form = form_class(request.POST if request.method == "POST" else None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                run = actions.analysis_run_start(kind=kind, params=form.params(), user=request.user)
            except LimitReached as exc:
                form.add_error(None, exc.message)
                limited = True
            except ServiceUnavailable as exc:
                form.add_error(None, exc.message)
                unavailable = True
            else:
                messages.success(request, _("Run #%(id)s has been started.") % {"id": run.pk})
                return redirect("analytics:run_detail", pk=run.pk)
    elif request.method == "POST":
        raise PermissionDenied
    runs = queries.runs_for(request.user, kind=kind).select_related("created_by")
    page = Paginator(runs, RUNS_PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page:
        # "Label: value; label: value" with the reader's colon and semicolon (full-width in
        # Chinese).
        run.params_display = _("; ").join(
            labelled(label, value) for label, value in reports.params_summary(run)
        )
    refused = form is not None and form.is_bound and bool(form.errors)
    response = render(
        request,
        "analytics/run_list.html",
        {**_base_context(request, kind), "form": form, "page_obj": page},
        status=429 if limited else 503 if unavailable else 400 if refused else 200,
    )
    if unavailable:
        response["Retry-After"] = str(actions.QUEUE_RETRY_AFTER_SECONDS)
    return response


@role_required(*STAFF)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A run: live progress while queued or running, the error of a failed run, and the
    result page once it succeeded."""
    run = _run_or_404(request, pk)
    if run.status == AnalysisRun.Status.SUCCEEDED:
        return _result_page(request, run)
    return render(
        request,
        "analytics/run_progress.html",
        {
            **_base_context(request, run.kind),
            "run": run,
            "params": reports.params_summary(run),
            "error_text": reports.run_error_text(run),
            "progress_text": reports.run_progress_text(run),
            "parts": reports.run_parts(run),
            "show_workers": is_administrator(request.user),
        },
    )


@role_required(*STAFF)
def run_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar polls: status and percentage, and where to go when finished."""
    run = _run_or_404(request, pk)
    return JsonResponse(
        {
            "id": run.pk,
            "kind": run.kind,
            "status": run.status,
            "status_display": run.get_status_display(),
            "progress": run.progress,
            "progress_message": reports.run_progress_text(run),
            "finished": run.is_finished,
            "error": reports.run_error_text(run),
            "url": reverse("analytics:run_detail", kwargs={"pk": run.pk}),
            "parts": [part.to_json() for part in reports.run_parts(run)],
        }
    )


# Result pages ------------------------------------------------------------------------------


def _latest_page(request: HttpRequest, kind: str) -> HttpResponse:
    _require_kind(request, kind)
    run = queries.latest_visible_run(user=request.user, kind=kind)
    if run is None:
        return render(
            request,
            "analytics/no_result.html",
            {
                **_base_context(request, kind),
                "pending": queries.runs_for(request.user, kind=kind)
                .filter(status__in=[AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING])
                .first(),
            },
        )
    return _result_page(request, run)


def _result_page(request: HttpRequest, run: AnalysisRun) -> HttpResponse:
    context = {
        **_base_context(request, run.kind),
        "run": run,
        "params": reports.params_summary(run),
        # A what-if is a scenario of its own, never superseded by a later one.
        "is_latest": run.kind == Kind.WHAT_IF or queries.latest_run_id(run.kind) == run.pk,
        "parts": reports.run_parts(run),
        "show_workers": is_administrator(request.user),
    }
    kind = kinds.get(run.kind)
    context.update(kind.page(request, run, kind.for_audience(run, request.user)))
    # The scripts of the page's forms (a community picker's), each listed once however many
    # forms show one (the forecast page's series choice and its what-if form).
    context["form_media"] = sum(
        (value.media for value in context.values() if isinstance(value, forms.BaseForm)),
        forms.Media(),
    )
    return render(request, kind.template, context)


@role_required(*STAFF)
def portraits(request: HttpRequest) -> HttpResponse:
    return _latest_page(request, Kind.PORTRAITS)


@role_required(*STAFF)
def forecast(request: HttpRequest) -> HttpResponse:
    return _latest_page(request, Kind.FORECAST)


@role_required(ADMIN)
def allocation(request: HttpRequest) -> HttpResponse:
    return _latest_page(request, Kind.ALLOCATION)


@role_required(ADMIN)
def equalization(request: HttpRequest) -> HttpResponse:
    return _latest_page(request, Kind.EQUALIZATION)


# Allocation: approval and scenarios ---------------------------------------------------------


def _approve_confirmation(request: HttpRequest, run: AnalysisRun, *, replace: bool) -> Confirmation:
    """The question the plan page's dialog asks, for a browser without JavaScript."""
    cancel_url = reverse("analytics:run_detail", kwargs={"pk": run.pk})
    if replace:
        approved = queries.plan_status(run=run, user=request.user).approved_other
        return Confirmation(
            question=_("Replace plan #%(old)s by plan #%(id)s?")
            % {"id": run.pk, "old": approved.run_id if approved else "—"},
            confirm_label=_("Replace the approved plan"),
            cancel_url=cancel_url,
        )
    return Confirmation(
        question=_("Approve plan #%(id)s and write the supply capacities for %(period)s?")
        % {"id": run.pk, "period": reports.month_of((run.result or {}).get("period"))},
        confirm_label=_("Approve this plan"),
        cancel_url=cancel_url,
        danger=False,
    )


@require_POST
@role_required(ADMIN)
def allocation_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve a draft plan, or with ``replace`` replace the month's approved plan by it."""
    run = _run_or_404(request, pk)
    replace = request.POST.get("replace") == "1"
    if not is_confirmed(request):
        return confirmation_page(request, _approve_confirmation(request, run, replace=replace))
    try:
        decision = actions.allocation_plan_approve(
            run_id=run.pk, user=request.user, replace=replace
        )
    except actions.PlanNotApprovable as exc:
        messages.error(request, _("The plan cannot be approved: %(reason)s") % {"reason": str(exc)})
    else:
        period = reports.month_of((run.result or {}).get("period"))
        if decision.already:
            messages.info(
                request,
                _("Plan #%(id)s was already approved; nothing was written again.") % {"id": run.pk},
            )
        elif decision.plan.replaced_id:
            messages.success(
                request,
                _(
                    "Plan #%(id)s replaced plan #%(old)s: %(lines)d supply lines written and "
                    "%(removed)d removed for %(period)s."
                )
                % {
                    "id": run.pk,
                    "old": decision.plan.replaced.run_id,
                    "lines": decision.written,
                    "removed": decision.removed,
                    "period": period,
                },
            )
        else:
            messages.success(
                request,
                _("Plan #%(id)s approved: %(lines)d supply lines written for %(period)s.")
                % {"id": run.pk, "lines": decision.written, "period": period},
            )
    return redirect("analytics:run_detail", pk=run.pk)


@require_POST
@role_required(ADMIN)
def allocation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            Confirmation(
                question=_(
                    "Revoke plan #%(id)s and restore the month's supply as it was before it?"
                )
                % {"id": run.pk},
                confirm_label=_("Revoke this plan"),
                cancel_url=reverse("analytics:run_detail", kwargs={"pk": run.pk}),
            ),
        )
    try:
        decision = actions.allocation_plan_revoke(run_id=run.pk, user=request.user)
    except actions.PlanNotApprovable as exc:
        messages.error(request, _("The plan cannot be revoked: %(reason)s") % {"reason": str(exc)})
    else:
        period = reports.month_of((run.result or {}).get("period"))
        if decision.already:
            messages.info(request, _("Plan #%(id)s was already revoked.") % {"id": run.pk})
        else:
            messages.success(
                request,
                _(
                    "Plan #%(id)s revoked: the supply of %(period)s is back to what it was "
                    "before the plan."
                )
                % {"id": run.pk, "period": period},
            )
    return redirect("analytics:run_detail", pk=run.pk)


def _chosen_scenarios(form: ScenarioCompareForm) -> list[AnalysisRun]:
    """The runs of a valid comparison form, by budget (then id)."""
    return sorted(
        form.cleaned_data["runs"], key=lambda r: ((r.result or {}).get("budget") or 0, r.pk)
    )


@role_required(ADMIN)
def allocation_compare(request: HttpRequest) -> HttpResponse:
    """Two to four allocation runs (e.g. different budgets) side by side."""
    form = ScenarioCompareForm(request.GET or None, runs=queries.allocation_runs_for_comparison())
    table = None
    if form.is_bound and form.is_valid():
        table = scenario_table(_chosen_scenarios(form))
    return render(
        request,
        "analytics/allocation_compare.html",
        {**_base_context(request, Kind.ALLOCATION), "form": form, "table": table},
        status=400 if form.is_bound and form.errors else 200,
    )


# Downloads ----------------------------------------------------------------------------------


def _csv_download(table: exports.Table, filename: str) -> StreamingHttpResponse:
    # Streamed: the forecast and allocation tables of a large city run to hundreds of
    # thousands of rows.
    response = StreamingHttpResponse(
        csv_stream(columns=table.columns, rows=table.rows), content_type=CONTENT_TYPES["csv"]
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A city's analysis results: kept out of shared caches and the browser's disk cache.
    response["Cache-Control"] = "no-store"
    return response


def _supply_month(request: HttpRequest) -> tuple[date, list[date]]:
    """The month asked for (``?month=YYYY-MM``), else the newest with supply, else the next
    month (the one an allocation plans); and the months with supply to choose from."""
    months = queries.supply_months(user=request.user)
    asked = request.GET.get("month", "")
    try:
        return datetime.strptime(asked, "%Y-%m").date(), months
    except ValueError:
        pass
    if months:
        return months[0], months
    today = timezone.localdate().replace(day=1)
    return (today + timedelta(days=32)).replace(day=1), months


@role_required(*STAFF)
def supply(request: HttpRequest) -> HttpResponse:
    """The month's supply per community × service (workers: the communities they serve):
    units, cost, provider, source, and the gap to the forecast need."""
    period, months = _supply_month(request)
    month_supply = queries.month_supply(user=request.user, period=period)
    page = Paginator(month_supply.cells, SUPPLY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "analytics/supply.html",
        {
            "supply": month_supply,
            "page_obj": page,
            "month": period.strftime("%Y-%m"),
            "months": [m.strftime("%Y-%m") for m in months],
        },
    )


@role_required(*STAFF)
def supply_export(request: HttpRequest) -> StreamingHttpResponse:
    period, _months = _supply_month(request)
    month_supply = queries.month_supply(user=request.user, period=period)
    synthetic = demo_city_present()
    name = f"supply-{period:%Y-%m}{exports.SYNTHETIC_SUFFIX if synthetic else ''}.csv"
    return _csv_download(exports.month_supply_table(month_supply), name)


@role_required(*STAFF)
def run_export(request: HttpRequest, pk: int, table: str) -> StreamingHttpResponse:
    """One table of a finished run as CSV, cut like its page: a run the user may not see, an
    unfinished run or a table its kind does not have is 404."""
    run = _run_or_404(request, pk)
    if run.status != AnalysisRun.Status.SUCCEEDED:
        raise Http404
    data = exports.run_table(run=run, table=table, user=request.user)
    if data is None:
        raise Http404
    name = exports.filename(
        kind=run.kind, run_ids=[run.pk], table=table, synthetic=exports.is_synthetic(run.result)
    )
    return _csv_download(data, name)


@role_required(ADMIN)
def allocation_compare_export(request: HttpRequest) -> HttpResponse:
    """The scenario comparison of the runs in the query (as on the comparison page) as CSV."""
    # Always bound: no runs chosen is an error ("required"), said in the response.
    form = ScenarioCompareForm(request.GET, runs=queries.allocation_runs_for_comparison())
    if not form.is_valid():
        return HttpResponseBadRequest(
            form.errors.as_text(), content_type="text/plain; charset=utf-8"
        )
    runs = _chosen_scenarios(form)
    name = exports.filename(
        kind=Kind.ALLOCATION,
        run_ids=[run.pk for run in runs],
        table="scenarios",
        synthetic=any(exports.is_synthetic(run.result) for run in runs),
    )
    return _csv_download(exports.scenarios(runs=runs), name)


# The worker's dashboard -----------------------------------------------------------------------


@role_required(*STAFF)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "analytics/dashboard.html",
        {"dashboard": worker_dashboard(user=request.user)},
    )
