"""The parameters of a run kind, declared once.

Each kind lists its parameters as :class:`Param` rows in a :class:`ParamSet`, with the checks
that need the database or several fields at once (``check``). The page's start form
(:func:`start_form`) and the API's serializer (:func:`params_serializer`, which the management
commands validate with too) are both made from that one declaration, so a bound, a default, a
label or a check is written once and both channels refuse the same input with the same message
next to the same field. :meth:`ParamSet.to_params` turns either channel's cleaned values into
the run's stored ``params`` (JSON: numbers as floats, a community as its code, a run as its id).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.forms import Form

if TYPE_CHECKING:
    from residents.community_picker import PickerScope
    from residents.models import User

# int: a whole number; number: a decimal with ``decimal_places``; month: YYYY-MM;
# community: a community the starter may plan for (page: a choice from their scope; API: a
# code); forecast_run: a successful forecast run (page: a choice; API: an id); amounts: an
# amount per active service (page: one field per service; API: an object by service code);
# cities: city codes (page: ticks); city_amounts: an amount per city (page: one field per city
# of the starter's scope; API: an object by city code).
ParamType = Literal[
    "int", "number", "month", "community", "forecast_run", "amounts", "cities", "city_amounts"
]
AMOUNT_TYPES = ("amounts", "city_amounts")

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
AMOUNT_DIGITS = 14


@dataclass(frozen=True)
class Param:
    """One parameter. ``default`` is used when it is left out (``None``: required, unless
    ``required`` is false, when it may be left out and is then not stored). A ``share`` is
    stored from 0 to 1 and shown on the page in percent (``minimum``/``maximum`` are shares).
    ``on_page``: the page's form offers it (API- and command-only otherwise)."""

    name: str
    type: ParamType
    label: Promise | str
    help: Promise | str
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    default: Any = None
    required: bool = True
    decimal_places: int = 2
    share: bool = False
    on_page: bool = True
    # ``amounts`` (``city_amounts``): the page's field for a service (city) is named this
    # prefix and the service's (city's) code.
    page_prefix: str = ""

    @property
    def optional(self) -> bool:
        return self.default is not None or not self.required


def cities_param() -> Param:
    """The cities a run covers: several make a province run, computed city by city by the
    heavy workers and merged (``analytics.partitions``)."""
    return Param(
        "cities",
        "cities",
        label=_("Cities to cover"),
        help=_(
            "The cities the run covers. Two or more: computed city by city in parallel and "
            "merged. None: every community as one computation."
        ),
        required=False,
    )


# The checks of a kind that need the database or several fields: (user, values by name) →
# messages by field name; for an ``amounts`` field, messages by service code.
Check = Callable[["User | None", Mapping[str, Any]], Mapping[str, str | Mapping[str, str]]]


@dataclass(frozen=True)
class ParamSet:
    params: tuple[Param, ...] = ()
    check: Check | None = None
    # Parameters the page shows folded away (``details``), each under its summary, e.g.
    # per-service caps: (parameter name, summary).
    folded: tuple[tuple[str, Promise | str], ...] = field(default=())

    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def to_params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The run's stored ``params`` from cleaned values (either channel's)."""
        stored: dict[str, Any] = {}
        for param in self.params:
            value = values.get(param.name)
            if value is None or (param.type in ("amounts", "cities", "city_amounts") and not value):
                continue
            if param.type == "number":
                value = float(value)
            elif param.type == "community":
                value = getattr(value, "code", value)
            elif param.type == "forecast_run":
                value = getattr(value, "pk", value)
            elif param.type in ("amounts", "city_amounts"):
                value = {str(code): float(amount) for code, amount in value.items()}
            elif param.type == "cities":
                value = sorted({str(code) for code in value})
            stored[param.name] = value
        return stored


def _amount_targets(param: Param, user) -> list[tuple[str, str]]:
    """What an amounts parameter has one page field for, as (code, label): the active
    services, or the cities of the starter's scope (those a province run may cover)."""
    from core.localisation import localised_name

    if param.type == "city_amounts":
        from analytics import partitions
        from residents.models import City

        codes = [key for key, _name in partitions.choices(user)]
        cities = {city.adcode: city for city in City.objects.filter(adcode__in=codes)}
        return [(code, localised_name(cities[code])) for code in codes if code in cities]
    return [(service.code, localised_name(service)) for service in _services()]


