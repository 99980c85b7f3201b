"""The community picker: communities grouped by where they are (city → district → street),
the one rule of a community's place in the tree, and the ``<select>`` that carries it.

Without JavaScript the picker is one ``<select>`` with an ``<optgroup>`` per place
("成都市 › 郫都区"), which every browser and screen reader handles. ``static/js/
community_tree.js`` then puts one labelled ``<select>`` per level above it (city, district,
street), each narrowing the next, and keeps the original as the last level: the form still
submits that one field. Levels where every community has the same value (one city) or none
(no streets recorded) are left out.

``community_path`` is the only place that says which levels a community has: the
community's area in the administrative-division tree (``residents.models.Area``), or its
city and district where it has none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django import forms
from django.forms import Script
from django.utils.translation import gettext_lazy as _

from core.widgets import FastSelect
from residents.models import Area, Community

# The levels above a community, outermost first, with the label of each level's <select>.
LEVELS = (
    ("city", _("City")),
    ("district", _("District or county")),
    ("street", _("Street or township")),
)
SEPARATOR = " › "
# The group of communities with no place name above them (no area, city or district): the
# tree's <optgroup> and the area picker's answer (``community_picker_data``) alike.
UNPLACED_GROUP = _("Other")


# The pickers' scripts, in the media of the widgets that need them: a page loads them only
# where it shows a picker (``{{ form.media }}``), the shared level lists before the rest.
PICKER_LEVELS_SCRIPT = Script("js/picker_levels.js", defer=True)
COMMUNITY_TREE_SCRIPT = Script("js/community_tree.js", defer=True)

# What a community's queryset must select for ``community_path`` to ask nothing more.
PATH_RELATED = ("city", "area__parent__parent__parent")


def community_path(community: Community) -> tuple[str, ...]:
    """The names of the places above ``community``, one per level of ``LEVELS`` ("" where
    unknown): from its area in the administrative-division tree (street → district → city),
    else from its city and district fields. Select ``PATH_RELATED`` with the queryset."""
    names: dict[int, str] = {}
    node = community.area
    while node is not None:
        names[node.level] = node.name
        node = node.parent
    return (
        names.get(Area.Level.CITY) or community.city.name,
        names.get(Area.Level.DISTRICT) or community.district or "",
        names.get(Area.Level.STREET, ""),
    )


def group_label(path: tuple[str, ...]) -> str:
    """The label of the group of communities at ``path`` (``community_path``): its places
    from the outermost down, or ``UNPLACED_GROUP`` where it names none."""
    return SEPARATOR.join(part for part in path if part) or str(UNPLACED_GROUP)


def tree_choices(
    communities: Iterable[Community], *, empty_label: str = "—"
) -> tuple[list, dict[str, tuple[str, ...]]]:
    """Grouped choices for a ``<select>`` (one group per place, groups and their communities
    in name order) and each option's path, keyed by the option's value."""
    groups: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    paths: dict[str, tuple[str, ...]] = {}
    for community in communities:
        path = community_path(community)
        groups.setdefault(path, []).append((str(community.pk), community.name))
        paths[str(community.pk)] = path
    choices: list = [("", empty_label)]
    for path in sorted(groups):
        choices.append((group_label(path), sorted(groups[path], key=lambda option: option[1])))
    return choices, paths


class CommunityTreeSelect(FastSelect):
    """A ``<select>`` of communities in ``<optgroup>``s whose options carry their path, for
    the tree picker's script (``data-community-tree``)."""

    class Media:
        js = (PICKER_LEVELS_SCRIPT, COMMUNITY_TREE_SCRIPT)

    def __init__(self, attrs=None, choices=(), paths: dict[str, tuple[str, ...]] | None = None):
        attrs = {**(attrs or {}), "data-community-tree": ""}
        super().__init__(attrs, choices)
        self.paths = paths or {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-levels"] = json.dumps(
            [str(label) for _code, label in LEVELS], ensure_ascii=False
        )
        return context

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        path = self.paths.get(str(getattr(value, "value", value)))
        if path is not None:
            option["attrs"]["data-path"] = json.dumps(list(path), ensure_ascii=False)
        return option


def use_community_tree(
    field: forms.ModelChoiceField, communities, *, empty_label: str = "—"
) -> None:
    """Make ``field`` (a ModelChoiceField of communities) a tree picker over ``communities``
    (a queryset, or a ``residents.community_picker.PickerScope`` whose decision the page made
    already); the field still validates against its queryset. Over more communities than a
    page lists (``residents.community_picker``), the field takes a community's code instead."""
    from residents.community_picker import picker_scope, use_community_code

    scope = picker_scope(communities)
    if scope.large:
        use_community_code(field, scope.communities)
        return
    communities = scope.communities.select_related(*PATH_RELATED)
    field.queryset = communities
    choices, paths = tree_choices(communities, empty_label=empty_label)
    field.widget = CommunityTreeSelect(attrs=field.widget.attrs, paths=paths)
    field.choices = choices


def community_tree_widget(communities, *, empty_label: str) -> CommunityTreeSelect:
    """The tree picker as a bare widget (filters whose field is a plain number)."""
    choices, paths = tree_choices(
        communities.select_related(*PATH_RELATED), empty_label=empty_label
    )
    return CommunityTreeSelect(choices=choices, paths=paths)
