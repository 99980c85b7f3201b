from django.core.management.base import CommandError
from django.utils.translation import gettext, gettext_noop

from analytics import kinds, queries, wording
from analytics.kinds.allocation.report import METRICS, allocation_line_texts
from analytics.management.commands._runs import (
    add_cities_argument,
    dump_json,
    run_and_check,
    with_cities,
)
from analytics.models import AnalysisRun
from core.commands import LocalisedCommand
from core.localisation import labelled

# The comparison table's columns: the metric's name, then the plan's and the baseline's figure.
METRIC_WIDTH, FIGURE_WIDTH = 30, 14


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
                labelled(
                    f"--city-budget {item!r}",
                    gettext("write a city code, '=' and an amount in CNY"),
                )
            ) from None
    return budgets


class Command(LocalisedCommand):
    help = gettext_noop(
        "Recommend how to supply next month's capacity across communities and categories "
        "(in whole units, by a mixed-integer program solved by HiGHS), compared with a "
        "population-proportional baseline."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--budget", type=float, required=True, help=gettext_noop("total budget (CNY)")
        )
        parser.add_argument(
            "--min-coverage",
            type=float,
            help=gettext_noop("require every community's coverage ≥ this (0–1)"),
        )
        parser.add_argument(
            "--strength",
            type=float,
            help=gettext_noop(
                "how strongly the equity weights count (weight ** strength, 0–5; default 1)"
            ),
        )
        parser.add_argument(
            "--floor",
            type=float,
            help=gettext_noop(
                "coverage floor as a share of the highest floor all can reach (0–1; default 0.9)"
            ),
        )
        parser.add_argument(
            "--json", action="store_true", help=gettext_noop("print the result as JSON")
        )
        add_cities_argument(parser)
        parser.add_argument(
            "--city-budget",
            action="append",
            default=[],
            metavar="CODE=AMOUNT",
            help=gettext_noop(
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
            gettext(
                "Allocation run #%(run)s for %(period)s, budget %(budget)s: %(lines)s lines, "
                "%(seconds)s s"
            )
            % {
                "run": run.pk,
                "period": result["period"],
                "budget": f"{budget:,.0f}",
                "lines": run.allocation_lines.count(),
                "seconds": f"{run.timings['total']:.1f}",
            }
        )
        typed = kinds.get("allocation").load(run)
        report = typed.summary.solver_report if typed is not None else None
        if report is not None:
            figures = {
                "gap": f"{report.gap:.2%}",
                "target": f"{report.gap_target:.2%}",
                "seconds": f"{report.seconds:.1f}",
                "limit": f"{report.time_limit_seconds:g}"
                if report.time_limit_seconds is not None
                else "",
            }
            self.stdout.write(_solver_text(report.status, report.time_limit_reached) % figures)
        # The columns the allocation page gives the comparison; a heading wider than its
        # column (a Chinese one) widens it, one space at least before it.
        headings = [
            _compact("metric", gettext("Measure")),
            _compact("plan", gettext("Whole-unit plan")),
            _compact("baseline", gettext("Proportional baseline")),
        ]
        rows = [
            (_metric_name(row.metric), row.lp, row.baseline)
            for row in (typed.comparison if typed is not None else [])
        ]
        name_width = max([METRIC_WIDTH] + [wording.display_width(r[0]) + 1 for r in rows])
        plan_width, baseline_width = (
            max(FIGURE_WIDTH, wording.display_width(heading) + 1) for heading in headings[1:]
        )
        self.stdout.write(
            wording.padded(headings[0], name_width)
            + wording.padded(headings[1], plan_width, right=True)
            + wording.padded(headings[2], baseline_width, right=True)
        )
        for name, plan, baseline in rows:
            self.stdout.write(
                wording.padded(name, name_width)
                + f"{plan:>{plan_width},.4g}{baseline:>{baseline_width},.4g}"
            )
        for note in wording.note_texts(parts=typed.note_parts if typed is not None else []):
            self.stdout.write(labelled(gettext("note"), note))
        frontier = typed.frontier if typed is not None else None
        for text in wording.fairness_price_texts(parts=frontier.cost_parts if frontier else []):
            self.stdout.write(labelled(gettext("price of fairness"), text))


def _compact(english: str, worded: str) -> str:
    """A heading or metric of the comparison table: its compact English code for an English
    reader, and for any other the name the allocation page gives it (``worded``)."""
    return english if wording.reads_english() else worded


def _metric_name(metric: str) -> str:
    """A comparison's metric: its code in English, its name on the allocation page otherwise."""
    known = METRICS.get(metric)
    return _compact(metric, str(known.label) if known is not None else metric)


def _solver_text(status: str, time_limit_reached: bool | None) -> str:
    """How the solver ended, said in words, never only as a status code: an open gap is a
    weaker plan. Formatted with the gap, its target, the seconds and the time limit."""
    if status == "optimal":
        return gettext(
            "solver: whole units, gap %(gap)s within the target %(target)s, %(seconds)s s"
        )
    if time_limit_reached is True:
        return gettext(
            "solver: stopped at the time limit of %(limit)s s with the gap still open (%(gap)s, "
            "target %(target)s): a better whole-unit plan may exist"
        )
    if time_limit_reached is False:
        return gettext(
            "solver: the search near the relaxation did not close the gap (plans this large are "
            "not searched in full) with the gap still open (%(gap)s, target %(target)s): a "
            "better whole-unit plan may exist"
        )
    return gettext(
        "solver: stopped with the gap still open (%(gap)s, target %(target)s): a better "
        "whole-unit plan may exist"
    )