def _services():
    from services.models import ServiceCategory

    return ServiceCategory.objects.filter(parent__isnull=False, active=True).order_by(
        "parent__order", "order", "code"
    )


def _forecast_runs():
    from analytics.models import AnalysisRun

    return AnalysisRun.objects.filter(
        kind=AnalysisRun.Kind.FORECAST, status=AnalysisRun.Status.SUCCEEDED
    ).order_by("-finished_at", "-id")


# The page form ------------------------------------------------------------------------------


class _RunChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        finished = f"{obj.finished_at:%Y-%m-%d %H:%M}" if obj.finished_at else ""
        return f"#{obj.pk} {finished}".strip()


def _percent(value: int | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)) * 100


def _form_field(param: Param) -> forms.Field | None:
    common = {"label": param.label, "help_text": param.help, "required": not param.optional}
    if param.type == "int":
        attrs = {k: v for k, v in (("min", param.minimum), ("max", param.maximum)) if v is not None}
        return forms.IntegerField(
            min_value=param.minimum,
            max_value=param.maximum,
            initial=param.default,
            widget=forms.NumberInput(attrs=attrs),
            **common,
        )
    if param.type == "number":
        low, high = (
            (_percent(param.minimum), _percent(param.maximum))
            if param.share
            else (param.minimum, param.maximum)
        )
        attrs = {"step": "any"}
        attrs.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
        return forms.DecimalField(
            min_value=low,
            max_value=high,
            max_digits=AMOUNT_DIGITS,
            decimal_places=param.decimal_places,
            initial=param.default,
            widget=forms.NumberInput(attrs=attrs),
            **common,
        )
    if param.type == "month":
        return forms.RegexField(
            MONTH_PATTERN,
            error_messages={"invalid": _("Write a month as YYYY-MM.")},
            **common,
        )
    if param.type == "community":
        from residents.models import Community

        return forms.ModelChoiceField(queryset=Community.objects.none(), empty_label=None, **common)
    if param.type == "forecast_run":
        return _RunChoiceField(
            queryset=_forecast_runs().none(),
            empty_label=_("The latest successful forecast"),
            **common,
        )
    if param.type == "cities":
        return forms.MultipleChoiceField(
            widget=forms.CheckboxSelectMultiple, **{**common, "required": False}
        )
    return None  # amounts: one field per service, added when the form is made


def _amount_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": 0, "step": "any"}),
    )


