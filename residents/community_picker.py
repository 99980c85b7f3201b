"""Community pickers that stay small however many communities a user answers for.

A worker serves a handful of communities and a district administrator a hundred or two: their
pages list every community (``residents.community_tree``). A province or nationwide
administrator answers for tens of thousands, and a page with one ``<option>`` per community
took tens of seconds to build and megabytes to send. Above ``COMMUNITY_PICKER_MAX_OPTIONS``
communities in the set a picker offers (the one threshold, a setting), pages ask for an
area first:

* an area ``<select>``: the areas holding the offered communities, from the widest that tell
  them apart (a province administrator's cities, and their districts while the list stays
  within the threshold), and the areas inside the chosen one, so that without JavaScript a
  person narrows step by step (choose a city, press the button, choose one of its districts);
* the community ``<select>`` lists the chosen area's communities once they are few enough
  (at most the threshold), grouped as the community tree groups them;
* with JavaScript (``static/js/area_picker.js``) choosing an area asks ``community_picker_data``
  (a small JSON answer, the areas inside it and, when few enough, its communities) and fills
  both lists without a page load.

Which communities are offered is decided by the caller, always through
``residents.queries.community_choices`` (the one scope mechanism); this module only arranges
them. Communities without an area in the administrative-division tree can be reached only
when the set is small (the plain tree picker lists them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms import Script
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.widgets import FastSelect
from residents.community_tree import (
    PATH_RELATED,
    PICKER_LEVELS_SCRIPT,
    SEPARATOR,
    CommunityTreeSelect,
    community_path,
    group_label,
    tree_choices,
)
from residents.models import Area, Community

AREA_PICKER_SCRIPT = Script("js/area_picker.js", defer=True)


def picker_limit() -> int:
    """The most communities (and areas) one picker lists on a page."""
    return settings.COMMUNITY_PICKER_MAX_OPTIONS


def is_large(communities: QuerySet[Community]) -> bool:
    """Whether ``communities`` are too many to list on a page (counts at most one past the
    threshold, so a nationwide scope is not counted whole). A page decides it once, through
    ``picker_scope``."""
    limit = picker_limit()
    return communities.order_by()[: limit + 1].count() > limit


@dataclass(frozen=True)
class PickerScope:
    """The communities a page's pickers offer (already scoped by the caller) and whether they
    are too many to list, decided once for the page: its filter or form and its view read
    ``large`` from here instead of counting again."""

    communities: QuerySet[Community]
    large: bool


def picker_scope(communities: QuerySet[Community] | PickerScope) -> PickerScope:
    """``communities`` with the decision made (a ``PickerScope`` is passed through as it is)."""
    if isinstance(communities, PickerScope):
        return communities
    return PickerScope(communities=communities, large=is_large(communities))


def _prefixes(path: str) -> list[str]:
    """``"51/5101/510104/"`` → ``["51/", "51/5101/", "51/5101/510104/"]``."""
    return [path[: i + 1] for i, char in enumerate(path) if char == "/"]


def _code(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class AreaChoice:
    """An area a picker offers: its official code (the value sent), its names from the
    widest area the picker shows down to it, and how many offered communities it holds."""

    code: str
    label: str
    communities: int


@dataclass(frozen=True)
class CommunityChoice:
    """A community a picker offers, with the names of the places above it."""

    id: int
    code: str
    name: str
    group: str


class ScopeAreas:
    """The areas holding a set of communities, with how many of them each holds (one
    grouped query over the communities; area rows are read only for what is shown)."""

    def __init__(self, communities: QuerySet[Community]):
        self.communities = communities
        self.counts: dict[str, int] = defaultdict(int)
        self.direct: dict[str, int] = {}
        children: dict[str, set[str]] = defaultdict(set)
        rows = (
            communities.order_by()
            .filter(area__isnull=False)
            .values_list("area__path")
            .annotate(n=Count("pk"))
        )
        for path, n in rows:
            self.direct[path] = n
            chain = _prefixes(path)
            for parent, child in pairwise(chain):
                children[parent].add(child)
            for prefix in chain:
                self.counts[prefix] += n
        self.children = {parent: sorted(kids) for parent, kids in children.items()}
        # The widest areas that tell the communities apart: below any chain of areas that
        # each hold all of them (a district administrator's province and city).
        tops = sorted(path for path in self.counts if path.count("/") == 1)
        while len(tops) == 1 and self.children.get(tops[0]) and not self.direct.get(tops[0]):
            tops = self.children[tops[0]]
        self.tops = tops
        self._names: dict[str, str] = {}

    def holds(self, path: str) -> bool:
        return path in self.counts

    def within_tops(self, path: str) -> list[str]:
        """The shown chain from a top area down to ``path`` (empty if outside them)."""
        chain = _prefixes(path)
        for i, prefix in enumerate(chain):
            if prefix in self.tops:
                return chain[i:]
        return []

    def shown(self, chosen: str | None, limit: int) -> list[str]:
        """The areas an area ``<select>`` lists: the top areas and whole levels below them
        while the list stays within ``limit``, then the chain down to ``chosen`` and the
        areas directly inside each area of that chain."""
        shown = set(self.tops)
        frontier = list(self.tops)
        while frontier:
            below = [child for path in frontier for child in self.children.get(path, [])]
            if not below or len(shown) + len(below) > limit:
                break
            shown.update(below)
            frontier = below
        if chosen and self.holds(chosen):
            for path in self.within_tops(chosen):
                shown.add(path)
                shown.update(self.children.get(path, []))
        return sorted(shown)

    def children_of(self, chosen: str | None) -> list[str]:
        """The areas directly inside ``chosen`` (``None``: the top areas)."""
        if chosen is None:
            return list(self.tops)
        return list(self.children.get(chosen, []))

    def choices(self, paths: list[str]) -> list[AreaChoice]:
        """``paths`` as choices, each labelled from its top area down."""
        wanted = {prefix for path in paths for prefix in self.within_tops(path) or [path]}
        missing = wanted - self._names.keys()
        if missing:
            self._names.update(Area.objects.filter(path__in=missing).values_list("path", "name"))
        return [
            AreaChoice(
                code=_code(path),
                label=SEPARATOR.join(
                    self._names.get(prefix, _code(prefix))
                    for prefix in (self.within_tops(path) or [path])
                ),
                communities=self.counts.get(path, 0),
            )
            for path in paths
        ]

    def communities_in(self, path: str | None) -> QuerySet[Community]:
        if path is None:
            return self.communities
        return self.communities.filter(area__path__startswith=path)


def area_by_code(code: str | None) -> Area | None:
    if not code:
        return None
    return Area.objects.filter(code=code).first()


class AreaCodeField(forms.CharField):
    """An area given by its official code (``510104``); cleans to the ``Area`` or ``None``."""

    def clean(self, value):
        code = (super().clean(value) or "").strip()
        if not code:
            return None
        area = area_by_code(code)
        if area is None:
            raise ValidationError(
                _("No area has the code “%(code)s”."), code="unknown_area", params={"code": code}
            )
        return area


class AreaPickerSelect(FastSelect):
    """A filter's area ``<select data-area-picker>``; its script fills the community list."""

    class Media:
        js = (PICKER_LEVELS_SCRIPT, AREA_PICKER_SCRIPT)


