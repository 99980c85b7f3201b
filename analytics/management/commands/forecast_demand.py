from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from analytics import kinds, wording
from analytics.engine.errors import EngineInputError
from analytics.engine.supply.forecast import (
    MAX_HORIZON,
    SERIES_KINDS,
    UNGROUPED,
    EnsembleWeights,
    ForecastConfig,
    MonthsFilled,
    forecast_with_optional_backtest,
    prepare_history,
)
from analytics.kinds.forecast.report import MEMBER_LABELS
from analytics.kinds.forecast.result import Backtest, BacktestErrors
from analytics.kinds.schema import record
from analytics.management.commands._history_file import check_output_path, read_history_file
from analytics.management.commands._runs import (
    add_cities_argument,
    dump_json,
    refusal,
    run_and_check,
    with_cities,
)
from analytics.models import AnalysisRun
from analytics.reports import names
from core.commands import LocalisedCommand
from core.exports import csv_stream

FORECAST_COLUMNS = ("series", "period", "forecast", "lower", "upper")
SERIES_NAMED = 10  # series named in a note on months counted as zero; the rest counted
# The members with a column of their own, between the ensemble and the seasonal naive.
TABLE_MEMBERS = ("gbm", "ets", "theta", "seasonal_growth", "tsb")
GROUP_WIDTH = 28


def interval_percent(level: float) -> float:
    """An interval's level in percent: statsforecast and R's forecast take 80 or 90, scikit-
    learn's and most Python's quantile code a share, 0.8 or 0.9; a level below 1 can only be a
    share (a 0.9% interval is no interval anyone asks for), so it is read as one."""
    return round(level * 100, 6) if 0 < level < 1 else level


