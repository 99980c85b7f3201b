"""An equalization run takes its data from the newest imported panel (or the labelled
SYNTHETIC one): it has no parameters."""

from __future__ import annotations

from analytics.kinds.params import ParamSet, params_serializer, start_form

PARAMS = ParamSet()
EqualizationStartForm = start_form("EqualizationStartForm", PARAMS)
EqualizationParamsSerializer = params_serializer("EqualizationParamsSerializer", PARAMS)