class RunStartForm(Form):
    """The page's start form of a kind (made by :func:`start_form`). ``user`` is the one
    starting the run: a community is chosen from their scope, and the checks see them."""

    param_set: ParamSet = ParamSet()

    def __init__(
        self, *args: Any, user=None, communities: PickerScope | None = None, **kwargs: Any
    ) -> None:
        """``communities``: the page's communities with its decision whether they are too
        many to list (``residents.community_picker.picker_scope``), when the page made it
        already; otherwise the form decides for ``user``'s communities."""
        super().__init__(*args, **kwargs)
        self.user = user
        # field → (param, service or city code)
        self._amount_fields: dict[str, tuple[str, str]] = {}
        for param in self.param_set.params:
            if not param.on_page:
                continue
            if param.type == "community":
                from analytics import queries
                from residents.community_picker import picker_scope, use_community_code

                scope = communities or picker_scope(queries.community_scope(user))
                self.fields[param.name].queryset = scope.communities
                if scope.large:
                    # A province's communities are not listed: a code instead.
                    use_community_code(self.fields[param.name], scope.communities)
            elif param.type == "forecast_run":
                self.fields[param.name].queryset = _forecast_runs()
            elif param.type == "cities":
                from analytics import partitions

                choices = partitions.choices(user)
                self.fields[param.name].choices = choices
                self.fields[param.name].initial = [key for key, _name in choices]
            elif param.type in AMOUNT_TYPES:
                for code, label in _amount_targets(param, user):
                    name = f"{param.page_prefix or param.name + '_'}{code}"
                    self.fields[name] = _amount_field(label)
                    self._amount_fields[name] = (param.name, code)

    def _fields_of(self, param_name: str) -> list[str]:
        param = next(p for p in self.param_set.params if p.name == param_name)
        if param.type in AMOUNT_TYPES:
            return [n for n, (p, _code) in self._amount_fields.items() if p == param_name]
        return [param_name] if param_name in self.fields else []

    @property
    def folded_fields(self) -> list[str]:
        return [
            name for param, _summary in self.param_set.folded for name in self._fields_of(param)
        ]

    @property
    def main_fields(self) -> list:
        folded = set(self.folded_fields)
        return [self[name] for name in self.fields if name not in folded]

    @property
    def folded(self) -> list:
        return [self[name] for name in self.folded_fields]

    @property
    def folded_sections(self) -> list[tuple[str, list]]:
        """Each folded parameter's summary and fields (those with fields on this page)."""
        sections = []
        for param, summary in self.param_set.folded:
            names = self._fields_of(param)
            if names:
                sections.append((summary, [self[name] for name in names]))
        return sections

    def values(self) -> dict[str, Any]:
        """The cleaned values by parameter name (a share back from percent, amounts by
        service code, a parameter left empty at its default)."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for param in self.param_set.params:
            if param.type in AMOUNT_TYPES:
                values[param.name] = {
                    code: data[name]
                    for name, (owner, code) in self._amount_fields.items()
                    if owner == param.name and data.get(name) is not None
                }
                continue
            value = data.get(param.name) if param.on_page else None
            if value is None:
                value = param.default
            elif param.share:
                value = value / 100
            values[param.name] = value
        return values

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or self.param_set.check is None:
            return data
        fields_of = {(p, code): name for name, (p, code) in self._amount_fields.items()}
        for name, message in self.param_set.check(self.user, self.values()).items():
            if isinstance(message, Mapping):
                for code, text in message.items():
                    self.add_error(fields_of.get((name, code)), text)
            else:
                self.add_error(name if name in self.fields else None, message)
        return data

    def params(self) -> dict[str, Any]:
        return self.param_set.to_params(self.values())


def start_form(name: str, param_set: ParamSet) -> type[RunStartForm]:
    """The page's start form for ``param_set``."""
    fields = {
        p.name: _form_field(p) for p in param_set.params if p.on_page and p.type not in AMOUNT_TYPES
    }
    return type(name, (RunStartForm,), {"param_set": param_set, **fields})


# The API serializer -------------------------------------------------------------------------


def _serializer_field(param: Param) -> serializers.Field:
    common: dict[str, Any] = {"help_text": str(param.help)}
    if param.default is not None:
        common["default"] = param.default
    elif not param.required:
        common.update(required=False, allow_null=True)
    if param.type == "int":
        return serializers.IntegerField(min_value=param.minimum, max_value=param.maximum, **common)
    if param.type == "number":
        return serializers.DecimalField(
            max_digits=AMOUNT_DIGITS,
            decimal_places=param.decimal_places,
            min_value=param.minimum,
            max_value=param.maximum,
            coerce_to_string=False,
            **common,
        )
    if param.type == "month":
        return serializers.RegexField(
            MONTH_PATTERN, error_messages={"invalid": _("Write a month as YYYY-MM.")}, **common
        )
    if param.type == "community":
        return serializers.CharField(max_length=32, **common)
    if param.type == "forecast_run":
        return _ForecastRunField(**common)
    common.pop("allow_null", None)
    if param.type == "cities":
        return _CitiesField(child=serializers.CharField(max_length=32), allow_empty=True, **common)
    if param.type == "city_amounts":
        return _CityAmountsField(
            child=serializers.DecimalField(
                max_digits=AMOUNT_DIGITS, decimal_places=2, min_value=0, coerce_to_string=False
            ),
            **common,
        )
    return _AmountsField(
        child=serializers.DecimalField(
            max_digits=AMOUNT_DIGITS, decimal_places=2, min_value=0, coerce_to_string=False
        ),
        **common,
    )


