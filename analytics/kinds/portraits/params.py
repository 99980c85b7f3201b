"""The parameters of a portraits run: an optional reference month (API and command; the page
starts a run as of the latest request)."""

from __future__ import annotations

from rest_framework import serializers

from analytics.kinds.params import RunStartForm


class PortraitsStartForm(RunStartForm):
    pass


class PortraitsParamsSerializer(serializers.Serializer):
    as_of = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        help_text="Reference month for ages and recency, YYYY-MM (default: the latest request).",
        error_messages={"invalid": "as_of must be a month written YYYY-MM."},
    )
