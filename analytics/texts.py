"""Engine-generated texts in the reader's language.

The engine (``analytics.engine``) has no Django and writes its texts in English: segment
descriptions, line explanations, weight reasons, notes and fairness flags. Next to each text it
stores the same words as language-neutral *parts*: ``{"code": ..., **params}`` dicts whose
parameters are numbers and identifiers (trait keys, dimension, category, community and city
codes, group names), never free text. This module words parts with gettext for the pages.

Every msgid is the engine's English phrase and numbers are formatted with the engine's
precision, so in English the wording is the engine's text, character for character (the tests
pin the two together). Community, category, city and region codes are shown as the names
passed in :class:`Names` (codes when a name is missing, as the engine writes them).

A result stored before parts existed (no parts), or parts this module cannot word (e.g. a code
from a newer engine), fall back to the stored English text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_noop

from analytics.engine.supply.allocation import LP_SOLVER_DESCRIPTION, SOLVER_DESCRIPTION
from analytics.engine.supply.forecast import ForecastConfig
from analytics.equalization import SYNTHETIC_SOURCE

Part = Mapping[str, Any]


class _Unworded(Exception):
    """Parts this module cannot word; the caller shows the stored English text."""


@dataclass(frozen=True)
class Names:
    """Display names by code. A code without a name is shown as the code."""

    communities: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)
    cities: Mapping[str, str] = field(default_factory=dict)
    regions: Mapping[str, str] = field(default_factory=dict)


NO_NAMES = Names()


def _number(value: object, spec: str) -> str:
    """``value`` formatted as the engine formats it. Results store NaN as null, and the
    engine wrote NaN as ``nan``, so null is formatted as NaN."""
    number = float("nan") if value is None else float(value)  # type: ignore[arg-type]
    return format(number, spec)


def _integer(value: object) -> str:
    return str(int(value))  # type: ignore[call-overload]


def _worded(render: Callable[[], str], fallback: str) -> str:
    # Parts come from stored JSON: a missing key, a wrong type or an unknown code must not
    # break a page, it only means the English text is shown.
    try:
        return render()
    except (_Unworded, KeyError, TypeError, ValueError, IndexError, AttributeError):
        return fallback


def _phrase(table: Mapping[str, str], code: object) -> str:
    if not isinstance(code, str) or code not in table:
        raise _Unworded(code)
    return gettext(table[code])


def _single(parts: object) -> Part:
    """The one part of a text worded from a single part."""
    if not isinstance(parts, list) or len(parts) != 1 or not isinstance(parts[0], Mapping):
        raise _Unworded(parts)
    return parts[0]


# Segment descriptions (analytics.engine.supply.portraits) ------------------------------------

_WHO = {
    "residents": gettext_noop("residents"),
    "age_65_plus": gettext_noop("older residents (65+)"),
    "age_under_35": gettext_noop("younger residents (under 35)"),
    "age_35_64": gettext_noop("middle-aged residents (35-64)"),
}
_LIVING = {
    "elderly_living_alone": gettext_noop("living alone"),
    "children": gettext_noop("in households with children"),
    "large_household": gettext_noop("in large households"),
}
_NEEDS = {
    "chronic": gettext_noop("chronic-disease needs"),
    "disability": gettext_noop("disability needs"),
}
# Work, income, education and hukou traits: worded after "mostly" or "often".
_QUALIFIED = {
    "unemployed": gettext_noop("unemployed"),
    "retired": gettext_noop("retired"),
    "farmer": gettext_noop("farming"),
    "student": gettext_noop("students"),
    "employed": gettext_noop("in work"),
    "low_income": gettext_noop("low income"),
    "high_income": gettext_noop("higher income"),
    "little_schooling": gettext_noop("little schooling"),
    "tertiary": gettext_noop("university-educated"),
    "rural_hukou": gettext_noop("rural hukou"),
    "non_local": gettext_noop("non-local hukou"),
    "urban_hukou": gettext_noop("local urban hukou"),
}
_CHANNELS = {
    "hotline": gettext_noop("mostly via the hotline"),
    "community_worker": gettext_noop("mostly via community workers"),
    "self_service": gettext_noop("mostly self-service"),
}
# High demand in a first-level dimension, one whole phrase each (the engine words the
# dimension inside the phrase; a word on its own, like "education", would be ambiguous).
_HIGH_DEMAND = {
    "infrastructure": gettext_noop("high infrastructure demand"),
    "public_education": gettext_noop("high education demand"),
    "health_care": gettext_noop("high health-care demand"),
    "employment_social_security": gettext_noop("high employment and social-security demand"),
    "environmental_protection": gettext_noop("high environmental demand"),
}
# Trait keys as the pages label them (the engine's key with spaces for underscores).
_TRAIT_LABELS = {
    "age_65_plus": gettext_noop("age 65 plus"),
    "age_under_35": gettext_noop("age under 35"),
    "age_35_64": gettext_noop("age 35 64"),
    "elderly_living_alone": gettext_noop("elderly living alone"),
    "children": gettext_noop("children"),
    "large_household": gettext_noop("large household"),
    "chronic": gettext_noop("chronic"),
    "disability": gettext_noop("disability"),
    "unemployed": gettext_noop("unemployed"),
    "retired": gettext_noop("retired"),
    "farmer": gettext_noop("farmer"),
    "student": gettext_noop("student"),
    "employed": gettext_noop("employed"),
    "low_income": gettext_noop("low income"),
    "high_income": gettext_noop("high income"),
    "little_schooling": gettext_noop("little schooling"),
    "tertiary": gettext_noop("tertiary"),
    "rural_hukou": gettext_noop("rural hukou"),
    "non_local": gettext_noop("non local"),
    "urban_hukou": gettext_noop("urban hukou"),
    "hotline": gettext_noop("hotline"),
    "community_worker": gettext_noop("community worker"),
    "self_service": gettext_noop("self service"),
}
_QUALIFIED_SLOTS = ("work", "income", "education", "hukou")


def trait_label(*, trait: str) -> str:
    """A segment trait key (e.g. ``age_65_plus``) as the pages label it."""
    if trait in _TRAIT_LABELS:
        return gettext(_TRAIT_LABELS[trait])
    return str(trait).replace("_", " ")


def _description_phrase(part: Part) -> str:
    """One phrase after the head of a description (a trait, a demand, few requests)."""
    slot, code = part["slot"], part["code"]
    if slot in _QUALIFIED_SLOTS:
        trait = _phrase(_QUALIFIED, code)
        if part["degree"] == "mostly":
            # Translators: a segment trait held by most of its residents, e.g. "mostly retired".
            return gettext("mostly %(trait)s") % {"trait": trait}
        if part["degree"] == "often":
            # Translators: a segment trait held by many of its residents, e.g. "often retired".
            return gettext("often %(trait)s") % {"trait": trait}
        raise _Unworded(part)
    if slot == "channel":
        return _phrase(_CHANNELS, code)
    if slot == "demand" and code == "high_demand":
        return _phrase(_HIGH_DEMAND, part["dimension"])
    if slot == "activity" and code == "few_requests":
        return gettext("few requests")
    raise _Unworded(part)


def _description(parts: object) -> str:
    if not isinstance(parts, list) or not parts:
        raise _Unworded(parts)
    first, rest = parts[0], list(parts[1:])
    if first["slot"] != "who":
        raise _Unworded(first)
    text = _phrase(_WHO, first["code"])
    if rest and rest[0]["slot"] == "living":
        living = _phrase(_LIVING, rest.pop(0)["code"])
        # Translators: residents described by how they live, e.g. "older residents (65+) living
        # alone".
        text = gettext("%(residents)s %(living)s") % {"residents": text, "living": living}
    needs = []
    while rest and rest[0]["slot"] == "needs":
        needs.append(_phrase(_NEEDS, rest.pop(0)["code"]))
    if needs:
        joined = needs[0]
        for need in needs[1:]:
            # Translators: two needs, e.g. "chronic-disease needs and disability needs".
            joined = gettext("%(first)s and %(second)s") % {"first": joined, "second": need}
        # Translators: e.g. "older residents (65+) with chronic-disease needs".
        text = gettext("%(residents)s with %(needs)s") % {"residents": text, "needs": joined}
    for part in rest:
        if part["slot"] == "suffix" and part["code"] == "distinguishing_trait":
            # Translators: added to segments that would otherwise read the same: the trait
            # that sets the segment apart most and its share, e.g. "(age 65 plus 80%)".
            text = gettext("%(description)s (%(trait)s %(share)s)") % {
                "description": text,
                "trait": trait_label(trait=part["trait"]),
                "share": _number(part["share"], ".0%"),
            }
        else:
            # Translators: the next phrase of a segment description, after a comma.
            text = gettext("%(description)s, %(phrase)s") % {
                "description": text,
                "phrase": _description_phrase(part),
            }
    return text


def description_text(*, parts: object, fallback: str) -> str:
    """A segment description (``description_parts``) in the active language; ``fallback``
    (the stored English description) when there are no parts or they cannot be worded."""
    return _worded(lambda: _description(parts), fallback)


def criterion_text(*, parts: object, fallback: str) -> str:
    """How a portraits run chose its number of segments (``criterion_parts``)."""

    def render() -> str:
        part = _single(parts)
        if part["code"] != "silhouette":
            raise _Unworded(part)
        return gettext(
            "mean silhouette over k=%(k_min)s..%(k_max)s, MiniBatchKMeans fitted on "
            "%(fitted)s residents and scored on %(scored)s"
        ) % {
            "k_min": _integer(part["k_min"]),
            "k_max": _integer(part["k_max"]),
            "fitted": _integer(part["fitted"]),
            "scored": _integer(part["scored"]),
        }

    return _worded(render, fallback)


# Equity weight reasons (analytics.engine.equalization.equity, the allocation and its runner) --

_KINDS = {"urban": gettext_noop("urban"), "rural": gettext_noop("rural")}


def _city_reason(part: Part, names: Names) -> str:
    city = names.cities.get(part["city"], part["city"])
    region = names.regions.get(part["region"], part["region"])
    values = {
        "city": city,
        "region": region,
        "level": _number(part["level"], ".1f"),
        "year": _integer(part["year"]),
        "median": _number(part["median"], ".1f"),
    }
    if part["code"] == "city_at_or_above_median":
        return (
            gettext(
                "%(city)s (%(region)s): development level %(level)s in %(year)s is at or above "
                "the median city (%(median)s), so weight 1.00"
            )
            % values
        )
    # Translators: "x" is a multiplication sign; shortfall is a percentage, shortfall_ratio the
    # same as a fraction.
    return gettext(
        "%(city)s (%(region)s): development level %(level)s in %(year)s is %(shortfall)s below "
        "the median city (%(median)s); %(region)s's coefficient of variation %(regional_cv)s "
        "against %(mean_regional_cv)s on average over regions; weight 1 + %(level_weight)s x "
        "%(shortfall_ratio)s x %(relative_cv)s = %(weight)s"
    ) % {
        **values,
        "shortfall": _number(part["shortfall"], ".0%"),
        "regional_cv": _number(part["regional_cv"], ".2f"),
        "mean_regional_cv": _number(part["mean_regional_cv"], ".2f"),
        "level_weight": _number(part["level_weight"], "g"),
        "shortfall_ratio": _number(part["shortfall"], ".2f"),
        "relative_cv": _number(part["relative_cv"], ".2f"),
        "weight": _number(part["weight"], ".2f"),
    }


def _community_type_reason(part: Part, names: Names) -> str:
    values = {
        "kind": _phrase(_KINDS, part["kind"]),
        "city": names.cities.get(part["city"], part["city"]),
        "city_weight": _number(part["city_weight"], ".2f"),
        "e": _number(part["E"], ".1f"),
        "year": _integer(part["year"]),
        "weight": _number(part["weight"], ".2f"),
    }
    code = part["code"]
    if code == "community_type_better_provided":
        # Translators: kind is "urban" or "rural"; E is the urban-rural differentiation score.
        return (
            gettext(
                "%(kind)s communities of %(city)s: city weight %(city_weight)s; %(kind)s parts "
                "are better provided (urban-rural differentiation score E = %(e)s in "
                "%(year)s), no uplift; weight %(weight)s"
            )
            % values
        )
    if code == "community_type_equally_provided":
        # Translators: kind is "urban" or "rural"; E is the urban-rural differentiation score.
        return (
            gettext(
                "%(kind)s communities of %(city)s: city weight %(city_weight)s; %(kind)s parts "
                "are equally provided (urban-rural differentiation score E = %(e)s in "
                "%(year)s), no uplift; weight %(weight)s"
            )
            % values
        )
    # Translators: kind is "urban" or "rural"; "x" is a multiplication sign; E is the
    # urban-rural differentiation score, |E| its absolute value.
    return gettext(
        "%(kind)s communities of %(city)s: city weight %(city_weight)s x uplift %(uplift)s for "
        "the less provided side (E = %(e)s in %(year)s, 100 = average gap; uplift 1 + "
        "%(gap_weight)s x |E|/100); weight %(weight)s"
    ) % {
        **values,
        "uplift": _number(part["uplift"], ".2f"),
        "gap_weight": _number(part["gap_weight"], "g"),
    }


def _reason(parts: object, names: Names) -> str:
    part = _single(parts)
    code = part["code"]
    if code == "default_weight":
        return gettext("default weight 1.0 (no equalization weight given)")
    if code == "equalization_weight_no_reason":
        return gettext("equalization weight (no reason given)")
    if code == "equalization_run":
        return gettext("%(reason)s (equalization run #%(run)s)") % {
            "reason": _reason(part["reason"], names),
            "run": _integer(part["run"]),
        }
    if code in ("city_at_or_above_median", "city_below_median"):
        return _city_reason(part, names)
    if code in (
        "community_type_better_provided",
        "community_type_equally_provided",
        "community_type_uplift",
    ):
        return _community_type_reason(part, names)
    raise _Unworded(part)


def weight_reason_text(*, parts: object, fallback: str, names: Names = NO_NAMES) -> str:
    """An equity weight's reason (``reason_parts`` of the equalization weights,
    ``weight_reason_parts`` of the allocation) in the active language."""
    return _worded(lambda: _reason(parts, names), fallback)


def equity_source_text(*, code: object, fallback: str) -> str:
    """Where an allocation run's equity weights came from (``equity_weights_source``)."""
    sources = {
        "equalization": gettext_noop("equalization analysis"),
        "equal": gettext_noop("equal (no analysis run)"),
    }
    return _worded(lambda: _phrase(sources, code), fallback)


