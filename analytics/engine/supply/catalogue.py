"""The two-level service catalogue the supply engine works with.

First level: the five dimensions of the equalization index. Second level: the concrete
services residents ask for. The platform's catalogue (``services.catalogue``) uses the same
codes; the engine keeps its own copy so it stays free of Django and so the demo seed can import
it from here.
"""

from __future__ import annotations

from collections.abc import Mapping

DIMENSIONS: tuple[str, ...] = (
    "infrastructure",
    "public_education",
    "health_care",
    "employment_social_security",
    "environmental_protection",
)

# second-level code -> first-level dimension, in catalogue order
CATEGORIES: dict[str, str] = {
    "road_repair": "infrastructure",
    "water_supply": "infrastructure",
    "heating_gas": "infrastructure",
    "school_enrolment": "public_education",
    "after_school_care": "public_education",
    "chronic_disease_followup": "health_care",
    "elderly_home_care": "health_care",
    "job_placement": "employment_social_security",
    "pension_social_insurance": "employment_social_security",
    "waste_collection": "environmental_protection",
    "sanitation_greening": "environmental_protection",
}

# Unit cost (CNY per request served) used by the demo and as the allocation default; the same
# figures as the platform catalogue.
UNIT_COSTS: dict[str, float] = {
    "road_repair": 800.0,
    "water_supply": 300.0,
    "heating_gas": 250.0,
    "school_enrolment": 150.0,
    "after_school_care": 400.0,
    "chronic_disease_followup": 200.0,
    "elderly_home_care": 350.0,
    "job_placement": 500.0,
    "pension_social_insurance": 100.0,
    "waste_collection": 120.0,
    "sanitation_greening": 180.0,
}

DIMENSION_LABELS: dict[str, str] = {
    "infrastructure": "infrastructure",
    "public_education": "education",
    "health_care": "health-care",
    "employment_social_security": "employment and social-security",
    "environmental_protection": "environmental",
}

CHANNELS: tuple[str, ...] = ("self_service", "community_worker", "hotline")
SUPPLIER_KINDS: tuple[str, ...] = ("government", "social_organisation", "market")


def dimension_of(category_dimensions: Mapping[str, str] | None = None) -> dict[str, str]:
    """The category -> dimension mapping to use: the catalogue, extended by ``category_dimensions``
    (administrators may add categories the built-in catalogue does not know)."""
    mapping = dict(CATEGORIES)
    if category_dimensions:
        mapping.update(category_dimensions)
    return mapping
