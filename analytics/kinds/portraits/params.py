"""The parameters of a portraits run: an optional reference month (API and command; the page
starts a run as of the latest request)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from analytics.kinds.params import (
    Param,
    ParamSet,
    cities_param,
    params_serializer,
    start_form,
)

PARAMS = ParamSet(
    (
        Param(
            "as_of",
            "month",
            label=_("Reference month"),
            help=_("Reference month for ages and recency, YYYY-MM (default: the latest request)."),
            required=False,
            on_page=False,
        ),
        cities_param(),
    )
)
PortraitsStartForm = start_form("PortraitsStartForm", PARAMS)
PortraitsParamsSerializer = params_serializer("PortraitsParamsSerializer", PARAMS)
