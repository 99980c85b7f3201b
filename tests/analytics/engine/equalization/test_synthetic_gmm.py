"""A reference system-GMM estimator (pydynpd, a project dependency) recovers the synthetic
panel's documented coefficients from the engine's scores: the generator's design check, kept
independent of the project's own GMM engine."""

from __future__ import annotations

import contextlib
import io
import warnings

import pytest

pydynpd = pytest.importorskip("pydynpd.regression")

REGRESSORS = "diggovment L1.diggovment strindu L1.strindu rgdp L1.rgdp"


def _system_gmm(frame, dependent):
    command = (
        f"{dependent} L1.{dependent} {REGRESSORS} | gmm({dependent}, 2:4) iv({REGRESSORS}) "
        "| timedumm collapse"
    )
    data = frame[["city_code", "year", dependent, "diggovment", "strindu", "rgdp"]].copy()
    data["city"] = data["city_code"].astype(int)
    data = data.drop(columns="city_code")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        fit = pydynpd.abond(command, data, ["city", "year"])
    return fit.models[0].regression_table.set_index("variable")


@pytest.mark.parametrize(("dependent", "model"), [("pubindicator", "level"), ("E", "gap")])
def test_two_step_system_gmm_lands_within_two_standard_errors(
    synthetic_panel, synthetic_result, dependent, model
):
    truth = getattr(synthetic_panel.score_scale_coefficients(synthetic_result.scores.frame), model)
    table = _system_gmm(synthetic_result.scores.frame, dependent)
    z = {
        name: (table.at[name, "coefficient"] - value) / table.at[name, "std_err"]
        for name, value in truth.items()
    }
    assert all(abs(score) < 2 for score in z.values()), z
