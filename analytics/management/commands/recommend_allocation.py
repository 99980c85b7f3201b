from django.core.management.base import CommandError

from analytics import kinds, queries, wording
from analytics.kinds.allocation.report import allocation_line_texts
from analytics.management.commands._runs import (
    add_cities_argument,
    dump_json,
    run_and_check,
    with_cities,
)
from analytics.models import AnalysisRun
from core.commands import LocalisedCommand


def _city_budgets(given: list[str]) -> dict[str, float]:
    """``["510100=2000000", ...]`` → ``{"510100": 2000000.0}`` (checked further as the API
    checks the parameter)."""
    budgets: dict[str, float] = {}
    for item in given:
        code, _sep, amount = item.partition("=")
        try:
            budgets[code.strip()] = float(amount)
        except ValueError:
            raise CommandError(
                f"--city-budget {item!r}: write a city code, '=' and an amount in CNY"
            ) from None
    return budgets


class Command(LocalisedCommand):
    help = (
        "Recommend how to supply next month's capacity across communities and categories "
        "(in whole units, by a mixed-integer program solved by HiGHS), compared with a "
        "population-proportional baseline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--budget", type=float, required=True, help="total budget (CNY)")
        parser.add_argument(
            "--min-coverage", type=float, help="require every community's coverage ≥ this (0-1)"
        )
        parser.add_argument(
            "--strength",
            type=float,
            help="how strongly the equity weights count (weight ** strength, 0-5; default 1)",
        )
        parser.add_argument(
            "--floor",
            type=float,
            help="coverage floor as a share of the highest floor all can reach (0-1; default 0.9)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        add_cities_argument(parser)
        parser.add_argument(
            "--city-budget",
            action="append",
            default=[],
            metavar="CODE=AMOUNT",
            help=(
                "with --cities: a city's budget (CNY), once per city of the run; without them "
                "the total is split by each city's uncovered need"
            ),
        )

    def handle(self, *args, budget: float, min_coverage: float | None, **options):
        params = {"budget": budget}
        if options["city_budget"]:
            params["city_budgets"] = _city_budgets(options["city_budget"])
        if min_coverage is not None:
            params["min_coverage"] = min_coverage
        for name in ("strength", "floor"):
            if options.get(name) is not None:
                params[name] = options[name]
        run = run_and_check(
            AnalysisRun.Kind.ALLOCATION,
            with_cities(params, options.get("cities")),
            stdout=None if options["json"] else self.stdout,
        )
        result = run.result
        if options["json"]:
            lines = [
                {
                    "community__code": line.community.code,
                    "category__code": line.category.code,
                    "provider": line.provider,
                    "recommended_units": line.recommended_units,
                    "cost": line.cost,
                    "explanation": line.explanation_text,
                }
                for line in allocation_line_texts(lines=queries.allocation_lines(run=run))
            ]
            dump_json(self.stdout, {"run": run.pk, **result, "lines": lines})
            return
        self.stdout.write(
            f"Allocation run #{run.pk} for {result['period']}, budget {budget:,.0f}: "
            f"{run.allocation_lines.count()} lines, {run.timings['total']:.1f} s"
        )
        typed = kinds.get("allocation").load(run)
        report = typed.summary.solver_report if typed is not None else None
        if report is not None:
            # Said in words, never only as a status code: an open gap is a weaker plan.
            if report.status == "optimal":
                self.stdout.write(
                    f"solver: whole units, gap {report.gap:.2%} within the target "
                    f"{report.gap_target:.2%}, {report.seconds:.1f} s"
                )
            else:
                if report.time_limit_reached is True:
                    why = f"stopped at the time limit of {report.time_limit_seconds:g} s"
                elif report.time_limit_reached is False:
                    why = (
                        "the search near the relaxation did not close the gap "
                        "(plans this large are not searched in full)"
                    )
                else:
                    why = "stopped"
                self.stdout.write(
                    f"solver: {why} with the gap still open ({report.gap:.2%}, target "
                    f"{report.gap_target:.2%}): a better whole-unit plan may exist"
                )
        self.stdout.write(f"{'metric':<30}{'plan':>14}{'baseline':>14}")
        for row in typed.comparison if typed is not None else []:
            self.stdout.write(f"{row.metric:<30}{row.lp:>14,.4g}{row.baseline:>14,.4g}")
        for note in wording.note_texts(parts=typed.note_parts if typed is not None else []):
            self.stdout.write(f"note: {note}")
        frontier = typed.frontier if typed is not None else None
        for text in wording.fairness_price_texts(parts=frontier.cost_parts if frontier else []):
            self.stdout.write(f"price of fairness: {text}")
