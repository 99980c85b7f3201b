"""Stored results take their kind's typed schema (``schema_version``), once.

The steps are ``analytics.kinds.upgrades``: each, once released, is never changed, so running
this migration later gives the same rows as running it now.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from analytics.kinds.upgrades import upgrade

    AnalysisRun = apps.get_model("analytics", "AnalysisRun")
    runs = AnalysisRun.objects.exclude(result=None).only("id", "kind", "result")
    for run in runs.iterator(chunk_size=200):
        if not isinstance(run.result, dict):
            continue
        upgraded = upgrade(run.kind, run.result)
        if upgraded != run.result:
            run.result = upgraded
            run.save(update_fields=["result"])


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_analysisrun_lifecycle")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
