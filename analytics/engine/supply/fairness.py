"""Fairness audit of a forecast and allocation run, by group of residents.

The source paper warns that data-driven supply can discriminate against groups that are
less visible in the data. For every run this audit reports, per group (urban/rural community,
age band, disability, hukou type), the allocation per unit of need and the forecast error,
and flags any group served more than 10% below the overall ratio.

Allocation and forecasts are per community × category, not per person, so they are
attributed to residents by their **share of need**:

* each registered resident ``r`` of community ``c`` has a need weight ``w[r,k]`` for category
  ``k``: by default 1 (every resident an equal share), or the request rate of the resident's
  segment for ``k`` (:func:`segment_need_weights`), so that e.g. elderly residents carry most
  of the home-care need;
* a group's share of cell (c, k) is ``s[g,c,k] = sum_{r in g, c} w[r,k] / sum_{r in c} w[r,k]``;
* the group's need is ``sum_{c,k} s[g,c,k] * need[c,k]``, its allocation
  ``sum_{c,k} s[g,c,k] * covered[c,k]``, and allocation per unit of need their ratio: the
  need-weighted mean coverage of the cells the group depends on;
* forecast error per group is WAPE with the same shares:
  ``sum s * |actual - forecast| / sum s * actual``.

Urban/rural is a property of the community, so that dimension uses every cell directly.
Cells of communities without registered residents cannot be attributed to resident groups;
their share of need is reported as ``unattributed_need_share``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.engine.errors import EngineContractError, EngineInputError
from analytics.engine.supply.frames import jsonable, require_columns, require_numeric

AGE_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 35, "under 35"),
    (35, 60, "35-59"),
    (60, 75, "60-74"),
    (75, 200, "75+"),
)
DIMENSIONS = ("urban_rural", "age_band", "disability", "hukou_type")


def resident_groups(residents: pd.DataFrame, *, as_of_year: int) -> pd.DataFrame:
    """Group membership of each resident (same index): age band, disability, hukou type."""
    require_columns(
        residents, ["community", "birth_year", "health_needs", "hukou_type"], what="residents"
    )
    age = as_of_year - require_numeric(residents, "birth_year", what="residents", minimum=0)
    band = np.full(len(residents), AGE_BANDS[-1][2], dtype=object)
    for low, high, label in reversed(AGE_BANDS):
        band[(age >= low) & (age < high)] = label
    disability = np.where(
        residents["health_needs"].isin(["disability", "both"]).to_numpy(),
        "with disability",
        "without disability",
    )
    return pd.DataFrame(
        {
            "community": residents["community"].astype(str).to_numpy(),
            "age_band": band,
            "disability": disability,
            "hukou_type": residents["hukou_type"].astype(str).to_numpy(),
        },
        index=residents.index,
    )


def segment_need_weights(labels: pd.Series, segments: list, *, floor: float = 0.01) -> pd.DataFrame:
    """Need weights per resident × category from a portrait run: each resident carries the
    request rate of their segment for each category (plus a small floor, so nobody's need is
    zero). ``segments`` are :class:`~analytics.engine.supply.portraits.SegmentPortrait`
    objects or their ``to_dict()`` forms."""
    rates: dict[int, dict[str, float]] = {}
    for segment in segments:
        data = segment.to_dict() if hasattr(segment, "to_dict") else segment
        rates[int(data["segment"])] = {
            n["category"]: float(n["requests_per_100_residents_year"]) for n in data["needs"]
        }
    categories = sorted({c for r in rates.values() for c in r})
    if not categories:
        raise EngineInputError(
            "the portrait run has no request history to weigh needs by",
            code="portrait_without_requests",
        )
    table = pd.DataFrame.from_dict(rates, orient="index").reindex(columns=categories).fillna(0.0)
    weights = table.reindex(labels.to_numpy()).to_numpy() + floor
    return pd.DataFrame(weights, index=labels.index, columns=categories)


@dataclass
class FairnessAudit:
    """Allocation per unit of need and forecast error by group, with the flagged groups."""

    table: pd.DataFrame
    overall_allocation_ratio: float
    overall_forecast_wape: float | None
    threshold: float
    unattributed_need_share: float
    notes: list[str] = field(default_factory=list)
    # The flagged groups as language-neutral parts, one per flag, and the code of the
    # weighting ("equal" or "by_segment"); the analytics app words them.
    flag_parts: list[dict] = field(default_factory=list)
    weighting_code: str = ""

    @property
    def flagged(self) -> pd.DataFrame:
        return self.table[self.table["flagged"]]

    def to_dict(self) -> dict:
        return jsonable(
            {
                "overall_allocation_ratio": self.overall_allocation_ratio,
                "overall_forecast_wape": self.overall_forecast_wape,
                "threshold": self.threshold,
                "groups": self.table.to_dict("records"),
                "flag_parts": self.flag_parts,
                "unattributed_need_share": self.unattributed_need_share,
                "weighting_code": self.weighting_code,
                "notes": self.notes,
            }
        )


def _cell_frame(frame: pd.DataFrame, value_columns: list[str], what: str) -> pd.DataFrame:
    require_columns(frame, ["community", "category", *value_columns], what=what)
    out = pd.DataFrame(
        {
            "community": frame["community"].astype(str).to_numpy(),
            "category": frame["category"].astype(str).to_numpy(),
        }
    )
    for column in value_columns:
        out[column] = require_numeric(frame, column, what=what, minimum=0, allow_missing=True)
    return out


def _shares(groups: pd.Series, communities: np.ndarray, weights: pd.DataFrame) -> pd.DataFrame:
    """s[g, c, k] as a frame indexed by (community, group) with one column per category."""
    summed = weights.groupby([communities, groups.to_numpy()]).sum()
    totals = weights.groupby(communities).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = summed / totals.reindex(summed.index.get_level_values(0)).to_numpy()
    shares.index = shares.index.set_names(["community", "group"])
    return shares.fillna(0.0)


def _by_group(shares: pd.DataFrame, cells: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Sum share * value over cells for each group, for each value column."""
    long = shares.stack().rename("share").reset_index()
    long.columns = ["community", "group", "category", "share"]
    merged = long.merge(cells, on=["community", "category"], how="inner")
    out = {}
    for column in columns:
        out[column] = (merged["share"] * merged[column]).groupby(merged["group"]).sum()
    return pd.DataFrame(out)


