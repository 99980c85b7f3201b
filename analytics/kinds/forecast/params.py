"""The parameters of a forecast run: the months ahead."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from analytics.kinds.params import (
    Param,
    ParamSet,
    cities_param,
    params_serializer,
    start_form,
)

HORIZON_MAX = 6


def horizon(default: int) -> Param:
    """Months to forecast ahead (a what-if re-forecasts with the same bound)."""
    return Param(
        "horizon",
        "int",
        label=_("Horizon (months)"),
        help=_("How many months ahead to forecast, 1 to 6."),
        minimum=1,
        maximum=HORIZON_MAX,
        default=default,
    )


PARAMS = ParamSet((horizon(HORIZON_MAX), cities_param()))
ForecastStartForm = start_form("ForecastStartForm", PARAMS)
ForecastParamsSerializer = params_serializer("ForecastParamsSerializer", PARAMS)