# Allocation lines and notes (analytics.engine.supply.allocation) ------------------------------

_SUPPLIERS = {
    "government": gettext_noop("government"),
    "social_organisation": gettext_noop("social organisation"),
    "market": gettext_noop("market"),
}


def _explanation(parts: object, weight_reason: str, names: Names) -> str:
    if not isinstance(parts, list) or not parts:
        raise _Unworded(parts)
    line = parts[0]
    if line["code"] != "line_supply":
        raise _Unworded(line)
    supplier = line["supplier"]
    # Translators: one recommended supply line; "-" between two numbers is an interval.
    text = gettext(
        "%(community)s / %(category)s: forecast %(forecast)s (interval %(lower)s-%(upper)s), "
        "current supply %(current_supply)s, gap %(gap)s; add %(units)s from %(supplier)s at "
        "%(unit_cost)s each (%(cost)s)"
    ) % {
        "community": names.communities.get(line["community"], line["community"]),
        "category": names.categories.get(line["category"], line["category"]),
        "forecast": _number(line["forecast"], ".1f"),
        "lower": _number(line["lower"], ".1f"),
        "upper": _number(line["upper"], ".1f"),
        "current_supply": _number(line["current_supply"], ".1f"),
        "gap": _number(line["gap"], ".1f"),
        # Whole units as whole numbers, the LP values of runs stored before them with a decimal.
        "units": _number(line["units"], ".0f" if float(line["units"]).is_integer() else ".1f"),
        "supplier": (
            gettext(_SUPPLIERS[supplier])
            if supplier in _SUPPLIERS
            else str(supplier).replace("_", " ")
        ),
        "unit_cost": _number(line["unit_cost"], ",.0f"),
        "cost": _number(line["cost"], ",.0f"),
    }
    for part in parts[1:]:
        code = part["code"]
        if code == "cheapest_supplier":
            text = gettext("%(explanation)s - the cheapest supplier") % {"explanation": text}
        elif code == "cheaper_suppliers_at_capacity":
            text = gettext("%(explanation)s - cheaper suppliers are at capacity") % {
                "explanation": text
            }
        elif code == "equity_weight":
            reason_parts = part["reason"]
            if reason_parts is None:
                # A reason given as free text only: shown as written.
                if not weight_reason:
                    raise _Unworded(part)
                reason = weight_reason
            else:
                reason = _reason(reason_parts, names)
            text = gettext("%(explanation)s; equity weight %(weight)s: %(reason)s") % {
                "explanation": text,
                "weight": _number(part["weight"], ".2f"),
                "reason": reason,
            }
        elif code == "coverage_change":
            # Translators: coverage of need before and after the plan, e.g. "20% -> 60%".
            text = gettext("%(explanation)s; coverage %(before)s -> %(after)s") % {
                "explanation": text,
                "before": _number(part["before"], ".0%"),
                "after": _number(part["after"], ".0%"),
            }
        else:
            raise _Unworded(part)
    return text


