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

from core.commands import LocalisedCommand
from residents.models import User
from services import actions


class Command(LocalisedCommand):
    help = (
        "Import supply capacities (month, community, service, units, cost, provider) from a "
        "CSV file; nothing is written if any row has a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of a .csv file (UTF-8).")
        parser.add_argument(
            "--user", required=True, help="Username of the administrator the import is made by."
        )

    def handle(self, *args, file: str, user: str, **options) -> None:
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user named '{user}'.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path.name}")
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError(f"{path.name} is not UTF-8 text.") from None
        try:
            done = actions.supply_capacities_import(user=account, text=text)
        except actions.CapacityImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in {path.name}; nothing was written."
            ) from None
        except PermissionDenied:
            raise CommandError("Only an administrator can import supply capacities.") from None
        months = ", ".join(f"{m:%Y-%m}" for m in done.months)
        self.stdout.write(
            f"Imported {path.name}: {done.created} capacity row(s) created, {done.changed} "
            f"changed, for {months}."
        )
