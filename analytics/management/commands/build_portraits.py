from django.utils.translation import gettext, gettext_noop

from analytics import wording
from analytics.management.commands._runs import (
    add_cities_argument,
    dump_json,
    run_and_check,
    with_cities,
)
from analytics.models import AnalysisRun
from core.commands import LocalisedCommand


class Command(LocalisedCommand):
    help = gettext_noop(
        "Segment residents into portraits (scikit-learn) and describe each segment."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help=gettext_noop("print the result as JSON")
        )
        add_cities_argument(parser)

    def handle(self, *args, **options):
        run = run_and_check(
            AnalysisRun.Kind.PORTRAITS,
            with_cities({}, options.get("cities")),
            stdout=None if options["json"] else self.stdout,
        )
        result = run.result
        if options["json"]:
            dump_json(self.stdout, {"run": run.pk, **result})
            return
        self.stdout.write(
            gettext(
                "Portraits run #%(run)s: %(residents)s residents, %(segments)s segments "
                "(%(criterion)s), %(seconds)s s"
            )
            % {
                "run": run.pk,
                "residents": result["n_residents"],
                "segments": result["k"],
                "criterion": wording.criterion_text(parts=result["criterion_parts"]),
                "seconds": f"{run.timings['total']:.1f}",
            }
        )
        for segment in result["segments"]:
            self.stdout.write(
                gettext("  segment %(segment)s: %(size)s residents (%(share)s) - %(description)s")
                % {
                    "segment": segment["segment"],
                    "size": segment["size"],
                    "share": f"{segment['share']:.0%}",
                    "description": wording.description_text(parts=segment["description_parts"]),
                }
            )
