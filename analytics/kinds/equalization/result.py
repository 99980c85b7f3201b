"""The typed result of an equalization run: the paper's city-level evidence (PCA scores,
Table 1 CVs by region, inequality trends, Table 2 system GMM, equity weights). Every part is
city-level, so every reader who may see the run sees it whole.

Table 2, the equity weights and the PCA diagnostics are :class:`Sparse` parts: a key the
engine did not write (a region whose model failed keeps only its error; each weight method
writes its own figures) stays absent when the part is written back."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from analytics.engine.paper import in_paper_order
from analytics.kinds.base import Audience
from analytics.kinds.schema import Result, Sparse, to_json


@dataclass(kw_only=True)
class Table1:
    """The paper's Table 1 beside this run's: the CV of the development level by region
    (``computed``), the paper's (``paper``), and whether the SYNTHETIC panel's generator tuned
    the regions' spread until they match (``calibrated``: agreement by construction)."""

    paper: dict[str, float | None] = field(default_factory=dict)
    computed: dict[str, float | None] = field(default_factory=dict)
    calibrated: bool = False

    def __post_init__(self) -> None:
        # Read back from PostgreSQL's jsonb the regions come sorted by name length.
        self.paper = {region: self.paper[region] for region in in_paper_order(self.paper)}
        self.computed = {region: self.computed[region] for region in in_paper_order(self.computed)}


@dataclass(kw_only=True)
class RegionSpread:
    """One score over one region's city-years of the period (or all of them, ``All``): how
    many cities and city-years, the mean, standard deviation and coefficient of variation."""

    cities: float | None = None
    n: float | None = None
    mean: float | None = None
    sd: float | None = None
    cv: float | None = None


@dataclass(kw_only=True)
class TrendYear:
    """Inequality of one score across all cities in one year: CV, Theil T with its within-
    and between-region parts (and the between share), Gini (null where undefined)."""

    cv: float | None = None
    theil: float | None = None
    theil_within: float | None = None
    theil_between: float | None = None
    theil_between_share: float | None = None
    gini: float | None = None


# The panel analysed ----------------------------------------------------------------------------


@dataclass(kw_only=True)
class PanelSummary(Sparse):
    """The panel the run analysed: how many cities, its first and last year, how many
    city-years, the cells missing before interpolation and the columns it ignored."""

    cities: int | None = None
    years: list[int] = field(default_factory=list)
    rows: int | None = None
    missing_cells: int | None = None
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Interpolation(Sparse):
    """The gaps filled before the scores: cells filled, city-year rows added, and how many
    by column and by method."""

    imputed_cells: int | None = None
    rows_added: int | None = None
    by_column: dict[str, int] = field(default_factory=dict)
    by_method: dict[str, int] = field(default_factory=dict)


# Table 2: the system-GMM ADL(1,1) by region -----------------------------------------------


@dataclass(kw_only=True)
class Table2Cell:
    """One coefficient: estimate, standard error, z (or t) statistic, p-value and the
    paper's stars (``*``, ``**``, ``***`` at 10%, 5%, 1%)."""

    coef: float | None = None
    se: float | None = None
    t: float | None = None
    p: float | None = None
    stars: str = ""


@dataclass(kw_only=True)
class LongRunEffect(Sparse):
    """The long-run effect of digital government (its estimate, standard error, p-value), or
    why there is none (``error``, with its ``error_parts`` when the engine coded it)."""

    effect: float | None = None
    se: float | None = None
    p: float | None = None
    error: str | None = None
    error_parts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(kw_only=True)
class ExogeneityTest(Sparse):
    """The Difference-in-Hansen test of the paper's exogeneity assumption (null: exogenous),
    or why it could not be computed."""

    statistic: float | None = None
    df: int | None = None
    p: float | None = None
    group: str | None = None
    error: str | None = None
    error_parts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(kw_only=True)
class Recovered:
    """On the SYNTHETIC panel: one of the generator's coefficients beside the pooled
    estimate, its standard error and 95% interval, and whether the interval covers it."""

    name: str = ""
    true: float | None = None
    estimate: float | None = None
    se: float | None = None
    lower: float | None = None
    upper: float | None = None
    covered: bool = False


@dataclass(kw_only=True)
class Table2Column(Sparse):
    """One region's (or the pooled sample's) model: a cell per row label (``None`` for a
    term the model lacks), the Sargan, Hansen and AR(2) p-values, the sample's size, the
    long-run effect, the exogeneity test and, on the pooled column of a SYNTHETIC panel, the
    generator's coefficients recovered. A region whose model could not be estimated has only
    ``error`` (and ``error_parts``, the engine's code and figures, when it gave one)."""

    cells: dict[str, Table2Cell | None] = field(default_factory=dict)
    sargan_p: float | None = None
    hansen_p: float | None = None
    ar2_p: float | None = None
    instruments: int | None = None
    groups: int | None = None
    observations: int | None = None
    statistic: str | None = None
    long_run_diggovment: LongRunEffect | None = None
    dropped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exogeneity_test: ExogeneityTest | None = None
    recovery: list[Recovered] = field(default_factory=list)
    error: str | None = None
    error_parts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(kw_only=True)
