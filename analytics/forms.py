"""Forms of the analytics pages shared by several kinds: choosing what a result page shows and
picking allocation scenarios to compare. The start form of each kind is in
``analytics.kinds.<kind>.params``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from analytics.models import AnalysisRun
from core.forms import Form
from core.localisation import localised_name
from residents.community_picker import PickerScope, picker_scope, use_area_first
from residents.models import Community
from services.models import ServiceCategory

MIN_SCENARIOS = 2
MAX_SCENARIOS = 4


class _CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServiceCategory) -> str:
        return localised_name(obj)


class SeriesChoiceForm(Form):
    """The community and service whose forecast the forecast page charts."""

    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), empty_label=None
    )
    category = _CategoryChoiceField(
        label=_("Service"), queryset=ServiceCategory.objects.none(), empty_label=None
    )

    def __init__(
        self,
        *args: Any,
        communities: QuerySet[Community] | PickerScope,
        categories,
        **kwargs: Any,
    ) -> None:
        """``communities``: the reader's, best as the page's ``PickerScope`` (its one decision
        whether they are too many to list, ``residents.community_picker.picker_scope``)."""
        super().__init__(*args, **kwargs)
        scope = picker_scope(communities)
        self.fields["community"].queryset = scope.communities
        self.fields["category"].queryset = categories
        # A province's communities are chosen area first (residents.community_picker).
        use_area_first(self, scope, all_label=_("Choose an area"))


class LineFilterForm(Form):
    """Filters of the recommendation table (the communities the reader may see, when given)."""

    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.order_by("code"),
        required=False,
        empty_label=_("All communities"),
    )
    category = _CategoryChoiceField(
        label=_("Service"),
        queryset=ServiceCategory.objects.filter(parent__isnull=False).order_by(
            "parent__order", "order", "code"
        ),
        required=False,
        empty_label=_("All services"),
    )

    def __init__(self, *args: Any, communities=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["community"].queryset = communities
            # A province's communities are chosen area first (residents.community_picker).
            use_area_first(self, communities, all_label=_("All communities"))


class ScenarioCompareForm(Form):
    runs = forms.ModelMultipleChoiceField(
        label=_("Allocation runs to compare"),
        queryset=AnalysisRun.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose two to four runs, e.g. the same period with different budgets."),
    )

    def __init__(self, *args: Any, runs, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["runs"].queryset = runs
        self.fields["runs"].label_from_instance = self._label

    @staticmethod
    def _label(run: AnalysisRun) -> str:
        result = run.result or {}
        budget = result.get("budget")
        period = str(result.get("period") or "")[:7]
        parts = [f"#{run.pk}", period]
        if isinstance(budget, int | float):
            parts.append(_("budget %(budget)s") % {"budget": f"{budget:,.0f}"})
        return " · ".join(p for p in parts if p)

    def clean_runs(self):
        runs = self.cleaned_data["runs"]
        if not MIN_SCENARIOS <= len(runs) <= MAX_SCENARIOS:
            raise forms.ValidationError(
                _("Choose between %(low)d and %(high)d runs (you chose %(n)d)."),
                params={"low": MIN_SCENARIOS, "high": MAX_SCENARIOS, "n": len(runs)},
                code="scenario_count",
            )
        return runs