def explanation_text(
    *, parts: object, fallback: str, weight_reason: str = "", names: Names = NO_NAMES
) -> str:
    """An allocation line's explanation (``explanation_parts``) in the active language.

    ``weight_reason`` is the line's stored English weight reason, used inside the worded
    explanation when the reason was given as free text (it has no parts).
    """
    return _worded(lambda: _explanation(parts, weight_reason, names), fallback)


def explanation_weight_reason(*, parts: object, fallback: str, names: Names = NO_NAMES) -> str:
    """The weight reason inside a line's ``explanation_parts``, in the active language."""

    def render() -> str:
        for part in parts if isinstance(parts, list) else []:
            if part["code"] == "equity_weight":
                return _reason(part["reason"], names)
        raise _Unworded(parts)

    return _worded(render, fallback)


def _note(part: Part) -> str:
    code = part["code"]
    if code == "coverage_floor":
        values = {
            "floor": _number(part["tau_used"], ".1%"),
            "highest": _number(part["tau_star"], ".1%"),
            "epsilon": _number(part["epsilon"], ".0%"),
        }
        if part["level"] == "community":
            return (
                gettext(
                    "Floor: every community covered at least %(floor)s (highest possible "
                    "%(highest)s, relaxed by %(epsilon)s to leave room for equity weights)."
                )
                % values
            )
        if part["level"] == "community_category":
            return (
                gettext(
                    "Floor: every community and category covered at least %(floor)s (highest "
                    "possible %(highest)s, relaxed by %(epsilon)s to leave room for equity "
                    "weights)."
                )
                % values
            )
        raise _Unworded(part)
    if code == "units_are_lp_values":
        return gettext(
            "Units are LP values (requests that can be served); round down when writing capacities."
        )
    if code == "whole_units":
        return gettext(
            "Units are whole requests that can be served (mixed-integer program): the plan is "
            "within %(target)s of the best whole-unit plan (gap reached %(gap)s, solved in "
            "%(seconds)s s)."
        ) % {
            "target": _number(part["gap_target"], ".1%"),
            "gap": _number(part["gap"], ".2%"),
            "seconds": _number(part["seconds"], ".1f"),
        }
    if code == "mip_gap_open":
        return gettext(
            "The solver reached its time limit of %(limit)s s before proving the plan within "
            "%(target)s of the best: a better whole-unit plan may cover up to %(gap)s more "
            "weighted requests. The plan is in whole units and within every budget."
        ) % {
            "limit": _number(part["time_limit"], "g"),
            "target": _number(part["gap_target"], ".1%"),
            "gap": _number(part["gap"], ".1%"),
        }
    if code == "floor_missed":
        rows = part["rows"]
        listed = ", ".join(f"{row['name']} ({_number(row['coverage'], '.1%')})" for row in rows) + (
            "" if len(rows) == int(part["count"]) else ", ..."
        )
        return gettext(
            "Whole units cannot bring %(count)s of the floor's rows to %(floor)s: %(rows)s."
        ) % {
            "count": _integer(part["count"]),
            "floor": _number(part["floor"], ".1%"),
            "rows": listed,
        }
    if code == "integrality_cost":
        return gettext(
            "Whole units cover %(covered)s forecast requests; the fractional (LP) optimum at the "
            "same floor would cover %(fractional)s."
        ) % {
            "covered": _number(part["covered"], ".1f"),
            "fractional": _number(part["fractional"], ".1f"),
        }
    if code == "budget_marginal":
        return gettext(
            "Another 10,000 of budget would cover about %(requests)s more weighted requests."
        ) % {"requests": _number(part["requests"], ".1f")}
    raise _Unworded(part)


