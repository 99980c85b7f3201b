"""Resident portraits: segments of residents with similar profiles and needs, and community
portraits built from them.

Method (also in docs/precision-supply.md):

* Features per resident: profile (age, gender, household size, employment, income band,
  education, health/disability needs, elderly living alone, children, hukou, preferred
  channel), behaviour from the request history (requests by first-level category, share of
  each channel, requests per month, months since the last request) and attitude (mean
  satisfaction, with a flag for residents who never rated). Columns named like personal
  identifiers (name, phone, national ID, ...) are stripped before anything else and the
  feature matrix is checked to contain none.
* A scikit-learn ``Pipeline``: ``ColumnTransformer`` (median imputation + standard scaling for
  numbers, one-hot encoding for categories) then ``MiniBatchKMeans``.
* The number of segments k is chosen over k = 3..8 by the **mean silhouette** of candidate
  models fitted on a random sample (20,000 residents) and scored on a smaller sample (4,000);
  the chosen model is refined on all residents. Deterministic for a given seed.
* Descriptions are generated from *lifts*: the share of a segment with a trait divided by its
  share in the whole population. Traits with a high lift (and a meaningful share) are turned
  into words, e.g. "older residents (65+) living alone with chronic-disease needs, mostly
  rural hukou, high health-care demand". Every claim a name makes holds for the segment's own
  numbers (:data:`CLAIM_RULES`): a trait named without a qualifier ("older residents (65+)",
  "living alone", "with chronic-disease needs") is held by at least half of the segment;
  "mostly" and a preferred channel by at least 60%; "often" means at least
  ``min_trait_share`` of the segment and ``min_lift`` times the city's share; "high ...
  demand" at least 1.5 times the city's requests in that dimension per resident; "few
  requests" at most half the city's rate. A distinctive trait held by fewer is not named
  (the card lists it with its share).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import MiniBatchKMeans
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from analytics.engine.errors import EngineContractError, EngineInputError
from analytics.engine.supply.catalogue import CHANNELS, DIMENSIONS, dimension_of
from analytics.engine.supply.frames import (
    as_counted,
    assert_no_identifiers,
    jsonable,
    refuse_identifier_values,
    require_columns,
    require_numeric,
    strip_identifiers,
    to_month,
)

PROFILE_CATEGORICAL: dict[str, tuple[str, ...]] = {
    "gender": ("female", "male", "other"),
    "employment_status": (
        "employed",
        "self_employed",
        "unemployed",
        "retired",
        "student",
        "farmer",
        "other",
    ),
    "income_band": ("low", "lower_middle", "upper_middle", "high"),
    "education": ("none", "primary", "junior_secondary", "senior_secondary", "tertiary"),
    "health_needs": ("none", "chronic", "disability", "both"),
    "hukou_type": ("local_urban", "local_rural", "non_local"),
    "preferred_channel": CHANNELS,
}
PROFILE_NUMERIC = ("birth_year", "household_size", "children_in_household")
RESIDENT_COLUMNS = (
    "community",
    *PROFILE_NUMERIC,
    "elderly_living_alone",
    *PROFILE_CATEGORICAL,
)
BEHAVIOUR_COLUMNS = (
    *(f"requests_{d}" for d in DIMENSIONS),
    *(f"channel_share_{c}" for c in CHANNELS),
    "requests_per_month",
    "months_since_last_request",
)


@dataclass(frozen=True)
class PortraitConfig:
    """Settings of the segmentation."""

    k_min: int = 3
    k_max: int = 8
    selection_sample: int = 20_000
    silhouette_sample: int = 4_000
    batch_size: int = 4_096
    n_init: int = 3
    refine_passes: int = 5
    min_lift: float = 1.4
    min_trait_share: float = 0.2
    max_traits: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        if not 2 <= self.k_min <= self.k_max:
            raise EngineContractError(f"need 2 <= k_min <= k_max, got {self.k_min}..{self.k_max}")


# ---------------------------------------------------------------------------------------------
# Input


def _fixed_categories(values: pd.Series, allowed: tuple[str, ...]) -> pd.Categorical:
    """Values outside ``allowed`` become missing (code -1)."""
    return pd.Categorical(values.astype(object)).set_categories(list(allowed))


def _categorical(
    frame: pd.DataFrame, column: str, allowed: tuple[str, ...], *, what: str
) -> pd.Categorical:
    """The column as a categorical with fixed categories (one hash pass, then integer work);
    a value outside ``allowed`` or a missing one is named with its row."""
    values = frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype) and list(values.cat.categories) == list(
        allowed
    ):
        result = values.array
    else:
        result = _fixed_categories(values, allowed)
    bad = result.codes < 0
    if bad.any():
        row = int(bad.nonzero()[0][0])
        original = values.iloc[row]
        problem = "is missing" if pd.isna(original) else f"has value {original!r}"
        raise EngineInputError(
            f"{what}: column {column!r} {problem} in row {as_counted(row)}; "
            f"expected one of {', '.join(allowed)}",
            code="value_missing" if pd.isna(original) else "value_not_allowed",
            params={
                "table": what,
                "column": str(column),
                "value": "" if pd.isna(original) else str(original),
                "row": as_counted(row),
                "allowed": list(allowed),
            },
        )
    return result


def _validated_residents(residents: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Identifier columns stripped, profile columns checked; categories as categoricals."""
    if not isinstance(residents, pd.DataFrame) or residents.empty:
        raise EngineInputError(
            "no residents given; portraits need at least one resident", code="no_residents"
        )
    residents, dropped = strip_identifiers(residents)
    require_columns(residents, RESIDENT_COLUMNS, what="residents")
    refuse_identifier_values(residents, ["community"])
    if residents["community"].isna().any():
        row = int(residents["community"].isna().to_numpy().nonzero()[0][0])
        raise EngineContractError(
            f"residents: column 'community' is missing in row {as_counted(row)}"
        )
    checked = {
        column: _categorical(residents, column, allowed, what="residents")
        for column, allowed in PROFILE_CATEGORICAL.items()
    }
    for column in PROFILE_NUMERIC:
        require_numeric(residents, column, what="residents", minimum=0)
    if residents.index.has_duplicates:
        raise EngineContractError("residents: the resident index has duplicates")
    return residents.assign(**checked), dropped


