"""The stacked GMM design: transformed and level equations, the instrument matrix and H.

Each unit contributes ``R`` rows: the transformed equation at period positions ``0..T-1``
(first differences, or forward orthogonal deviations stored one period late as xtabond2 does)
and, in system GMM, the level equation at positions ``0..T-1`` (rows ``T..2T-1``). Rows that a
unit does not use are zero in ``y``, ``X`` and ``Z``.

The instrument matrix is never built as a dense ``(N*R, L)`` array. For each row position it
keeps the instrument columns that can be non-zero there and an ``(N, k)`` block of their
values, so every product the estimator needs is a loop over row positions (at most ``2T``),
with all units handled at once by BLAS.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

import numpy as np

from analytics.engine.errors import EngineInputError, InputProblem
from analytics.engine.gmm.panel import Panel, build_panel
from analytics.engine.gmm.parser import ModelSpec, Term

CONSTANT = "_cons"
COLLINEAR_TOLERANCE = 1e-10


@dataclass
class InstrumentMatrix:
    """Per-row-position blocks of a block-structured instrument matrix (see module docstring).

    ``values[r]`` has shape ``(len(columns[r]), n_units)``: one contiguous row per instrument
    column, so the scatter-adds below touch whole rows of the ``(L, N)`` outputs.
    """

    n_units: int
    n_rows: int
    n_cols: int
    columns: list[np.ndarray]  # per row position: int indices of its columns
    values: list[np.ndarray]  # per row position: (len(columns), n_units) values

    def rows(self):
        for row, (cols, block) in enumerate(zip(self.columns, self.values, strict=True)):
            if cols.size:
                yield row, cols, block

    def moments(self, v: np.ndarray) -> np.ndarray:
        """Per-unit ``Z_i' v_i`` for ``v`` of shape (N, R), returned transposed: (L, N)."""
        out = np.zeros((self.n_cols, self.n_units))
        for row, cols, block in self.rows():
            out[cols] += block * v[:, row]
        return out

    def transpose_sum(self, v: np.ndarray, rows_first: bool = False) -> np.ndarray:
        """``sum_i Z_i' v_i`` for ``v`` of shape (N, R) or (N, R, K), or (R, N, K) when
        ``rows_first``."""
        if rows_first:
            out = np.zeros((self.n_cols, v.shape[2]))
            for row, cols, block in self.rows():
                out[cols] += block @ v[row]
            return out
        if v.ndim == 2:
            out = np.zeros(self.n_cols)
            for row, cols, block in self.rows():
                out[cols] += block @ v[:, row]
            return out
        out = np.zeros((self.n_cols, v.shape[2]))
        for row, cols, block in self.rows():
            out[cols] += block @ v[:, row, :]
        return out

    def times(self, a: np.ndarray) -> np.ndarray:
        """Per-unit ``Z_i a`` for a length-L vector: an (N, R) array."""
        out = np.zeros((self.n_units, self.n_rows))
        for row, cols, block in self.rows():
            out[:, row] = a[cols] @ block
        return out

    def quadratic(self, entries: list[tuple[int, int, float]]) -> np.ndarray:
        """``sum_i Z_i' H Z_i`` for the symmetric H given by its non-zero ``(r, s, h)`` entries."""
        out = np.zeros((self.n_cols, self.n_cols))
        for r, s, h in entries:
            cols_r, cols_s = self.columns[r], self.columns[s]
            if cols_r.size and cols_s.size:
                out[np.ix_(cols_r, cols_s)] += h * (self.values[r] @ self.values[s].T)
        return out

    def column_nonzero(self) -> np.ndarray:
        counts = np.zeros(self.n_cols, dtype=np.int64)
        for _, cols, block in self.rows():
            counts[cols] += np.count_nonzero(block, axis=1)
        return counts

    def select(self, keep: np.ndarray) -> InstrumentMatrix:
        """Keep the columns ``keep`` (sorted int indices), renumbered 0..len(keep)-1."""
        new_index = np.full(self.n_cols, -1, dtype=np.int64)
        new_index[keep] = np.arange(keep.size)
        columns, values = [], []
        for cols, block in zip(self.columns, self.values, strict=True):
            mask = new_index[cols] >= 0
            if mask.all():
                columns.append(new_index[cols])
                values.append(block)
            else:
                columns.append(new_index[cols[mask]])
                values.append(block[mask])
        return InstrumentMatrix(self.n_units, self.n_rows, int(keep.size), columns, values)


@dataclass(frozen=True)
class InstrumentGroup:
    """An instrument set that gets its own Difference-in-Hansen test."""

    label: str
    columns: np.ndarray  # indices into the final instrument matrix