def _each(texts: Sequence[str], parts: object, render: Callable[[Part], str]) -> list[str]:
    """Texts of a list worded from one part each; the stored texts when the parts do not
    match them one for one."""
    texts = [str(t) for t in texts]
    if not isinstance(parts, list) or len(parts) != len(texts):
        return texts
    return [
        _worded(lambda p=part: render(p), text) for part, text in zip(parts, texts, strict=True)
    ]


def note_texts(*, notes: Sequence[str], parts: object) -> list[str]:
    """An allocation run's notes (``note_parts``, one per note) in the active language."""
    return _each(notes, parts, _note)


# Fairness audit (analytics.engine.supply.fairness) -------------------------------------------

# Dimensions as the flags word them (the engine's code with spaces for underscores).
_FAIRNESS_DIMENSIONS = {
    "urban_rural": gettext_noop("urban rural"),
    "age_band": gettext_noop("age band"),
    "disability": gettext_noop("disability"),
    "hukou_type": gettext_noop("hukou type"),
}
# Group names as the engine writes them (hukou types are the residents' stored codes).
_FAIRNESS_GROUPS = {
    "urban": gettext_noop("urban"),
    "rural": gettext_noop("rural"),
    "under 35": gettext_noop("under 35"),
    "35-59": gettext_noop("35-59"),
    "60-74": gettext_noop("60-74"),
    "75+": gettext_noop("75+"),
    "with disability": gettext_noop("with disability"),
    "without disability": gettext_noop("without disability"),
    "local_urban": gettext_noop("local_urban"),
    "local_rural": gettext_noop("local_rural"),
    "non_local": gettext_noop("non_local"),
}


