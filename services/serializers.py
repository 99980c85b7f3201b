"""API shapes for categories, service requests and supply capacity. Serializers validate and
shape; every write goes through ``services.actions``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.functional import lazy
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from core import time_bounds
from core.api import (
    RELATED_ERRORS_WITHOUT_ECHO,
    ApiModelSerializer,
    ChoiceFieldWithoutEcho,
    CodeRelatedField,
    ErrorSerializer,
    WritableChoiceField,
)
from core.api_schema import body_needs_a_field
from residents.models import Community, Resident, User
from residents.queries import resident_list
from services import queries, workflow
from services.actions import (
    LATITUDE_BOUND,
    LONGITUDE_BOUND,
    latitude_problem,
    longitude_problem,
)
from services.extra_fields import DATATYPES
from services.media import photo_not_a_file, photo_type_problem
from services.models import (
    CAPACITY_BUDGET_MINIMUM,
    CAPACITY_BUDGET_NEGATIVE,
    CAPACITY_SOURCES_WRITTEN_DIRECTLY,
    RequestComment,
    RequestStatusChange,
    ReviewTask,
    ServiceCategory,
    ServiceRequest,
    SupplyCapacity,
)

ASSIGNED_TO_NAME_HELP = (
    "The assigned worker's name as the pages show it: the full name when set, else the user "
    "name (a resident's name masked). Null when nobody is assigned, and for a resident, "
    "whose pages do not name the worker."
)


def _request_user(serializer: serializers.Serializer) -> User | None:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up among what the requesting user may act for: ``scope(user=...)``
    (a function of ``residents.queries``). The scoped queryset is built only when a value
    arrives, so an optional field left out costs nothing; ``queryset`` (empty) documents the
    model for the schema and is what a caller without a signed-in user gets."""

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.queryset
        return self.scope(user=user)


def _every_refusal_says(problem: Callable[[], str], keys: Iterable[str]) -> dict[str, str]:
    """DRF's error messages of a field, each replaced by ``problem()`` in the reader's
    language (evaluated when a refusal is made, not at import)."""
    message = lazy(problem, str)()
    return dict.fromkeys(keys, message)


class CoordinateField(serializers.FloatField):
    """A request's optional latitude or longitude within ``bound`` degrees: anything else
    (text that is no number, such as a form's "null", or a number beyond the bound) is
    refused with the action's one message, ``problem()``, which says what to send. A form's
    empty value is not sent (DRF reads an empty form field as null), and null is the default.
    """

    def __init__(self, *, bound: int, problem: Callable[[], str], **kwargs):
        keys = ("invalid", "min_value", "max_value", "max_string_length", "overflow")
        kwargs.setdefault("error_messages", _every_refusal_says(problem, keys))
        super().__init__(
            min_value=-bound,
            max_value=bound,
            required=False,
            allow_null=True,
            default=None,
            **kwargs,
        )


class PhotoField(serializers.ImageField):
    """An optional photo: a file in a multipart body. Text in its place (any JSON or
    URL-encoded value, a form's "null") is refused saying to send a file; a file that is no
    image, or is empty, with the type rule of ``services.media``, which the action checks too
    (with the size)."""

    def __init__(self, **kwargs):
        error_messages = {
            **_every_refusal_says(photo_not_a_file, ("invalid", "no_name")),
            **_every_refusal_says(photo_type_problem, ("empty", "invalid_image")),
        }
        kwargs.setdefault("error_messages", error_messages)
        super().__init__(required=False, allow_null=True, default=None, **kwargs)


# Categories -------------------------------------------------------------------------------------


