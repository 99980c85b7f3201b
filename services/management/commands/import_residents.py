"""Import resident profiles from a CSV or XLSX file (columns: docs/bulk-import.md).

Every problem is printed as ``row R, column C: reason`` (never a cell's value); if there is
any, nothing is imported and the command exits with status 1.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from services import bulk
from services.management.commands.import_requests import BulkImportCommand


class Command(BulkImportCommand):
    help = gettext_noop(
        "Import resident profiles from a CSV or XLSX file. The whole file is checked first; "
        "problems are printed with row, column and reason and nothing is imported."
    )
    importer = staticmethod(bulk.bulk_import_residents)
    imported = gettext_noop("Imported %(count)s residents.")
