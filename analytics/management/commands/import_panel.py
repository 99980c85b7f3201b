from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext, gettext_noop

from analytics import wording
from analytics.actions import panel_dataset_import
from analytics.engine.errors import EngineInputError
from analytics.management.commands._runs import refusal
from core.commands import LocalisedCommand

# The problems listed one by one; the rest are counted.
PROBLEMS_LISTED = 50


class Command(LocalisedCommand):
    help = gettext_noop(
        "Import a city-level yearbook panel (CSV, one row per city and year; schema in "
        "docs/panel-schema.md). Validated first; a file with any error imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help=gettext_noop("the panel CSV file (docs/panel-schema.md)")
        )
        parser.add_argument(
            "--name", help=gettext_noop("a name for the dataset (default: the file name)")
        )
        parser.add_argument(
            "--source", default="", help=gettext_noop("where the data come from, and licence")
        )

    def handle(self, *args, file: Path, name: str | None, source: str, **options):
        if not file.exists():
            raise CommandError(gettext("no such file: %(file)s") % {"file": file})
        try:
            with file.open("rb") as handle:
                dataset = panel_dataset_import(
                    source_file=handle, name=name or file.name, source=source
                )
        except EngineInputError as exc:
            # Each problem in the operator's language (LANGUAGE_CODE), worded from its code
            # and figures by the one catalogue, as the refusal below is.
            problems = getattr(exc, "problems", None) or []
            for problem in problems[:PROBLEMS_LISTED]:
                text = wording.panel_problem_text(
                    code=problem.code,
                    params=problem.params,
                    message=problem.message,
                    row=problem.row,
                    column=problem.column,
                )
                self.stderr.write(f"  {text}")
            if len(problems) > PROBLEMS_LISTED:
                more = gettext("... and %(count)s more") % {
                    "count": len(problems) - PROBLEMS_LISTED
                }
                self.stderr.write(f"  {more}")
            raise refusal(
                exc, prefix=gettext("%(file)s was not imported: ") % {"file": file}
            ) from exc
        self.stdout.write(
            gettext("Imported %(rows)s city-years as dataset #%(number)s (%(name)s)")
            % {"rows": dataset.rows.count(), "number": dataset.pk, "name": dataset.name}
        )
