"""An equalization run takes its data from the newest imported panel (or the labelled
SYNTHETIC one): it has no parameters."""

from __future__ import annotations

from rest_framework import serializers

from analytics.kinds.params import RunStartForm


class EqualizationStartForm(RunStartForm):
    pass


class EqualizationParamsSerializer(serializers.Serializer):
    """No parameters."""
