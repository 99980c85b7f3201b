"""Web forms for service requests. They validate input and shape it for the actions in
``services/actions.py``; they never write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from core.forms import Form
from core.localisation import localised_name
from geography.gcj02 import gcj02_to_wgs84
from residents.community_picker import PickerScope, picker_scope
from residents.community_tree import use_community_tree
from residents.models import Community
from services import workflow
from services.actions import LATITUDE_BOUND, LONGITUDE_BOUND
from services.models import ReviewTask, ServiceCategory, ServiceRequest

EXTRA_PREFIX = "extra__"

# The catalogue's extra-field labels and answers are data (they also feed Open311 clients in
# English); they are listed here so that makemessages collects them and the pages can show
# them in Chinese.
CATALOGUE_STRINGS = (
    gettext_noop("What is wrong?"),
    gettext_noop("Pothole"),
    gettext_noop("Subsidence or collapse"),
    gettext_noop("Street light out"),
    gettext_noop("Child's year of birth"),
    gettext_noop("School level"),
    gettext_noop("Kindergarten"),
    gettext_noop("Primary school"),
    gettext_noop("Junior secondary school"),
    gettext_noop("Kind of help"),
    gettext_noop("Meals"),
    gettext_noop("Cleaning"),
    gettext_noop("Bathing and personal care"),
    gettext_noop("Escort to a clinic"),
)


@dataclass(frozen=True)
class FormVoice:
    """The request form's texts that speak of the resident whose need it is. One rule for
    who is addressed: the resident's own form says "you" and "your home"; a worker filling
    it in for someone else reads "the resident" instead, in both languages."""

    description_label: str
    address_help: str
    # ``%(km)s``: how far from the community a location may be.
    location_help: str


TO_THE_RESIDENT = FormVoice(
    description_label=_("Describe what you need"),
    address_help=_("Where the problem is, if not at your home address."),
    location_help=_(
        "Where the need is, if it helps: pick it on the map, use your device's location, or "
        "type the coordinates (WGS-84, as GPS gives them). It must be within %(km)s km of the "
        "community. Leave it empty for your home or the community as a whole."
    ),
)
ABOUT_THE_RESIDENT = FormVoice(
    description_label=_("Describe the need"),
    address_help=_("Where the problem is, if not at the resident's home address."),
    location_help=_(
        "Where the need is, if it helps: pick it on the map, use your device's location, or "
        "type the coordinates (WGS-84, as GPS gives them). It must be within %(km)s km of the "
        "community. Leave it empty for the resident's home or the community as a whole."
    ),
)


def extra_field_name(category_code: str, field_code: str) -> str:
    return f"{EXTRA_PREFIX}{category_code}__{field_code}"


def _extra_form_field(spec: dict) -> forms.Field:
    """One Django form field for one of a category's extra questions (Open311 datatypes).

    Every extra field is optional at form level: whether an answer is needed depends on the
    service chosen, which ``request_submit`` checks.
    """
    label = gettext(spec.get("label") or spec["code"])
    datatype = spec.get("datatype", "string")
    choices = [(v["key"], gettext(v.get("name") or v["key"])) for v in spec.get("values", [])]
    field = _extra_form_field_of_type(datatype, label, choices)
    # Shown as required in the page; ``request_submit`` enforces it for the chosen service.
    field.shown_required = bool(spec.get("required"))
    return field


def _extra_form_field_of_type(datatype: str, label: str, choices: list) -> forms.Field:
    if datatype == "number":
        return forms.DecimalField(label=label, required=False)
    if datatype == "datetime":
        return forms.DateTimeField(
            label=label,
            required=False,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        )
    if datatype == "text":
        return forms.CharField(
            label=label, required=False, widget=forms.Textarea(attrs={"rows": 3})
        )
    if datatype == "singlevaluelist":
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *choices])
    if datatype == "multivaluelist":
        return forms.MultipleChoiceField(
            label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    return forms.CharField(label=label, required=False, max_length=500)


def _json_value(value: object) -> object:
    """Answers are stored as JSON: decimals become numbers, datetimes ISO 8601 strings."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def category_choices(categories: Iterable[ServiceCategory]) -> list:
    """Second-level categories grouped under their dimension, in the active language."""
    groups: dict[int, tuple[ServiceCategory, list]] = {}
    for category in categories:
        if category.parent is None:
            continue
        groups.setdefault(category.parent_id, (category.parent, []))[1].append(
            (category.pk, localised_name(category))
        )
    return [("", "—")] + [
        (localised_name(parent), options)
        for parent, options in sorted(groups.values(), key=lambda g: (g[0].order, g[0].code))
    ]