class AreaCommunitySelect(CommunityTreeSelect):
    """A filter's community ``<select data-community-picker>`` beside an area picker, grouped
    as the tree's. The area picker's script fills it; the tree script's level lists (built
    once from the options on the page) would go stale, so it is neither marked for that
    script nor loads it."""

    class Media:
        extend = False
        js = (PICKER_LEVELS_SCRIPT, AREA_PICKER_SCRIPT)

    def __init__(self, attrs=None, choices=(), paths: dict[str, tuple[str, ...]] | None = None):
        super().__init__(attrs, choices, paths)
        del self.attrs["data-community-tree"]


@dataclass(frozen=True)
class FilterPickerWidgets:
    """The widgets a filter form shows for a large set of communities."""

    area: AreaPickerSelect
    community: AreaCommunitySelect
    community_help: str


def filter_picker_widgets(
    communities: QuerySet[Community],
    *,
    area_code: str | None,
    community_id: str | None,
    all_label: str,
) -> FilterPickerWidgets:
    """The area and community ``<select>``s of a filter form over ``communities`` (already
    known to be large): see the module's docstring."""
    limit = picker_limit()
    areas = ScopeAreas(communities)
    chosen = area_by_code(area_code)
    chosen_path = chosen.path if chosen is not None and areas.holds(chosen.path) else None
    options = [("", all_label)] + [
        (choice.code, choice.label) for choice in areas.choices(areas.shown(chosen_path, limit))
    ]
    if chosen is not None and chosen_path is None:
        # An area holding none of the communities still shows as chosen (its rows: none).
        options.append((chosen.code, chosen.name))
    area_widget = AreaPickerSelect(
        attrs={
            "data-area-picker": "",
            "data-url": _picker_url(),
            "data-all-label": str(_("All communities in the area")),
            "data-choose-smaller": str(_("Choose a smaller area to list its communities")),
        },
        choices=options,
    )
    help_text = ""
    if chosen_path is not None and areas.counts[chosen_path] <= limit:
        listed = areas.communities_in(chosen_path).select_related(*PATH_RELATED)
        choices, paths = tree_choices(listed, empty_label=str(_("All communities in the area")))
    else:
        choices, paths = [("", all_label)], {}
        selected = (
            communities.filter(pk=community_id).select_related(*PATH_RELATED).first()
            if community_id and str(community_id).isdigit()
            else None
        )
        if selected is not None:
            path = community_path(selected)
            choices.append((str(selected.pk), selected.name))
            paths[str(selected.pk)] = path
        help_text = str(
            _("Choose an area first: its communities are listed once it holds at most %(limit)s.")
            % {"limit": limit}
        )
    community_widget = AreaCommunitySelect(
        attrs={"data-community-picker": ""}, choices=choices, paths=paths
    )
    return FilterPickerWidgets(
        area=area_widget, community=community_widget, community_help=help_text
    )