def _as_of(
    requests: pd.DataFrame | None, as_of: str | None, months: pd.PeriodIndex | None
) -> pd.Period:
    if as_of is not None:
        try:
            return pd.Period(as_of, freq="M")
        except ValueError as exc:
            raise EngineContractError(f"as_of must be a month as YYYY-MM, got {as_of!r}") from exc
    if months is not None and len(months):
        return months.max()
    return pd.Timestamp.today().to_period("M")


def _normalised_requests(
    requests: pd.DataFrame,
    residents: pd.DataFrame,
    category_dimensions: Mapping[str, str] | None,
) -> tuple[pd.DataFrame, pd.PeriodIndex]:
    """Requests as integer codes: resident position, category, dimension, channel, month,
    satisfaction, community (categoricals: millions of rows are hashed once)."""
    requests, _ = strip_identifiers(requests)
    require_columns(requests, ["resident", "category", "channel", "created"], what="requests")
    mapping = dimension_of(category_dimensions)
    category = pd.Categorical(requests["category"])
    unknown = [c for c in category.categories if c not in mapping]
    if unknown or (category.codes < 0).any():
        unknown_codes = [category.categories.get_loc(c) for c in unknown]
        bad = (category.codes < 0) | np.isin(category.codes, unknown_codes)
        row = int(bad.nonzero()[0][0])
        raise EngineContractError(
            f"requests: category {requests['category'].iloc[row]!r} in row {as_counted(row)} is "
            "not in the catalogue; pass its first-level dimension in category_dimensions"
        )
    channel = _categorical(requests, "channel", (*CHANNELS, "open311"), what="requests")
    months = to_month(requests["created"], what="requests", column="created")
    satisfaction = (
        require_numeric(requests, "satisfaction", what="requests", allow_missing=True)
        if "satisfaction" in requests.columns
        else np.full(len(requests), np.nan)
    )
    ids = requests["resident"]
    attributed = ids.notna().to_numpy()
    position = np.full(len(requests), -1, dtype=np.int64)
    if attributed.any():
        known = ids[attributed]
        if pd.api.types.is_integer_dtype(residents.index) and pd.api.types.is_numeric_dtype(known):
            known = known.to_numpy(dtype=np.int64)
        else:
            known = known.to_numpy()
        position[attributed] = residents.index.get_indexer(known)
    missing = attributed & (position < 0)
    if missing.any():
        row = int(missing.nonzero()[0][0])
        raise EngineContractError(
            f"requests: resident {ids.iloc[row]!r} in row {as_counted(row)} is not among the "
            "residents given"
        )
    if "community" in requests.columns:
        community = pd.Categorical(requests["community"].astype(object))
    else:
        resident_community = residents["community"].to_numpy()
        community = pd.Categorical(
            np.where(position >= 0, resident_community[np.maximum(position, 0)], None)
        )
    dimension_codes = pd.Index(DIMENSIONS).get_indexer([mapping[c] for c in category.categories])
    frame = pd.DataFrame(
        {
            "position": position,
            "category": category,
            "dimension": dimension_codes[category.codes],  # -1: a dimension outside the five
            "channel": channel,
            "month": months.asi8,
            "satisfaction": satisfaction,
            "community": community,
        }
    )
    return frame, months


