"""REST API for categories, service requests and supply capacity (``/api/v1/``).

Views get querysets from ``services.queries`` (outside the caller's scope is 404), check the
role for the action (403), validate with a serializer (400), call an action (409 for a state
conflict, 422 for a reused idempotency key) and return.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from core.api import ApiViewMixin, ErrorSerializer
from core.errors import ActionNotAllowed, StateConflict
from core.ids import IdFilter
from core.pagination import ApiCursorPagination
from core.roles import is_administrator, is_worker
from residents import actions as resident_actions
from residents.models import PersonalDataAccess
from services import actions, queries, workflow
from services.filters import DEFAULT_ORDERING, RequestFilter, sort_ordering
from services.models import ServiceCategory, ServiceRequest, SupplyCapacity
from services.personal_data import resident_data
from services.serializers import (
    REPLY_ADD_SCHEMA,
    AssignSerializer,
    CapacitySerializer,
    CategoryTreeSerializer,
    CommentSerializer,
    ExpectedCompletionSerializer,
    IdempotencyConflictSerializer,
    InformationAddSerializer,
    MoveSerializer,
    NoteAddSerializer,
    RateSerializer,
    ReplyAddSerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestListSerializer,
    ReviewCloseSerializer,
    ReviewTaskSerializer,
    TransitionConflictSerializer,
    comment_data,
    move_request_schema,
)

Status = ServiceRequest.Status
IDEMPOTENCY_HEADER = "Idempotency-Key"


class RequestCursorPagination(ApiCursorPagination):
    """Newest first, by the ``(-created_at, -id)`` index, or in the order the ``sort``
    parameter names (``services.filters.SORTS``; the filter set adds the keys it sorts on)."""

    ordering = DEFAULT_ORDERING

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        return sort_ordering(request.query_params.get("sort"))


class CapacityCursorPagination(ApiCursorPagination):
    ordering = ("-period", "-id")


# Categories -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The category tree: the five dimensions, each with its active services",
        responses=CategoryTreeSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="One category by code, with its services (none for a service itself)",
        responses=CategoryTreeSerializer,
    ),
)
class CategoryViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = None
    filter_backends: list = []
    serializer_class = CategoryTreeSerializer

    def get_queryset(self):
        if self.action == "list":
            return queries.category_tree()
        return queries.category_list()

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        # One shape for both levels, as the schema says: a service's ``services`` is empty.
        category = self.get_object()
        return Response(
            CategoryTreeSerializer(category, context=self.get_serializer_context()).data
        )


# Requests ----------------------------------------------------------------------------------------


def _move_endpoint(name: str, summary: str, url_path: str | None = None):
    """One endpoint per move of ``workflow.MOVES`` (``accept``, ``reject``...): the move's
    rules, its verb and the possible moves come from that one table."""
    move = workflow.MOVES_BY_NAME[name]

    def endpoint(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, move=move)

    endpoint.__name__ = name
    endpoint = action(detail=True, methods=["post"], url_path=url_path or name)(endpoint)
    who = {
        (workflow.STAFF,): "Workers for the requests of their communities; administrators for "
        "all. ",
        (workflow.RESIDENT,): "The resident who made the request. ",
        (workflow.STAFF, workflow.RESIDENT): "Workers of the request's community, "
        "administrators, and the resident who made it (within "
        f"{workflow.REOPEN_WINDOW_DAYS} days of the resolution). ",
    }[move.actors]
    needs = ""
    if move.reasons:
        needs = "Needs `reason`, one of " + ", ".join(f"`{r}`" for r in move.reasons)
        needs += " (`other` needs a `note` too). " if len(move.reasons) > 1 else " (implied). "
    if move.needs_assignee:
        needs += "The request must have a worker assigned. "
    return extend_schema(
        summary=summary,
        description=(
            who
            + f"Applies to requests that are {' or '.join(f'`{s}`' for s in move.sources)}; "
            + f"moves them to `{move.target}`"
            + (f" (or `{move.fallback_target}`)" if move.fallback_target else "")
            + " and records who, when, the reason and the note. "
            + needs
            + "A move that does not apply is 409 with `allowed_transitions` and "
            "`allowed_actions`; one its status allows but the request cannot take now (it "
            "needs someone assigned, or a reopen is past its window) is 409 with `detail` "
            "alone."
        ),
        request=move_request_schema(move),
        responses={
            200: RequestDetailSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
            404: OpenApiResponse(ErrorSerializer, description="Not in your scope."),
            409: OpenApiResponse(TransitionConflictSerializer, description="Invalid move."),
        },
    )(endpoint)


@extend_schema_view(
    list=extend_schema(
        summary="List requests in scope, newest first (cursor pagination)",
        description=(
            "Residents see their own requests, workers those of their communities, "
            "administrators all. Follow `next`/`previous`; there is no total count."
        ),
    ),
    retrieve=extend_schema(summary="One request with its status history"),
)
class ServiceRequestViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = r"[0-9]+"
    pagination_class = RequestCursorPagination
    filterset_class = RequestFilter
    serializer_class = RequestListSerializer
    queryset = ServiceRequest.objects.none()  # for the schema; requests come from queries

    def get_queryset(self):
        if self.action == "list":
            return queries.request_rows(user=self.request.user)
        return queries.request_list(user=self.request.user)

    def filter_queryset(self, queryset):
        # django-filter builds (and deep-copies) a form on every call; a plain page, with no
        # filter in the query string, has nothing for it to check or apply.
        if self.request.query_params.keys().isdisjoint(RequestFilter.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_context(self) -> dict:
        # One clock for a whole page, so rows agree on what is overdue.
        return {**super().get_serializer_context(), "now": timezone.now()}

    def get_serializer_class(self):
        if self.action == "list":
            return RequestListSerializer
        return RequestDetailSerializer

    def get_serializer(self, *args, **kwargs):
        if self.action == "list" and args:
            # The page's rows are plain values: their assignees are named in one query.
            kwargs["context"] = {
                **self.get_serializer_context(),
                "assignee_names": queries.assignee_names(
                    user=self.request.user, assignee_ids=[row["assigned_to_id"] for row in args[0]]
                ),
            }
        return super().get_serializer(*args, **kwargs)

    def _detail(self, pk) -> ServiceRequest:
        item = queries.request_get(user=self.request.user, pk=pk)
        if item is None:
            raise Http404
        return item

    def _detail_response(self, pk, **kwargs) -> Response:
        data = RequestDetailSerializer(self._detail(pk), context=self.get_serializer_context()).data
        return Response(data, **kwargs)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self._detail_response(kwargs["pk"])

    @extend_schema(
        summary="Submit a request (idempotent with an Idempotency-Key header)",
        description=(
            "The category must be an active second-level service; the community one you may "
            "log for (residents: their own, which is the default); `attributes` answer the "
            "category's `extra_fields`. With an `Idempotency-Key`, a retry with the same body "
            "returns the first request (header `Idempotent-Replayed: true`) and creates "
            "nothing; the same key with a different body is 422."
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                {"type": "string", "maxLength": actions.IDEMPOTENCY_KEY_MAX_LENGTH},
                OpenApiParameter.HEADER,
                required=False,
                description=(
                    "A client-chosen unique key per request "
                    f"(up to {actions.IDEMPOTENCY_KEY_MAX_LENGTH} printable characters)."
                ),
            )
        ],
        request=RequestCreateSerializer,
        responses={
            201: RequestDetailSerializer,
            400: OpenApiResponse(description="Field-level messages."),
            422: OpenApiResponse(IdempotencyConflictSerializer, description="Key reused."),
        },
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        serializer = RequestCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            submission = actions.request_submit_idempotent(
                user=request.user, idempotency_key=key, **data
            )
        except StateConflict:
            raise
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict") and "idempotency_key" in exc.error_dict:
                # The action's rule for the key, named as the caller sent it: the header.
                raise ValidationError(
                    {IDEMPOTENCY_HEADER: exc.message_dict["idempotency_key"]}
                ) from None
            raise _with_nested_answers(exc, data["category"]) from None
        item = submission.request
        if submission.replayed:
            response = self._detail_response(item.pk, status=status.HTTP_201_CREATED)
            response["Idempotent-Replayed"] = "true"
        else:
            # Everything the detail shows is in memory, its first history row included.
            data = RequestDetailSerializer(item, context=self.get_serializer_context()).data
            response = Response(data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("request-detail", args=[item.pk], request=request)
        return response

    def _scoped(self, pk) -> ServiceRequest:
        try:
            item = queries.request_list(user=self.request.user).filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            item = None
        if item is None:
            raise Http404
        return item

    def _move(self, request: Request, *, move: workflow.Move) -> Response:
        item = self._scoped(self.kwargs["pk"])
        if queries.move_actor(user=request.user, request=item, move=move) is None:
            if move.made_by(workflow.STAFF):
                raise ActionNotAllowed(_("Only the workers of this community change its status."))
            raise ActionNotAllowed(_("Only the resident who made the request can do this."))
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actions.request_move(
            user=request.user, request=item, move=move.name, **serializer.validated_data
        )
        return self._detail_response(item.pk)

    accept = _move_endpoint("accept", "Accept a submitted request")
    start = _move_endpoint("start", "Start work on an assigned request")
    resolve = _move_endpoint("resolve", "Resolve a request in progress")
    unassign = _move_endpoint("unassign", "Hand an assigned request back (unassign it)")
    close = _move_endpoint("close", "Close a resolved request")
    reject = _move_endpoint("reject", "Reject a request, with a reason")
    close_unresolved = _move_endpoint(
        "close_unresolved",
        "Close a request without resolving it, with a reason",
        url_path="close-unresolved",
    )
    reopen = _move_endpoint("reopen", "Reopen a resolved request (back to its worker)")
    withdraw = _move_endpoint("withdraw", "Withdraw an open request (its resident)")

    @extend_schema(
        summary="Assign a request to a worker of its community",
        request=AssignSerializer,
        responses={
            200: RequestDetailSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
            409: OpenApiResponse(TransitionConflictSerializer, description="Invalid move."),
        },
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        item = self._scoped(pk)
        if not queries.may_work_request(user=request.user, request=item):
            raise ActionNotAllowed(_("Only the workers of this community assign its requests."))
        serializer = AssignSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        actions.request_assign(user=request.user, request=item, **serializer.validated_data)
        return self._detail_response(item.pk)

    @extend_schema(
        summary="Move the expected completion of an open request (the resident is told)",
        request=ExpectedCompletionSerializer,
        responses={
            200: RequestDetailSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
            404: OpenApiResponse(ErrorSerializer, description="Not in your scope."),
            409: OpenApiResponse(ErrorSerializer, description="The request is not open."),
        },
    )
    @action(detail=True, methods=["post"], url_path="expected-completion")
    def expected_completion(self, request: Request, pk: str | None = None) -> Response:
        item = self._scoped(pk)
        if not queries.may_work_request(user=request.user, request=item):
            raise ActionNotAllowed(_("Only the workers of this community change its requests."))
        serializer = ExpectedCompletionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actions.request_expected_completion_set(
            user=request.user, request=item, **serializer.validated_data
        )
        return self._detail_response(item.pk)

    def _comment_response(self, comment) -> Response:
        return Response(comment_data(comment, self.request), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a staff-only internal note (never shown to the resident)",
        request=NoteAddSerializer,
        responses={
            201: CommentSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
            404: OpenApiResponse(ErrorSerializer, description="Not in your scope."),
        },
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        item = self._scoped(pk)
        if not queries.may_work_request(user=request.user, request=item):
            raise ActionNotAllowed(_("Only the workers of this community write its notes."))
        serializer = NoteAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._comment_response(
            actions.request_note_add(user=request.user, request=item, **serializer.validated_data)
        )

    @extend_schema(
        summary="Reply to the resident (public), optionally from a canned reply",
        request=REPLY_ADD_SCHEMA,
        responses={
            201: CommentSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
            404: OpenApiResponse(ErrorSerializer, description="Not in your scope."),
        },
    )
    @action(detail=True, methods=["post"])
    def replies(self, request: Request, pk: str | None = None) -> Response:
        item = self._scoped(pk)
        if not queries.may_work_request(user=request.user, request=item):
            raise ActionNotAllowed(_("Only the workers of this community reply to its requests."))
        serializer = ReplyAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._comment_response(
            actions.request_reply_add(user=request.user, request=item, **serializer.validated_data)
        )

    @extend_schema(
        summary="Add information or a photo to an open request (the resident who made it)",
        request={
            "multipart/form-data": InformationAddSerializer,
            "application/json": InformationAddSerializer,
        },
        responses={
            201: CommentSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Not your request."),
            404: OpenApiResponse(ErrorSerializer, description="Not in your scope."),
            409: OpenApiResponse(ErrorSerializer, description="The request is not open."),
        },
    )
    @action(detail=True, methods=["post"])
    def information(self, request: Request, pk: str | None = None) -> Response:
        item = self._scoped(pk)
        if not queries.owns_request(user=request.user, request=item):
            raise ActionNotAllowed(_("Only the resident who made the request can add to it."))
        serializer = InformationAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._comment_response(
            actions.request_information_add(
                user=request.user, request=item, **serializer.validated_data
            )
        )

    @extend_schema(
        summary="Rate a resolved request (the resident who made it, once, 1-5)",
        request=RateSerializer,
        responses={
            200: RequestDetailSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Not your request to rate."),
            409: OpenApiResponse(ErrorSerializer, description="Not resolved, or rated."),
        },
    )
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, pk: str | None = None) -> Response:
        item = self._scoped(pk)
        if not queries.may_rate_request(user=request.user, request=item):
            raise ActionNotAllowed(_("Only the resident who made the request can rate it."))
        serializer = RateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actions.request_rate(user=request.user, request=item, **serializer.validated_data)
        return self._detail_response(item.pk)


def _with_nested_answers(exc: DjangoValidationError, category: ServiceCategory) -> ValidationError:
    """The action keys errors of extra-field answers by the question's code (as Open311
    reports them); the API nests them under ``attributes``."""
    if not hasattr(exc, "error_dict"):
        return ValidationError({"non_field_errors": exc.messages})
    top_level = set(RequestCreateSerializer._declared_fields)
    detail: dict = {}
    for field, messages in exc.message_dict.items():
        if field == "__all__":
            detail["non_field_errors"] = messages
        elif field in top_level:
            detail[field] = messages
        else:  # a question's code, known or not
            detail.setdefault("attributes", {})[field] = messages
    return ValidationError(detail)


# Reviews of low ratings ----------------------------------------------------------------------------


class IsAdministrator(permissions.BasePermission):
    message = gettext_lazy("Only administrators review low ratings.")

    def has_permission(self, request: Request, view) -> bool:
        return is_administrator(request.user)


class ReviewCursorPagination(ApiCursorPagination):
    ordering = ("-opened_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Reviews of low ratings (administrators), newest first",
        description=(
            "A rating of 2 or less opens one for the community's supervisor: the administrator "
            "linked to the community (`supervisor`), or any administrator when none is (null)."
        ),
    ),
    retrieve=extend_schema(summary="One review of a low rating"),
)
class ReviewTaskViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [permissions.IsAuthenticated, IsAdministrator]
    lookup_value_regex = r"[0-9]+"
    serializer_class = ReviewTaskSerializer
    pagination_class = ReviewCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        return queries.review_task_list(user=self.request.user)

    @extend_schema(
        summary="Close a review with its outcome (a note is needed for no_action)",
        request=ReviewCloseSerializer,
        responses={
            200: ReviewTaskSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Administrators only."),
            404: OpenApiResponse(ErrorSerializer, description="No such review."),
            409: OpenApiResponse(ErrorSerializer, description="Already closed."),
        },
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        serializer = ReviewCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = actions.review_task_close(user=request.user, task=task, **serializer.validated_data)
        return Response(ReviewTaskSerializer(task).data)


# Supply capacity -----------------------------------------------------------------------------------


class CapacityPermission(permissions.BasePermission):
    """Administrators: everything. Workers: read, for their communities. Residents: nothing."""

    message = gettext_lazy("Only administrators change supply capacity; workers may read it.")

    def has_permission(self, request: Request, view) -> bool:
        if is_administrator(request.user):
            return True
        return is_worker(request.user) and request.method in permissions.SAFE_METHODS


class CapacityFilter(django_filters.FilterSet):
    # An id, not a choice among the communities: an unknown one lists nothing (as residents).
    community = IdFilter(field_name="community_id")
    category = django_filters.CharFilter(field_name="category__code")
    period_from = django_filters.DateFilter(field_name="period", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period", lookup_expr="lte")

    class Meta:
        model = SupplyCapacity
        fields = ["community", "category", "provider", "source", "period"]


@extend_schema_view(
    list=extend_schema(summary="Supply capacity in scope (workers: their communities)"),
    retrieve=extend_schema(summary="One capacity row"),
    create=extend_schema(
        summary="Set capacity for a community, service, month and provider (administrators)",
        description="Creates the row (201) or replaces the one for that key (200).",
        responses={201: CapacitySerializer, 200: CapacitySerializer},
    ),
    update=extend_schema(summary="Change a capacity row (administrators)"),
    partial_update=extend_schema(summary="Change fields of a capacity row (administrators)"),
    destroy=extend_schema(summary="Delete a capacity row (administrators)"),
)
class CapacityViewSet(ApiViewMixin, viewsets.ModelViewSet):
    permission_classes = [permissions.IsAuthenticated, CapacityPermission]
    lookup_value_regex = r"[0-9]+"
    serializer_class = CapacitySerializer
    pagination_class = CapacityCursorPagination
    filterset_class = CapacityFilter

    def get_queryset(self):
        return queries.capacity_list(user=self.request.user)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, created = actions.capacity_set(user=request.user, **serializer.validated_data)
        return Response(
            self.get_serializer(row).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        row = self.get_object()
        serializer = self.get_serializer(row, data=request.data, partial=kwargs.get("partial"))
        serializer.is_valid(raise_exception=True)
        row = actions.capacity_update(
            user=request.user, supply_capacity=row, **serializer.validated_data
        )
        return Response(self.get_serializer(row).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        actions.capacity_delete(user=request.user, supply_capacity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyDataView(ApiViewMixin, APIView):
    """``residents/me/data/``: the resident's copy of everything held about them."""

    @extend_schema(
        summary="The signed-in resident's copy of all their data (JSON; recorded in the audit)",
        description=(
            "Account, profile with identifiers in clear, portrait facts and consents, requests "
            "with their history, and the personal-data audit entries about the resident. The "
            "download itself is recorded. The CSV form is on the web page My data."
        ),
        responses={
            200: OpenApiResponse(description="All the resident's data."),
            403: OpenApiResponse(
                ErrorSerializer, description="Only residents download their own data."
            ),
            404: OpenApiResponse(ErrorSerializer, description="No profile."),
        },
    )
    def get(self, request: Request) -> Response:
        resident = resident_actions.resident_data_export_record(
            user=request.user, channel=PersonalDataAccess.Channel.API
        )
        if resident is None:
            raise Http404
        response = Response(resident_data(resident=resident, account=request.user).as_dict())
        response["Cache-Control"] = "no-store"
        return response
