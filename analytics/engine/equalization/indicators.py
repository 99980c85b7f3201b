"""The indicator system: eleven basic-public-service indicators in five dimensions, each
observed for the urban and the rural part of a city; the five inputs of the digital-government
index; and the two control variables of the dynamic panel model.

``docs/indicators.md`` documents the same list for people (unit, direction, yearbook source)
and states how the scores are computed from it.
"""

from __future__ import annotations

from dataclasses import dataclass

DIMENSIONS: tuple[str, ...] = (
    "infrastructure",
    "public_education",
    "health_care",
    "employment_social_security",
    "environmental_protection",
)

URBAN_SUFFIX = "_urban"
RURAL_SUFFIX = "_rural"

CCSY = "China City Statistical Yearbook"
URCSY = "China Urban-Rural Construction Statistical Yearbook"
CASY = "China Civil Affairs Statistical Yearbook"


@dataclass(frozen=True)
class Indicator:
    """A second-level basic-public-service indicator; ``direction`` is +1 when more is better
    and -1 when less is better."""

    key: str
    dimension: str
    label: str
    unit: str
    direction: int
    source: str

    @property
    def urban_column(self) -> str:
        return self.key + URBAN_SUFFIX

    @property
    def rural_column(self) -> str:
        return self.key + RURAL_SUFFIX


@dataclass(frozen=True)
class PanelVariable:
    """A single-column panel variable (a digital-government input or a control)."""

    column: str
    dimension: str
    label: str
    unit: str
    direction: int
    source: str


_URBAN_RURAL_CCSY = (
    f"{CCSY}: urban = city districts (市辖区); rural = whole city (全市) minus city districts"
)
_URBAN_RURAL_URCSY = f"{URCSY}: urban = cities (城市); rural = county seats, towns and townships"

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "road_area_pc",
        "infrastructure",
        "Paved road area per capita",
        "m² per person",
        1,
        _URBAN_RURAL_URCSY,
    ),
    Indicator(
        "water_use_pc",
        "infrastructure",
        "Daily domestic water supply per capita",
        "litres per person per day",
        1,
        _URBAN_RURAL_URCSY,
    ),
    Indicator(
        "drainage_density",
        "infrastructure",
        "Drainage pipe density",
        "km per km² of built-up area",
        1,
        _URBAN_RURAL_URCSY,
    ),
    Indicator(
        "teachers_per_1000_pupils",
        "public_education",
        "Full-time primary and secondary teachers per 1,000 pupils",
        "teachers per 1,000 pupils",
        1,
        _URBAN_RURAL_CCSY,
    ),
    Indicator(
        "education_spending_pc",
        "public_education",
        "Public education expenditure per resident",
        "yuan per person",
        1,
        _URBAN_RURAL_CCSY,
    ),
    Indicator(
        "hospital_beds_per_1000",
        "health_care",
        "Beds in hospitals and health centres per 1,000 residents",
        "beds per 1,000 persons",
        1,
        _URBAN_RURAL_CCSY,
    ),
    Indicator(
        "doctors_per_1000",
        "health_care",
        "Licensed (assistant) physicians per 1,000 residents",
        "physicians per 1,000 persons",
        1,
        _URBAN_RURAL_CCSY,
    ),
    Indicator(
        "pension_insured_per_100",
        "employment_social_security",
        "Participants in basic old-age insurance per 100 residents",
        "persons per 100 residents",
        1,
        _URBAN_RURAL_CCSY
        + " (employees' scheme); residents' scheme from city statistical bulletins",
    ),
    Indicator(
        "unemployment_insured_per_100",
        "employment_social_security",
        "Participants in unemployment insurance per 100 residents",
        "persons per 100 residents",
        1,
        _URBAN_RURAL_CCSY,
    ),
    Indicator(
        "green_area_pc",
        "environmental_protection",
        "Park green area per capita",
        "m² per person",
        1,
        _URBAN_RURAL_URCSY,
    ),
    Indicator(
        "sewage_treated_pc",
        "environmental_protection",
        "Sewage treated per capita per year",
        "m³ per person per year",
        1,
        _URBAN_RURAL_URCSY,
    ),
)

DIGITAL_GOVERNMENT_INPUTS: tuple[PanelVariable, ...] = (
    PanelVariable(
        "dg_technology",
        "technology",
        "Internet broadband subscribers per 100 residents (digital infrastructure)",
        "subscriptions per 100 persons",
        1,
        CCSY,
    ),
    PanelVariable(
        "dg_government",
        "government",
        "Science and technology expenditure as a share of local general budget expenditure",
        "percent",
        1,
        CCSY,
    ),
    PanelVariable(
        "dg_market",
        "market",
        "Employees in scientific research and technical services per 10,000 year-end residents",
        "persons per 10,000",
        1,
        CCSY,
    ),
    PanelVariable(
        "dg_industry",
        "digital_industry",
        "Employees in information transmission, software and IT services per 10,000 "
        "year-end residents",
        "persons per 10,000",
        1,
        CCSY,
    ),
    PanelVariable(
        "dg_participation",
        "public_participation",
        "Registered social organisations per 10,000 year-end residents",
        "organisations per 10,000",
        1,
        CASY,
    ),
)

CONTROLS: tuple[PanelVariable, ...] = (
    PanelVariable(
        "strindu",
        "control",
        "Industrial structure: value added of secondary and tertiary industry as a share of GDP",
        "share (0–1)",
        1,
        CCSY,
    ),
    PanelVariable(
        "rgdp",
        "control",
        "GDP per capita (current prices)",
        "10,000 yuan per person",
        1,
        CCSY,
    ),
)

URBAN_COLUMNS: tuple[str, ...] = tuple(indicator.urban_column for indicator in INDICATORS)
RURAL_COLUMNS: tuple[str, ...] = tuple(indicator.rural_column for indicator in INDICATORS)
INDICATOR_COLUMNS: tuple[str, ...] = tuple(
    column
    for indicator in INDICATORS
    for column in (indicator.urban_column, indicator.rural_column)
)
DIGITAL_GOVERNMENT_COLUMNS: tuple[str, ...] = tuple(v.column for v in DIGITAL_GOVERNMENT_INPUTS)
CONTROL_COLUMNS: tuple[str, ...] = tuple(v.column for v in CONTROLS)
