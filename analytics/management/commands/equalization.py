from django.utils.translation import gettext, gettext_noop

from analytics import kinds, wording
from analytics.management.commands._runs import dump_json, run_and_check
from analytics.models import AnalysisRun
from core.commands import LocalisedCommand


class Command(LocalisedCommand):
    help = gettext_noop(
        "Run the city-level equalization analysis on the loaded panel (the SYNTHETIC panel if "
        "none was imported): PCA scores, regional CVs, Theil and Gini trends, equity weights."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help=gettext_noop("print the result as JSON")
        )

    def handle(self, *args, **options):
        run = run_and_check(AnalysisRun.Kind.EQUALIZATION, {})
        if options["json"]:
            dump_json(self.stdout, {"run": run.pk, **run.result})
            return
        result = kinds.get(AnalysisRun.Kind.EQUALIZATION).load(run)
        panel = result.panel
        self.stdout.write(
            (
                gettext(
                    "Equalization run #%(run)s on the SYNTHETIC panel: %(cities)s cities, "
                    "%(first)s–%(last)s, %(seconds)s s"
                )
                if result.synthetic
                else gettext(
                    "Equalization run #%(run)s on the imported panel: %(cities)s cities, "
                    "%(first)s–%(last)s, %(seconds)s s"
                )
            )
            % {
                "run": run.pk,
                "cities": panel.cities,
                "first": panel.years[0],
                "last": panel.years[1],
                "seconds": f"{run.timings['total']:.1f}",
            }
        )
        self.stdout.write(
            gettext("Data: %(source)s")
            % {"source": wording.data_source_text(source=result.data_source)}
        )
        self.stdout.write(gettext("Coefficient of variation of the development score by region:"))
        paper = result.table1.paper
        for region, cv in result.table1.computed.items():
            target = paper.get(region)
            self.stdout.write(
                gettext("  %(region)s %(cv)s   (paper %(paper)s)")
                % {
                    "region": f"{wording.region_text(region=region):<10}",
                    "cv": f"{cv:6.3f}",
                    "paper": wording.figure_text(target, ".2f"),
                }
            )
        lag = result.equity_weights.lag
        if lag:
            self.stdout.write(
                gettext("Effect of digital government: %(effect)s")
                % {"effect": wording.effect_lag_text(lag=lag.to_json())}
            )