class _ForecastRunField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        value = super().to_internal_value(data)
        if not _forecast_runs().filter(pk=value).exists():
            raise serializers.ValidationError(
                _("Run %(id)s is not a successful forecast run.") % {"id": value}
            )
        return value


class _CitiesField(serializers.ListField):
    """City codes the caller may analyse (``analytics.partitions``)."""

    def to_internal_value(self, data: Any) -> list:
        from analytics import partitions

        value = super().to_internal_value(data)
        request = self.context.get("request")
        allowed = {key for key, _name in partitions.choices(request.user if request else None)}
        unknown = sorted(set(map(str, value)) - allowed)
        if unknown:
            raise serializers.ValidationError(
                _("City code(s) you may not analyse here: %(codes)s.")
                % {"codes": ", ".join(unknown)}
            )
        return sorted(set(map(str, value)))


class _CityAmountsField(serializers.DictField):
    """Amounts by city code, for cities the caller may analyse."""

    def to_internal_value(self, data: Any) -> dict:
        from analytics import partitions

        value = super().to_internal_value(data)
        request = self.context.get("request")
        allowed = {key for key, _name in partitions.choices(request.user if request else None)}
        unknown = sorted(set(map(str, value)) - allowed)
        if unknown:
            raise serializers.ValidationError(
                _("City code(s) you may not analyse here: %(codes)s.")
                % {"codes": ", ".join(unknown)}
            )
        return {str(code): amount for code, amount in value.items()}


class _AmountsField(serializers.DictField):
    def to_internal_value(self, data: Any) -> dict:
        value = super().to_internal_value(data)
        unknown = sorted(set(value) - set(_services().values_list("code", flat=True)))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown service code(s): %(codes)s; use the codes of active services.")
                % {"codes": ", ".join(unknown)}
            )
        return value


class RunParamsSerializer(serializers.Serializer):
    """The API's parameters of a kind (made by :func:`params_serializer`); ``request`` in the
    context gives the user the checks see."""

    param_set: ParamSet = ParamSet()

    def validate(self, attrs: dict) -> dict:
        if self.param_set.check is None:
            return attrs
        request = self.context.get("request")
        values = {p.name: attrs.get(p.name, p.default) for p in self.param_set.params}
        for param in self.param_set.params:
            # The checks see a run as the page's form gives it: the run itself.
            if param.type == "forecast_run" and values[param.name] is not None:
                values[param.name] = _forecast_runs().get(pk=values[param.name])
        problems = self.param_set.check(request.user if request else None, values)
        if problems:
            raise serializers.ValidationError(
                {
                    name: {code: [text] for code, text in message.items()}
                    if isinstance(message, Mapping)
                    else [message]
                    for name, message in problems.items()
                }
            )
        return attrs

    def params(self) -> dict[str, Any]:
        return self.param_set.to_params(self.validated_data)


def params_serializer(name: str, param_set: ParamSet) -> type[RunParamsSerializer]:
    """The API's serializer for ``param_set``."""
    fields = {p.name: _serializer_field(p) for p in param_set.params}
    doc = "; ".join(f"{p.name}: {p.help}" for p in param_set.params) or "No parameters."
    return type(name, (RunParamsSerializer,), {"param_set": param_set, "__doc__": doc, **fields})
