"""Run a model through pydynpd 0.2.2 behind guards, for users who want that library's figures.

pydynpd gives wrong estimates when rows are not sorted by (unit, time), adds every regressor
that is not named in ``gmm()``/``iv()`` to the instruments, prints to stdout, calls ``exit()``
on bad input and changes the process-wide warning filters when imported. Here the input is
validated and sorted first, a model whose regressors are not all named in ``gmm()``/``iv()`` is
refused (pydynpd would silently estimate a different model), its printing is captured, its
``exit()`` becomes an ``EngineInputError`` and the warning filters are restored. The result
says which of this engine's outputs pydynpd cannot give.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings

import numpy as np
import pandas as pd

from analytics.engine.errors import EngineInputError
from analytics.engine.gmm.instruments import CONSTANT, expand_terms
from analytics.engine.gmm.panel import build_panel
from analytics.engine.gmm.parser import ModelSpec, parse_model
from analytics.engine.gmm.results import ArTest, ChiSquareTest, Coefficient, GmmResult

_ID, _TIME = "unit_", "time_"


def _load_pydynpd():
    # pydynpd's regression module installs a global "ignore RuntimeWarning" filter on import
    with warnings.catch_warnings():
        from pydynpd import regression

    return regression


def _unsupported(spec: ModelSpec) -> list[tuple[str, dict[str, str]]]:
    """What pydynpd cannot do for ``spec``: each problem's English text and its part (a code,
    with the model string's group it concerns), which ``analytics.wording`` words."""
    problems = []
    for group in (*spec.gmm, *spec.iv):
        if group.equation != "both":
            problems.append(
                (
                    f"{group.text}: pydynpd has no eq(level)/eq(diff) instruments",
                    {"code": "instrument_equation", "group": group.text},
                )
            )
    per_group = {group.collapse for group in spec.gmm}
    if not spec.options.collapse and per_group == {True, False}:
        problems.append(
            (
                "pydynpd collapses all GMM instruments or none, not some groups",
                {"code": "partial_collapse"},
            )
        )
    if spec.options.fod and spec.options.system and spec.iv:
        problems.append(
            (
                "with fod in system GMM pydynpd first-differences the iv() instruments instead "
                "of transforming them by orthogonal deviations",
                {"code": "fod_system_iv"},
            )
        )
    if spec.options.fod and any(term.lag for group in spec.iv for term in group.terms):
        problems.append(
            (
                "with fod pydynpd lags the transformed iv() variable instead of transforming "
                "the lagged variable",
                {"code": "fod_lagged_iv"},
            )
        )
    if spec.options.steps == "onestep" and spec.options.system and spec.options.collapse:
        problems.append(
            (
                "pydynpd 0.2.2 crashes on one-step system GMM with collapse",
                {"code": "onestep_system_collapse"},
            )
        )
    return problems


def _command(spec: ModelSpec, columns: list[str], rename: dict[str, str]) -> str:
    regressors = expand_terms(spec, spec.regressors, columns)
    instrument_names = set()
    gmm_parts = []
    for group in spec.gmm:
        names = [name for name, _, _ in expand_terms(spec, group.variables, columns)]
        instrument_names.update(names)
        high = "." if group.max_lag is None else str(group.max_lag)
        gmm_parts.append(f"gmm({' '.join(rename[n] for n in names)}, {group.min_lag}:{high})")
    iv_terms = []
    for group in spec.iv:
        for name, lag, _ in expand_terms(spec, group.terms, columns):
            instrument_names.add(name)
            iv_terms.append(rename[name] if lag == 0 else f"L{lag}.{rename[name]}")
    uncovered = sorted(
        {name for name, _, _ in regressors if name not in instrument_names} - {spec.dependent.name}
    )
    if uncovered:
        raise EngineInputError(
            "pydynpd adds every regressor that is not named in gmm() or iv() to the "
            f"instruments, so it would estimate a different model; name {', '.join(uncovered)} "
            "in iv() or gmm() to use the pydynpd engine",
            code="pydynpd_uncovered_regressors",
            params={"regressors": [str(r) for r in uncovered]},
        )
    terms = [rename[spec.dependent.name]]
    for name, lag, _ in regressors:
        terms.append(rename[name] if lag == 0 else f"L{lag}.{rename[name]}")
    instruments = " ".join(gmm_parts)
    if iv_terms:
        instruments += f" iv({' '.join(iv_terms)})"
    options = []
    if not spec.options.system:
        options.append("nolevel")
    if spec.options.steps in ("onestep", "iterated"):
        options.append(spec.options.steps)
    if spec.options.collapse or all(group.collapse for group in spec.gmm):
        options.append("collapse")
    for flag in ("fod", "timedumm"):
        if getattr(spec.options, flag):
            options.append(flag)
    return f"{' '.join(terms)} | {instruments} | {' '.join(options)}"