def fairness_group_label(*, group: object) -> str:
    """A fairness-audit group name (``urban``, ``60-74``, ``local_rural``, ...) in the active
    language; an unknown group as it is."""
    if isinstance(group, str) and group in _FAIRNESS_GROUPS:
        return gettext(_FAIRNESS_GROUPS[group])
    return str(group)


def _flag(part: Part) -> str:
    dimension = part["dimension"]
    values = {
        "dimension": (
            gettext(_FAIRNESS_DIMENSIONS[dimension])
            if dimension in _FAIRNESS_DIMENSIONS
            else str(dimension).replace("_", " ")
        ),
        "group": fairness_group_label(group=part["group"]),
        "threshold": _number(part["threshold"], ".0%"),
    }
    if part["code"] == "under_served":
        # Translators: a resident group served below the rest, e.g. "urban rural 'rural':
        # served 70.0% of need against 90.0% overall (22% below; threshold 10%)".
        return gettext(
            "%(dimension)s '%(group)s': served %(served)s of need against %(overall)s overall "
            "(%(below)s below; threshold %(threshold)s)"
        ) % {
            **values,
            "served": _number(part["served"], ".1%"),
            "overall": _number(part["overall"], ".1%"),
            "below": _number(part["below"], ".0%"),
        }
    if part["code"] == "high_forecast_error":
        # Translators: WAPE is the forecast error measure (weighted absolute percentage error).
        return gettext(
            "%(dimension)s '%(group)s': forecast error (WAPE %(wape)s) more than %(threshold)s "
            "above overall (%(overall)s)"
        ) % {
            **values,
            "wape": _number(part["wape"], ".1%"),
            "overall": _number(part["overall"], ".1%"),
        }
    raise _Unworded(part)


