"""Pages for service requests: the resident's requests, the worker queue, request detail and
the administrator overview. Views validate with a form, call a query or an action, render."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.confirmation import Confirmation, confirmation_page, is_confirmed
from core.localisation import join_list, join_sentences, localised_name
from core.pagination import CappedCountPaginator, KeysFirstPaginator
from core.roles import ADMIN, RESIDENT, STAFF, WORKER, Elsewhere, role_required, user_roles
from core.views import add_action_errors
from residents import actions as resident_actions
from residents import queries as resident_queries
from residents.community_picker import picker_scope
from services import actions, queries, workflow
from services.canned import canned_replies_for
from services.filters import (
    DEFAULT_PAGE_SORT,
    DEFAULT_VIEW,
    OPEN_TABS,
    TABS,
    RequestFilter,
    tab_conditions,
)
from services.forms import (
    AssignForm,
    BulkActionForm,
    ExpectedCompletionForm,
    InformationForm,
    MoveForm,
    NoteForm,
    RatingForm,
    ReplyForm,
    RequestForm,
    ReviewCloseForm,
    SavedFilterForm,
    WorkerRequestForm,
)
from services.map import allow_tiles, location_picker
from services.models import ServiceRequest
from services.partitions import REQUEST_PARTITION_KEY
from services.personal_data import resident_data

QUEUE_PAGE_SIZE = 50
BULK_RESULTS_SESSION_KEY = "queue_bulk_results"
# The queue as its person last saw it (tab, filters, sort, page): a request page's way back.
QUEUE_QUERY_SESSION_KEY = "queue_last_query"
# A saved view just deleted, offered back once on the next queue page.
DELETED_VIEW_SESSION_KEY = "queue_deleted_view"
RATABLE_STATUSES = (ServiceRequest.Status.RESOLVED, ServiceRequest.Status.CLOSED)


def _page(request: HttpRequest, items, size: int):
    return Paginator(items, size).get_page(request.GET.get("page"))


def _categories():
    return queries.category_list()


def _request_or_404(request: HttpRequest, pk: int) -> ServiceRequest:
    item = queries.request_get(user=request.user, pk=pk)
    if item is None:
        raise Http404
    return item


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return join_sentences(*exc.messages)
    return str(exc)


def _shown_beside_fields(form, exc: ValidationError) -> bool:
    """Whether the action's errors all name fields of ``form``: they are then put beside those
    fields, and the page is shown again with what the person typed, rather than a message
    over an emptied form."""
    fields = getattr(exc, "error_dict", None)
    if not fields or not set(fields) <= set(form.fields):
        return False
    add_action_errors(form, exc)
    return True


# Residents -----------------------------------------------------------------------------------

# A worker's or administrator's old bookmark of a resident's page leads to their own page for
# the same thing (docs/security.md, "Pages by role"): the requests they handle, and the form
# on which staff file a need for a resident.
STAFF_TO_QUEUE = Elsewhere(
    "services:queue",
    gettext_lazy("“My requests” is the residents' page: here is your request queue."),
)
STAFF_TO_LOG_A_NEED = Elsewhere(
    "resident_find",
    gettext_lazy("“New request” is the residents' page: log a need for a resident here."),
)


@role_required(RESIDENT, elsewhere={WORKER: STAFF_TO_QUEUE, ADMIN: STAFF_TO_QUEUE})
def my_requests(request: HttpRequest) -> HttpResponse:
    items = queries.request_list(user=request.user).prefetch_related("history")
    return render(request, "services/my_requests.html", {"page_obj": _page(request, items, 20)})


@role_required(RESIDENT, elsewhere={WORKER: STAFF_TO_LOG_A_NEED, ADMIN: STAFF_TO_LOG_A_NEED})
def request_submit(request: HttpRequest) -> HttpResponse:
    resident = resident_queries.resident_own_profile(user=request.user)
    if resident is None:
        raise Http404
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        categories=_categories(),
        # Residents ask for their own community; the address says where, if elsewhere in it.
        communities=picker_scope(
            resident_queries.community_choices(user=request.user).filter(pk=resident.community_id)
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = actions.request_submit(
                user=request.user,
                resident=resident,
                channel=ServiceRequest.Channel.SELF_SERVICE,
                **form.action_kwargs(),
            )
        except ValidationError as exc:
            form.add_submit_errors(exc)
        else:
            messages.success(request, _("Your request has been submitted."))
            return redirect("services:request_detail", pk=item.pk)
    return _request_form_page(
        request,
        form,
        {
            "heading": _("New request"),
            "intro": _("Tell your community what you need. You can follow the request here."),
            "cancel_url": reverse("services:my_requests"),
        },
    )


def _request_form_page(request: HttpRequest, form: RequestForm, context: dict) -> HttpResponse:
    """The request form with its location picker (the communities offered, the tiles)."""
    form.note_photo_not_kept()
    communities = form.community_scope.communities
    if form.community_scope.large:
        # The map's landmarks would be every community of a province; none are drawn.
        communities = communities.none()
    picker = location_picker(communities=communities)
    response = render(
        request,
        "services/request_form.html",
        {
            **context,
            "form": form,
            "location_help": form.location_help(max_km=picker.max_km),
            "picker": picker,
            "picker_data": picker.as_json(),
        },
    )
    return allow_tiles(response, picker.tiles)


@require_POST
@role_required(RESIDENT)
def request_rate(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request_or_404(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, item, rating_form=form, status=400)
    try:
        actions.request_rate(
            user=request.user,
            request=item,
            satisfaction=form.cleaned_data["satisfaction"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Thank you for rating the service."))
    return redirect("services:request_detail", pk=item.pk)


# Request detail (resident owner and staff) --------------------------------------------------


def _answers(item: ServiceRequest) -> list[dict]:
    """The category's extra questions with the request's answers, labelled for display."""
    answers = []
    for spec in item.category.extra_fields or []:
        if spec["code"] not in (item.attributes or {}):
            continue
        value = item.attributes[spec["code"]]
        names = {v["key"]: _(v.get("name") or v["key"]) for v in spec.get("values", [])}
        if isinstance(value, list):
            shown = ", ".join(str(names.get(v, v)) for v in value)
        else:
            shown = names.get(value, value)
        answers.append({"label": _(spec.get("label") or spec["code"]), "value": shown})
    return answers


@dataclass(frozen=True)
class MoveButton:
    """A move offered on the request page, with the question it asks first (empty: none)."""

    move: workflow.Move
    confirm_question: str


def _move_confirmation(item: ServiceRequest, move: workflow.Move) -> Confirmation | None:
    """The question a move that ends the request asks before it is made (``core.confirmation``:
    the browser's dialog, or the page without JavaScript); ``None`` for the others."""
    if not move.final:
        return None
    return Confirmation(
        question=_(
            "“%(verb)s”: request #%(id)s will be “%(status)s” and cannot be reopened. Go ahead?"
        )
        % {"verb": move.verb, "id": item.pk, "status": workflow.status_label(move.target)},
        confirm_label=str(move.verb),
        cancel_url=reverse("services:request_detail", kwargs={"pk": item.pk}),
    )


def _detail_page(
    request: HttpRequest,
    item: ServiceRequest,
    *,
    rating_form: RatingForm | None = None,
    assign_form: AssignForm | None = None,
    expected_completion_form: ExpectedCompletionForm | None = None,
    move_form: MoveForm | None = None,
    note_form: NoteForm | None = None,
    reply_form: ReplyForm | None = None,
    information_form: InformationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    roles = user_roles(request.user)
    is_staff_view = bool(roles & set(STAFF))
    context = {
        "item": item,
        "history": item.history.select_related("changed_by"),
        "answers": _answers(item),
        "is_staff_view": is_staff_view,
        # ``request_get`` left out what this reader may not see (residents: internal notes).
        "internal_notes": [c for c in item.comment_rows if not c.is_public],
        "conversation": [c for c in item.comment_rows if c.is_public],
        "reviews": queries.review_task_list(user=request.user).filter(request=item),
        "back_url": _queue_url(request) if is_staff_view else reverse("services:my_requests"),
    }
    # The moves this person can make now, from the one table the bulk bar and the API's
    # ``allowed_moves`` also offer; assigning names a worker, so it has its own form.
    moves = [
        m for m in queries.moves_available(user=request.user, request=item) if not m.takes_assignee
    ]
    context["moves"] = [
        MoveButton(move, getattr(_move_confirmation(item, move), "question", "")) for move in moves
    ]
    context["move_form"] = move_form or MoveForm()
    if not is_staff_view:
        context["move_form"].fields["note"].help_text = _("Why, in a few words (optional).")
    context["reasons_needed"] = any(len(m.reasons) > 1 for m in moves)
    if is_staff_view:
        context["note_form"] = note_form or NoteForm()
        context["reply_form"] = reply_form or _reply_form(item)
        if item.is_open:
            context["expected_completion_form"] = (
                expected_completion_form or ExpectedCompletionForm()
            )
        if workflow.MOVES_BY_NAME["assign"].applies_to(item.status):
            assignees = queries.assignee_choices(user=request.user, community=item.community)
            context["assign_form"] = assign_form or AssignForm(
                assignees=assignees, initial={"assignee": item.assigned_to}
            )
            # Taking a request is a worker's commonest assignment: one button, not a list.
            context["assign_to_me"] = (
                item.assigned_to_id != request.user.pk
                and assignees.filter(pk=request.user.pk).exists()
            )
    else:
        if item.is_open:
            context["information_form"] = information_form or InformationForm()
        if item.status in RATABLE_STATUSES and item.satisfaction is None:
            context["rating_form"] = rating_form or RatingForm()
    context["staff_actions"] = is_staff_view and any(
        context.get(name) for name in ("moves", "assign_form", "expected_completion_form")
    )
    return render(request, "services/request_detail.html", context, status=status)


@role_required(RESIDENT, *STAFF)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _request_or_404(request, pk))


@require_POST
@role_required(RESIDENT, *STAFF)
def request_transition(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request_or_404(request, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        move = workflow.MOVES_BY_NAME[form.cleaned_data["move"]]
        confirmation = _move_confirmation(item, move)
        # A move still missing its reason is refused beside the field first, then asks.
        reason_missing = len(move.reasons) > 1 and not form.cleaned_data["reason"]
        if confirmation is not None and not reason_missing and not is_confirmed(request):
            return confirmation_page(request, confirmation)
        try:
            actions.request_move(
                user=request.user,
                request=item,
                move=move.name,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            if _shown_beside_fields(form, exc):
                return _detail_page(request, item, move_form=form, status=400)
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("Request #%(id)s is now “%(status)s”.")
                % {"id": item.pk, "status": workflow.status_label(item.status)},
            )
        return redirect("services:request_detail", pk=item.pk)
    return _detail_page(request, item, move_form=form, status=400)


def _reply_form(item: ServiceRequest, data=None) -> ReplyForm:
    replies = canned_replies_for(
        category_code=item.category.code, dimension=item.category.dimension
    )
    return ReplyForm(data, replies=replies)


@require_POST
@role_required(*STAFF)
def request_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request_or_404(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, item, note_form=form, status=400)
    try:
        actions.request_note_add(user=request.user, request=item, text=form.cleaned_data["text"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Internal note added."))
    return redirect("services:request_detail", pk=item.pk)


@require_POST
@role_required(*STAFF)
def request_reply_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request_or_404(request, pk)
    form = _reply_form(item, request.POST)
    if not form.is_valid():
        return _detail_page(request, item, reply_form=form, status=400)
    try:
        actions.request_reply_add(
            user=request.user,
            request=item,
            text=form.cleaned_data["text"],
            canned=form.cleaned_data["canned"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Reply sent to the resident."))
    return redirect("services:request_detail", pk=item.pk)


@require_POST
@role_required(RESIDENT)
def request_information_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request_or_404(request, pk)
    form = InformationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, item, information_form=form, status=400)
    try:
        actions.request_information_add(
            user=request.user,
            request=item,
            text=form.cleaned_data["text"],
            photo=form.cleaned_data["photo"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Your information was added to the request."))
    return redirect("services:request_detail", pk=item.pk)


@require_POST
@role_required(*STAFF)
def request_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request_or_404(request, pk)
    form = AssignForm(
        request.POST,
        assignees=queries.assignee_choices(user=request.user, community=item.community),
    )
    if form.is_valid():
        try:
            actions.request_assign(
                user=request.user,
                request=item,
                assignee=form.cleaned_data["assignee"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            if _shown_beside_fields(form, exc):
                return _detail_page(request, item, assign_form=form, status=400)
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Request #%(id)s assigned.") % {"id": item.pk})
        return redirect("services:request_detail", pk=item.pk)
    return _detail_page(request, item, assign_form=form, status=400)


@require_POST
@role_required(*STAFF)
def request_expected_completion(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request_or_404(request, pk)
    form = ExpectedCompletionForm(request.POST)
    if form.is_valid():
        try:
            actions.request_expected_completion_set(
                user=request.user,
                request=item,
                expected_completion_at=form.cleaned_data["expected_completion_at"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("Request #%(id)s: the resident is told of the new expected completion.")
                % {"id": item.pk},
            )
        return redirect("services:request_detail", pk=item.pk)
    return _detail_page(request, item, expected_completion_form=form, status=400)


# Worker queue -------------------------------------------------------------------------------


def _queue_url(request: HttpRequest) -> str:
    """The queue with the tab, filters, sort and page its person last looked at: a worker
    who filtered the queue, opened a request and acted on it goes back to the same list."""
    query = request.session.get(QUEUE_QUERY_SESSION_KEY, "")
    return reverse("services:queue") + (f"?{query}" if query else "")


def _remember_queue_query(request: HttpRequest) -> None:
    query = request.GET.urlencode()
    if request.session.get(QUEUE_QUERY_SESSION_KEY, "") != query:
        request.session[QUEUE_QUERY_SESSION_KEY] = query


def _queue_categories() -> list:
    return [(c, localised_name(c)) for c in _categories() if c.parent_id]


def _queue_query(request: HttpRequest) -> QueryDict:
    """The queue's query string with the page's defaults filled in: what needs action from
    the person looking, soonest deadline first. The download link carries exactly this."""
    query = request.GET.copy()
    query.pop("page", None)
    query.setdefault("view", DEFAULT_VIEW)
    query.setdefault("sort", DEFAULT_PAGE_SORT)
    return query


def _count_capped(tab: str, count: int) -> bool:
    """Whether a tab's count stopped at ``QUEUE_COUNT_CAP`` (the tabs of open work are
    counted exactly, ``queue_tab_counts``)."""
    return tab not in OPEN_TABS and count > queries.QUEUE_COUNT_CAP


def _tab_links(query: QueryDict, counts: dict[str, int]) -> list[dict]:
    links = []
    for tab in TABS:
        tab_query = query.copy()
        tab_query["view"] = tab.code
        links.append(
            {
                "code": tab.code,
                "label": tab.label,
                "count": counts.get(tab.code, 0),
                "more_than_cap": _count_capped(tab.code, counts.get(tab.code, 0)),
                "query": tab_query.urlencode(),
                "current": query.get("view") == tab.code,
            }
        )
    return links


# The queue's filters always in view; the others fold away on a phone while none is set.
QUEUE_FIRST_FILTERS = ("q", "sort")
# A filter's value when it is not set (the overdue choice's "unknown" is "any").
_NOT_SET = (None, "", "unknown", [])


@role_required(*STAFF)
def queue(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        _remember_queue_query(request)
    query = _queue_query(request)
    # Whether the communities are too many to list: decided once, for the filter and here.
    scope = picker_scope(resident_queries.community_choices(user=request.user))
    filterset = RequestFilter(
        query,
        queryset=queries.request_queue(user=request.user),
        user=request.user,
        categories=_queue_categories(),
        communities=scope,
    )
    items = filterset.qs
    # The counts per tab: the same filters, every tab's condition instead of the chosen one.
    without_tab = query.copy()
    without_tab.pop("view", None)
    without_tab.pop("sort", None)
    counted = RequestFilter(
        without_tab, queryset=queries.request_list(user=request.user), user=request.user
    ).qs
    counts = queries.queue_tab_counts(
        requests=counted,
        conditions=tab_conditions(user=request.user),
        open_tabs=OPEN_TABS,
        cap=queries.QUEUE_COUNT_CAP,
    )
    if filterset.is_valid():
        # The page holds exactly its tab's rows under the same filters: counted already, up
        # to the cap; past it the pages go on while rows come back, with no total.
        view = query.get("view")
        paginator = CappedCountPaginator(
            items,
            QUEUE_PAGE_SIZE,
            count=counts[view],
            capped=_count_capped(view, counts[view]),
            partition_key=REQUEST_PARTITION_KEY,
        )
    else:
        paginator = KeysFirstPaginator(items, QUEUE_PAGE_SIZE, partition_key=REQUEST_PARTITION_KEY)
    page_obj = paginator.get_page(request.GET.get("page"))
    assignees = queries.assignee_choices(user=request.user)
    if scope.large:
        # A province has a worker or more per community: the bulk form offers those serving
        # the communities of the requests on this page (whom the move can take).
        assignees = assignees.filter(communities__in={item.community_id for item in page_obj})
    bulk_form = BulkActionForm(
        request.POST or None,
        request_ids=[item.pk for item in page_obj],
        assignees=assignees,
    )
    if request.method == "POST" and bulk_form.is_valid():
        # A move on many requests at once is hard to take back: it asks first.
        if not is_confirmed(request):
            return confirmation_page(request, _bulk_confirmation(request, bulk_form))
        request.session[BULK_RESULTS_SESSION_KEY] = _bulk_apply(request, bulk_form)
        return redirect(request.get_full_path())
    bulk_results = request.session.pop(BULK_RESULTS_SESSION_KEY, None)
    deleted_view = request.session.pop(DELETED_VIEW_SESSION_KEY, None)
    filter_form = filterset.form
    more_filters = [name for name in RequestFilter.PAGE_FIELDS if name not in QUEUE_FIRST_FILTERS]
    return render(
        request,
        "services/queue.html",
        {
            "filter_form": filter_form,
            "filter_fields": [filter_form[name] for name in QUEUE_FIRST_FILTERS],
            "more_filter_fields": [filter_form[name] for name in more_filters],
            "more_filters_set": bool(filter_form.errors)
            or any(filter_form[name].value() not in _NOT_SET for name in more_filters),
            "view": query.get("view"),
            "tabs": _tab_links(query, counts),
            "count_cap": queries.QUEUE_COUNT_CAP,
            "query": query.urlencode(),
            "saved_filters": queries.saved_filter_list(user=request.user),
            "save_form": SavedFilterForm(initial={"query": query.urlencode()}),
            "restore_form": deleted_view and SavedFilterForm(initial=deleted_view),
            "bulk_form": bulk_form,
            "page_obj": page_obj,
            "bulk_results": bulk_results,
            # After a refused bulk action the same rows stay ticked.
            "selected_ids": {
                int(pk) for pk in request.POST.getlist("selected") if str(pk).isdigit()
            },
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@role_required(*STAFF)
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            saved = actions.saved_filter_save(
                user=request.user,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": saved.name})
            return redirect(reverse("services:queue") + "?" + saved.query)
    else:
        messages.error(
            request, join_sentences(*(m for errors in form.errors.values() for m in errors))
        )
    return redirect(reverse("services:queue") + "?" + form.data.get("query", ""))


@require_POST
@role_required(*STAFF)
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = queries.saved_filter_list(user=request.user).filter(pk=pk).first()
    if saved is not None and actions.saved_filter_delete(user=request.user, saved_filter_id=pk):
        # One tap deletes (the "×" beside the name): the next page offers it back.
        request.session[DELETED_VIEW_SESSION_KEY] = {"name": saved.name, "query": saved.query}
    # Back to the view the person was looking at, not the queue's default.
    return redirect(_queue_url(request))


def _bulk_confirmation(request: HttpRequest, form: BulkActionForm) -> Confirmation:
    move = workflow.MOVES_BY_NAME[form.cleaned_data["move"]]
    selected = form.cleaned_data["selected"]
    return Confirmation(
        question=ngettext(
            "“%(verb)s” for %(count)d request (%(ids)s)?",
            "“%(verb)s” for %(count)d requests (%(ids)s)?",
            len(selected),
        )
        % {
            "verb": move.verb,
            "count": len(selected),
            "ids": join_list(f"#{pk}" for pk in selected),
        },
        confirm_label=str(move.verb),
        cancel_url=request.get_full_path(),
        danger=move.danger,
    )


def _bulk_apply(request: HttpRequest, form: BulkActionForm) -> dict:
    """Apply the move to each selected row (``actions.requests_move``: one transaction each,
    one refused row does not stop the others) and keep the outcome for the next page."""
    data = form.cleaned_data
    outcome = actions.requests_move(
        user=request.user,
        request_ids=data["selected"],
        move=data["move"],
        assignee=data["assignee"],
        reason=data["reason"],
        note=data["note"],
    )
    return {
        "succeeded": list(outcome.succeeded),
        "failed": [{"id": f.id, "reason": f.reason} for f in outcome.failed],
    }


# Logging a need for a resident (workers) ----------------------------------------------------


def _log_need(request: HttpRequest, resident) -> HttpResponse:
    form = WorkerRequestForm(
        request.POST or None,
        request.FILES or None,
        categories=_categories(),
        communities=picker_scope(resident_queries.community_choices(user=request.user)),
        initial={"community": resident.community} if resident else None,
    )
    similar = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.POST.get("confirm_duplicate"):
            similar = list(
                queries.open_similar_requests(
                    user=request.user, community=data["community"], category=data["category"]
                )[:5]
            )
        if not similar:
            try:
                item = actions.request_submit(
                    user=request.user, resident=resident, **form.action_kwargs()
                )
            except ValidationError as exc:
                form.add_submit_errors(exc)
            else:
                messages.success(request, _("Request #%(id)s logged.") % {"id": item.pk})
                return redirect("services:request_detail", pk=item.pk)
    return _request_form_page(
        request,
        form,
        {
            "resident": resident,
            "similar": similar,
            "heading": _("Log a need"),
            "intro": _("For someone without a resident profile; no personal data is recorded."),
            "cancel_url": reverse("resident_find"),
        },
    )


@role_required(*STAFF)
def request_log(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = resident_queries.resident_get(user=request.user, pk=resident_id)
    if resident is None:
        raise Http404
    return _log_need(request, resident)


@role_required(*STAFF)
def request_log_anonymous(request: HttpRequest) -> HttpResponse:
    return _log_need(request, None)


# Reviews of low ratings (administrators) ----------------------------------------------------


@role_required(ADMIN)
def review_list(request: HttpRequest) -> HttpResponse:
    tasks = queries.review_task_list(user=request.user)
    page_obj = _page(request, tasks, QUEUE_PAGE_SIZE)
    # One form per open review, each with its own element ids (the page's rows are a list).
    for task in page_obj:
        task.close_form = ReviewCloseForm(auto_id=f"review{task.pk}_%s")
    return render(request, "services/reviews.html", {"page_obj": page_obj})


@require_POST
@role_required(ADMIN)
def review_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = queries.review_task_list(user=request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    form = ReviewCloseForm(request.POST)
    if form.is_valid():
        try:
            actions.review_task_close(
                user=request.user,
                task=task,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request, _("Review of request #%(id)s closed.") % {"id": task.request_id}
            )
    else:
        messages.error(
            request,
            join_sentences(*(str(m) for errors in form.errors.values() for m in errors)),
        )
    return redirect("services:review_list")


# Administrator overview ---------------------------------------------------------------------


@role_required(ADMIN)
def overview(request: HttpRequest) -> HttpResponse:
    dashboard = queries.overview_dashboard(user=request.user)
    trend = dashboard["demand_trend"]
    by_community = dashboard["by_community"]
    return render(
        request,
        "services/overview.html",
        {
            "summary": dashboard["summary"],
            "open_by_dimension": [
                {**row, "label": localised_name(row["dimension"])}
                for row in dashboard["open_by_dimension"]
            ],
            "demand_trend": {
                "labels": trend["months"],
                "y_label": _("Requests per month"),
                # The current month is drawn dashed and named partial (overview.js).
                "partial_label": _("%(month)s (partial, to %(day)s)")
                % {
                    "month": trend["months"][-1],
                    "day": date_format(trend["partial_through"], "SHORT_DATE_FORMAT"),
                },
                "series": [
                    {"label": localised_name(s["dimension"]), "values": s["counts"]}
                    for s in trend["series"]
                ],
            },
            "partial_through": trend["partial_through"],
            "by_community": {
                "labels": by_community["communities"],
                "series": [
                    {"label": _("Open"), "values": by_community["open"]},
                    {"label": _("Finished"), "values": by_community["finished"]},
                ],
            },
        },
    )


@role_required(RESIDENT)
def my_data_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """A resident's copy of everything held about them (the page is residents' *My data*)."""
    resident = resident_actions.resident_data_export_record(user=request.user)
    if resident is None:
        raise Http404
    data = resident_data(resident=resident, account=request.user)
    if fmt == "json":
        response = HttpResponse(data.as_json(), content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(data.as_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-data.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
