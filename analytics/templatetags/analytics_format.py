"""Number formatting for the analytics pages: shares as percentages, differences as signed
percentage points, and the palette colour of a segment."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from analytics.wording import MISSING_FIGURE
from core.localisation import with_code

register = template.Library()
# The same palette as the charts (static/analytics/analytics.js), so a segment keeps its colour.
PALETTE = (
    "#0f6e6e",
    "#d97706",
    "#2563eb",
    "#b42318",
    "#7c3aed",
    "#15803d",
    "#db2777",
    "#475569",
    "#0891b2",
    "#a16207",
    "#4d7c0f",
    "#9333ea",
)


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@register.filter
def pct(value: object, digits: int = 1) -> str:
    """0.1234 → "12.3%"."""
    number = _number(value)
    return MISSING_FIGURE if number is None else f"{floatformat(100 * number, digits)}%"


@register.filter
def pp(value: object, digits: int = 1) -> str:
    """A difference of shares in percentage points, signed: 0.021 → "+2.1 pp"."""
    number = _number(value)
    if number is None:
        return MISSING_FIGURE
    sign = "+" if number > 0 else ""
    unit = _("pp")  # percentage points
    return f"{sign}{floatformat(100 * number, digits)} {unit}"


@register.filter
def signed(value: object, digits: int = 1) -> str:
    number = _number(value)
    if number is None:
        return MISSING_FIGURE
    sign = "+" if number > 0 else ""
    return f"{sign}{floatformat(number, digits)}"


@register.filter
def num(value: object, digits: int = 2) -> str:
    number = _number(value)
    return MISSING_FIGURE if number is None else floatformat(number, digits)


@register.simple_tag
def with_interval(
    value: object, lower: object, upper: object, digits: int = 1, interval_digits: int | None = None
) -> SafeString:
    """A forecast with its interval after it in brackets, the interval muted:
    "12.0 (8.0–15.0)" in English, "12.0（8.0–15.0）" in Chinese."""
    interval_digits = digits if interval_digits is None else interval_digits
    interval = f"{num(lower, interval_digits)}–{num(upper, interval_digits)}"
    # The brackets, and the space before them in English only, are the language's own rule
    # for a name with its code in brackets; with no name, that rule gives just the brackets
    # and the gap before them, so the gap stays outside the muted text.
    bracketed = with_code("", interval)
    gap = bracketed[: len(bracketed) - len(bracketed.lstrip())]
    return format_html(
        '{}{}<span class="muted small">{}</span>', num(value, digits), gap, bracketed.lstrip()
    )


@register.filter
def metric(value: object, unit: str) -> str:
    """A comparison figure in its unit: shares in %, gaps in pp, money and counts grouped."""
    number = _number(value)
    if number is None:
        return MISSING_FIGURE
    if unit == "share":
        return pct(number)
    if unit == "pp":
        return pp(number)
    if unit == "money":
        return floatformat(number, "0g")
    if unit == "count":
        return floatformat(number, "1g")
    return floatformat(number, 3)


@register.filter
def metric_difference(value: object, unit: str) -> str:
    number = _number(value)
    if number is None:
        return MISSING_FIGURE
    if unit in ("share", "pp"):
        return pp(number)
    sign = "+" if number > 0 else ""
    if unit in ("money", "count"):
        return sign + floatformat(number, "1g")
    return sign + floatformat(number, 3)


@register.filter
def swatch(index: object) -> str:
    try:
        return PALETTE[int(index) % len(PALETTE)]  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return PALETTE[-1]


@dataclass(frozen=True)
class MixPart:
    index: int
    start: float  # percent of the bar
    width: float


@register.filter
def mix_parts(shares: object) -> list[MixPart]:
    """A community's segment shares as consecutive parts of a 100-wide bar (drawn as SVG
    rectangles: the Content-Security-Policy allows no style attributes)."""
    parts, start = [], 0.0
    for index, share in enumerate(shares or []):
        # A share suppressed for small counts (None) takes no room in the bar.
        try:
            width = max(float(share), 0.0) * 100
        except (TypeError, ValueError):
            width = 0.0
        parts.append(MixPart(index=index, start=start, width=width))
        start += width
    return parts


@register.filter
def get_item(mapping: object, key: object) -> object:
    if isinstance(mapping, dict):
        return mapping.get(key, mapping.get(str(key)))
    return None


@register.filter
def provider_label(code: str) -> str:
    """The translated name of a supplier type (government, social organisation, market)."""
    from services.models import SupplyCapacity

    try:
        return str(SupplyCapacity.Provider(code).label)
    except ValueError:
        return str(code).replace("_", " ")


@register.filter
def supply_source_label(code: str) -> str:
    """The translated name of where a supply line came from (plan, by hand, import)."""
    from services.models import SupplyCapacity

    try:
        return str(SupplyCapacity.Source(code).label)
    except ValueError:
        return str(code)
