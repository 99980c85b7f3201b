"""The engine's English texts leave the stored results and allocation lines; their parts stay.

Results take schema 3 through ``analytics.kinds.upgrades`` (a text stored without parts
becomes one ``{"code": "text", "text": ...}`` part, shown as written). A line stored without
explanation parts keeps its English explanation and weight reason the same way, before the two
text columns go.
"""

from django.db import migrations


def results_forwards(apps, schema_editor):
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


def lines_forwards(apps, schema_editor):
    AllocationLine = apps.get_model("analytics", "AllocationLine")
    lines = AllocationLine.objects.filter(explanation_parts=None).only(
        "id", "explanation", "weight_reason"
    )
    for line in lines.iterator(chunk_size=2000):
        line.explanation_parts = [
            {"code": "text", "text": line.explanation, "weight_reason": line.weight_reason}
        ]
        line.save(update_fields=["explanation_parts"])


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_result_schema_v2")]

    operations = [
        migrations.RunPython(results_forwards, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(lines_forwards, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="allocationline", name="explanation"),
        migrations.RemoveField(model_name="allocationline", name="weight_reason"),
    ]
