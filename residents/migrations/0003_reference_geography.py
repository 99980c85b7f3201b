from django.db import migrations


def load_geography(apps, schema_editor):
    from residents.reference import sync_cities

    sync_cities(apps.get_model("residents", "Region"), apps.get_model("residents", "City"))


class Migration(migrations.Migration):
    dependencies = [("residents", "0002_community_schools")]

    operations = [migrations.RunPython(load_geography, migrations.RunPython.noop)]