def use_area_first(
    form: forms.Form,
    communities: QuerySet[Community] | PickerScope,
    *,
    all_label: str,
    field: str = "community",
) -> bool:
    """A page's own ``<form method="get">`` choosing one of ``communities`` (already scoped),
    area first when they are too many to list, as the queue's filter: an ``area`` field
    (``AreaCodeField``) is put before ``field`` and both get the picker's widgets. Returns
    whether it did (the caller then narrows by ``form.cleaned_data["area"]`` too)."""
    scope = picker_scope(communities)
    if not scope.large:
        return False
    communities = scope.communities
    data = form.data if form.is_bound else {}
    chosen = data.get(field) or form.initial.get(field)
    widgets = filter_picker_widgets(
        communities,
        area_code=data.get("area"),
        community_id=str(getattr(chosen, "pk", chosen) or ""),
        all_label=all_label,
    )
    fields = {}
    for name, existing in form.fields.items():
        if name == field:
            fields["area"] = AreaCodeField(label=_("Area"), required=False, widget=widgets.area)
        fields[name] = existing
    form.fields = fields
    form.fields[field].widget = widgets.community
    form.fields[field].help_text = widgets.community_help
    return True


class CommunityCodeInput(forms.TextInput):
    """A form's community as its code, typed, where the communities offered are too many to
    list. With JavaScript, ``area_picker.js`` puts an area list and a community list beside
    it that fill it in."""

    class Media:
        js = (PICKER_LEVELS_SCRIPT, AREA_PICKER_SCRIPT)

    def __init__(self, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "data-community-lookup": "",
                **(attrs or {}),
            }
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-url": _picker_url(),
                "data-area-label": str(_("Area")),
                "data-community-label": str(_("Community")),
                "data-all-label": str(_("Choose an area")),
                "data-choose-label": str(_("Choose a community")),
                "data-choose-smaller": str(_("Choose a smaller area to list its communities")),
            }
        )
        return context

    def format_value(self, value):
        # An instance's initial value (a form over a saved row) is its primary key, a number;
        # what a person typed comes back as text and is shown as typed.
        if isinstance(value, int):
            value = Community.objects.filter(pk=value).values_list("code", flat=True).first()
        return super().format_value(value)


def use_community_code(field: forms.ModelChoiceField, communities: QuerySet[Community]) -> None:
    """Make ``field`` (a ModelChoiceField of communities) take a community's code, among
    ``communities`` only (the scope stays the field's queryset)."""
    field.queryset = communities
    field.to_field_name = "code"
    field.widget = CommunityCodeInput(attrs=field.widget.attrs)
    field.error_messages = {
        **field.error_messages,
        "invalid_choice": _("No community you may choose has this code."),
    }
    code_help = _(
        "Type the community's code, or (with JavaScript on) choose its area and then the "
        "community in the lists shown here."
    )
    field.help_text = (
        format_lazy("{} {}", field.help_text, code_help) if field.help_text else code_help
    )


def _picker_url() -> str:
    from django.urls import reverse

    return reverse("community_picker_data")


@dataclass(frozen=True)
class PickerAnswer:
    """What ``community_picker_data`` answers for an area: the areas directly inside it and,
    when it holds at most the threshold, its communities (``listed``)."""

    areas: list[AreaChoice]
    communities: list[CommunityChoice]
    listed: bool

    def as_json(self) -> dict:
        return {
            "areas": [choice.__dict__ for choice in self.areas],
            "communities": [choice.__dict__ for choice in self.communities],
            "listed": self.listed,
        }


class AreaNotOffered(LookupError):
    """The area is unknown or holds none of the communities offered (one answer for both,
    so the reply says nothing about areas outside a user's scope)."""


def picker_answer(communities: QuerySet[Community], *, area_code: str | None) -> PickerAnswer:
    """The lazy step of the area picker over ``communities`` (already scoped)."""
    areas = ScopeAreas(communities)
    path = None
    if area_code:
        area = area_by_code(area_code)
        if area is None or not areas.holds(area.path):
            raise AreaNotOffered(area_code)
        path = area.path
    total = areas.counts[path] if path is not None else communities.order_by().count()
    listed = total <= picker_limit()
    found: list[CommunityChoice] = []
    if listed:
        for community in areas.communities_in(path).select_related(*PATH_RELATED):
            found.append(
                CommunityChoice(
                    id=community.pk,
                    code=community.code,
                    name=community.name,
                    group=group_label(community_path(community)),
                )
            )
        found.sort(key=lambda choice: (choice.group, choice.name))
    return PickerAnswer(
        areas=areas.choices(areas.children_of(path)), communities=found, listed=listed
    )