class Table2Model(Sparse):
    """One model of Table 2 (``model1``: the development level, ``model2``: the urban-rural
    differentiation) under one specification: its row labels and a column per region, then
    ``Pooled``."""

    dependent: str = ""
    # "endogenous" or "paper"; runs from before the default specification lack it (the
    # paper's).
    specification: str | None = None
    regressor_instruments: str | None = None
    rows: list[str] = field(default_factory=list)
    columns: dict[str, Table2Column] = field(default_factory=dict)
    synthetic: bool | None = None

    def __post_init__(self) -> None:
        # Read back from PostgreSQL's jsonb the regions come sorted by name length.
        self.columns = {region: self.columns[region] for region in in_paper_order(self.columns)}

    @property
    def specification_key(self) -> str:
        return self.specification or "paper"


# Equity weights -----------------------------------------------------------------------------


@dataclass(kw_only=True)
class EquityCity(Sparse):
    """A city's equity weight for the reference year, with its figures and its reason as
    parts. ``current_gap`` rows carry the median, shortfall and regional CVs; ``adl_projection``
    rows the projections, benchmarks and the weight's standard error."""

    city_code: str = ""
    name: str = ""
    synthetic_number: int | None = None
    region: str = ""
    year: int | None = None
    pubindicator: float | None = None
    E: float | None = None
    weight: float | None = None
    reason_parts: list[dict[str, Any]] = field(default_factory=list)
    median_pubindicator: float | None = None
    shortfall: float | None = None
    regional_cv: float | None = None
    mean_regional_cv: float | None = None
    projected_pubindicator: float | None = None
    projected_E: float | None = None
    benchmark_pubindicator: float | None = None
    benchmark_E: float | None = None
    level_gap: float | None = None
    weight_se: float | None = None


@dataclass(kw_only=True)
class EquityCommunityType(Sparse):
    """The weight an allocation gives a community of one type (urban, rural) in one city."""

    city_code: str = ""
    kind: str = ""
    weight: float | None = None
    uplift: float | None = None
    weight_se: float | None = None
    reason_parts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(kw_only=True)
