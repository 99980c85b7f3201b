# The administrative-division tree (Area), and the area of communities and administrators.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0006_current_district_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="Area",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        max_length=12, unique=True, verbose_name="administrative code"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "name_en",
                    models.CharField(blank=True, max_length=100, verbose_name="romanised name"),
                ),
                (
                    "level",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "Province"),
                            (2, "Prefecture-level city"),
                            (3, "District or county"),
                            (4, "Street or township"),
                        ],
                        verbose_name="level",
                    ),
                ),
                (
                    "path",
                    models.CharField(
                        editable=False, max_length=80, unique=True, verbose_name="path"
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="residents.area",
                        verbose_name="within",
                    ),
                ),
            ],
            options={
                "verbose_name": "area",
                "verbose_name_plural": "areas",
                "ordering": ["path"],
            },
        ),
        migrations.AddField(
            model_name="community",
            name="area",
            field=models.ForeignKey(
                blank=True,
                help_text="The street or township (or, where it is not known, the district, county or city) the community belongs to. Found from the city and district when left empty.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="communities",
                to="residents.area",
                verbose_name="area",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="area",
            field=models.ForeignKey(
                blank=True,
                help_text="The province, city, district or street an administrator is responsible for: they see, analyse and approve only within it. Empty: the whole country.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="administrators",
                to="residents.area",
                verbose_name="administered area",
            ),
        ),
        migrations.AddIndex(
            model_name="area",
            index=models.Index(
                fields=["path"], name="area_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
    ]