class CategorySerializer(ApiModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = ServiceCategory
        fields = [
            "code",
            "name",
            "name_zh",
            "description",
            "dimension",
            "parent",
            "sla_hours",
            "unit_cost",
            "extra_fields",
            "active",
            "order",
        ]
        read_only_fields = fields
        # The model's help is worded for the person editing the catalogue; a client reads
        # the stored shape.
        extra_kwargs = {
            "extra_fields": {
                "help_text": "The questions the category asks, as GeoReport v2 attributes: "
                "a list of objects with `code`, `label`, `datatype` "
                f"({', '.join(f'`{d}`' for d in DATATYPES)}), `required`, and `values` "
                "(`key`, `name`) for list types."
            }
        }


class CategoryTreeSerializer(CategorySerializer):
    """A first-level category (a dimension of the index) with its concrete services."""

    services = serializers.SerializerMethodField()

    class Meta(CategorySerializer.Meta):
        fields = [*CategorySerializer.Meta.fields, "services"]
        read_only_fields = fields

    @extend_schema_field(CategorySerializer(many=True))
    def get_services(self, category: ServiceCategory) -> list[dict]:
        children = getattr(category, "services", None)
        if children is None:
            children = category.children.filter(active=True).order_by("order", "code")
        return CategorySerializer(children, many=True, context=self.context).data


# Requests -------------------------------------------------------------------------------------


# Statuses outside the request's own ``status`` field are plain strings in the schema, so the
# status enum is documented once (StatusEnum) rather than under several names.
_STATUS_HELP = "One of the request statuses (see StatusEnum)."


def _status_string(**kwargs) -> serializers.CharField:
    return serializers.CharField(help_text=_STATUS_HELP, **kwargs)


class StatusChangeSerializer(ApiModelSerializer):
    from_status = _status_string(read_only=True)
    to_status = _status_string(read_only=True)
    reason = serializers.CharField(
        read_only=True,
        help_text="Why it was rejected, closed without resolution or withdrawn (a reason code "
        "of the lifecycle, see the API guide), else empty.",
    )

    class Meta:
        model = RequestStatusChange
        fields = ["from_status", "to_status", "changed_at", "changed_by", "note", "reason"]
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The reason's code, sent back as `reason`.")
    label = serializers.CharField(help_text="The reason in the reader's language.")


class AllowedMoveSerializer(serializers.Serializer):
    """One move the viewer may make on the request now (``services.workflow``)."""

    move = serializers.CharField(
        help_text="The move's code: POST /api/v1/requests/{id}/{move}/ (`close_unresolved` "
        "at close-unresolved/)."
    )
    label = serializers.CharField(help_text="The move's verb in the reader's language.")
    target = _status_string()
    target_label = serializers.CharField(help_text="That status in the reader's language.")
    needs_reason = serializers.BooleanField(help_text="`reason` is required.")
    reasons = ReasonSerializer(many=True, help_text="The reasons to choose from.")
    needs_assignee = serializers.BooleanField(help_text="The request must have a worker.")
    takes_assignee = serializers.BooleanField(help_text="The move names a worker (`assignee`).")


def allowed_moves_data(item: ServiceRequest, user: User | None) -> list[dict]:
    """The moves ``user`` may make on ``item`` now, coded and worded (the request page offers
    the same list, ``queries.moves_available``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [
        {
            "move": move.name,
            "label": str(move.verb),
            "target": str(move.target),
            "target_label": workflow.status_label(move.target),
            # A single reason (withdraw) is implied; the API takes it without being told.
            "needs_reason": len(move.reasons) > 1,
            "reasons": [
                {"code": str(reason), "label": str(workflow.Reason(reason).label)}
                for reason in move.reasons
            ],
            "needs_assignee": move.needs_assignee,
            "takes_assignee": move.takes_assignee,
        }
        for move in queries.moves_available(user=user, request=item)
    ]


class CommentSerializer(ApiModelSerializer):
    """A reply, a piece of information or (staff only) an internal note on a request."""

    photo = serializers.ImageField(read_only=True, use_url=True, allow_null=True)

    class Meta:
        model = RequestComment
        fields = ["id", "kind", "text", "photo", "author", "created_at"]
        read_only_fields = fields


def comment_data(comment: RequestComment, request=None) -> dict:
    """``CommentSerializer``'s output, built directly (the detail builds its own)."""
    photo = None
    if comment.photo:
        photo = comment.photo.url
        if request is not None:
            photo = request.build_absolute_uri(photo)
    return {
        "id": comment.pk,
        "kind": comment.kind,
        "text": comment.text,
        "photo": photo,
        "author": comment.author_id,
        "created_at": _datetime(comment.created_at),
    }


class RequestRowSerializer(ApiModelSerializer):
    """A request as lists show it: no history, no answers."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    assigned_to_name = serializers.SerializerMethodField(help_text=ASSIGNED_TO_NAME_HELP)

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "status",
            "category",
            "community",
            "resident",
            "urgency",
            "channel",
            "description",
            "created_at",
            "expected_completion_at",
            "resolved_at",
            "is_overdue",
            "assigned_to",
            "assigned_to_name",
            "satisfaction",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assigned_to_name(self, item: ServiceRequest) -> str | None:
        return _assignee_name(item, _request_user(self))


def _assignee_name(item: ServiceRequest, viewer: User | None) -> str | None:
    if item.assigned_to_id is None or viewer is None or not queries.sees_assignee_names(viewer):
        return None
    return item.assigned_to.display_name


def _datetime(value) -> str | None:
    """As DRF's DateTimeField renders it: ISO 8601 in the current time zone, UTC as Z."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _row(item: ServiceRequest, viewer: User | None) -> dict:
    """``RequestRowSerializer``'s output for a model instance, built directly."""
    return {
        "id": item.pk,
        "status": item.status,
        "category": item.category.code,
        "community": item.community_id,
        "resident": item.resident_id,
        "urgency": item.urgency,
        "channel": item.channel,
        "description": item.description,
        "created_at": _datetime(item.created_at),
        "expected_completion_at": _datetime(item.expected_completion_at),
        "resolved_at": _datetime(item.resolved_at),
        "is_overdue": item.is_overdue,
        "assigned_to": item.assigned_to_id,
        "assigned_to_name": _assignee_name(item, viewer),
        "satisfaction": item.satisfaction,
    }


class RequestListSerializer(RequestRowSerializer):
    """``RequestRowSerializer``'s output, built directly from a row of
    ``queries.request_rows`` (a dict): a page holds up to 200 rows and DRF's per-field
    machinery was most of the list endpoint's time. (The declared fields still document the
    schema; a test checks both give the same output.)"""

    def to_representation(self, row: dict) -> dict:
        now = self.context.get("now") or timezone.now()
        return {
            "id": row["id"],
            "status": row["status"],
            "category": row["category_code"],
            "community": row["community_id"],
            "resident": row["resident_id"],
            "urgency": row["urgency"],
            "channel": row["channel"],
            "description": row["description"],
            "created_at": _datetime(row["created_at"]),
            "expected_completion_at": _datetime(row["expected_completion_at"]),
            "resolved_at": _datetime(row["resolved_at"]),
            "is_overdue": ServiceRequest.overdue(row["status"], row["expected_completion_at"], now),
            "assigned_to": row["assigned_to_id"],
            # Named for the page in one query by the view (``queries.assignee_names``).
            "assigned_to_name": self.context.get("assignee_names", {}).get(row["assigned_to_id"]),
            "satisfaction": row["satisfaction"],
        }


class RequestDetailFieldsSerializer(RequestRowSerializer):
    """A request with its answers, photo and history, through DRF's generic fields: the
    schema's description of ``RequestDetailSerializer`` and the yardstick its test uses."""

    history = StatusChangeSerializer(source="history_rows", many=True, read_only=True)
    allowed_transitions = serializers.ListField(
        child=_status_string(),
        read_only=True,
        help_text="Statuses this request may move to next.",
    )
    allowed_moves = serializers.SerializerMethodField(
        help_text="The moves you may make on this request now, with their worded labels."
    )
    photo = serializers.ImageField(read_only=True, use_url=True)
    comments = CommentSerializer(
        source="comment_rows",
        many=True,
        read_only=True,
        help_text="Replies and the resident's information; for staff also internal notes.",
    )

    class Meta(RequestRowSerializer.Meta):
        fields = [
            *RequestRowSerializer.Meta.fields,
            "attributes",
            "address_string",
            "latitude",
            "longitude",
            "photo",
            "logged_by",
            "updated_at",
            "satisfaction_comment",
            "allowed_transitions",
            "allowed_moves",
            "history",
            "comments",
        ]
        read_only_fields = fields

    @extend_schema_field(AllowedMoveSerializer(many=True))
    def get_allowed_moves(self, item: ServiceRequest) -> list[dict]:
        return allowed_moves_data(item, _request_user(self))


class RequestDetailSerializer(RequestDetailFieldsSerializer):
    """``RequestDetailFieldsSerializer``'s output, built directly: every create answers with
    the detail, and building a ModelSerializer's fields per response cost a request intake
    about a fifth of its time. (A test checks both give the same output.)"""

    def to_representation(self, item: ServiceRequest) -> dict:
        photo = None
        if item.photo:
            photo = item.photo.url
            request = self.context.get("request")
            if request is not None:
                photo = request.build_absolute_uri(photo)
        return {
            **_row(item, _request_user(self)),
            "attributes": item.attributes,
            "address_string": item.address_string,
            "latitude": item.latitude,
            "longitude": item.longitude,
            "photo": photo,
            "logged_by": item.logged_by_id,
            "updated_at": _datetime(item.updated_at),
            "satisfaction_comment": item.satisfaction_comment,
            "allowed_transitions": list(item.allowed_transitions()),
            "allowed_moves": allowed_moves_data(item, _request_user(self)),
            "history": [
                {
                    "from_status": change.from_status,
                    "to_status": change.to_status,
                    "changed_at": _datetime(change.changed_at),
                    "changed_by": change.changed_by_id,
                    "note": change.note,
                    "reason": change.reason,
                }
                for change in item.history_rows
            ],
            "comments": [
                comment_data(comment, self.context.get("request"))
                for comment in getattr(item, "comment_rows", [])
            ],
        }


class RequestCreateSerializer(serializers.Serializer):
    """Input of a new request. Residents may leave out ``community`` (their own is used) and
    ``resident`` (themself); workers name the community and, optionally, the resident."""

    category = CodeRelatedField(
        error_messages=RELATED_ERRORS_WITHOUT_ECHO,
        slug_field="code",
        queryset=ServiceCategory.objects.all(),
        help_text="Code of a second-level (concrete) service, e.g. water_supply.",
    )
    # Communities are public reference data, so any may be named here; whether the user may
    # log for it is the action's check (400 on this field naming the rule).
    community = serializers.PrimaryKeyRelatedField(
        error_messages=RELATED_ERRORS_WITHOUT_ECHO,
        queryset=Community.objects.all(),
        required=False,
    )
    resident = ScopedPrimaryKeyRelatedField(
        scope=resident_list,
        error_messages=RELATED_ERRORS_WITHOUT_ECHO,
        queryset=Resident.objects.none(),
        required=False,
        allow_null=True,
    )
    description = serializers.CharField(max_length=4000)
    urgency = ChoiceFieldWithoutEcho(
        choices=ServiceRequest.Urgency.choices, default=ServiceRequest.Urgency.NORMAL
    )
    channel = ChoiceFieldWithoutEcho(
        choices=ServiceRequest.Channel.choices,
        required=False,
        help_text=(
            "How the need reached the service; who may send which depends on the caller, so "
            "the enum lists every channel. A resident's own requests come through "
            "self_service (their default); any other from a resident is refused, 400 on "
            "channel. Workers and administrators log community_worker (their default), "
            "hotline or open311; self_service from them is refused, 400 on channel. The "
            "refusal names each channel the caller may send by its label in the caller's "
            "language, with the code to send in brackets."
        ),
    )
    attributes = serializers.DictField(
        required=False,
        default=dict,
        help_text="Answers to the category's extra_fields, keyed by their code.",
    )
    address_string = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    latitude = CoordinateField(bound=LATITUDE_BOUND, problem=latitude_problem)
    longitude = CoordinateField(bound=LONGITUDE_BOUND, problem=longitude_problem)
    photo = PhotoField()

    def validate(self, attrs: dict) -> dict:
        if attrs.get("community") is None:
            own = getattr(_request_user(self), "resident_profile", None)
            if own is None:
                raise serializers.ValidationError({"community": ["This field is required."]})
            attrs["community"] = own.community
        return attrs


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MoveSerializer(NoteSerializer):
    reason = ChoiceFieldWithoutEcho(
        choices=workflow.Reason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (reject, close without resolution): one of the move's reasons.",
    )


def _reason_body(name: str, reasons: tuple[str, ...], *, explained: bool):
    """For the schema: a move's body with ``reason`` one of ``reasons`` (required), and a
    ``note`` that must say something when ``explained``."""
    # A pattern rather than an enum: enums of overlapping reason sets would each need a
    # component name of their own.
    reason = serializers.CharField(
        validators=[RegexValidator("^(" + "|".join(reasons) + ")$")],
        help_text="Why: one of " + ", ".join(reasons) + ".",
    )
    if explained:
        # The actions trim the note and refuse "other" without one: at least one letter.
        note = serializers.CharField(
            max_length=2000,
            validators=[RegexValidator(r"\S")],
            help_text="Required with this reason: what it is.",
        )
    else:
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    return type(name, (serializers.Serializer,), {"reason": reason, "note": note})


def move_request_schema(move: workflow.Move):
    """The body of ``move`` as the schema documents it. A move that needs a reason (reject,
    close without resolution) takes one of *its* reasons, and ``other`` only with a note:
    ``MoveSerializer`` (which reads every move's body) checks that against the move, and here
    the same table, ``workflow.MOVES``, states it for clients."""
    if len(move.reasons) <= 1:
        return MoveSerializer
    title = move.name.title().replace("_", "")
    plain = tuple(r for r in move.reasons if r not in workflow.REASONS_NEEDING_A_NOTE)
    noted = tuple(r for r in move.reasons if r in workflow.REASONS_NEEDING_A_NOTE)
    return PolymorphicProxySerializer(
        component_name=f"{title}Move",
        serializers=[
            _reason_body(f"{title}ReasonSerializer", plain, explained=False),
            _reason_body(f"{title}ReasonExplainedSerializer", noted, explained=True),
        ],
        resource_type_field_name=None,
    )


class AssignSerializer(NoteSerializer):
    # Among the workers the caller may assign (``queries.assignee_choices``): a worker of
    # another area is "no such object", as an id that does not exist, not a refusal that
    # says an active worker has it.
    assignee = ScopedPrimaryKeyRelatedField(
        scope=queries.assignee_choices,
        error_messages=RELATED_ERRORS_WITHOUT_ECHO,
        queryset=User.objects.none(),
        help_text="A community worker who serves the request's community.",
    )


class ExpectedCompletionSerializer(serializers.Serializer):
    expected_completion_at = serializers.DateTimeField(
        help_text="ISO 8601, in the future; the resident is told of the new time."
    )


class NoteAddSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ReplyAddSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    canned = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="Code of a canned reply offered for the request's service; with no text, "
        "the reply is that reply's text in the caller's language.",
    )