def flag_texts(*, flags: Sequence[str], parts: object) -> list[str]:
    """A fairness audit's flags (``flag_parts``, one per flag) in the active language."""
    return _each(flags, parts, _flag)


def fairness_weighting_text(*, code: object, fallback: str) -> str:
    """How the audit attributed need to residents (``weighting_code``)."""
    weightings = {
        "equal": gettext_noop(
            "equal: every registered resident carries an equal share of each need"
        ),
        "by_segment": gettext_noop(
            "by segment: residents carry their segment's request rate per category"
        ),
    }
    return _worded(lambda: _phrase(weightings, code), fallback)


# What-if scenarios (analytics.engine.supply.forecast.community_what_if) -----------------------

_DIRECTIONS = {
    "up": gettext_noop("up"),
    "down": gettext_noop("down"),
    "no material change": gettext_noop("no material change"),
}


def direction_text(*, code: object) -> str:
    """A what-if's direction of change (``up``, ``down``, ``no material change``)."""
    return _worded(lambda: _phrase(_DIRECTIONS, code), str(code or ""))


def _signed_percent(value: object) -> str:
    return f"{_number(value, '+.1f')}%"


def what_if_summary_text(*, parts: object, fallback: str) -> str:
    """A what-if's total change (``summary_parts``) in the active language."""

    def render() -> str:
        part = _single(parts)
        if part["code"] != "what_if_total":
            raise _Unworded(part)
        # Translators: the total change of demand in a what-if, e.g. "total: up +4.2% (+3.5
        # requests over the horizon)"; direction is "up", "down" or "no material change".
        return gettext(
            "total: %(direction)s %(change_percent)s (%(change)s requests over the horizon)"
        ) % {
            "direction": _phrase(_DIRECTIONS, part["direction"]),
            "change_percent": _signed_percent(part["change_percent"]),
            "change": _number(part["change"], "+.1f"),
        }

    return _worded(render, fallback)


