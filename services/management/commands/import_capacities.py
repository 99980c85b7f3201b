"""Import the supply capacities of one or more months from a CSV file (columns: month,
community, service, units, cost, provider; docs/bulk-import.md) through the single capacity
write path, audited as an import.

Every problem is printed as ``row R, column C: reason``; if there is any, nothing is written and
the command exits with status 1.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext, gettext_noop

from core.commands import LocalisedCommand
from residents.models import User
from services import actions


class Command(LocalisedCommand):
    help = gettext_noop(
        "Import supply capacities (month, community, service, units, cost, provider) from a "
        "CSV file; nothing is written if any row has a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=gettext_noop("Path of a .csv file (UTF-8)."))
        parser.add_argument(
            "--user",
            required=True,
            help=gettext_noop("Username of the administrator the import is made by."),
        )

    def handle(self, *args, file: str, user: str, **options) -> None:
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(gettext("No active user named '%(user)s'.") % {"user": user})
        path = Path(file)
        if not path.is_file():
            raise CommandError(gettext("No such file: %(file)s") % {"file": path.name})
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError(
                gettext("%(file)s is not UTF-8 text.") % {"file": path.name}
            ) from None
        try:
            done = actions.supply_capacities_import(user=account, text=text)
        except actions.CapacityImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                gettext("%(count)s problem(s) in %(file)s; nothing was written.")
                % {"count": len(exc.problems), "file": path.name}
            ) from None
        except PermissionDenied:
            raise CommandError(
                gettext("Only an administrator can import supply capacities.")
            ) from None
        self.stdout.write(
            gettext(
                "Imported %(file)s: %(created)s capacity row(s) created, %(changed)s changed, "
                "for %(months)s."
            )
            % {
                "file": path.name,
                "created": done.created,
                "changed": done.changed,
                "months": gettext(", ").join(f"{m:%Y-%m}" for m in done.months),
            }
        )
