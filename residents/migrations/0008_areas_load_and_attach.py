"""Load the administrative-division tree down to districts and counties
(``geography/areas.csv``; source in ``geography/README.md``) and attach every existing
community to its area: the district or county of its ``district`` name inside its city (the
city matched by adcode), else the city, else the city's province. No row is changed but for
the new ``area`` column; streets and townships are loaded by ``manage.py load_areas``.
"""

from django.db import migrations

from geography import AreaLevel
from residents.reference import area_for_place, sync_areas


def forwards(apps, schema_editor) -> None:
    Area = apps.get_model("residents", "Area")
    Community = apps.get_model("residents", "Community")
    sync_areas(Area, max_level=AreaLevel.DISTRICT)
    places: dict[tuple[str, str], object] = {}
    for community in Community.objects.select_related("city").filter(area__isnull=True):
        key = (community.city.adcode, community.district)
        if key not in places:
            places[key] = area_for_place(Area, city_adcode=key[0], district=key[1])
        if places[key] is not None:
            community.area = places[key]
            community.save(update_fields=["area"])


def backwards(apps, schema_editor) -> None:
    Community = apps.get_model("residents", "Community")
    User = apps.get_model("residents", "User")
    Community.objects.update(area=None)
    User.objects.update(area=None)
    Area = apps.get_model("residents", "Area")
    Area.objects.update(parent=None)  # the tree's own protection would refuse the delete
    Area.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("residents", "0007_areas")]

    operations = [migrations.RunPython(forwards, backwards)]
