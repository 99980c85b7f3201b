# The unique path already has its pattern index on PostgreSQL (Django's "_like" index): drop the second.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0008_areas_load_and_attach"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="area",
            name="area_path_prefix",
        ),
    ]