class CategorySelect(forms.Select):
    """A ``<select>`` whose options carry their dimension, for the two-level picker's script."""

    def __init__(self, *args, option_dimensions: dict[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_dimensions = option_dimensions or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        dimension = self.option_dimensions.get(_as_int(value))
        if dimension:
            option["attrs"]["data-dimension"] = dimension
        return option


def _as_int(value: object) -> int | None:
    value = getattr(value, "value", value)  # ModelChoiceIteratorValue
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RequestForm(Form):
    """A new service request: two-level category picker, description, optional photo,
    community or address, and the chosen category's extra questions."""

    dimension = forms.ChoiceField(
        label=_("Area of need"),
        required=False,
        help_text=_("Narrows the list of services below."),
    )
    category = forms.ModelChoiceField(
        label=_("Service"), queryset=ServiceCategory.objects.none(), empty_label="—"
    )
    description = forms.CharField(
        label=TO_THE_RESIDENT.description_label,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=ServiceRequest.Urgency.choices,
        initial=ServiceRequest.Urgency.NORMAL,
    )
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), empty_label="—"
    )
    address_string = forms.CharField(
        label=_("Address or place"),
        required=False,
        max_length=255,
        help_text=TO_THE_RESIDENT.address_help,
    )
    photo = forms.ImageField(label=_("Photo"), required=False, help_text=_("Optional; up to 5 MB."))
    # The location: optional, picked on the map or from the device (static/js/
    # location_picker.js), or typed. Stored in WGS-84; a point picked on GCJ-02 tiles comes
    # with ``location_datum`` "gcj02" and is converted back here.
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-LATITUDE_BOUND,
        max_value=LATITUDE_BOUND,
        widget=forms.NumberInput(attrs={"step": "any", "data-location": "latitude"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-LONGITUDE_BOUND,
        max_value=LONGITUDE_BOUND,
        widget=forms.NumberInput(attrs={"step": "any", "data-location": "longitude"}),
    )
    location_datum = forms.ChoiceField(
        required=False,
        choices=[("wgs84", "WGS-84"), ("gcj02", "GCJ-02")],
        widget=forms.HiddenInput(attrs={"data-location": "datum"}),
    )

    LOCATION_FIELDS = ("latitude", "longitude", "location_datum")
    # Who the form's texts address (``FormVoice``); set on the fields in ``__init__``.
    voice = TO_THE_RESIDENT

    def __init__(
        self,
        *args,
        categories: Iterable[ServiceCategory],
        communities: QuerySet[Community] | PickerScope,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["description"].label = self.voice.description_label
        self.fields["address_string"].help_text = self.voice.address_help
        categories = [c for c in categories if c.active]
        leaves = [c for c in categories if c.parent_id]
        # Whether the communities are too many to list, decided once: the page's view reads
        # it from here (``community_scope``) for the location picker's landmarks.
        self.community_scope = picker_scope(communities)
        use_community_tree(self.fields["community"], self.community_scope)
        if not self.community_scope.large and self.community_scope.communities.count() == 1:
            self.fields["community"].initial = self.community_scope.communities.first()
        self.fields["category"].queryset = ServiceCategory.objects.filter(
            pk__in=[c.pk for c in leaves]
        )
        # The widget first: setting a field's choices hands them to its current widget.
        self.fields["category"].widget = CategorySelect(
            attrs={"data-service-select": ""},
            option_dimensions={c.pk: c.parent.dimension for c in leaves},
        )
        self.fields["category"].choices = category_choices(leaves)
        parents = {c.parent_id: c.parent for c in leaves}
        self.fields["dimension"].choices = [("", "—")] + [
            (p.dimension, localised_name(p))
            for p in sorted(parents.values(), key=lambda p: (p.order, p.code))
        ]
        self.fields["dimension"].widget.attrs["data-dimension-select"] = ""

        # Every category's extra questions are on the page; the script shows the chosen one's.
        self.extra_groups: list[tuple[ServiceCategory, list[str]]] = []
        for category in leaves:
            names = []
            for spec in category.extra_fields or []:
                name = extra_field_name(category.code, spec["code"])
                self.fields[name] = _extra_form_field(spec)
                names.append(name)
            if names:
                self.extra_groups.append((category, names))

    def extra_fieldsets(self) -> list[tuple[ServiceCategory, list[forms.BoundField]]]:
        return [(c, [self[name] for name in names]) for c, names in self.extra_groups]

    def base_fields_for_template(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in self.fields
            if not name.startswith(EXTRA_PREFIX) and name not in self.LOCATION_FIELDS
        ]

    def fields_through_service(self) -> list[forms.BoundField]:
        """The fields up to the service select. The page puts the services' own questions
        right after these, so the chosen service's question appears where the eye already is
        (on a phone it was a map and a photo further down)."""
        fields = self.base_fields_for_template()
        return fields[: self._after_service(fields)]

    def fields_after_service(self) -> list[forms.BoundField]:
        fields = self.base_fields_for_template()
        return fields[self._after_service(fields) :]

    @staticmethod
    def _after_service(fields: list[forms.BoundField]) -> int:
        return next(i for i, field in enumerate(fields) if field.name == "category") + 1

    def location_fields(self) -> list[forms.BoundField]:
        return [self["latitude"], self["longitude"]]

    def location_help(self, *, max_km: float) -> str:
        return self.voice.location_help % {"km": number_format(max_km, decimal_pos=0)}

    def clean(self) -> dict:
        # Collect the chosen category's answers; ``request_submit`` checks them (required,
        # datatypes) and its errors come back next to these fields (``add_submit_errors``).
        cleaned = super().clean()
        category = cleaned.get("category")
        attributes = {}
        if category is not None:
            for spec in category.extra_fields or []:
                value = cleaned.get(extra_field_name(category.code, spec["code"]))
                if value not in (None, "", []):
                    attributes[spec["code"]] = _json_value(value)
        cleaned["attributes"] = attributes
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None) and not self.has_error("latitude"):
            self.add_error(
                "latitude" if latitude is None else "longitude",
                _("Give both latitude and longitude, or neither."),
            )
        elif latitude is not None and cleaned.get("location_datum") == "gcj02":
            cleaned["latitude"], cleaned["longitude"] = gcj02_to_wgs84(latitude, longitude)
        return cleaned

    def add_submit_errors(self, exc: ValidationError) -> None:
        """Put ``request_submit``'s errors next to the fields they concern: answers are keyed
        by the question's code, the rest by the form field's name."""
        category = self.cleaned_data.get("category")
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for key, messages in exc.message_dict.items():
            field = key if key in self.fields else None
            if field is None and category is not None:
                name = extra_field_name(category.code, key)
                field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)

    def note_photo_not_kept(self) -> None:
        """A browser cannot put a chosen file back into a page, so a form shown again with a
        problem has lost the photo it carried: say so beside the photo (and so in the error
        summary), or the request would be sent without it, unnoticed."""
        if self.is_bound and self.errors and self.files.get("photo") and "photo" not in self.errors:
            self.add_error(
                "photo",
                _(
                    "Choose the photo again: the page cannot keep it while another field has a problem."
                ),
            )

    def action_kwargs(self) -> dict:
        """The validated input, named as ``request_submit`` takes it."""
        data = self.cleaned_data
        return {
            "category": data["category"],
            "community": data["community"],
            "description": data["description"],
            "urgency": data["urgency"],
            "address_string": data.get("address_string", ""),
            "attributes": data["attributes"],
            "photo": data.get("photo"),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
        }


