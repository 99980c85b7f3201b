"""Serializers of the analysis-runs API: run output (with progress and the result as the caller
may see it), starting a run (each kind's parameters are its own serializer,
``analytics.kinds.<kind>.params``), and plan approval."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from analytics import kinds, reports
from analytics.models import AnalysisRun
from core.api import ApiModelSerializer, ChoiceFieldWithoutEcho

Kind = AnalysisRun.Kind


# Parameters per kind ------------------------------------------------------------------------


def _params_serializer(kind: str) -> type[serializers.Serializer]:
    return kinds.get(kind).serializer


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="RunParams",
        serializers=lambda: [kind.serializer for kind in kinds.registry().values()],
        resource_type_field_name=None,
    )
)
class RunParamsField(serializers.JSONField):
    """Parameters of the run; which keys are allowed depends on ``kind``."""


# Runs ---------------------------------------------------------------------------------------


class RunCreateSerializer(serializers.Serializer):
    kind = ChoiceFieldWithoutEcho(choices=Kind.choices)
    params = RunParamsField(
        required=False,
        default=dict,
        help_text=(
            "portraits: {as_of?}; forecast: {horizon (1-6)}; allocation: {budget, "
            "min_coverage?, forecast_run?, category_budgets?}; equalization: {}; what_if: "
            "{community, older_residents_added?, schools_added?, population_change_percent?, "
            "horizon?}."
        ),
    )

    def validate(self, attrs: dict) -> dict:
        params = attrs.get("params") or {}
        if not isinstance(params, dict):
            raise serializers.ValidationError({"params": [_("params must be a JSON object.")]})
        checker = _params_serializer(attrs["kind"])(data=params, context=self.context)
        if not checker.is_valid():
            raise serializers.ValidationError({"params": checker.errors})
        unknown = sorted(set(params) - set(checker.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    "params": [
                        _("Unknown parameter(s) for this kind of run: %(names)s.")
                        % {"names": ", ".join(unknown)}
                    ]
                }
            )
        return {"kind": attrs["kind"], "params": checker.params()}


def _run_create_of(name: str) -> type[serializers.Serializer]:
    """The body that starts a run of the kind ``name``, for the schema: ``kind`` is that kind
    and ``params`` its parameters, required when any parameter is (a what-if scenario's
    ``community``, an allocation's ``budget``)."""
    params = kinds.get(name).serializer
    needed = any(field.required for field in params().fields.values())
    return type(
        f"{name.title().replace('_', '')}RunCreateSerializer",
        (serializers.Serializer,),
        {
            "__doc__": f"Start a run of the kind {name}.",
            "kind": serializers.ChoiceField(choices=[(name, name)]),
            "params": params(required=needed),
        },
    )


# The schema of the body that starts a run: one shape per kind, told apart by ``kind``, so a
# client (and the fuzzing tests) can see which parameters each kind needs.
RUN_CREATE_SCHEMA = PolymorphicProxySerializer(
    component_name="RunCreate",
    serializers=lambda: {name: _run_create_of(name) for name in kinds.NAMES},
    resource_type_field_name="kind",
)


class AnalysisRunSerializer(ApiModelSerializer):
    # Plain strings in the output: enums named "kind" and "status" exist elsewhere in the API,
    # and one name per choice set keeps the schema's enum components unambiguous.
    kind = serializers.CharField(
        read_only=True, help_text="portraits, forecast, allocation, equalization or what_if."
    )
    status = serializers.CharField(
        read_only=True, help_text="queued, running, succeeded or failed."
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    progress_message = serializers.SerializerMethodField(
        help_text="What the run is doing now, in the request's language."
    )
    error = serializers.SerializerMethodField(
        help_text="Why the run failed, in the request's language (empty unless it failed)."
    )
    error_code = serializers.SerializerMethodField(
        help_text="A stable code for why the run failed, when the engine gave one."
    )
    page = serializers.SerializerMethodField(help_text="The run's web page.")
    parts = serializers.SerializerMethodField(
        help_text=(
            "A run over several cities is computed city by city: its parts (city code and "
            "name, status, progress, attempts), empty for a run computed whole. The run's "
            "progress is the mean of its parts'."
        )
    )

    class Meta:
        model = AnalysisRun
        fields = [
            "id",
            "kind",
            "status",
            "finished",
            "progress",
            "progress_message",
            "params",
            "data_fingerprint",
            "data_cutoff",
            "error",
            "error_code",
            "timings",
            "attempts",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "approved_by",
            "approved_at",
            "page",
            "parts",
        ]
        read_only_fields = fields

    def get_progress_message(self, run: AnalysisRun) -> str:
        return reports.run_progress_text(run)

    def get_error(self, run: AnalysisRun) -> str:
        return reports.run_error_text(run)

    def get_error_code(self, run: AnalysisRun) -> str:
        parts = run.error_parts or []
        return str(parts[0].get("code", "")) if parts and isinstance(parts[0], dict) else ""

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "partition": {"type": "string"},
                    "name": {"type": "string"},
                    "status": {"type": "string"},
                    "status_display": {"type": "string"},
                    "progress": {"type": "integer"},
                    "progress_message": {"type": "string"},
                    "attempts": {"type": "integer"},
                },
            },
        }
    )
    def get_parts(self, run: AnalysisRun) -> list[dict]:
        return [part.to_json() for part in reports.run_parts(run)]

    def get_page(self, run: AnalysisRun) -> str:
        from django.urls import reverse

        path = reverse("analytics:run_detail", kwargs={"pk": run.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AnalysisRunDetailSerializer(AnalysisRunSerializer):
    result = serializers.SerializerMethodField(
        help_text=(
            "The run's result (null until it succeeded). For community workers the "
            "per-community parts list only the communities they serve."
        )
    )

    class Meta(AnalysisRunSerializer.Meta):
        fields = [*AnalysisRunSerializer.Meta.fields, "result"]
        read_only_fields = fields

    # Null until the run succeeded, as the help text says (schemathesis found the schema
    # promising an object).
    @extend_schema_field({"type": "object", "additionalProperties": {}, "nullable": True})
    def get_result(self, run: AnalysisRun) -> dict | None:
        request = self.context.get("request")
        if request is None:
            return None
        result = kinds.get(run.kind).for_audience(run, request.user)
        return None if result is None else result.to_json()


class PlanApprovalSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=["approved", "superseded", "revoked"], help_text="The plan's state now."
    )
    already = serializers.BooleanField(
        help_text="True when the plan was in this state already (nothing was written)."
    )
    lines_written = serializers.IntegerField(
        help_text="Plan supply rows created or changed for the plan's month."
    )
    lines_removed = serializers.IntegerField(help_text="Plan supply rows removed.")
    period = serializers.CharField(help_text="The plan's month, YYYY-MM.")
    approved_at = serializers.DateTimeField()
    replaced_run = serializers.IntegerField(
        allow_null=True, help_text="The run whose plan this one replaced, if any."
    )