class Command(LocalisedCommand):
    help = gettext_noop(
        "Forecast monthly requests per community and category (with a rolling-origin backtest "
        "against the naive and seasonal-naive baselines). With --data, forecast and backtest a "
        "history from a CSV file (columns series, period as YYYY-MM, count; docs/forecasting.md) "
        "instead. Its output is in the operator's language (DJANGO_LANGUAGE_CODE); --json is "
        "not."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--horizon",
            type=int,
            default=6,
            # Worded here, not by argparse: its own %-expansion knows no "max".
            help=gettext("months ahead, 1 to 6 (with --data, 1 to %(max)s)") % {"max": MAX_HORIZON},
        )
        parser.add_argument(
            "--data", type=Path, help=gettext_noop("a CSV history: series, period, count")
        )
        parser.add_argument(
            "--out", type=Path, help=gettext_noop("with --data: write the forecasts here")
        )
        parser.add_argument(
            "--level",
            type=float,
            default=80,
            help=gettext_noop(
                "with --data: the prediction interval's level in percent, 50 to 99 (default "
                "80); a share such as 0.9 is read as 90"
            ),
        )
        parser.add_argument(
            "--json", action="store_true", help=gettext_noop("print the result as JSON")
        )
        add_cities_argument(parser)

    def handle(
        self, *args, horizon: int, data: Path | None, out: Path | None, level: float, **options
    ):
        asked, level = level, interval_percent(level)
        if not 50 <= level <= 99:
            raise CommandError(
                gettext(
                    "--level must be a percentage between 50 and 99 (or a share between 0.5 "
                    "and 0.99), got %(level)s"
                )
                % {"level": f"{asked:g}"}
            )
        if data is None:
            if out is not None:
                raise CommandError(
                    gettext("--out goes with --data (database forecasts are stored)")
                )
            if level != 80:
                raise CommandError(
                    gettext("--level goes with --data (database forecasts are %(level)s)")
                    % {"level": "80%"}
                )
            self._from_the_database(horizon, cities=options.get("cities"), json=options["json"])
            return
        if not 1 <= horizon <= MAX_HORIZON:
            # A file of one's own may be forecast as far as the engine forecasts (a year: the
            # same-month-last-year features need the target within a year); the platform's
            # runs keep the pages' bound of 6 months.
            raise CommandError(
                gettext("--horizon must be between 1 and %(most)s months with --data, got %(got)s")
                % {"most": MAX_HORIZON, "got": horizon}
            )
        if out is not None:
            check_output_path(out)
        frame, rows = read_history_file(data)
        config = ForecastConfig(horizon=horizon, interval=level / 100)
        current_month = pd.Period(timezone.localdate(), freq="M")
        try:
            history = prepare_history(
                frame, group_column=None, rows=rows, latest_month=current_month
            )
            forecaster, backtest = forecast_with_optional_backtest(history, config=config)
            forecasts = forecaster.forecast()
        except EngineInputError as exc:
            raise refusal(exc, prefix=f"{data}: ") from exc
        if out is not None:
            try:
                # Written as every CSV of the site is (core.exports): with the byte-order mark
                # Excel on a Chinese system needs to read Chinese series names as UTF-8.
                table = forecasts[list(FORECAST_COLUMNS)]
                with out.open("wb") as file:
                    for chunk in csv_stream(
                        columns=FORECAST_COLUMNS, rows=table.itertuples(index=False, name=None)
                    ):
                        file.write(chunk)
            except OSError as exc:
                raise CommandError(
                    gettext("%(file)s cannot be written: %(reason)s")
                    % {"file": out, "reason": exc.strerror or exc}
                ) from None
        months, needed = forecaster.history.n_months, config.months_needed(backtest=True)
        filled = history.filled
        if options["json"]:
            dump_json(
                self.stdout,
                {
                    "backtest": backtest.to_dict() if backtest is not None else None,
                    "history_months": months,
                    "backtest_months_needed": needed if backtest is None else None,
                    "ensemble_weights": [w.to_json() for w in forecaster.weights()],
                    "series": len(forecaster.history.series),
                    "intermittent_series": forecaster.intermittent_series,
                    "forecast_file": str(out or ""),
                    "last_month_is_current": forecaster.last_period == current_month,
                    "months_counted_as_zero": {
                        "gaps": filled.gaps,
                        "series_with_gaps": filled.series_with_gaps,
                        "after_last_row": filled.after_last_row,
                        "series_ended_early": [
                            {"series": series, "last_month": month}
                            for series, month in filled.ended_early
                        ],
                        "long_gaps": [asdict(gap) for gap in filled.long_gaps],
                    },
                },
            )
            return
        self._print_filled(filled, forecaster.last_period)
        if forecaster.last_period == current_month:
            # The platform's own forecasts start from the last complete month; a file may hold
            # a month that is complete (exported on its last evening) or not: said, not guessed.
            self.stdout.write(
                gettext(
                    "The file's last month, %(month)s, is the current month. If its counts "
                    "are not yet complete, they pull every forecast down: leave that month out "
                    "to forecast from the last complete one, as the platform's own forecasts do."
                )
                % {"month": current_month}
            )
        if backtest is None:
            self._no_backtest(months, needed)
        else:
            self._print_backtest(record(Backtest, backtest.to_dict(), where="backtest"), {})
        self._print_weights(
            forecaster.weights(),
            series=len(forecaster.history.series),
            intermittent=forecaster.intermittent_series,
        )
        if out is not None:
            self.stdout.write(
                gettext("Wrote %(count)s forecasts to %(file)s")
                % {"count": len(forecasts), "file": out}
            )

    def _from_the_database(self, horizon: int, *, cities: list[str] | None, json: bool) -> None:
        run = run_and_check(
            AnalysisRun.Kind.FORECAST,
            with_cities({"horizon": horizon}, cities),
            stdout=None if json else self.stdout,
        )
        if json:
            dump_json(self.stdout, {"run": run.pk, **run.result})
            return
        result = kinds.get(AnalysisRun.Kind.FORECAST).load(run)
        self.stdout.write(
            gettext(
                "Forecast run #%(run)s: %(series)s series, %(horizon)s months after "
                "%(month)s, %(seconds)s s"
            )
            % {
                "run": run.pk,
                "series": result.n_series,
                "horizon": horizon,
                "month": result.last_month,
                "seconds": f"{run.timings['total']:.1f}",
            }
        )
        if result.backtest.overall is None:
            self._no_backtest(result.history_months, result.backtest_months_needed)
        else:
            self._print_backtest(result.backtest, names()[1])
        self._print_weights(
            result.ensemble_weights,
            series=result.n_series,
            intermittent=result.intermittent_series,
        )

    def _print_weights(
        self, weights: Sequence[EnsembleWeights], *, series: int | None, intermittent: int | None
    ) -> None:
        """Each method's share of the forecasts per months ahead: the regular series' mix, then
        the intermittent series' own mix (and how many series use it) where there are any."""
        overall = [w for w in weights if w.group is None]
        for kind in SERIES_KINDS:
            rows = sorted((w for w in overall if w.series == kind), key=lambda w: w.horizon)
            if not rows:
                continue
            if kind == "regular":
                self.stdout.write(gettext("Each method's share of the forecasts, by months ahead:"))
            else:
                self.stdout.write(
                    gettext(
                        "Series with intermittent demand (requests in only some months): "
                        "%(count)s of %(total)s. Their forecasts use a mix of their own, learnt "
                        "on the scaled squared error, by months ahead:"
                    )
                    % {
                        "count": wording.figure_text(intermittent, "d"),
                        "total": wording.figure_text(series, "d"),
                    }
                )
            for w in rows:
                shares = gettext(", ").join(
                    # Translators: one method's share of the forecasts, e.g. "ets 40%".
                    gettext("%(method)s %(share)s")
                    % {"method": _member_heading(m), "share": wording.figure_text(share, ".0%")}
                    for m, share in w.weights.items()
                    if share > 0
                )
                self.stdout.write(
                    # Translators: months ahead, then the methods' shares at that many months.
                    gettext("  %(horizon)s: %(shares)s") % {"horizon": w.horizon, "shares": shares}
                )

    def _print_filled(self, filled: MonthsFilled, last: object) -> None:
        """Months the file did not give, counted as zero: said, never silent."""
        if filled.gaps:
            self.stdout.write(
                gettext(
                    "%(months)s month(s) missing inside %(series)s series were counted as zero "
                    "(no requests in those months)."
                )
                % {"months": filled.gaps, "series": filled.series_with_gaps}
            )
        if filled.ended_early:
            shown = filled.ended_early[:SERIES_NAMED]
            self.stdout.write(
                gettext(
                    "%(count)s series end before %(last)s, the month the forecasts start after; "
                    "their %(months)s later month(s) were counted as zero: %(series)s"
                )
                % {
                    "count": len(filled.ended_early),
                    "last": last,
                    "months": filled.after_last_row,
                    "series": gettext(", ").join(
                        gettext("%(series)s (last row %(month)s)")
                        % {"series": series, "month": month}
                        for series, month in shown
                    )
                    + (" ..." if len(filled.ended_early) > len(shown) else ""),
                }
            )
        for gap in filled.long_gaps[:SERIES_NAMED]:
            self.stdout.write(
                gettext(
                    "Series %(series)s has no row for %(months)s months, between %(before)s "
                    "(row %(before_row)s) and %(after)s (row %(after_row)s); they were counted "
                    "as zero. If a year is mistyped there, correct it and run again."
                )
                % asdict(gap)
            )
        if len(filled.long_gaps) > SERIES_NAMED:
            self.stdout.write(
                gettext("%(count)s more series have a gap of ten years or more.")
                % {"count": len(filled.long_gaps) - SERIES_NAMED}
            )

    def _no_backtest(self, months: int | None, needed: int | None) -> None:
        self.stdout.write(
            gettext(
                "No backtest: the history covers %(months)s months and a backtest needs "
                "%(needed)s. The forecasts were not checked against past months; their "
                "weights and intervals come from the few months there are."
            )
            % {"months": months, "needed": needed}
        )

    def _print_backtest(self, backtest: Backtest, category_names: Mapping[str, str]) -> None:
        """The backtest's errors overall and per group (a service by its name), one column per
        forecaster, aligned as a terminal shows them (a Chinese character is two columns)."""
        self.stdout.write(
            gettext(
                "Backtest (%(origins)s origins, horizon %(horizon)s, %(interval)s intervals): "
                "%(method)s"
            )
            % {
                "origins": len(backtest.origins),
                "horizon": backtest.horizon,
                "interval": wording.figure_text(backtest.interval, ".0%"),
                "method": wording.forecast_method_text(
                    method=backtest.method, interval=backtest.interval
                ),
            }
        )
        rows: list[tuple[str, BacktestErrors]] = []
        if backtest.overall is not None:
            rows.append((_compact("overall", gettext("Overall")), backtest.overall))
        rows += [(_group_label(g.group, category_names), g) for g in backtest.by_group]
        columns = _columns()
        group_width = max([GROUP_WIDTH] + [wording.display_width(label) + 1 for label, _ in rows])
        self.stdout.write(
            wording.padded(gettext("group"), group_width)
            + "".join(wording.padded(c.heading, c.width, right=True) for c in columns)
        )
        for label, errors in rows:
            self.stdout.write(
                wording.padded(label, group_width)
                + "".join(
                    wording.padded(
                        wording.figure_text(c.figure(errors), c.spec), c.width, right=True
                    )
                    for c in columns
                )
            )
        no_demand = [label for label, errors in rows if errors.no_wape_reason is not None]
        if no_demand:
            # WAPE divides the error by the requests: with none, it is no number (never inf).
            self.stdout.write(
                gettext(
                    "WAPE is not defined for %(rows)s: there were no requests in the "
                    "backtest's months (its columns show —)."
                )
                % {"rows": gettext(", ").join(no_demand)}
            )
        improvement = backtest.improvement_over_seasonal_naive
        shown = wording.figure_text(improvement, ".1%")
        # No sentence without an improvement, as on the forecast page; a worse ensemble's error
        # is higher, not "-5.0% lower".
        if shown != wording.MISSING_FIGURE and improvement >= 0:
            self.stdout.write(
                gettext(
                    "Ensemble WAPE is %(improvement)s lower than the seasonal-naive baseline's."
                )
                % {"improvement": shown}
            )
        elif shown != wording.MISSING_FIGURE:
            self.stdout.write(
                gettext("Ensemble WAPE is %(worse)s higher than the seasonal-naive baseline's.")
                % {"worse": wording.figure_text(-improvement, ".1%")}
            )
        if backtest.by_horizon:
            coverages = gettext(", ").join(
                # Translators: the interval's coverage at one number of months ahead.
                gettext("%(horizon)s: %(coverage)s")
                % {"horizon": row.horizon, "coverage": wording.figure_text(row.coverage, ".0%")}
                for row in backtest.by_horizon
            )
            self.stdout.write(
                gettext("Interval coverage by horizon: %(coverages)s") % {"coverages": coverages}
            )