@dataclass
class Design:
    spec: ModelSpec
    panel: Panel
    system: bool
    fod: bool
    names: list[str]  # kept regressors, constant last
    dropped: list[str]
    has_constant: bool
    y: np.ndarray  # (N, R)
    X: np.ndarray  # (N, R, K)
    trans_used: np.ndarray  # (N, T) bool
    level_used: np.ndarray | None  # (N, T) bool, system only
    Z: InstrumentMatrix
    S1: np.ndarray  # sum_i Z_i' H Z_i over the kept instruments
    groups: list[InstrumentGroup]
    ar_residual_parts: tuple[np.ndarray, np.ndarray]  # (y0, X0) in levels, for the FOD AR test
    n_instruments_built: int
    warnings: list[str] = field(default_factory=list)

    @property
    def n_periods(self) -> int:
        return self.panel.n_periods


# ---------------------------------------------------------------- names and columns


def _term_label(name: str, lag: int) -> str:
    return name if lag == 0 else f"L{lag}.{name}"


def _model_error(
    spec: ModelSpec, reason: str, position: int, *, code: str, name: str = ""
) -> EngineInputError:
    text = spec.text
    position = max(0, min(position, len(text)))
    message = f"{reason} (model string, position {position + 1}):\n  {text}\n  {' ' * position}^"
    return EngineInputError(
        message,
        [InputProblem(message=reason, column="model")],
        code=code,
        params={"name": name, "position": position + 1},
    )


def expand_terms(
    spec: ModelSpec, terms: tuple[Term, ...], candidates: list[str]
) -> list[tuple[str, int, int]]:
    expanded: list[tuple[str, int, int]] = []
    for term in terms:
        if term.has_wildcard:
            matches = [c for c in candidates if fnmatch.fnmatchcase(c, term.name)]
            if not matches:
                raise _model_error(
                    spec,
                    f"no column of the data matches {term.name!r}",
                    term.position,
                    code="model_no_column_matches",
                    name=term.name,
                )
            expanded.extend((name, term.lag, term.position) for name in matches)
        elif term.name not in candidates:
            raise _model_error(
                spec,
                f"{term.name!r} is not a column of the data",
                term.position,
                code="model_not_a_column",
                name=term.name,
            )
        else:
            expanded.append((term.name, term.lag, term.position))
    return expanded


# ---------------------------------------------------------------- transforms


def _difference(grid: np.ndarray) -> np.ndarray:
    out = np.full_like(grid, np.nan)
    out[:, 1:, ...] = grid[:, 1:, ...] - grid[:, :-1, ...]
    return out


