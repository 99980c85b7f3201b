"""Chengdu's districts renamed since the reference table the demo city was first built from.

郫县 became 郫都区 (code 510117, State Council approval of November 2016) and 新津县 became
新津区 (code 510118, 2020). Communities stored under the old names take the current ones, in
their district field and, for the SYNTHETIC demo communities, whose names start with their
district's, in the name too. Real communities keep their own names: only their district field
changes. Source of the current names: ``geography/README.md``.
"""

from django.db import migrations

CHENGDU = "510100"
# old name -> current name (the one reference list of renames, frozen with this migration)
RENAMED = {"郫县": "郫都区", "新津县": "新津区"}
DEMO_PREFIX = "DEMO-"


def rename(apps, mapping: dict[str, str]) -> None:
    Community = apps.get_model("residents", "Community")
    for old, new in mapping.items():
        chengdu = Community.objects.filter(city__adcode=CHENGDU, district=old)
        for community in chengdu.filter(code__startswith=DEMO_PREFIX, name__startswith=old):
            community.name = new + community.name[len(old) :]
            community.save(update_fields=["name"])
        chengdu.update(district=new)


def forwards(apps, schema_editor) -> None:
    rename(apps, RENAMED)


def backwards(apps, schema_editor) -> None:
    rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [("residents", "0005_portrait_consent_and_audit")]

    operations = [migrations.RunPython(forwards, backwards)]
