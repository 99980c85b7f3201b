from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from analytics.actions import panel_dataset_import
from analytics.engine.errors import EngineInputError
from analytics.management.commands._runs import refusal


class Command(BaseCommand):
    help = (
        "Import a city-level yearbook panel (CSV, one row per city and year; schema in "
        "docs/panel-schema.md). Validated first; a file with any error imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", help="a name for the dataset (default: the file name)")
        parser.add_argument("--source", default="", help="where the data come from, and licence")

    def handle(self, *args, file: Path, name: str | None, source: str, **options):
        if not file.exists():
            raise CommandError(f"no such file: {file}")
        try:
            with file.open("rb") as handle:
                dataset = panel_dataset_import(
                    source_file=handle, name=name or file.name, source=source
                )
        except EngineInputError as exc:
            problems = getattr(exc, "problems", None) or []
            for problem in problems[:50]:
                self.stderr.write(
                    f"  row {problem.row}, column {problem.column}: {problem.message}"
                )
            if len(problems) > 50:
                self.stderr.write(f"  ... and {len(problems) - 50} more")
            raise refusal(
                exc, prefix=gettext("%(file)s was not imported: ") % {"file": file}
            ) from exc
        self.stdout.write(
            f"Imported {dataset.rows.count()} city-years as dataset #{dataset.pk} ({dataset.name})"
        )