def _forward_orthogonal(grid: np.ndarray, complete: np.ndarray) -> np.ndarray:
    """Forward orthogonal deviations over the ``complete`` later periods, stored one period
    late (position p holds the deviation of period p-1), as xtabond2 stores them."""
    weights = complete.astype(np.float64)
    shape = (*complete.shape, *([1] * (grid.ndim - 2)))
    filled = np.where(np.broadcast_to(complete.reshape(shape), grid.shape), grid, 0.0)
    filled = np.nan_to_num(filled)
    # sums and counts over strictly later periods
    later_sum = np.cumsum(filled[:, ::-1, ...], axis=1)[:, ::-1, ...]
    later_sum = np.concatenate([later_sum[:, 1:, ...], np.zeros_like(later_sum[:, :1, ...])], 1)
    later_count = np.cumsum(weights[:, ::-1], axis=1)[:, ::-1]
    later_count = np.concatenate([later_count[:, 1:], np.zeros_like(later_count[:, :1])], 1)
    count = later_count.reshape(shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        deviation = np.sqrt(count / (count + 1.0)) * (grid - later_sum / count)
    deviation = np.where(count > 0, deviation, np.nan)
    out = np.full_like(grid, np.nan)
    out[:, 1:, ...] = deviation[:, :-1, ...]
    return out


def h_entries(n_periods: int, system: bool, fod: bool, usable: np.ndarray) -> list:
    """Non-zero entries of xtabond2's H (its default h(3)) on the row positions that are used."""
    T = n_periods
    entries: list[tuple[int, int, float]] = []

    def add(r: int, s: int, h: float) -> None:
        if usable[r] and usable[s]:
            entries.append((r, s, h))
            if r != s:
                entries.append((s, r, h))

    for p in range(1, T):
        if fod:
            add(p, p, 1.0)
        else:
            add(p, p, 2.0)
            if p >= 2:
                add(p, p - 1, -1.0)
    if system:
        for t in range(T):
            add(T + t, T + t, 1.0)
        for p in range(1, T):
            if fod:
                scale = np.sqrt((T - p) / (T - p + 1.0))
                add(p, T + p - 1, scale)
                for s in range(p, T):
                    add(p, T + s, -scale / (T - p))
            else:
                add(p, T + p, 1.0)
                add(p, T + p - 1, -1.0)
    return entries


# ---------------------------------------------------------------- linear dependence


def independent_in_order(gram: np.ndarray, tolerance: float = COLLINEAR_TOLERANCE) -> np.ndarray:
    """Indices of the columns kept by a left-to-right sweep of a Gram matrix: a column is
    dropped when it is (numerically) a combination of the columns kept before it.

    The inverse of the kept block is grown one column at a time (bordered inverse), so the
    sweep costs O(n^3) in all with only matrix-vector products.
    """
    diagonal = np.diag(gram).copy()
    positive = diagonal > 0
    scale = np.zeros_like(diagonal)
    scale[positive] = 1.0 / np.sqrt(diagonal[positive])
    normalized = gram * scale[:, None] * scale[None, :]
    candidates = np.flatnonzero(positive)
    try:  # the usual case: nothing to drop, and the Cholesky pivots are the sweep's pivots
        factor = np.linalg.cholesky(normalized[np.ix_(candidates, candidates)])
        if np.min(np.diag(factor)) ** 2 > tolerance:
            return candidates.astype(np.int64)
    except np.linalg.LinAlgError:
        pass
    kept: list[int] = []
    inverse = np.zeros((0, 0))
    for j in candidates:
        coupling = normalized[kept, j]
        w = inverse @ coupling
        pivot = normalized[j, j] - coupling @ w
        if pivot > tolerance:
            m = len(kept)
            grown = np.empty((m + 1, m + 1))
            grown[:m, :m] = inverse + np.outer(w, w) / pivot
            grown[:m, m] = grown[m, :m] = -w / pivot
            grown[m, m] = 1.0 / pivot
            inverse = grown
            kept.append(int(j))
    return np.asarray(kept, dtype=np.int64)


# ---------------------------------------------------------------- building


class _ZBuilder:
    def __init__(self, n_units: int, n_rows: int) -> None:
        self.n_units = n_units
        self.pieces: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(n_rows)]
        self.group_of: list[int] = []
        self.level_gmm: list[bool] = []

    def new_columns(self, count: int, group: int, level_gmm: bool = False) -> np.ndarray:
        start = len(self.group_of)
        self.group_of.extend([group] * count)
        self.level_gmm.extend([level_gmm] * count)
        return np.arange(start, start + count, dtype=np.int64)

    def put(self, row: int, cols: np.ndarray, values: np.ndarray, used: np.ndarray) -> None:
        """Values of shape (N, len(cols)); rows of units not using this row become zero."""
        block = np.where(used[:, None], values, 0.0).T
        block[np.isnan(block)] = 0.0
        self.pieces[row].append((cols, block))

    def build(self) -> InstrumentMatrix:
        columns, values = [], []
        for pieces in self.pieces:
            if pieces:
                columns.append(np.concatenate([c for c, _ in pieces]))
                values.append(np.ascontiguousarray(np.vstack([v for _, v in pieces])))
            else:
                columns.append(np.zeros(0, dtype=np.int64))
                values.append(np.zeros((0, self.n_units)))
        return InstrumentMatrix(self.n_units, len(self.pieces), len(self.group_of), columns, values)