@dataclass(frozen=True)
class _Column:
    heading: str
    figure: Callable[[BacktestErrors], float | None]
    spec: str
    width: int  # at least; wider when the heading is


def _columns() -> list[_Column]:
    def wape(name: str) -> Callable[[BacktestErrors], float | None]:
        return lambda errors: errors.wape.get(name)

    columns = [_Column(gettext("WAPE ens"), wape("model"), ".3f", 9)]
    columns += [_Column(_member_heading(m), wape(m), ".3f", 9) for m in TABLE_MEMBERS]
    columns += [
        _Column(_member_heading("seasonal_naive"), wape("seasonal_naive"), ".3f", 8),
        _Column(_compact("naive", gettext("Naive")), wape("naive"), ".3f", 7),
        _Column("MASE", lambda errors: errors.mase.get("model"), ".2f", 7),
        _Column(
            _compact("RMSSE", gettext("Scaled squared error (RMSSE)")),
            lambda errors: errors.rmsse.get("model"),
            ".2f",
            7,
        ),
        _Column(_compact("cover", gettext("Interval coverage")), lambda e: e.coverage, ".0%", 7),
    ]
    # One space at least between a column and the one before it.
    return [
        _Column(c.heading, c.figure, c.spec, max(c.width, wording.display_width(c.heading) + 1))
        for c in columns
    ]


def _compact(english: str, worded: str) -> str:
    """A heading or label of the table: the compact English one (``s-naive``, ``cover``) for
    an English reader, and for any other the name the forecast page gives it (``worded``)."""
    return english if wording.reads_english() else worded


def _member_heading(member: str) -> str:
    """A member's column: ``gbm``, ``s-growth`` in English; otherwise the member's name on the
    forecast page (``MEMBER_LABELS``)."""
    return _compact(member.replace("seasonal_", "s-"), str(MEMBER_LABELS[member]))


def _group_label(group: str, category_names: Mapping[str, str]) -> str:
    """A backtest group: a service by its name; all of a file's series (no group column)."""
    if group in category_names:
        return category_names[group]
    if group == UNGROUPED:
        return _compact(UNGROUPED, gettext("all series"))
    return group  # a file's own group, as the file names it
