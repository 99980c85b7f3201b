"""The GMM engine's table (``estimate_gmm``) and the paper's tables (``reproduce_paper``) worded
for the terminal in the reader's language, Django-free.

The engine's formatters take their words as an object (``analytics.engine.gmm.results.
TableWords``, ``analytics.engine.paper.PaperWords``) whose defaults are English; these build
one from the catalogue. The msgids are the engine's own English, so in English the terminal
shows exactly what the engine writes (the CSV and LaTeX files always are English: they are
for programs and papers). Variable names, the model string and figures stay as they are.
"""

from __future__ import annotations

from analytics.engine.gmm.results import TableWords
from analytics.engine.paper import PaperWords
from analytics.wording import estimator_phrase, gettext, gettext_noop, reads_english, region_text

# A message of the estimator this module does not word: shown in English, saying so.
_IN_ENGLISH = gettext_noop("the estimator's message, in English: %(message)s")
_OURS = gettext_noop("ours")


def _estimator_text(text: str) -> str:
    if reads_english():
        return text
    if text == "ours":
        return gettext(_OURS)
    if text == "pydynpd":  # the other engine: a package's name
        return text
    return estimator_phrase(text) or gettext(_IN_ENGLISH) % {"message": text}


def _group(text: str) -> str:
    """An instrument group: the engine's name for one, or a part of the model string as
    written."""
    return text if reads_english() else estimator_phrase(text) or text


def gmm_table_words() -> TableWords:
    """The words of ``estimate_gmm``'s table in the reader's language."""
    return TableWords(
        title=gettext(
            "Dynamic panel-data estimation, %(steps)s %(estimator)s GMM (%(transformation)s; "
            "engine: %(engine)s)"
        ),
        model=gettext("Model: %(model)s"),
        counts=gettext("Number of obs       = %(obs)-8s  Number of groups = %(groups)s"),
        instruments=gettext(
            "Number of instruments = %(instruments)-6s  Obs per group: min = %(min)s, "
            "avg = %(avg)s, max = %(max)s"
        ),
        overall=gettext("%(test)s(%(df)s) = %(statistic)s   Prob = %(p)s"),
        coefficient=gettext("Coef."),
        ar=gettext(
            "Arellano-Bond test for AR(%(order)s) in first differences: z = %(z)s  Pr > z = %(p)s"
        ),
        sargan=gettext(
            "Sargan test of overid. restrictions: chi2(%(df)s) = %(statistic)s  Prob > chi2 = %(p)s"
        ),
        hansen=gettext(
            "Hansen test of overid. restrictions: chi2(%(df)s) = %(statistic)s  Prob > chi2 = %(p)s"
        ),
        difference_in_hansen=gettext(
            "Difference-in-Hansen tests of exogeneity of instrument subsets:"
        ),
        excluding_group=gettext(
            "Hansen test excluding group:     chi2(%(df)s) = %(statistic)s  Prob > chi2 = %(p)s"
        ),
        difference=gettext(
            "Difference (null H = exogenous): chi2(%(df)s) = %(statistic)s  Prob > chi2 = %(p)s"
        ),
        note=gettext("Note: %(note)s"),
        unavailable=gettext("Not available from this engine: %(items)s"),
        word=_estimator_text,
        group=_group,
        join=gettext("; "),
    )


# Table 2's rows as the engine labels them (a lagged term ends in "*"), as the pages word them.
_TABLE2_ROWS = {
    "Digital government construction level": gettext_noop("Digital government construction level"),
    "Public service score": gettext_noop("Public service score"),
    "Urban-rural differentiation": gettext_noop("Urban–rural differentiation"),
    "GDP per capita": gettext_noop("GDP per capita"),
    "Industrial structure": gettext_noop("Industrial structure"),
    "Constant term": gettext_noop("Constant term"),
}
# How each specification instruments the regressors: the engine's own English, by key.
_SPECIFICATION_TEXTS = {
    "endogenous": gettext_noop(
        "regressors potentially endogenous: their lags 2 and deeper as collapsed GMM-style "
        "instruments in the differenced equation only (eq(diff))"
    ),
    "paper": gettext_noop(
        "the paper's specification: regressors strictly exogenous, standard instruments in "
        "the differenced and level equations (iv())"
    ),
}
_SPECIFICATION_NAMES = {"endogenous": gettext_noop("endogenous"), "paper": gettext_noop("paper")}
_POOLED = gettext_noop("Pooled")


def table2_row_label(*, label: str) -> str:
    """A row of Table 2 in the reader's language; a trailing ``*`` (the lagged term) is kept."""
    base, lagged = (label[:-1], "*") if label.endswith("*") else (label, "")
    return f"{gettext(_TABLE2_ROWS[base]) if base in _TABLE2_ROWS else base}{lagged}"


def _row(label: str) -> str:
    return label if reads_english() else table2_row_label(label=label)


def _region(region: str) -> str:
    if reads_english():
        return region
    return gettext(_POOLED) if region == _POOLED else region_text(region=region)


def _model(key: str) -> str:
    number = key.removeprefix("model")
    if reads_english() or not number.isdigit():
        return key
    return gettext("Model %(number)s") % {"number": number}


def _specification(key: str, instruments: str) -> str:
    if not reads_english() and key in _SPECIFICATION_TEXTS:
        key, instruments = gettext(_SPECIFICATION_NAMES[key]), gettext(_SPECIFICATION_TEXTS[key])
    return gettext("Specification %(key)s: %(instruments)s") % {
        "key": key,
        "instruments": instruments,
    }


def paper_words() -> PaperWords:
    """The words of ``reproduce_paper``'s Table 1, Table 2 and recovery table in the reader's
    language."""
    return PaperWords(
        variables=gettext("Variables"),
        row=_row,
        region=_region,
        sargan=gettext("Sargan test"),
        ar2=gettext("AR(2) test"),
        exogeneity=gettext("Exogeneity (Difference-in-Hansen p)"),
        specification=_specification,
        synthetic_table2=gettext(
            "SYNTHETIC panel: the coefficients describe the generator's design; no real city"
        ),
        area=gettext("Area"),
        cv=gettext("Coefficient of variation"),
        cv_calibrated=gettext("Coefficient of variation (SYNTHETIC; calibrated)"),
        paper=gettext("Paper (Table 1)"),
        calibration=gettext(
            "SYNTHETIC panel calibrated to the paper's Table 1: its generator tuned each "
            "region's spread until these coefficients of variation equal the paper's; the "
            "agreement is by construction and validates nothing"
        ),
        recovery_header=(
            gettext("Model"),
            gettext("Coefficient"),
            gettext("True"),
            gettext("Estimate"),
            gettext("SE"),
            gettext("95% low"),
            gettext("95% high"),
            gettext("Covered"),
        ),
        model=_model,
        yes=gettext("yes"),
        no=gettext("no"),
        recovery=gettext(
            "SYNTHETIC panel: true values are the generator's coefficients on the engine's "
            "score scale"
        ),
        note=gettext("Note: %(note)s"),
    )