def _assumption(part: Part) -> str:
    code = part["code"]
    if code == "population_change":
        return gettext(
            "population changes by %(percent)s, the newcomers like the current residents"
        ) % {"percent": _signed_percent(part["percent"])}
    if code == "older_residents":
        return gettext(
            "%(count)s residents aged 65+, like the community's current older residents; the "
            "population changes by as many"
        ) % {"count": format(int(part["count"]), "+d")}
    if code == "schools":
        return gettext("schools: %(count)s") % {"count": format(int(part["count"]), "+d")}
    if code == "everything_else_unchanged":
        return gettext("everything else stays as it is, in this community and in every other")
    raise _Unworded(part)


def what_if_assumption_texts(*, assumptions: Sequence[str], parts: object) -> list[str]:
    """A what-if's assumptions (``assumption_parts``, one per assumption)."""
    return _each(assumptions, parts, _assumption)


def what_if_caveat_text(*, parts: object, fallback: str) -> str:
    """Why a what-if is no causal estimate (``caveat_parts``)."""

    def render() -> str:
        part = _single(parts)
        if part["code"] != "association_not_causal":
            raise _Unworded(part)
        return gettext(
            "An association learnt across %(communities)s communities, not a causal estimate: "
            "communities that differ in these attributes differ in demand, which does not show "
            "that the change would cause the difference. With few communities it is noisy."
        ) % {"communities": _integer(part["communities"])}

    return _worded(render, fallback)