def resident_features(
    residents: pd.DataFrame,
    requests: pd.DataFrame | None = None,
    *,
    as_of: str | None = None,
    category_dimensions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The feature table (one row per resident, same index as ``residents``) before encoding.

    ``residents`` has the profile columns of :data:`RESIDENT_COLUMNS`; its index is the
    resident id. ``requests`` (optional) has ``resident`` (id, or missing for requests not
    tied to a registered resident), ``category``, ``channel``, ``created`` (datetime or
    YYYY-MM) and ``satisfaction`` (1-5 or missing). Identifier columns are dropped.
    """
    residents, _ = _validated_residents(residents)
    table, _, _, _ = _feature_table(residents, requests, as_of, category_dimensions)
    return table


def _feature_table(
    residents: pd.DataFrame,
    requests: pd.DataFrame | None,
    as_of: str | None,
    category_dimensions: Mapping[str, str] | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.Period, pd.DataFrame | None]:
    """Features, per-resident request counts by category, the reference month and the
    normalised requests."""
    months = None
    req = None
    if requests is not None and len(requests):
        req, months = _normalised_requests(requests, residents, category_dimensions)
    reference = _as_of(requests, as_of, months)
    n = len(residents)
    birth_year = residents["birth_year"].to_numpy(dtype=float)
    table = pd.DataFrame(index=residents.index)
    table["age"] = np.clip(reference.year - birth_year, 0, 120)
    table["household_size"] = residents["household_size"].to_numpy(dtype=float)
    table["children_in_household"] = residents["children_in_household"].to_numpy(dtype=float)
    table["elderly_living_alone"] = residents["elderly_living_alone"].astype(bool).to_numpy(float)
    for column in PROFILE_CATEGORICAL:
        table[column] = residents[column].array

    window = 1
    if req is not None:
        window = max(1, int(reference.ordinal - req["month"].min()) + 1)
    per_category = None
    own = req[req["position"] >= 0] if req is not None else None
    if own is not None and len(own):
        pos = own["position"].to_numpy()
        dims = own["dimension"].to_numpy()
        for i, d in enumerate(DIMENSIONS):
            table[f"requests_{d}"] = np.bincount(pos[dims == i], minlength=n).astype(float)
        total = np.bincount(pos, minlength=n).astype(float)
        channel_codes = own["channel"].cat.codes.to_numpy()
        channel_names = list(own["channel"].cat.categories)
        for c in CHANNELS:
            pick = channel_codes == channel_names.index(c)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.bincount(pos[pick], minlength=n) / total
            table[f"channel_share_{c}"] = np.nan_to_num(share)
        table["requests_per_month"] = total / window
        last = np.full(n, -(10**9), dtype=np.int64)
        np.maximum.at(last, pos, own["month"].to_numpy())
        table["months_since_last_request"] = np.where(
            total > 0, reference.ordinal - last, window + 1
        ).astype(float)
        rated = own["satisfaction"].notna().to_numpy()
        sums = np.bincount(pos[rated], weights=own["satisfaction"].to_numpy()[rated], minlength=n)
        counts = np.bincount(pos[rated], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            table["mean_satisfaction"] = np.where(counts > 0, sums / counts, np.nan)
        codes = own["category"].cat.codes.to_numpy().astype(np.int64)
        names = list(own["category"].cat.categories)
        counts_by_category = np.bincount(
            pos * len(names) + codes, minlength=n * len(names)
        ).reshape(n, len(names))
        used = counts_by_category.sum(axis=0) > 0
        per_category = pd.DataFrame(
            counts_by_category[:, used].astype(float),
            index=residents.index,
            columns=[c for c, u in zip(names, used, strict=True) if u],
        )
    else:
        for column in BEHAVIOUR_COLUMNS:
            table[column] = 0.0
        table["months_since_last_request"] = float(window + 1)
        table["mean_satisfaction"] = np.nan
    assert_no_identifiers(table.columns, where="the resident feature table")
    table.attrs["window_months"] = window
    table.attrs["as_of"] = str(reference)
    return table, per_category, reference, req


NUMERIC_FEATURES = (
    "age",
    "household_size",
    "children_in_household",
    "elderly_living_alone",
    *BEHAVIOUR_COLUMNS,
)


def profile_codes(table: pd.DataFrame) -> pd.DataFrame:
    """Profile categories as integer codes (the one-hot encoder then works on integers, which
    is what keeps a million residents fast)."""
    out = table.copy()
    for column, allowed in PROFILE_CATEGORICAL.items():
        values = table[column]
        if not (
            isinstance(values.dtype, pd.CategoricalDtype)
            and list(values.cat.categories) == list(allowed)
        ):
            values = pd.Series(_fixed_categories(values, allowed), index=table.index)
        out[column] = values.cat.codes.to_numpy()
    return out


def _pipeline_steps() -> list[tuple[str, object]]:
    return [
        ("codes", FunctionTransformer(profile_codes)),
        (
            "features",
            ColumnTransformer(
                [
                    ("numeric", StandardScaler(), list(NUMERIC_FEATURES)),
                    (
                        "attitude",
                        Pipeline(
                            [
                                # Before anyone has rated a request the column is empty: keep
                                # it (as a constant) rather than drop it with a warning.
                                (
                                    "impute",
                                    SimpleImputer(
                                        strategy="mean",
                                        add_indicator=True,
                                        keep_empty_features=True,
                                    ),
                                ),
                                ("scale", StandardScaler()),
                            ]
                        ),
                        ["mean_satisfaction"],
                    ),
                    (
                        "profile",
                        OneHotEncoder(
                            categories=[list(range(len(v))) for v in PROFILE_CATEGORICAL.values()],
                            handle_unknown="ignore",
                            sparse_output=False,
                            dtype=np.float32,
                        ),
                        list(PROFILE_CATEGORICAL),
                    ),
                ],
                remainder="drop",
                sparse_threshold=0.0,
            ),
        ),
    ]


def _readable(name: str) -> str:
    """'profile__gender_0' -> 'profile__gender=female'."""
    if name.startswith("profile__"):
        column, _, code = name[len("profile__") :].rpartition("_")
        if column in PROFILE_CATEGORICAL and code.isdigit():
            return f"profile__{column}={PROFILE_CATEGORICAL[column][int(code)]}"
    return name


# ---------------------------------------------------------------------------------------------
# Traits and descriptions


@dataclass(frozen=True)
class _Trait:
    key: str
    slot: str
    test: Callable[[pd.DataFrame], np.ndarray]


def _eq(column: str, *values: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda t: t[column].isin(values).to_numpy()


TRAITS: tuple[_Trait, ...] = (
    _Trait("age_65_plus", "who", lambda t: (t["age"] >= 65).to_numpy()),
    _Trait(
        "age_under_35",
        "who",
        lambda t: (t["age"] < 35).to_numpy(),
    ),
    _Trait(
        "age_35_64",
        "who",
        lambda t: ((t["age"] >= 35) & (t["age"] < 65)).to_numpy(),
    ),
    _Trait(
        "elderly_living_alone",
        "living",
        lambda t: (t["elderly_living_alone"] > 0).to_numpy(),
    ),
    _Trait(
        "children",
        "living",
        lambda t: (t["children_in_household"] > 0).to_numpy(),
    ),
    _Trait(
        "large_household",
        "living",
        lambda t: (t["household_size"] >= 5).to_numpy(),
    ),
    _Trait("chronic", "needs", _eq("health_needs", "chronic", "both")),
    _Trait("disability", "needs", _eq("health_needs", "disability", "both")),
    _Trait("unemployed", "work", _eq("employment_status", "unemployed")),
    _Trait("retired", "work", _eq("employment_status", "retired")),
    _Trait("farmer", "work", _eq("employment_status", "farmer")),
    _Trait("student", "work", _eq("employment_status", "student")),
    _Trait("employed", "work", _eq("employment_status", "employed", "self_employed")),
    _Trait("low_income", "income", _eq("income_band", "low")),
    _Trait("high_income", "income", _eq("income_band", "upper_middle", "high")),
    _Trait("little_schooling", "education", _eq("education", "none", "primary")),
    _Trait("tertiary", "education", _eq("education", "tertiary")),
    _Trait("rural_hukou", "hukou", _eq("hukou_type", "local_rural")),
    _Trait("non_local", "hukou", _eq("hukou_type", "non_local")),
    _Trait("urban_hukou", "hukou", _eq("hukou_type", "local_urban")),
    _Trait("hotline", "channel", _eq("preferred_channel", "hotline")),
    _Trait(
        "community_worker",
        "channel",
        _eq("preferred_channel", "community_worker"),
    ),
    _Trait(
        "self_service",
        "channel",
        _eq("preferred_channel", "self_service"),
    ),
)
_QUALIFIED_SLOTS = ("work", "income", "education", "hukou")
# What a name's words claim about the segment (see the module docstring).
HEAD_SHARE = 0.5  # a trait named without a qualifier: who, living, needs
MOSTLY_SHARE = 0.6  # "mostly ..." and a preferred channel ("mostly via the hotline")
HIGH_DEMAND_LIFT = 1.5
FEW_REQUESTS_LIFT = 0.5
CLAIM_RULES = {
    "who": HEAD_SHARE,
    "living": HEAD_SHARE,
    "needs": HEAD_SHARE,
    "mostly": MOSTLY_SHARE,
    "channel": MOSTLY_SHARE,
    "high_demand": HIGH_DEMAND_LIFT,
    "few_requests": FEW_REQUESTS_LIFT,
}
_HEAD_SLOTS = ("who", "living", "needs")


def _trait_matrix(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({t.key: t.test(table) for t in TRAITS}, index=table.index).astype(float)


def _describe(
    traits: pd.DataFrame, demand_lift: pd.Series, request_lift: float, config: PortraitConfig
) -> list[dict]:
    """What sets a segment apart (traits by share and lift, demand, activity), as
    language-neutral parts that the analytics app words in the reader's language.

    Each part is ``{"code", "slot", ...}``: ``code`` is a trait key (or ``"residents"``,
    ``"high_demand"``, ``"few_requests"``), ``slot`` its grammatical role (``who``,
    ``living``, ``needs``, a qualified slot with ``degree`` ``mostly``/``often``,
    ``channel``, ``demand`` with ``dimension``, ``activity``), in reading order.
    """
    by_key = {t.key: t for t in TRAITS}
    chosen: dict[str, list[tuple[float, str, float]]] = {}
    for key, row in traits.iterrows():
        share, lift = row["share"], row["lift"]
        strong = lift >= config.min_lift and share >= config.min_trait_share
        dominant = share >= MOSTLY_SHARE and lift >= 1.15
        trait = by_key[key]
        # A name only says what holds for the segment: unqualified traits for most of it.
        if trait.slot in _HEAD_SLOTS and share < HEAD_SHARE:
            continue
        if trait.slot == "channel" and share < MOSTLY_SHARE:
            continue
        if strong or dominant:
            chosen.setdefault(trait.slot, []).append((lift, trait.key, share))
    for slot in chosen:
        chosen[slot].sort(reverse=True)

    _, who_key, _ = chosen.get("who", [(0, "residents", 0)])[0]
    parts: list[dict] = [{"code": who_key, "slot": "who"}]
    if "living" in chosen:
        parts.append({"code": chosen["living"][0][1], "slot": "living"})
    if "needs" in chosen:
        parts += [{"code": key, "slot": "needs"} for _, key, _ in chosen["needs"][:2]]

    extras: list[tuple[float, str, dict]] = []
    for slot in (*_QUALIFIED_SLOTS, "channel"):
        if slot not in chosen:
            continue
        lift, key, share = chosen[slot][0]
        part = {"code": key, "slot": slot}
        if slot in _QUALIFIED_SLOTS:
            part["degree"] = "mostly" if share >= MOSTLY_SHARE else "often"
        extras.append((lift, key, part))
    high = [
        (lift, str(d), {"code": "high_demand", "slot": "demand", "dimension": str(d)})
        for d, lift in demand_lift.items()
        if lift >= HIGH_DEMAND_LIFT
    ]
    extras.sort(key=lambda e: (e[0], e[1]), reverse=True)
    high.sort(key=lambda e: (e[0], e[1]), reverse=True)
    budget = max(0, config.max_traits - 1)
    picked = extras[: max(0, budget - min(len(high), 2))] + high[:2]
    parts += [part for _, _, part in picked]
    if request_lift <= FEW_REQUESTS_LIFT:
        parts.append({"code": "few_requests", "slot": "activity"})
    return parts


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class SegmentPortrait:
    segment: int
    size: int
    share: float
    traits: list[dict]
    needs: list[dict]
    profile: dict[str, float]
    mean_age: float
    requests_per_resident_month: float
    mean_satisfaction: float | None
    # What sets the segment apart, as language-neutral parts (see _describe).
    description_parts: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "segment": self.segment,
            "size": self.size,
            "share": self.share,
            "description_parts": self.description_parts,
            "traits": self.traits,
            "needs": self.needs,
            "profile": self.profile,
            "mean_age": self.mean_age,
            "requests_per_resident_month": self.requests_per_resident_month,
            "mean_satisfaction": self.mean_satisfaction,
        }


@dataclass
class PortraitResult:
    """Segments, community portraits and the fitted pipeline of one portrait run."""

    segments: list[SegmentPortrait]
    communities: pd.DataFrame
    labels: pd.Series
    k: int
    selection: dict[int, float]
    pipeline: Pipeline
    feature_names: list[str]
    dropped_identifier_columns: list[str]
    as_of: str
    window_months: int
    seconds: float
    seed: int
    changes: dict = field(default_factory=dict)
    # How k was chosen, as language-neutral parts: [{"code": "silhouette", k_min, k_max, ...}].
    criterion_parts: list[dict] = field(default_factory=list)

    def segment_mix(self) -> pd.DataFrame:
        """Share of each community's residents in each segment (columns ``segment_<n>_share``),
        usable as forecast attributes."""
        columns = [c for c in self.communities.columns if c.startswith("segment_")]
        return self.communities[columns]

    def to_dict(self) -> dict:
        communities = self.communities.reset_index()
        return jsonable(
            {
                "k": self.k,
                "criterion_parts": self.criterion_parts,
                "selection": {str(k): v for k, v in self.selection.items()},
                "as_of": self.as_of,
                "window_months": self.window_months,
                "residents": len(self.labels),
                "feature_names": self.feature_names,
                "dropped_identifier_columns": self.dropped_identifier_columns,
                "segments": [s.to_dict() for s in self.segments],
                "communities": communities.to_dict("records"),
                "changes": self.changes,
                "seed": self.seed,
                "seconds": round(self.seconds, 3),
            }
        )


# ---------------------------------------------------------------------------------------------
# The run


def build_portraits(
    residents: pd.DataFrame,
    requests: pd.DataFrame | None = None,
    *,
    previous: PortraitResult | Mapping | None = None,
    as_of: str | None = None,
    category_dimensions: Mapping[str, str] | None = None,
    config: PortraitConfig | None = None,
) -> PortraitResult:
    """Segment residents and describe segments and communities.

    ``residents``: one row per resident, index = resident id, columns of
    :data:`RESIDENT_COLUMNS` (identifier columns are stripped). ``requests``: see
    :func:`resident_features`; a ``community`` column, when present, also counts requests not
    tied to a registered resident in the community needs profile. ``previous``: the result
    (or its ``to_dict()``) of an earlier run, for the change since then. ``as_of``: reference
    month for ages and recency (default: the latest request month, else this month).
    """
    started = time.perf_counter()
    config = config or PortraitConfig()
    residents, dropped = _validated_residents(residents)
    table, per_category, reference, normalised_requests = _feature_table(
        residents, requests, as_of, category_dimensions
    )
    n = len(table)

    encoder = Pipeline(_pipeline_steps())
    matrix = encoder.fit_transform(table)
    feature_names = [_readable(str(f)) for f in encoder[-1].get_feature_names_out()]
    assert_no_identifiers(feature_names, where="the resident feature matrix")

    rng = np.random.default_rng(config.seed)
    sample = rng.choice(n, size=min(n, config.selection_sample), replace=False)
    scoring = sample[: min(len(sample), config.silhouette_sample)]
    # Fewer distinct residents than segments is only possible in tiny inputs.
    distinct = len(np.unique(matrix[sample], axis=0)) if n <= 50 * config.k_max else n
    k_values = [k for k in range(config.k_min, config.k_max + 1) if k < distinct]
    if not k_values:
        raise EngineInputError(
            f"too few distinct residents ({n}) to form {config.k_min} or more segments",
            code="too_few_residents",
            params={"residents": n, "segments": config.k_min},
        )
    selection: dict[int, float] = {}
    candidates: dict[int, MiniBatchKMeans] = {}
    # One distance matrix for all candidate k (the costly part of the silhouette).
    distances = pairwise_distances(matrix[scoring])
    for k in k_values:
        model = MiniBatchKMeans(
            n_clusters=k,
            n_init=config.n_init,
            batch_size=config.batch_size,
            random_state=config.seed,
        ).fit(matrix[sample])
        labels = model.predict(matrix[scoring])
        score = (
            float(silhouette_score(distances, labels, metric="precomputed"))
            if len(np.unique(labels)) > 1
            else -1.0
        )
        selection[k] = score
        candidates[k] = model
    best_k = max(selection, key=lambda k: (round(selection[k], 4), -k))
    final = MiniBatchKMeans(
        n_clusters=best_k,
        init=candidates[best_k].cluster_centers_,
        n_init=1,
        max_iter=config.refine_passes,
        batch_size=config.batch_size,
        random_state=config.seed,
    ).fit(matrix)
    raw_labels = final.predict(matrix)
    # Number segments by size (0 = largest) so the numbering is stable and meaningful.
    order = np.argsort(-np.bincount(raw_labels, minlength=best_k), kind="stable")
    renumber = np.empty(best_k, dtype=np.int64)
    renumber[order] = np.arange(best_k)
    labels = renumber[raw_labels]
    # Reorder the centres the same way, so the stored pipeline predicts these numbers.
    final.cluster_centers_ = final.cluster_centers_[order]
    final.labels_ = labels
    pipeline = Pipeline([*encoder.steps, ("segments", final)])

    segments = _segments(table, per_category, labels, best_k, config, category_dimensions)
    communities = _communities(residents, table, normalised_requests, labels, best_k, segments)
    result = PortraitResult(
        segments=segments,
        communities=communities,
        labels=pd.Series(labels, index=residents.index, name="segment"),
        k=best_k,
        selection=selection,
        criterion_parts=[
            {
                "code": "silhouette",
                "k_min": config.k_min,
                "k_max": config.k_max,
                "fitted": len(sample),
                "scored": len(scoring),
            }
        ],
        pipeline=pipeline,
        feature_names=feature_names,
        dropped_identifier_columns=dropped,
        as_of=str(reference),
        window_months=int(table.attrs["window_months"]),
        seconds=0.0,
        seed=config.seed,
    )
    if previous is not None:
        result.changes = compare_portraits(previous, result)
    result.seconds = time.perf_counter() - started
    return result


def _segments(
    table: pd.DataFrame,
    per_category: pd.DataFrame | None,
    labels: np.ndarray,
    k: int,
    config: PortraitConfig,
    category_dimensions: Mapping[str, str] | None,
) -> list[SegmentPortrait]:
    traits = _trait_matrix(table)
    population_share = traits.mean()
    dims = [f"requests_{d}" for d in DIMENSIONS]
    demand = table[dims].to_numpy()
    population_demand = demand.mean(axis=0)
    population_rate = table["requests_per_month"].mean()
    window = table.attrs["window_months"]
    mapping = dimension_of(category_dimensions)
    if per_category is not None:
        population_needs = per_category.to_numpy().mean(axis=0)
    sizes = np.bincount(labels, minlength=k)
    out = []
    for segment in range(k):
        members = labels == segment
        share = traits.loc[members].mean()
        with np.errstate(invalid="ignore", divide="ignore"):
            lift = share / population_share
        trait_frame = pd.DataFrame({"share": share, "lift": lift.fillna(1.0)})
        seg_demand = demand[members].mean(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            demand_lift = pd.Series(
                np.where(population_demand > 0, seg_demand / population_demand, 1.0),
                index=list(DIMENSIONS),
            )
        rate = float(table.loc[members, "requests_per_month"].mean())
        request_lift = rate / population_rate if population_rate > 0 else 1.0
        needs = []
        if per_category is not None:
            seg_needs = per_category.to_numpy()[members].mean(axis=0)
            for code, value, base in zip(
                per_category.columns, seg_needs, population_needs, strict=True
            ):
                needs.append(
                    {
                        "category": str(code),
                        "dimension": mapping.get(str(code), ""),
                        "requests_per_100_residents_year": float(100 * value * 12 / window),
                        "lift": float(value / base) if base > 0 else 1.0,
                    }
                )
            needs.sort(key=lambda d: -d["requests_per_100_residents_year"])
        notable = trait_frame[
            (trait_frame["lift"] >= config.min_lift) | (trait_frame["share"] >= 0.6)
        ]
        satisfaction = table.loc[members, "mean_satisfaction"].mean()
        description_parts = _describe(trait_frame, demand_lift, request_lift, config)
        out.append(
            SegmentPortrait(
                segment=segment,
                size=int(sizes[segment]),
                share=float(sizes[segment] / len(labels)),
                description_parts=description_parts,
                traits=[
                    {
                        "trait": key,
                        "share": float(row["share"]),
                        "population_share": float(population_share[key]),
                        "lift": float(row["lift"]),
                    }
                    for key, row in notable.sort_values("lift", ascending=False).iterrows()
                ],
                needs=needs,
                profile={
                    **{f"trait_{k}": float(v) for k, v in share.items()},
                    **{
                        f"demand_{d}": float(v) for d, v in zip(DIMENSIONS, seg_demand, strict=True)
                    },
                },
                mean_age=float(table.loc[members, "age"].mean()),
                requests_per_resident_month=rate,
                mean_satisfaction=None if np.isnan(satisfaction) else float(satisfaction),
            )
        )
    _distinguish_duplicates(out)
    return out


def _distinguish_duplicates(segments: list[SegmentPortrait]) -> None:
    """Segments that came out with the same description get their most distinctive trait
    figure added (in place), as a ``distinguishing_trait`` part."""

    def words(segment: SegmentPortrait) -> str:
        return json.dumps(segment.description_parts, sort_keys=True)

    seen: dict[str, int] = {}
    for segment in segments:
        seen[words(segment)] = seen.get(words(segment), 0) + 1
    for segment in segments:
        if seen[words(segment)] > 1 and segment.traits:
            top = segment.traits[0]
            segment.description_parts = [
                *segment.description_parts,
                {
                    "code": "distinguishing_trait",
                    "slot": "suffix",
                    "trait": str(top["trait"]),
                    "share": float(top["share"]),
                },
            ]


def _communities(
    residents: pd.DataFrame,
    table: pd.DataFrame,
    req: pd.DataFrame | None,
    labels: np.ndarray,
    k: int,
    segments: list[SegmentPortrait],
) -> pd.DataFrame:
    community = residents["community"].astype(str).to_numpy()
    codes, names = pd.factorize(community, sort=True)
    counts = np.zeros((len(names), k))
    np.add.at(counts, (codes, labels), 1.0)
    size = counts.sum(axis=1)
    frame = pd.DataFrame({"residents": size.astype(int)}, index=pd.Index(names, name="community"))
    for segment in range(k):
        frame[f"segment_{segment}_share"] = counts[:, segment] / size
    frame["dominant_segment"] = counts.argmax(axis=1)

    window = table.attrs["window_months"]
    if req is not None and len(req):
        # Integer codes and bincounts: this runs over millions of requests.
        place = frame.index.get_indexer(req["community"].to_numpy())
        known = place >= 0
        place = place[known]
        n_comm = len(frame)
        total = np.bincount(place, minlength=n_comm).astype(float)
        frame["requests_per_month"] = total / window
        dim_codes = pd.Index(DIMENSIONS).get_indexer(req["dimension"].to_numpy()[known])
        on_dim = dim_codes >= 0
        by_dim = np.zeros((n_comm, len(DIMENSIONS)))
        np.add.at(by_dim, (place[on_dim], dim_codes[on_dim]), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(total[:, None] > 0, by_dim / total[:, None], 0.0)
        for i, d in enumerate(DIMENSIONS):
            frame[f"need_share_{d}"] = shares[:, i]
        cat_codes, categories = pd.factorize(req["category"].to_numpy()[known])
        by_cat = np.zeros((n_comm, len(categories)))
        np.add.at(by_cat, (place, cat_codes), 1.0)
        top = np.asarray(categories, dtype=object)[by_cat.argmax(axis=1)]
        frame["top_category"] = np.where(total > 0, top, None)
    return frame


# ---------------------------------------------------------------------------------------------
# Change since a previous run


def _segment_profiles(segments: list) -> tuple[list[int], np.ndarray, list[str]]:
    keys = sorted({k for s in segments for k in s["profile"] if k.startswith("trait_")})
    ids = [int(s["segment"]) for s in segments]
    matrix = np.array([[s["profile"].get(k, 0.0) for k in keys] for s in segments])
    return ids, matrix, keys


def compare_portraits(
    previous: PortraitResult | Mapping, current: PortraitResult | Mapping
) -> dict:
    """How segments and communities changed between two runs.

    Segment numbers are not comparable between runs, so segments are matched one-to-one by
    their trait profiles (Hungarian assignment on the distance between trait shares); a
    current segment without a partner is reported as new. Community changes: segment-mix
    change in percentage points (matched segments), change in requests per month and in the
    share of needs by first-level category.
    """
    prev = previous.to_dict() if isinstance(previous, PortraitResult) else dict(previous)
    curr = current.to_dict() if isinstance(current, PortraitResult) else dict(current)
    prev_ids, prev_matrix, prev_keys = _segment_profiles(prev["segments"])
    curr_ids, curr_matrix, curr_keys = _segment_profiles(curr["segments"])
    keys = [k for k in curr_keys if k in prev_keys]
    pm = prev_matrix[:, [prev_keys.index(k) for k in keys]]
    cm = curr_matrix[:, [curr_keys.index(k) for k in keys]]
    distance = np.sqrt(((cm[:, None, :] - pm[None, :, :]) ** 2).sum(axis=2))
    rows, cols = linear_sum_assignment(distance)
    matches = {curr_ids[r]: prev_ids[c] for r, c in zip(rows, cols, strict=True)}
    prev_by_id = {int(s["segment"]): s for s in prev["segments"]}
    segments = []
    for s in curr["segments"]:
        sid = int(s["segment"])
        match = matches.get(sid)
        # Parts are copied when the run has them (runs stored before they existed do not).
        entry = {
            "segment": sid,
            "description_parts": s.get("description_parts"),
            "share": s["share"],
        }
        if match is None:
            entry.update({"status": "new", "previous_segment": None})
        else:
            old = prev_by_id[match]
            entry.update(
                {
                    "status": "matched",
                    "previous_segment": match,
                    "previous_description_parts": old.get("description_parts"),
                    "share_change_pp": 100 * (s["share"] - old["share"]),
                    "profile_distance": float(distance[curr_ids.index(sid), prev_ids.index(match)]),
                }
            )
        segments.append(entry)
    gone = [
        {
            "segment": pid,
            "description_parts": prev_by_id[pid].get("description_parts"),
        }
        for pid in prev_ids
        if pid not in matches.values()
    ]

    prev_comm = {r["community"]: r for r in prev["communities"]}
    communities = []
    for row in curr["communities"]:
        old = prev_comm.get(row["community"])
        if old is None:
            communities.append({"community": row["community"], "status": "new"})
            continue
        mix = {}
        for sid, pid in matches.items():
            now = row.get(f"segment_{sid}_share") or 0.0
            before = old.get(f"segment_{pid}_share") or 0.0
            mix[f"segment_{sid}"] = 100 * (now - before)
        entry = {
            "community": row["community"],
            "status": "compared",
            "segment_mix_change_pp": mix,
            "residents_change": int(row["residents"]) - int(old["residents"]),
        }
        if "requests_per_month" in row and "requests_per_month" in old:
            before = old["requests_per_month"] or 0.0
            entry["requests_per_month_change"] = (row["requests_per_month"] or 0.0) - before
            entry["need_share_change_pp"] = {
                d: 100 * ((row.get(f"need_share_{d}") or 0.0) - (old.get(f"need_share_{d}") or 0.0))
                for d in DIMENSIONS
            }
        communities.append(entry)
    return {
        "previous_as_of": prev.get("as_of"),
        "segments": segments,
        "segments_gone": gone,
        "communities": communities,
    }


# ---------------------------------------------------------------------------------------------
# Community attributes for the forecaster


def community_profile(residents: pd.DataFrame, *, as_of: str | None = None) -> pd.DataFrame:
    """Per-community composition of registered residents (shares of 65+, children, chronic
    disease, ...), indexed by community: attributes for the demand forecast and what-ifs."""
    residents, _ = _validated_residents(residents)
    reference = _as_of(None, as_of, None)
    age = reference.year - residents["birth_year"].to_numpy(dtype=float)
    health = residents["health_needs"].to_numpy()
    frame = pd.DataFrame(
        {
            "community": residents["community"].astype(str).to_numpy(),
            "share_65plus": age >= 65,
            "share_75plus": age >= 75,
            "share_children": residents["children_in_household"].to_numpy() > 0,
            "share_unemployed": residents["employment_status"].to_numpy() == "unemployed",
            "share_chronic": np.isin(health, ["chronic", "both"]),
            "share_disability": np.isin(health, ["disability", "both"]),
            "share_rural_hukou": residents["hukou_type"].to_numpy() == "local_rural",
            "share_non_local": residents["hukou_type"].to_numpy() == "non_local",
            "share_elderly_alone": residents["elderly_living_alone"].astype(bool).to_numpy(),
            "share_low_income": residents["income_band"].to_numpy() == "low",
            "mean_household_size": residents["household_size"].to_numpy(dtype=float),
        }
    )
    grouped = frame.groupby("community").mean().astype(float)
    grouped.insert(0, "registered_residents", frame.groupby("community").size().astype(float))
    assert_no_identifiers(grouped.columns, where="the community profile")
    return grouped
