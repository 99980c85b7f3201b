from django.db import migrations


def load_catalogue(apps, schema_editor):
    from services.catalogue import sync_catalogue

    sync_catalogue(apps.get_model("services", "ServiceCategory"))


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