def fairness_audit(
    residents: pd.DataFrame,
    communities: pd.DataFrame,
    allocation_cells: pd.DataFrame,
    *,
    forecast_errors: pd.DataFrame | None = None,
    need_weights: pd.DataFrame | None = None,
    as_of_year: int,
    threshold: float = 0.10,
) -> FairnessAudit:
    """Audit a run.

    ``residents``: community, birth_year, health_needs, hukou_type (index = resident id).
    ``communities``: community, kind (urban/rural).
    ``allocation_cells``: community, category, need, covered (e.g. ``AllocationResult.cells``
    with ``covered_after`` renamed or passed through :func:`audit_allocation`).
    ``forecast_errors``: community, category, actual, forecast (e.g. backtest predictions).
    ``need_weights``: residents × categories (default: every resident 1 for every category).
    """
    if not 0 < threshold < 1:
        raise EngineContractError(f"threshold must be between 0 and 1, got {threshold}")
    cells = _cell_frame(allocation_cells, ["need", "covered"], "allocation cells")
    cells = cells.groupby(["community", "category"], as_index=False)[["need", "covered"]].sum()
    errors = None
    if forecast_errors is not None and len(forecast_errors):
        errors = _cell_frame(forecast_errors, ["actual", "forecast"], "forecast errors").dropna()
        errors["abs_error"] = (errors["actual"] - errors["forecast"]).abs()
        errors = errors.groupby(["community", "category"], as_index=False)[
            ["actual", "abs_error"]
        ].sum()

    require_columns(communities, ["community", "kind"], what="communities")
    kind = communities.drop_duplicates("community").set_index(
        communities.drop_duplicates("community")["community"].astype(str)
    )["kind"]
    unknown = ~cells["community"].isin(kind.index)
    if unknown.any():
        raise EngineInputError(
            f"allocation names community {cells['community'][unknown].iloc[0]!r}, which is not "
            "in the communities table",
            code="community_unknown",
            params={"community": str(cells["community"][unknown].iloc[0])},
        )

    groups = resident_groups(residents, as_of_year=as_of_year)
    categories = sorted(cells["category"].unique())
    if need_weights is None:
        weights = pd.DataFrame(1.0, index=groups.index, columns=categories)
        weighting_code = "equal"
    else:
        weights = need_weights.reindex(index=groups.index, columns=categories)
        if weights.isna().all(axis=None):
            raise EngineContractError("need weights do not cover the residents or categories given")
        weights = weights.fillna(weights.stack().mean())
        weighting_code = "by_segment"

    total_need = cells["need"].sum()
    overall = cells["covered"].sum() / total_need if total_need > 0 else float("nan")
    overall_wape = (
        float(errors["abs_error"].sum() / errors["actual"].sum())
        if errors is not None and errors["actual"].sum() > 0
        else None
    )
    with_residents = cells["community"].isin(set(groups["community"]))
    unattributed = (
        float(cells.loc[~with_residents, "need"].sum() / total_need) if total_need > 0 else 0.0
    )

    rows = []
    # Urban/rural: a property of the community, every cell counts.
    cell_kind = kind.reindex(cells["community"]).to_numpy()
    for label in ("urban", "rural"):
        pick = cell_kind == label
        need, covered = cells.loc[pick, "need"].sum(), cells.loc[pick, "covered"].sum()
        row = {
            "dimension": "urban_rural",
            "group": label,
            "residents": int(groups["community"].map(kind).eq(label).sum()),
            "need": float(need),
            "allocated": float(covered),
        }
        if errors is not None:
            err_pick = kind.reindex(errors["community"]).to_numpy() == label
            row["forecast_actual"] = float(errors.loc[err_pick, "actual"].sum())
            row["forecast_abs_error"] = float(errors.loc[err_pick, "abs_error"].sum())
        rows.append(row)

    community_of = groups["community"].to_numpy()
    for dimension in ("age_band", "disability", "hukou_type"):
        shares = _shares(groups[dimension], community_of, weights)
        alloc = _by_group(shares, cells, ["need", "covered"])
        err = _by_group(shares, errors, ["actual", "abs_error"]) if errors is not None else None
        counts = groups[dimension].value_counts()
        for label in alloc.index:
            row = {
                "dimension": dimension,
                "group": str(label),
                "residents": int(counts.get(label, 0)),
                "need": float(alloc.loc[label, "need"]),
                "allocated": float(alloc.loc[label, "covered"]),
            }
            if err is not None and label in err.index:
                row["forecast_actual"] = float(err.loc[label, "actual"])
                row["forecast_abs_error"] = float(err.loc[label, "abs_error"])
            rows.append(row)

    table = pd.DataFrame(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["allocation_per_need"] = table["allocated"] / table["need"]
    # Resident dimensions cover only attributed cells; compare each with its own overall.
    reference = {}
    for dimension, part in table.groupby("dimension"):
        need = part["need"].sum()
        reference[dimension] = part["allocated"].sum() / need if need > 0 else np.nan
    table["overall_ratio"] = table["dimension"].map(reference)
    table["ratio_to_overall"] = table["allocation_per_need"] / table["overall_ratio"]
    table["flagged"] = (table["ratio_to_overall"] < 1 - threshold) & (table["need"] > 0)
    if errors is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            table["forecast_wape"] = table["forecast_abs_error"] / table["forecast_actual"]
        table["forecast_error_ratio"] = table["forecast_wape"] / (overall_wape or np.nan)
        table["forecast_flagged"] = table["forecast_error_ratio"] > 1 + threshold
        table = table.drop(columns=["forecast_abs_error", "forecast_actual"])
    table["dimension"] = pd.Categorical(table["dimension"], categories=DIMENSIONS, ordered=True)
    table = table.sort_values(["dimension", "group"]).reset_index(drop=True)
    table["dimension"] = table["dimension"].astype(str)

    flag_parts = [
        {
            "code": "under_served",
            "dimension": str(r.dimension),
            "group": str(r.group),
            "served": float(r.allocation_per_need),
            "overall": float(r.overall_ratio),
            "below": float(1 - r.ratio_to_overall),
            "threshold": float(threshold),
        }
        for r in table[table["flagged"]].itertuples()
    ]
    if errors is not None:
        flag_parts += [
            {
                "code": "high_forecast_error",
                "dimension": str(r.dimension),
                "group": str(r.group),
                "wape": float(r.forecast_wape),
                "threshold": float(threshold),
                "overall": None if overall_wape is None else float(overall_wape),
            }
            for r in table[table["forecast_flagged"]].itertuples()
        ]
    return FairnessAudit(
        table=table,
        overall_allocation_ratio=float(overall),
        overall_forecast_wape=overall_wape,
        threshold=threshold,
        unattributed_need_share=unattributed,
        flag_parts=flag_parts,
        weighting_code=weighting_code,
    )


def audit_allocation(
    result: object,
    residents: pd.DataFrame,
    communities: pd.DataFrame,
    *,
    as_of_year: int,
    backtest_predictions: pd.DataFrame | None = None,
    need_weights: pd.DataFrame | None = None,
    plan: str = "lp",
    threshold: float = 0.10,
) -> FairnessAudit:
    """:func:`fairness_audit` of an :class:`~analytics.engine.supply.allocation.AllocationResult`
    (``plan="lp"``, or ``"baseline"`` for the proportional plan), with the forecast errors of
    backtest predictions that carry ``community`` and ``category`` columns."""
    cells: pd.DataFrame = result.cells  # type: ignore[attr-defined]
    # Units beyond a cell's gap serve no forecast request, so the plans' covered requests
    # (whole units may pass a fractional need) are the audit's.
    covered = cells["covered_after"] if plan == "lp" else cells["covered_baseline"]
    allocation_cells = pd.DataFrame(
        {
            "community": cells["community"],
            "category": cells["category"],
            "need": cells["need"],
            "covered": covered,
        }
    )
    return fairness_audit(
        residents,
        communities,
        allocation_cells,
        forecast_errors=backtest_predictions,
        need_weights=need_weights,
        as_of_year=as_of_year,
        threshold=threshold,
    )
