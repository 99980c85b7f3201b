"""The parameters of a forecast run: the months ahead (the page's form, the API's serializer;
the management command validates with the serializer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics.kinds.params import RunStartForm

HORIZON_MAX = 6


class ForecastStartForm(RunStartForm):
    horizon = forms.IntegerField(
        label=_("Horizon (months)"),
        initial=HORIZON_MAX,
        validators=[MinValueValidator(1), MaxValueValidator(HORIZON_MAX)],
        help_text=_("How many months ahead to forecast, 1 to 6."),
        widget=forms.NumberInput(attrs={"min": 1, "max": HORIZON_MAX}),
    )

    def params(self) -> dict[str, Any]:
        return {"horizon": self.cleaned_data["horizon"]}


class ForecastParamsSerializer(serializers.Serializer):
    horizon = serializers.IntegerField(
        min_value=1,
        max_value=HORIZON_MAX,
        default=HORIZON_MAX,
        help_text="Months to forecast ahead, 1 to 6.",
    )