def build_design(frame, spec: ModelSpec, id_col: str, time_col: str) -> Design:
    options = spec.options
    system, fod = options.system, options.fod
    warnings: list[str] = []
    candidates = [str(c) for c in frame.columns if c not in (id_col, time_col)]
    dependent = spec.dependent.name
    if dependent not in candidates:
        raise _model_error(
            spec,
            f"{dependent!r} is not a column of the data",
            spec.dependent.position,
            code="model_not_a_column",
            name=dependent,
        )

    regressors: list[tuple[str, int]] = []
    for name, lag, position in expand_terms(spec, spec.regressors, candidates):
        if name == dependent and lag == 0:
            raise _model_error(
                spec,
                "the dependent variable cannot also be a regressor at lag 0",
                position,
                code="model_dependent_as_regressor",
                name=dependent,
            )
        if (name, lag) not in regressors:
            regressors.append((name, lag))
    iv_terms = [expand_terms(spec, group.terms, candidates) for group in spec.iv]
    gmm_vars = [expand_terms(spec, group.variables, candidates) for group in spec.gmm]
    needed = [dependent, *(n for n, _ in regressors)]
    needed += [n for terms in iv_terms for n, _, _ in terms]
    needed += [n for terms in gmm_vars for n, _, _ in terms]
    panel = build_panel(frame, id_col, time_col, needed)
    N, T = panel.n_units, panel.n_periods

    max_lag = max(lag for _, lag in regressors)
    names = [_term_label(n, lag) for n, lag in regressors]
    grids = [panel.lagged(n, lag) for n, lag in regressors]
    dummy_grids: list[np.ndarray] = []
    if options.timedumm:
        periods = np.arange(T)
        for position in range(max_lag + 1, T):
            names.append(f"{time_col}_{panel.times[position]}")
            dummy = np.broadcast_to((periods == position).astype(np.float64), (N, T)).copy()
            dummy_grids.append(dummy)
            grids.append(dummy)
    if system:
        names.append(CONSTANT)
        grids.append(np.ones((N, T)))
    y0 = panel.values[dependent]
    X0 = np.stack(grids, axis=2)

    iv_groups: list[tuple[str, str, list[np.ndarray]]] = []
    for group, terms in zip(spec.iv, iv_terms, strict=True):
        if not system and group.equation == "level":
            warnings.append(f"{group.text} ignored: level-equation instruments need system GMM")
            continue
        equation = "diff" if not system else group.equation
        iv_groups.append((group.text, equation, [panel.lagged(n, lag) for n, lag, _ in terms]))
    if dummy_grids:
        iv_groups.append(("timedumm", "both" if system else "diff", dummy_grids))

    # ---- samples, as xtabond2 marks them
    regressors_ok = ~np.isnan(y0) & ~np.isnan(X0).any(axis=2)
    iv_ok_all = np.ones((N, T), dtype=bool)
    iv_ok_level = np.ones((N, T), dtype=bool)
    for _, equation, ivs in iv_groups:
        for grid in ivs:
            iv_ok_all &= ~np.isnan(grid)
            if equation != "diff":
                iv_ok_level &= ~np.isnan(grid)
    complete = regressors_ok & iv_ok_all

    if fod:
        transform = lambda grid: _forward_orthogonal(grid, complete)  # noqa: E731
        base_ok = np.zeros((N, T), dtype=bool)
        base_ok[:, 1:] = regressors_ok[:, :-1]
    else:
        transform = _difference
        base_ok = regressors_ok
    y_t = transform(y0)
    X_t = transform(X0)
    trans_used = base_ok & ~np.isnan(y_t) & ~np.isnan(X_t).any(axis=2)
    iv_transformed: list[list[np.ndarray | None]] = []
    for _, equation, ivs in iv_groups:
        transformed = []
        for grid in ivs:
            if equation == "level":
                transformed.append(None)
                continue
            t_grid = transform(grid)
            trans_used &= ~np.isnan(t_grid)
            transformed.append(t_grid)
        iv_transformed.append(transformed)
    level_used = regressors_ok & iv_ok_level if system else None

    if not trans_used.any():
        need = max_lag + 2
        raise EngineInputError(
            f"too few periods for the lags: the model uses lags up to {max_lag}, so a unit "
            f"needs {need} consecutive periods with complete data to enter the transformed "
            f"equation, and none has (the panel spans {T} period(s), "
            f"{panel.times[0]}–{panel.times[-1]})",
            code="too_few_periods",
            params={
                "lags": int(max_lag),
                "needed": int(need),
                "periods": int(T),
                "first": str(panel.times[0]),
                "last": str(panel.times[-1]),
            },
        )

    R = 2 * T if system else T
    y = np.zeros((N, R))
    X = np.zeros((N, R, X0.shape[2]))
    y[:, :T] = np.where(trans_used, np.nan_to_num(y_t), 0.0)
    X[:, :T, :] = np.where(trans_used[:, :, None], np.nan_to_num(X_t), 0.0)
    if system:
        y[:, T:] = np.where(level_used, np.nan_to_num(y0), 0.0)
        X[:, T:, :] = np.where(level_used[:, :, None], np.nan_to_num(X0), 0.0)

    # ---- collinear regressors: sweep left to right, the constant first (as xtabond2 keeps it)
    order = list(range(X.shape[2]))
    if system:
        order = [order[-1], *order[:-1]]
    flat = X.reshape(-1, X.shape[2])[:, order]
    kept_in_order = independent_in_order(flat.T @ flat)
    kept = sorted(order[k] for k in kept_in_order)
    dropped = [names[k] for k in range(len(names)) if k not in kept]
    for name in dropped:
        warnings.append(f"{name} dropped due to collinearity")
    X = np.ascontiguousarray(X[:, :, kept])
    names = [names[k] for k in kept]
    X0_kept = X0[:, :, kept]
    if not names or names == [CONSTANT]:
        raise EngineInputError(
            "no regressor is left after dropping collinear ones", code="no_regressor_left"
        )

    # ---- instruments
    builder = _ZBuilder(N, R)
    group_labels: list[str] = []
    if system:
        const_col = builder.new_columns(1, group=-1)
        ones = np.ones((N, 1))
        for t in range(T):
            builder.put(T + t, const_col, ones, level_used[:, t])
    for (label, equation, ivs), transformed in zip(iv_groups, iv_transformed, strict=True):
        group = len(group_labels)
        group_labels.append(label)
        cols = builder.new_columns(len(ivs), group)
        if equation in ("diff", "both"):
            stacked = np.stack(transformed, axis=2)
            for p in range(T):
                builder.put(p, cols, stacked[:, p, :], trans_used[:, p])
        if system and equation in ("level", "both"):
            stacked = np.stack(ivs, axis=2)
            for t in range(T):
                builder.put(T + t, cols, stacked[:, t, :], level_used[:, t])

    for gmm_spec, variables in zip(spec.gmm, gmm_vars, strict=True):
        group = len(group_labels)
        group_labels.append(gmm_spec.text)
        collapse = options.collapse or gmm_spec.collapse
        low = gmm_spec.min_lag
        high = T - 1 if gmm_spec.max_lag is None else min(gmm_spec.max_lag, T - 1)
        if gmm_spec.equation == "level" and not system:
            warnings.append(f"{gmm_spec.text} ignored: level-equation instruments need system GMM")
            continue
        for name, _, _ in variables:
            base = panel.values[name]
            if gmm_spec.equation in ("diff", "both") and low <= high:
                lag_cols = builder.new_columns(high - low + 1, group) if collapse else None
                for p in range(T):
                    lags = np.arange(low, min(high, p) + 1)
                    if lags.size == 0:
                        continue
                    cols = (
                        lag_cols[lags - low] if collapse else builder.new_columns(lags.size, group)
                    )
                    builder.put(p, cols, base[:, p - lags], trans_used[:, p])
            if not system or gmm_spec.equation == "diff":
                continue
            differences = _difference(base)
            if gmm_spec.equation == "both":
                lag_range = np.array([max(low - 1, 0)])
            else:
                lag_range = np.arange(low, high + 1)
            level_cols = (
                builder.new_columns(lag_range.size, group, level_gmm=True) if collapse else None
            )
            for t in range(T):
                lags = lag_range[lag_range <= t - 1]
                if lags.size == 0:
                    continue
                if collapse:
                    cols = level_cols[np.searchsorted(lag_range, lags)]
                else:
                    cols = builder.new_columns(lags.size, group, level_gmm=True)
                builder.put(T + t, cols, differences[:, t - lags], level_used[:, t])

    Z_full = builder.build()
    n_built = Z_full.n_cols
    nonzero = np.flatnonzero(Z_full.column_nonzero() > 0)
    Z = Z_full.select(nonzero)
    usable = np.zeros(R, dtype=bool)
    usable[:T] = trans_used.any(axis=0)
    if system:
        usable[T:] = level_used.any(axis=0)
    entries = h_entries(T, system, fod, usable)
    S1 = Z.quadratic(entries)
    independent = independent_in_order(S1)
    Z = Z.select(independent)
    S1 = S1[np.ix_(independent, independent)]
    final_index = nonzero[independent]
    group_of = np.asarray(builder.group_of)[final_index]
    level_gmm = np.asarray(builder.level_gmm, dtype=bool)[final_index]

    groups = [
        InstrumentGroup(label, np.flatnonzero(group_of == g))
        for g, label in enumerate(group_labels)
        if np.any(group_of == g)
    ]
    if system and level_gmm.any():
        groups.insert(0, InstrumentGroup("GMM instruments for levels", np.flatnonzero(level_gmm)))

    if Z.n_cols < len(names):
        raise EngineInputError(
            f"the model is not identified: {len(names)} regressors but only {Z.n_cols} "
            "non-redundant instruments; add instruments (gmm()/iv()) or drop regressors",
            code="model_not_identified",
            params={"regressors": len(names), "instruments": int(Z.n_cols)},
        )
    return Design(
        spec=spec,
        panel=panel,
        system=system,
        fod=fod,
        names=names,
        dropped=dropped,
        has_constant=system and CONSTANT in names,
        y=y,
        X=X,
        trans_used=trans_used,
        level_used=level_used,
        Z=Z,
        S1=S1,
        groups=groups,
        ar_residual_parts=(y0, X0_kept),
        n_instruments_built=n_built,
        warnings=warnings,
    )
