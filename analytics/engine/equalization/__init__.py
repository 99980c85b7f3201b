"""City-level equalization analysis of basic public services (the source paper's method):
panel validation and interpolation, principal component scores (development level
``pubindicator``, urban-rural differentiation ``E``, digital government ``diggovment``),
regional coefficients of variation, Theil and Gini indices, equity weights for allocation,
and a SYNTHETIC panel generator. Pure Python over numpy/pandas/scipy; no Django.
"""

from analytics.engine.equalization.equity import (
    DynamicPanelResult,
    EffectLag,
    EquityOptions,
    EquityWeights,
    effect_lag,
    equity_weights,
)
from analytics.engine.equalization.indicators import (
    CONTROLS,
    DIGITAL_GOVERNMENT_INPUTS,
    DIMENSIONS,
    INDICATORS,
)
from analytics.engine.equalization.inequality import (
    TheilDecomposition,
    coefficient_of_variation,
    gini_coefficient,
    inequality_trends,
    regional_cv_by_year,
    regional_cv_table,
    theil_decomposition,
    theil_index,
)
from analytics.engine.equalization.interpolation import InterpolationResult, interpolate_panel
from analytics.engine.equalization.pca import (
    PCAOptions,
    PCAResult,
    bartlett_sphericity,
    kmo,
    principal_component_score,
)
from analytics.engine.equalization.pipeline import (
    PAPER_TABLE_1,
    EqualizationConfig,
    EqualizationResult,
    run_equalization,
)
from analytics.engine.equalization.schema import (
    REQUIRED_COLUMNS,
    ValidatedPanel,
    panel_fingerprint,
    read_panel_csv,
    validate_panel,
)
from analytics.engine.equalization.scores import SCORE_COLUMNS, ScoreSet, compute_scores
from analytics.engine.equalization.synthetic import (
    SYNTHETIC_LABEL,
    AdlCoefficients,
    SyntheticPanel,
    SyntheticPanelParameters,
    generate_synthetic_panel,
)

__all__ = [
    "CONTROLS",
    "DIGITAL_GOVERNMENT_INPUTS",
    "DIMENSIONS",
    "INDICATORS",
    "PAPER_TABLE_1",
    "REQUIRED_COLUMNS",
    "SCORE_COLUMNS",
    "SYNTHETIC_LABEL",
    "AdlCoefficients",
    "DynamicPanelResult",
    "EffectLag",
    "EqualizationConfig",
    "EqualizationResult",
    "EquityOptions",
    "EquityWeights",
    "InterpolationResult",
    "PCAOptions",
    "PCAResult",
    "ScoreSet",
    "SyntheticPanel",
    "SyntheticPanelParameters",
    "TheilDecomposition",
    "ValidatedPanel",
    "bartlett_sphericity",
    "coefficient_of_variation",
    "compute_scores",
    "effect_lag",
    "equity_weights",
    "generate_synthetic_panel",
    "gini_coefficient",
    "inequality_trends",
    "interpolate_panel",
    "kmo",
    "panel_fingerprint",
    "principal_component_score",
    "read_panel_csv",
    "regional_cv_by_year",
    "regional_cv_table",
    "run_equalization",
    "theil_decomposition",
    "theil_index",
    "validate_panel",
]