def run_pydynpd(frame: pd.DataFrame, model: str, id_col: str, time_col: str) -> GmmResult:
    """Estimate ``model`` with pydynpd; raise ``EngineInputError`` for anything it cannot do."""
    spec = parse_model(model)
    problems = _unsupported(spec)
    if problems:
        raise EngineInputError(
            "the pydynpd engine cannot run this model: " + "; ".join(t for t, _ in problems),
            code="pydynpd_unsupported",
            params={"problems": [part for _, part in problems]},
        )
    columns = [str(c) for c in frame.columns if c not in (id_col, time_col)]
    used = [spec.dependent.name]
    for terms in (spec.regressors, *(g.variables for g in spec.gmm), *(g.terms for g in spec.iv)):
        used += [name for name, _, _ in expand_terms(spec, tuple(terms), columns)]
    used = list(dict.fromkeys(used))
    panel = build_panel(frame, id_col, time_col, used)  # same validation and messages as ours
    rename = {name: f"v{i}" for i, name in enumerate(used)}
    command = _command(spec, columns, rename)

    data = pd.DataFrame({_ID: np.repeat(np.arange(panel.n_units), panel.n_periods)})
    data[_TIME] = np.tile(panel.times, panel.n_units)
    for name, safe in rename.items():
        data[safe] = panel.values[name].reshape(-1)
    data = data[panel.present.reshape(-1)].reset_index(drop=True)  # sorted by (unit, time)

    regression = _load_pydynpd()
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = regression.abond(command, data, [_ID, _TIME])
    except SystemExit as exc:
        message = printed.getvalue().strip() or str(exc)
        raise EngineInputError(
            f"pydynpd rejected the model: {_unrename(message, rename)}", code="gmm_failed"
        ) from None
    except Exception as exc:  # pydynpd raises bare exceptions for numerical failures
        raise EngineInputError(
            f"pydynpd failed: {_unrename(str(exc), rename)}", code="gmm_failed"
        ) from None
    return _result(spec, fitted.models[0], rename, printed.getvalue(), id_col, time_col)


def _unrename(text: str, rename: dict[str, str]) -> str:
    back = {safe: name for name, safe in rename.items()}
    return re.sub(r"\bv\d+\b", lambda m: back.get(m.group(0), m.group(0)), text)


def _result(
    spec: ModelSpec, model, rename: dict[str, str], printed: str, id_col: str, time_col: str
) -> GmmResult:
    back = {safe: name for name, safe in rename.items()}

    def original(name: str) -> str:
        if name == "_con":
            return CONSTANT
        if name.startswith(f"{_TIME}_"):
            return f"{time_col}_{name[len(_TIME) + 1 :]}"
        prefix, _, base = name.rpartition(".")
        return f"{prefix}.{back.get(base, base)}" if prefix else back.get(base, base)

    table = model.regression_table
    coefficients = [
        Coefficient(original(v), float(b), float(s), float(z), float(p))
        for v, b, s, z, p in zip(
            table["variable"],
            table["coefficient"],
            table["std_err"],
            table["z_value"],
            table["p_value"],
            strict=True,
        )
    ]
    options = spec.options
    final = (
        model.step_results[-1]
        if options.steps == "iterated"
        else model.step_results[0 if options.steps == "onestep" else 1]
    )
    unavailable = [
        "Sargan test",
        "Difference-in-Hansen tests",
        "dropping and naming collinear regressors",
        "instrument count net of redundant instruments (pydynpd counts every column it builds)",
    ]
    ar_tests = [ArTest(int(a.lag), float(a.AR), float(a.P_value)) for a in model.AR_list]
    if options.steps == "onestep":
        unavailable.append(
            "Arellano-Bond tests after one-step estimation (pydynpd computes them from the "
            "two-step moments)"
        )
        ar_tests = []
    if options.small:
        unavailable.append("small-sample correction, t and F statistics")
    if options.ar_order != 2:
        unavailable.append(f"AR tests beyond order 2 (artests({options.ar_order}))")
    notes = [
        line.strip() for line in printed.splitlines() if line.strip().lower().startswith("warning")
    ]
    notes.append("number of observations is pydynpd's count of transformed-equation observations")
    hansen = model.hansen
    steps = {"onestep": "one-step", "twostep": "two-step"}.get(
        options.steps, f"iterated ({len(model.step_results)} steps)"
    )
    return GmmResult(
        model=spec.text,
        estimator="system" if options.system else "difference",
        steps=steps,
        transformation="forward orthogonal deviations" if options.fod else "first differences",
        se_type="Robust" if options.steps == "onestep" else "Corrected",
        small=False,
        df_t=None,
        coefficients=coefficients,
        vcov=np.asarray(final.vcov),
        n_obs=int(model.num_obs),
        n_obs_transformed=int(model.num_obs),
        n_obs_level=None,
        n_groups=int(model.N),
        obs_per_group=(int(model.min_obs), float(model.avg_obs), int(model.max_obs)),
        n_instruments=int(model.z_information.num_instr),
        hansen=ChiSquareTest(float(hansen.test_value), int(hansen.df), float(hansen.p_value)),
        sargan=None,
        difference_in_hansen=[],
        ar_tests=ar_tests,
        overall=None,
        warnings=notes,
        engine="pydynpd",
        unavailable=unavailable,
        id_col=id_col,
        time_col=time_col,
    )