@body_needs_a_field  # text, a photo or both: an empty body is refused, naming text
class InformationAddSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    photo = PhotoField()


def _one_of_bodies(component: str, branches: dict[str, dict]) -> PolymorphicProxySerializer:
    """For the schema: a body that is exactly one of ``branches`` (name → fields)."""
    return PolymorphicProxySerializer(
        component_name=component,
        serializers=[
            type(f"{component}{name}Serializer", (serializers.Serializer,), fields)
            for name, fields in branches.items()
        ],
        resource_type_field_name=None,
    )


def _said() -> serializers.CharField:
    """Text that says something (the actions trim it and refuse it empty)."""
    return serializers.CharField(max_length=2000, validators=[RegexValidator(r"\S")])


# A reply says something: its text, or a canned reply's (whose text it takes when it has
# none). The schema's two exclusive shapes; ``ReplyAddSerializer`` reads either.
REPLY_ADD_SCHEMA = _one_of_bodies(
    "ReplyAdd",
    {
        "Written": {
            "text": _said(),
            "canned": serializers.CharField(required=False, allow_blank=True, max_length=0),
        },
        "Canned": {
            "canned": serializers.CharField(
                max_length=64, help_text="Code of a canned reply offered for the request's service."
            ),
            "text": serializers.CharField(max_length=2000, required=False, allow_blank=True),
        },
    },
)


class RateSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# Reviews of low ratings -------------------------------------------------------------------------


class ReviewTaskSerializer(ApiModelSerializer):
    class Meta:
        model = ReviewTask
        fields = [
            "id",
            "request",
            "rating",
            "supervisor",
            "state",
            "opened_at",
            "outcome",
            "outcome_note",
            "closed_by",
            "closed_at",
        ]
        read_only_fields = fields


class ReviewCloseSerializer(serializers.Serializer):
    outcome = ChoiceFieldWithoutEcho(choices=ReviewTask.Outcome.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# Supply capacity ---------------------------------------------------------------------------------


def capacity_written_source_choices() -> list[tuple[str, str]]:
    """The sources a client writes, as choices: the schema names their enum apart from the
    enum of every source a row holds (``ENUM_NAME_OVERRIDES``; drf-spectacular would give
    both sets one name, the request's and the response's component being one to it)."""
    return [
        (value, label)
        for value, label in SupplyCapacity.Source.choices
        if value in CAPACITY_SOURCES_WRITTEN_DIRECTLY
    ]


class CapacitySerializer(ApiModelSerializer):
    category = CodeRelatedField(
        slug_field="code", queryset=ServiceCategory.objects.filter(parent__isnull=False)
    )
    period = serializers.DateField(
        help_text="Any date in the month; stored as the first day of the month."
    )
    # Every source is read; only those a person writes are accepted (a plan's rows come from
    # approving the plan), and the schema lists each set for its direction.
    source = WritableChoiceField(
        choices=SupplyCapacity.Source.choices,
        writable=CAPACITY_SOURCES_WRITTEN_DIRECTLY,
        required=False,  # left out: the action's default on a create, unchanged on a change
    )

    class Meta:
        model = SupplyCapacity
        fields = [
            "id",
            "community",
            "category",
            "period",
            "provider",
            "capacity",
            "budget",
            "source",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["id", "created_by", "created_at"]
        # The model's bound, stated in the schema (``minimum``, no minus sign in the pattern).
        extra_kwargs = {
            "budget": {
                "min_value": CAPACITY_BUDGET_MINIMUM,
                "error_messages": {"min_value": CAPACITY_BUDGET_NEGATIVE},
            }
        }
        validators: list = []  # the action checks one row per community/category/month/provider

    def validate_period(self, value):
        problem = time_bounds.period_problem(value, today=timezone.localdate())
        if problem:
            raise serializers.ValidationError(problem)
        return value


# Error bodies (documentation of the API's error responses) -----------------------------------


class TransitionConflictSerializer(ErrorSerializer):
    """A move refused by the request's state. The four fields below come with ``code``
    ``invalid_transition`` (the lifecycle has no such move from this status); a move the
    status allows but the request cannot take now (one that needs someone assigned, a reopen
    past its window) answers ``code`` ``conflict`` with ``detail`` alone."""

    current_status = _status_string(required=False)
    requested_status = _status_string(required=False)
    allowed_transitions = serializers.ListField(child=_status_string(), required=False)
    allowed_actions = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="The moves possible now (their endpoints).",
    )


class IdempotencyConflictSerializer(ErrorSerializer):
    original_request = serializers.IntegerField()
