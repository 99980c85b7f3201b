"""Reference geography loaded into every installation: the seven regions, the
prefecture-level cities and the tree of administrative divisions (see ``geography/README.md``
for the sources)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.localisation import join_sentences, labelled
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

    Every row passes the model's field rules (``full_clean``) before anything is written,
    as a row typed on the admin site does: a reference file holding a control character,
    an over-long name or an unknown level is refused naming the row's code, and the caller's
    transaction writes nothing. Two checks are left to the database, once per batch rather
    than a query per row: uniqueness (the codes the table holds are skipped) and the parent,
    which is a row written before (its id comes from this very table).

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
        area = area_model(
            code=row.code,
            name=row.name,
            name_en=row.name_en,
            level=int(row.level),
            parent_id=known[row.parent] if row.parent else None,
            path=row.path,
        )
        _check_area(area, code=row.code)
        batch.append(area)
    flush()
    return inserted


def _check_area(area, *, code: str) -> None:
    try:
        area.full_clean(exclude=["parent"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        problems = join_sentences(
            *(
                labelled(area._meta.get_field(field).verbose_name, " ".join(messages))
                for field, messages in exc.message_dict.items()
            )
        )
        raise ValidationError(
            _("Area %(code)s of the reference data is refused: %(problems)s")
            % {"code": code, "problems": problems},
            code="invalid_reference_area",
        ) from None


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