# Method descriptions: the effect lag, PCA retention, forecaster and solver ---------------------


def effect_lag_text(*, lag: Mapping[str, Any], fallback: str) -> str:
    """The effect lag of an ADL(1,1) model (``analytics.engine.equalization.equity.effect_lag``)
    worded from its figures, so results stored before this module existed are worded too."""

    def render() -> str:
        names = {"regressor": str(lag["regressor"]), "dependent": str(lag["dependent"])}
        if lag["long_run"] is None:
            return (
                gettext(
                    "no long-run effect of %(regressor)s on %(dependent)s (dynamics not stable)"
                )
                % names
            )
        text = gettext(
            "a lasting one-unit rise in %(regressor)s changes %(dependent)s by %(short_run)s in "
            "the same year and by %(long_run)s in the long run"
        ) % {
            **names,
            "short_run": _number(lag["short_run"], ".3g"),
            "long_run": _number(lag["long_run"], ".3g"),
        }
        if lag.get("mean_lag_years") is not None:
            text += gettext("; mean lag %(years)s years") % {
                "years": _number(lag["mean_lag_years"], ".1f")
            }
        if lag.get("years_to_half") is not None:
            text += gettext(", half of the long-run effect after %(years)s year(s)") % {
                "years": _integer(lag["years_to_half"])
            }
        if lag.get("years_to_90_percent") is not None:
            text += gettext(", %(share)s after %(years)s year(s)") % {
                "share": "90%",
                "years": _integer(lag["years_to_90_percent"]),
            }
        return text

    return _worded(render, fallback)


_EIGENVALUE_RULE = re.compile(r"eigenvalue > (?P<value>[0-9.eE+-]+)")
_VARIANCE_RULE = re.compile(r"cumulative variance share >= (?P<share>[0-9]+%)")


def retention_rule_text(*, rule: object) -> str:
    """How many principal components an index retained (``PCAOptions.rule``)."""
    text = str(rule or "")
    if match := _EIGENVALUE_RULE.fullmatch(text):
        return gettext("eigenvalue > %(value)s") % match.groupdict()
    if match := _VARIANCE_RULE.fullmatch(text):
        return gettext("cumulative variance share >= %(share)s") % match.groupdict()
    return text


def forecast_method_text(*, method: object, interval: object) -> str:
    """The forecaster's description (a backtest's ``method``); any other text as stored."""

    def render() -> str:
        share = float(interval)  # type: ignore[arg-type]
        if not 0.5 <= share < 1 or method != ForecastConfig(interval=share).describe():
            raise _Unworded(method)
        return gettext(
            "global HistGradientBoostingRegressor(loss='poisson') on lag/rolling/calendar/"
            "attribute features, level offset; direct multi-step (horizon as a feature); "
            "%(interval)s intervals from quantile-loss models (%(low)s/%(high)s)"
        ) % {
            "interval": format(share, ".0%"),
            "low": format((1 - share) / 2, ".2f"),
            "high": format(1 - (1 - share) / 2, ".2f"),
        }

    return _worded(render, str(method or ""))


_SOLVERS = {
    SOLVER_DESCRIPTION: gettext_noop(
        "HiGHS via scipy.optimize: floor by linprog (highs-ipm) and a whole-unit search, plan by milp (whole units)"
    ),
    LP_SOLVER_DESCRIPTION: gettext_noop(
        "HiGHS via scipy.optimize.linprog: stage 1 highs-ipm, stage 2 highs-ds"
    ),
}


def solver_text(*, solver: object) -> str:
    """Which solver an allocation run used (``summary["solver"]``)."""
    return _worded(lambda: _phrase(_SOLVERS, solver), str(solver or ""))


def data_source_text(*, source: object) -> str:
    """Where an equalization run's panel came from: the project's SYNTHETIC panel in the
    reader's language, an imported dataset's own source as its importer wrote it."""
    if source == SYNTHETIC_SOURCE:
        return gettext(SYNTHETIC_SOURCE)
    return str(source or "")
