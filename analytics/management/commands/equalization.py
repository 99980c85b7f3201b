from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from analytics import kinds, wording
from analytics.management.commands._runs import dump_json, run_and_check
from analytics.models import AnalysisRun


class Command(BaseCommand):
    help = (
        "Run the city-level equalization analysis on the loaded panel (the SYNTHETIC panel if "
        "none was imported): PCA scores, regional CVs, Theil and Gini trends, equity weights."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        run = run_and_check(AnalysisRun.Kind.EQUALIZATION, {})
        if options["json"]:
            dump_json(self.stdout, {"run": run.pk, **run.result})
            return
        result = kinds.get(AnalysisRun.Kind.EQUALIZATION).load(run)
        label = "SYNTHETIC panel" if result.synthetic else "imported panel"
        panel = result.panel
        self.stdout.write(
            f"Equalization run #{run.pk} on the {label}: {panel.cities} cities, "
            f"{panel.years[0]}-{panel.years[1]}, {run.timings['total']:.1f} s"
        )
        self.stdout.write(
            gettext("Data: %(source)s")
            % {"source": wording.data_source_text(source=result.data_source)}
        )
        self.stdout.write("Coefficient of variation of the development score by region:")
        paper = result.table1.paper
        for region, cv in result.table1.computed.items():
            target = paper.get(region)
            self.stdout.write(
                f"  {region:<10} {cv:6.3f}   (paper {float('nan') if target is None else target:.2f})"
            )
        lag = result.equity_weights.lag
        if lag:
            self.stdout.write(
                f"Effect of digital government: {wording.effect_lag_text(lag=lag.to_json())}"
            )