class EffectLag(Sparse):
    """How long digital government takes to act on the development level, from the pooled
    ADL(1,1): short-run, lagged and long-run effects, the mean lag and the years to half and
    90% of the long-run effect, the cumulative effect by year."""

    dependent: str = ""
    regressor: str = ""
    alpha: float | None = None
    short_run: float | None = None
    lagged: float | None = None
    long_run: float | None = None
    long_run_se: float | None = None
    mean_lag_years: float | None = None
    years_to_half: int | None = None
    years_to_90_percent: int | None = None
    cumulative: list[float | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class EquityOptions(Sparse):
    """The weights' options: factors (``current_gap``) or strength, horizon and benchmark
    (``adl_projection``)."""

    level_weight: float | None = None
    gap_weight: float | None = None
    strength: float | None = None
    horizon: int | None = None
    benchmark: str | None = None


@dataclass(kw_only=True)
class EquityWeights(Sparse):
    """Equity weights by city and by city and community type, how they were derived
    (``method``: ``adl_projection`` from the fitted model, ``current_gap`` its descriptive
    fallback) and the effect lag."""

    year: int | None = None
    method: str | None = None
    options: EquityOptions | None = None
    cities: list[EquityCity] = field(default_factory=list)
    community_types: list[EquityCommunityType] = field(default_factory=list)
    lag: EffectLag | None = None

    @property
    def method_key(self) -> str:
        return self.method or "current_gap"


# PCA diagnostics ----------------------------------------------------------------------------


@dataclass(kw_only=True)
class Bartlett:
    """Bartlett's test of sphericity of the indicators' correlations."""

    statistic: float | None = None
    df: int | None = None
    p_value: float | None = None


@dataclass(kw_only=True)
class Anchor:
    """A component's anchor: the indicator its loading is made positive on."""

    anchor: str = ""
    loading: float | None = None


@dataclass(kw_only=True)
class PcaScore(Sparse):
    """One score's principal component analysis: the indicators, eigenvalues, how many
    components were kept and by which rule, loadings and weights, KMO and Bartlett's test,
    and each kept component's anchor."""

    label: str = ""
    columns: list[str] = field(default_factory=list)
    n_obs: int | None = None
    eigenvalues: list[float | None] = field(default_factory=list)
    explained_variance_ratio: list[float | None] = field(default_factory=list)
    retained: int | None = None
    retention_rule: str = ""
    cumulative_variance_retained: float | None = None
    loadings: dict[str, dict[str, float | None]] = field(default_factory=dict)
    component_weights: dict[str, float | None] = field(default_factory=dict)
    indicator_weights: dict[str, float | None] = field(default_factory=dict)
    directions: dict[str, int] = field(default_factory=dict)
    kmo: float | None = None
    kmo_per_variable: dict[str, float | None] = field(default_factory=dict)
    bartlett: Bartlett | None = None
    index_scale: str = ""
    notes: list[str] = field(default_factory=list)
    orientation: dict[str, Anchor] = field(default_factory=dict)


# The run's configuration and timings -----------------------------------------------------


def _present(part: Any) -> dict[str, Any]:
    """The part's fields that are set: a key the engine did not write (a stage that did not
    run, an option a release did not have yet) stays absent, so the stored JSON reads and
    writes back unchanged."""
    return {
        f.name: to_json(value) for f in fields(part) if (value := getattr(part, f.name)) is not None
    }


@dataclass(frozen=True, kw_only=True)
class EquityConfig:
    """The descriptive (``current_gap``) weights' options: the factors on the development
    level and on the urban-rural gap, and the reference year (null: the panel's last)."""

    level_weight: float | None = None
    gap_weight: float | None = None
    reference_year: int | None = None


@dataclass(frozen=True, kw_only=True)
class EvidenceConfig:
    """The model-based (``adl_projection``) weights' options: strength, horizon in years and
    benchmark (``region`` or ``nation``)."""

    strength: float | None = None
    horizon: int | None = None
    benchmark: str | None = None


@dataclass(frozen=True, kw_only=True)
class AnalysisConfig:
    """What the run was configured with: the period (first and last year), the fewest years
    a city needs, the PCA retention rule, the CVs' degrees-of-freedom correction and both
    weight methods' options. Runs from before the model-based weights lack
    ``evidence_weights``; a result made without the engine has none of them."""

    years: list[int] | None = None
    min_years: int | None = None
    pca_retention: str | None = None
    cv_ddof: int | None = None
    equity: EquityConfig | None = None
    evidence_weights: EvidenceConfig | None = None

    def to_json(self) -> dict[str, Any]:
        return _present(self)


@dataclass(frozen=True, kw_only=True)
class StageTimings:
    """Seconds each stage of the engine took. ``inequality`` is absent from the first
    releases' runs and ``dynamic_model`` from runs that fitted no model."""

    validate: float | None = None
    interpolate: float | None = None
    scores: float | None = None
    inequality: float | None = None
    dynamic_model: float | None = None
    equity: float | None = None

    def to_json(self) -> dict[str, Any]:
        return _present(self)


@dataclass(kw_only=True)
class EqualizationResult(Result):
    # 4: Table 1, the regional spreads, the CVs by year and the trends are typed; their stored
    # shape is unchanged.
    # 5: Table 2, the equity weights and the PCA diagnostics are typed (their stored shape is
    # unchanged); a Table 2 error may carry its parts (``error_parts``).
    # 6: the panel's summary and the interpolation typed; their stored shape is unchanged.
    # 7: the configuration and the stage timings typed; their stored shape is unchanged.
    SCHEMA_VERSION = 7
    KIND = "equalization"

    synthetic: bool = False
    data_source: str = ""
    fingerprint: str = ""
    config: AnalysisConfig = field(default_factory=AnalysisConfig)
    panel: PanelSummary = field(default_factory=PanelSummary)
    interpolation: Interpolation = field(default_factory=Interpolation)
    # Per score (pubindicator, E, diggovment): the PCA and its diagnostics.
    scores: dict[str, PcaScore] = field(default_factory=dict)
    table1: Table1 = field(default_factory=Table1)
    # By score, then region (and ``All``).
    regional_cv: dict[str, dict[str, RegionSpread]] = field(default_factory=dict)
    # By score, then year, then region (and ``All``): the CV across the region's cities.
    cv_by_year: dict[str, dict[str, dict[str, float | None]]] = field(default_factory=dict)
    # By score, then year.
    trends: dict[str, dict[str, TrendYear]] = field(default_factory=dict)
    equity_weights: EquityWeights = field(default_factory=EquityWeights)
    timings: StageTimings = field(default_factory=StageTimings)
    # Table 2 under the default specification (regressors potentially endogenous) and under
    # the paper's (regressors strictly exogenous), by name.
    table2: dict[str, Table2Model] = field(default_factory=dict)
    table2_paper: dict[str, Table2Model] = field(default_factory=dict)
    # "synthetic": cities named by synthetic labels (never a real name); "names": as imported.
    city_labels: str = "names"
    dataset: int | None = None
    data_fingerprint: str = ""
    n_city_years: int | None = None


def scope(result: EqualizationResult, audience: Audience) -> EqualizationResult:
    """City-level figures describe no community: nothing to cut."""
    return result
