"""Dynamic-panel GMM (Arellano-Bond difference and Blundell-Bond system GMM, xtabond2 semantics).

Public entry points:

- :func:`estimate` -- ``estimate(frame, model, id_col, time_col) -> GmmResult``
- :func:`parse_model` -- check a model string without data
- :func:`adl_model_string`, :func:`estimate_adl`, :func:`long_run_effect` -- the source paper's
  ADL(1,1) specification with year effects and its long-run effect
"""

from analytics.engine.gmm.adl import LongRunEffect, adl_model_string, estimate_adl, long_run_effect
from analytics.engine.gmm.estimator import estimate
from analytics.engine.gmm.parser import ModelSpec, ModelSyntaxError, parse_model
from analytics.engine.gmm.results import GmmResult

__all__ = [
    "GmmResult",
    "LongRunEffect",
    "ModelSpec",
    "ModelSyntaxError",
    "adl_model_string",
    "estimate",
    "estimate_adl",
    "long_run_effect",
    "parse_model",
]
