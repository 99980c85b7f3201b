"""REST API for analysis runs (``/api/v1/analysis-runs/``).

Administrators list, read and start every kind of run and approve allocation plans.
Community workers read portrait and forecast runs (results cut to their communities), and start
and read their own what-if scenarios for the communities they serve.
Residents may do nothing here (403). A run outside the caller's scope is 404.
"""

from __future__ import annotations

import django_filters
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from analytics import actions, queries, reports
from analytics.models import AnalysisRun
from analytics.serializers import (
    RUN_CREATE_SCHEMA,
    AnalysisRunDetailSerializer,
    AnalysisRunSerializer,
    PlanApprovalSerializer,
    RunCreateSerializer,
)
from core.api import ApiViewMixin, ErrorSerializer
from core.pagination import ApiCursorPagination
from core.roles import is_administrator, is_worker


class MayReadRuns(permissions.BasePermission):
    message = _("Only community workers and administrators may see analysis runs.")

    def has_permission(self, request: Request, view) -> bool:
        return is_worker(request.user) or is_administrator(request.user)


class MayStartRuns(permissions.BasePermission):
    message = _(
        "Only administrators may start analysis runs or approve plans; community workers may "
        "start what-if scenarios."
    )

    def has_permission(self, request: Request, view) -> bool:
        if is_administrator(request.user):
            return True
        if view.action != "create" or not isinstance(request.data, dict):
            return False
        # Which community is in scope is checked with the parameters (400 naming the field).
        return queries.may_start_kind(request.user, request.data.get("kind"))


class RunFilter(django_filters.FilterSet):
    class Meta:
        model = AnalysisRun
        fields = ["kind", "status"]


class RunCursorPagination(ApiCursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="List analysis runs in scope, newest first, with status and progress",
        description=(
            "Administrators see every run; community workers see portrait and forecast runs "
            "and the what-if scenarios they started for communities they serve. "
            "Poll a run (or this list) for `status` and `progress` while it is queued or running."
        ),
        responses={
            200: AnalysisRunSerializer(many=True),
            403: OpenApiResponse(ErrorSerializer, description="Residents may not see runs."),
        },
    ),
    retrieve=extend_schema(
        summary="One analysis run with its progress and result",
        responses={
            200: AnalysisRunDetailSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Residents may not see runs."),
            404: OpenApiResponse(ErrorSerializer, description="Not in your scope."),
        },
    ),
    create=extend_schema(
        summary="Start an analysis run (administrators; workers: what-if scenarios)",
        description=(
            "Validates `params` for the `kind` and queues the run; it executes in a Celery "
            "worker (or at once when no broker is configured). Answers 202 with the run: poll "
            "it until `finished`. Bad input in the data (e.g. an infeasible coverage floor) "
            "makes the run fail with a message in `error`."
        ),
        request=RUN_CREATE_SCHEMA,
        responses={
            202: AnalysisRunSerializer,
            400: OpenApiResponse(description="Invalid kind or parameters, by field."),
            403: OpenApiResponse(
                ErrorSerializer,
                description="Only administrators; community workers only what-if scenarios.",
            ),
            503: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "The task broker is unreachable: the run is recorded as failed and none is "
                    "left queued. Try again after Retry-After seconds."
                ),
            ),
        },
    ),
)
class AnalysisRunViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    pagination_class = RunCursorPagination
    filterset_class = RunFilter
    serializer_class = AnalysisRunSerializer
    queryset = AnalysisRun.objects.none()  # for the schema; runs come from queries

    def get_permissions(self):
        needed = MayStartRuns if self.action in ("create", "approve", "revoke") else MayReadRuns
        return [permissions.IsAuthenticated(), needed()]

    def get_queryset(self):
        runs = queries.runs_for(self.request.user).select_related("created_by", "approved_by")
        if self.action == "list":
            return runs.defer("result")
        return runs

    def get_serializer_class(self):
        if self.action == "create":
            return RunCreateSerializer
        if self.action == "retrieve":
            return AnalysisRunDetailSerializer
        return AnalysisRunSerializer

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = RunCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        run = actions.analysis_run_start(user=request.user, **serializer.validated_data)
        # With eager execution the run may already be finished: answer with its state now.
        run.refresh_from_db()
        body = AnalysisRunSerializer(run, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Approve an allocation plan (administrators)",
        description=(
            "Writes the plan's whole units, at the plan's cost, as the month's plan supply, by "
            "provider, in one transaction (audited). Approving an approved plan again writes "
            "nothing (already: true). With another plan approved for the month, send "
            "replace=true to replace it; without it, 409 names that plan. 409 also when the "
            "run is not a finished whole-unit allocation, or its plan was replaced or revoked."
        ),
        parameters=[
            OpenApiParameter(
                "replace", bool, description="Replace the month's approved plan by this one."
            )
        ],
        request=None,
        responses={
            200: PlanApprovalSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Only administrators."),
            404: OpenApiResponse(ErrorSerializer, description="No such run."),
            409: OpenApiResponse(ErrorSerializer, description="The plan cannot be approved."),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk=None) -> Response:
        replace = str(
            request.query_params.get("replace") or request.data.get("replace") or ""
        ).lower() in ("1", "true", "yes")
        return self._plan_decide(
            request,
            pk,
            lambda run: actions.allocation_plan_approve(
                run_id=run.pk, user=request.user, replace=replace
            ),
            refusal_code="plan_not_approvable",
        )

    @extend_schema(
        summary="Revoke an approved allocation plan (administrators)",
        description=(
            "Restores the month's supply as it was before the plan (the plan it replaced is "
            "approved again, or the plan supply is removed). Revoking a revoked plan again "
            "changes nothing (already: true); 409 for a plan never approved or replaced."
        ),
        request=None,
        responses={
            200: PlanApprovalSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Only administrators."),
            404: OpenApiResponse(ErrorSerializer, description="No such run."),
            409: OpenApiResponse(ErrorSerializer, description="The plan cannot be revoked."),
        },
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk=None) -> Response:
        return self._plan_decide(
            request,
            pk,
            lambda run: actions.allocation_plan_revoke(run_id=run.pk, user=request.user),
            refusal_code="plan_not_revocable",
        )

    def _plan_decide(self, request: Request, pk, decide, *, refusal_code: str) -> Response:
        """One plan decision on a run the user may see: its answer, or 409 naming why not."""
        run = queries.run_get(user=request.user, pk=self._pk(pk))
        if run is None:
            raise Http404
        try:
            decision = decide(run)
        except actions.PlanNotApprovable as exc:
            return Response(
                {"detail": str(exc), "code": refusal_code}, status=status.HTTP_409_CONFLICT
            )
        return Response(self._decision_body(run, decision))

    @staticmethod
    def _decision_body(run, decision) -> dict:
        plan = decision.plan
        return PlanApprovalSerializer(
            {
                "run": run.pk,
                "state": plan.state,
                "already": decision.already,
                "lines_written": decision.written,
                "lines_removed": decision.removed,
                "period": reports.month_of((run.result or {}).get("period")),
                "approved_at": plan.approved_at,
                "replaced_run": plan.replaced.run_id if plan.replaced_id else None,
            }
        ).data

    @staticmethod
    def _pk(value) -> int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise Http404 from None
