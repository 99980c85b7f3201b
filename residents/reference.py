"""Reference geography loaded into every installation: the seven regions, the
prefecture-level cities and the tree of administrative divisions (see ``geography/README.md``
for the sources)."""

from __future__ import annotations

from geography import REGIONS, AreaLevel, load_areas, load_prefecture_cities


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


# The administrative-division tree (``geography/areas.csv``) ---------------------------------


def sync_areas(area_model, *, max_level: int = AreaLevel.STREET, provinces=None) -> int:
    """Insert the areas of ``geography/areas.csv`` down to ``max_level`` (of ``provinces``,
    two-digit prefixes or codes; ``None``: all) that the table lacks; existing rows are left
    as they are, so running it again adds nothing. Returns how many were inserted.

    Takes the model class, so the data migration can pass its historical model."""
    known = dict(area_model.objects.values_list("code", "pk"))
    batch: list = []
    inserted = 0

    def flush() -> None:
        nonlocal inserted
        created = area_model.objects.bulk_create(batch, batch_size=2000)
        inserted += len(created)
        if created and created[0].pk is None:  # a backend that returns no ids
            known.update(
                area_model.objects.filter(code__in=[a.code for a in batch]).values_list(
                    "code", "pk"
                )
            )
        else:
            known.update((a.code, a.pk) for a in created)
        batch.clear()

    level = None
    for row in load_areas(max_level=AreaLevel(max_level), provinces=provinces):
        if row.code in known:
            continue
        if row.level != level:  # parents of a level are written before its children
            flush()
            level = row.level
        batch.append(
            area_model(
                code=row.code,
                name=row.name,
                name_en=row.name_en,
                level=int(row.level),
                parent_id=known[row.parent] if row.parent else None,
                path=row.path,
            )
        )
    flush()
    return inserted


def area_for_place(area_model, *, city_adcode: str, district: str = ""):
    """The area a community of this city and district (free text, the district's current
    Chinese name) belongs to: the district or county of that name inside the city, else the
    city, else its province (a city since merged, e.g. 莱芜市 371200 into 济南市), else
    ``None``. Takes the model class, so the data migration can pass its historical model."""
    adcode = (city_adcode or "").strip()
    if len(adcode) != 6:
        return None
    city = area_model.objects.filter(code=adcode).first()
    if city is None:
        return area_model.objects.filter(code=adcode[:2] + "0000").first()
    name = (district or "").strip()
    if name:
        found = area_model.objects.filter(
            level=AreaLevel.DISTRICT, name=name, path__startswith=city.path
        ).first()
        if found is not None:
            return found
    return city
