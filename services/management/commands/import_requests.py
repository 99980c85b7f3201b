"""Import service requests from a CSV or XLSX file (columns: docs/bulk-import.md).

Every problem is printed as ``row R, column C: reason``; if there is any, nothing is imported
and the command exits with status 1.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext, gettext_noop

from core.commands import LocalisedCommand
from residents.models import User
from services import bulk


class BulkImportCommand(LocalisedCommand):
    importer = staticmethod(bulk.bulk_import_requests)
    # What a clean import says, worded in the operator's language when it is printed.
    imported = gettext_noop("Imported %(count)s service requests.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=gettext_noop("Path of a .csv or .xlsx file."))
        parser.add_argument(
            "--user",
            required=True,
            help=gettext_noop("Username of the worker or administrator the rows are imported as."),
        )

    def handle(self, *args, file: str, user: str, **options) -> None:
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(gettext("No active user named '%(user)s'.") % {"user": user})
        path = Path(file)
        if not path.is_file():
            raise CommandError(gettext("No such file: %(file)s") % {"file": path.name})
        try:
            # The file read where it lies, as a stream (services.tables), never whole.
            with path.open("rb") as opened:
                result = self.importer(user=account, file=opened, filename=path.name)
        except bulk.BulkImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                gettext("%(count)s problem(s) found; nothing was imported.")
                % {"count": len(exc.problems)}
            ) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(gettext("; ").join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(gettext(self.imported) % {"count": result.created}))


class Command(BulkImportCommand):
    help = gettext_noop(
        "Import service requests from a CSV or XLSX file. The whole file is checked first; "
        "problems are printed with row, column and reason and nothing is imported."
    )
