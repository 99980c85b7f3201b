"""Reference geography loaded into every installation: the seven regions and the
prefecture-level cities (see ``geography/README.md`` for the city list's source)."""

from __future__ import annotations

from geography import REGIONS, load_prefecture_cities


def sync_regions(region_model) -> dict[str, object]:
    regions = {}
    for order, (code, name, name_zh) in enumerate(REGIONS, start=1):
        regions[code], _ = region_model.objects.update_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "order": order}
        )
    return regions


def region_code(label: str) -> str:
    """Accept a region's code, English or Chinese name."""
    label = label.strip()
    for code, name, name_zh in REGIONS:
        if label.lower() in (code, name.lower()) or label == name_zh:
            return code
    raise ValueError(f"unknown region {label!r}")


def sync_cities(region_model, city_model) -> int:
    regions = sync_regions(region_model)
    cities = load_prefecture_cities()
    for row in cities.itertuples(index=False):
        city_model.objects.update_or_create(
            adcode=str(row.adcode),
            defaults={
                "name": row.name,
                "province": row.province,
                "region": regions[region_code(row.region)],
            },
        )
    return len(cities)
