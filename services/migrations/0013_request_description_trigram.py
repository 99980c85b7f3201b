"""A trigram index for the queue's text search (PostgreSQL only).

The search is ``description__icontains``, which Django writes as
``UPPER(description::text) LIKE UPPER('%words%')``: a GIN index of trigrams over exactly that
expression lets PostgreSQL find the rows without reading the whole table (``docs/queue.md``).
``pg_trgm`` ships with PostgreSQL; creating the extension needs a role allowed to (the
database owner on PostgreSQL 13+, it is a trusted extension). Other databases are left alone:
the search works there, by reading every row.
"""

from django.db import migrations

INDEX = "request_description_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON services_servicerequest "
        "USING gin ((UPPER(description::text)) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("services", "0012_partition_requests_by_month")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
