"""The product's service catalogue: the five dimensions of the equalization index and the
concrete services residents ask for under each.

Used by a data migration (so every installation has it) and by the demo seed. Extra fields
follow Open311 GeoReport v2 attribute datatypes so 311 clients can render them.
"""

from __future__ import annotations

from decimal import Decimal

# (code, English name, Chinese name, order)
DIMENSIONS = [
    ("infrastructure", "Infrastructure", "基础设施", 1),
    ("public_education", "Public education", "公共教育", 2),
    ("health_care", "Health care", "医疗卫生", 3),
    ("employment_social_security", "Employment and social security", "就业和社会保障", 4),
    ("environmental_protection", "Environmental protection", "环境保护", 5),
]


def _choices(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "name": name} for key, name in pairs]


# code: (dimension, English name, Chinese name, SLA hours, unit cost CNY, extra fields)
SERVICES: dict[str, tuple[str, str, str, int, Decimal, list[dict]]] = {
    "road_repair": (
        "infrastructure",
        "Road and street-light repair",
        "道路与路灯维修",
        72,
        Decimal("800"),
        [
            {
                "code": "hazard",
                "label": "What is wrong?",
                "datatype": "singlevaluelist",
                "required": True,
                "values": _choices(
                    ("pothole", "Pothole"),
                    ("collapse", "Subsidence or collapse"),
                    ("lighting", "Street light out"),
                ),
            }
        ],
    ),
    "water_supply": ("infrastructure", "Water supply", "供水保障", 48, Decimal("300"), []),
    "heating_gas": ("infrastructure", "Heating and gas", "供暖供气", 24, Decimal("250"), []),
    "school_enrolment": (
        "public_education",
        "School enrolment",
        "入学服务",
        120,
        Decimal("150"),
        [
            {
                "code": "child_birth_year",
                "label": "Child's year of birth",
                "datatype": "number",
                "required": True,
            },
            {
                "code": "school_level",
                "label": "School level",
                "datatype": "singlevaluelist",
                "required": True,
                "values": _choices(
                    ("kindergarten", "Kindergarten"),
                    ("primary", "Primary school"),
                    ("junior", "Junior secondary school"),
                ),
            },
        ],
    ),
    "after_school_care": (
        "public_education",
        "After-school care",
        "课后托管",
        168,
        Decimal("400"),
        [],
    ),
    "chronic_disease_followup": (
        "health_care",
        "Chronic-disease follow-up",
        "慢性病随访",
        72,
        Decimal("200"),
        [],
    ),
    "elderly_home_care": (
        "health_care",
        "Elderly home care",
        "居家养老服务",
        48,
        Decimal("350"),
        [
            {
                "code": "service_type",
                "label": "Kind of help",
                "datatype": "singlevaluelist",
                "required": False,
                "values": _choices(
                    ("meals", "Meals"),
                    ("cleaning", "Cleaning"),
                    ("bathing", "Bathing and personal care"),
                    ("escort", "Escort to a clinic"),
                ),
            }
        ],
    ),
    "job_placement": (
        "employment_social_security",
        "Job placement",
        "就业援助",
        120,
        Decimal("500"),
        [],
    ),
    "pension_social_insurance": (
        "employment_social_security",
        "Pension and social insurance",
        "养老与社会保险办理",
        72,
        Decimal("100"),
        [],
    ),
    "waste_collection": (
        "environmental_protection",
        "Waste collection",
        "垃圾清运",
        24,
        Decimal("120"),
        [],
    ),
    "sanitation_greening": (
        "environmental_protection",
        "Sanitation and greening",
        "环境卫生与绿化",
        72,
        Decimal("180"),
        [],
    ),
}


# Services whose requests reveal sensitive personal information (PIPL art. 28: health,
# minors, financial accounts and social security, age-related care): kept out of the public
# Open311 feed. The data migration 0005 sets the flag on existing installations.
SENSITIVE_SERVICES = frozenset(
    {
        "chronic_disease_followup",
        "elderly_home_care",
        "pension_social_insurance",
        "job_placement",
        "school_enrolment",
        "after_school_care",
    }
)


def sync_catalogue(category_model) -> None:
    """Create or update the catalogue; leaves categories added by administrators alone."""
    # Older migrations call this with a historical model that has no ``sensitive`` field yet.
    has_sensitive = any(f.name == "sensitive" for f in category_model._meta.get_fields())
    parents = {}
    for code, name, name_zh, order in DIMENSIONS:
        parents[code], _ = category_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "dimension": code,
                "parent": None,
                "order": order,
            },
        )
    for order, (code, (dimension, name, name_zh, sla, cost, extra)) in enumerate(SERVICES.items()):
        category_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "dimension": dimension,
                "parent": parents[dimension],
                "sla_hours": sla,
                "unit_cost": cost,
                "extra_fields": extra,
                "order": order,
                **({"sensitive": code in SENSITIVE_SERVICES} if has_sensitive else {}),
            },
        )