class WorkerRequestForm(RequestForm):
    """A need logged by a community worker, on the resident's behalf or without a resident."""

    channel = forms.ChoiceField(
        label=_("How the need reached you"),
        choices=[
            (
                ServiceRequest.Channel.COMMUNITY_WORKER,
                ServiceRequest.Channel.COMMUNITY_WORKER.label,
            ),
            (ServiceRequest.Channel.HOTLINE, ServiceRequest.Channel.HOTLINE.label),
        ],
        initial=ServiceRequest.Channel.COMMUNITY_WORKER,
    )

    # The worker writes down someone else's need.
    voice = ABOUT_THE_RESIDENT

    def action_kwargs(self) -> dict:
        return {**super().action_kwargs(), "channel": self.cleaned_data["channel"]}


class RatingForm(Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with the service?"),
        coerce=int,
        choices=[
            (5, _("5 – very satisfied")),
            (4, _("4 – satisfied")),
            (3, _("3 – neither satisfied nor dissatisfied")),
            (2, _("2 – dissatisfied")),
            (1, _("1 – very dissatisfied")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _reason_choices() -> list:
    """The reasons a worker picks from (``workflow``), each named once, in the page's language."""
    picked = dict.fromkeys([*workflow.REJECT_REASONS, *workflow.CLOSE_UNRESOLVED_REASONS])
    return [("", "—")] + [(r, workflow.Reason(r).label) for r in picked]


class MoveForm(Form):
    """One move of a request (a button per move the page offers), with its reason and note."""

    # The move and the reason come from the page's buttons and list: a missing or unknown one
    # is an old or altered page, and the message says so without repeating the code sent.
    move = forms.ChoiceField(
        label=_("Action"),
        choices=[(m.name, m.verb) for m in workflow.MOVES],
        error_messages={
            "required": _("Choose one of the buttons under the note."),
            "invalid_choice": _(
                "This request offers no such action: reload the page and choose again."
            ),
        },
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=_reason_choices,
        help_text=_("Needed to reject a request or to close it without resolution."),
        error_messages={"invalid_choice": _("Choose one of the listed reasons.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the resident in the request's history."),
    )


class NoteForm(Form):
    """A staff-only internal note."""

    def __init__(self, *args, **kwargs):
        # Several forms share the request page: each has its own element ids.
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)

    text = forms.CharField(
        label=_("Internal note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seen by staff only, never by the resident."),
    )


class CannedSelect(forms.Select):
    """The canned replies, each option carrying its text for the page's script to fill in."""

    def __init__(self, *args, texts: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.texts = texts or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.texts:
            option["attrs"]["data-text"] = self.texts[value]
        return option


class ReplyForm(Form):
    """A public reply to the resident, optionally started from a canned reply."""

    canned = forms.ChoiceField(label=_("Canned reply"), required=False)
    text = forms.CharField(
        label=_("Reply to the resident"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "data-reply-text": ""}),
        help_text=_("The resident sees this reply on the request."),
    )

    def __init__(self, *args, replies=(), **kwargs):
        kwargs.setdefault("auto_id", "reply_%s")
        super().__init__(*args, **kwargs)
        self.fields["canned"].widget = CannedSelect(
            attrs={"data-canned-reply": ""}, texts={r.code: str(r.text) for r in replies}
        )
        self.fields["canned"].choices = [("", "—")] + [(r.code, r.title) for r in replies]

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("text") and not cleaned.get("canned"):
            self.add_error("text", _("Write a reply or pick a canned one."))
        return cleaned


class InformationForm(Form):
    """Information the resident adds to an open request: text, a photo, or both."""

    text = forms.CharField(
        label=_("Add information"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.ImageField(label=_("Photo"), required=False, help_text=_("Optional; up to 5 MB."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "information_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("text") and not cleaned.get("photo"):
            self.add_error("text", _("Write something or attach a photo."))
        return cleaned


class ReviewCloseForm(Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *ReviewTask.Outcome.choices]
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was found and done; needed when no action is taken."),
    )


class AssignForm(Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None, empty_label="—")
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, assignees, **kwargs):
        kwargs.setdefault("auto_id", "assign_%s")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = _person_label


class ExpectedCompletionForm(Form):
    expected_completion_at = forms.DateTimeField(
        label=_("New expected completion"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("The resident is told of the new time."),
    )


def _person_label(user) -> str:
    return user.display_name


class SavedFilterForm(Form):
    """Save the queue's current view (its query string) under a name."""

    name = forms.CharField(label=_("Name of this view"), max_length=60)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


class BulkActionForm(Form):
    """A move applied to the selected queue rows: the same moves, reasons and rules as the
    request page (``workflow.STAFF_MOVES``), assigning included."""

    selected = forms.TypedMultipleChoiceField(
        label=_("Selected requests"),
        coerce=int,
        error_messages={"required": _("Select at least one request.")},
    )
    move = forms.ChoiceField(
        label=_("Action"),
        choices=[("", "—")] + [(m.name, m.verb) for m in workflow.STAFF_MOVES],
        error_messages={"required": _("Choose the action.")},
    )
    assignee = forms.ModelChoiceField(
        label=_("Worker"),
        required=False,
        queryset=None,
        empty_label="—",
        help_text=_("Who to assign the requests to (“Assign”)."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=_reason_choices,
        help_text=_("Needed to reject or to close without resolution."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, request_ids: Iterable[int], assignees, **kwargs):
        super().__init__(*args, **kwargs)
        # Only rows the worker may see can be chosen: anything else is refused as invalid.
        self.fields["selected"].choices = [(pk, pk) for pk in request_ids]
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = _person_label

    def clean(self) -> dict:
        cleaned = super().clean()
        move = workflow.MOVES_BY_NAME.get(cleaned.get("move") or "")
        if move is not None and move.takes_assignee and not cleaned.get("assignee"):
            self.add_error("assignee", _("Choose who to assign the requests to."))
        if move is not None and len(move.reasons) > 1 and not cleaned.get("reason"):
            self.add_error("reason", _("Choose why."))
        return cleaned
