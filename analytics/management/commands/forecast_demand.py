from pathlib import Path

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext

from analytics import kinds
from analytics.engine.errors import EngineInputError
from analytics.engine.supply.forecast import (
    ForecastConfig,
    MonthsFilled,
    forecast_with_optional_backtest,
    prepare_history,
)
from analytics.management.commands._history_file import check_output_path, read_history_file
from analytics.management.commands._runs import (
    add_cities_argument,
    checked_params,
    dump_json,
    refusal,
    run_and_check,
    with_cities,
)
from analytics.models import AnalysisRun

FORECAST_COLUMNS = ("series", "period", "forecast", "lower", "upper")
ENDED_EARLY_SHOWN = 10  # series named in the note on series that end early; the rest counted


class Command(BaseCommand):
    help = (
        "Forecast monthly requests per community and category (with a rolling-origin backtest "
        "against the naive and seasonal-naive baselines). With --data, forecast and backtest a "
        "history from a CSV file (columns series, period as YYYY-MM, count; docs/forecasting.md) "
        "instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--horizon", type=int, default=6, help="months ahead, 1 to 6")
        parser.add_argument("--data", type=Path, help="a CSV history: series, period, count")
        parser.add_argument("--out", type=Path, help="with --data: write the forecasts here")
        parser.add_argument(
            "--level",
            type=float,
            default=80,
            help="with --data: the prediction interval's level in percent, 50 to 99 (default 80)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        add_cities_argument(parser)

    def handle(
        self, *args, horizon: int, data: Path | None, out: Path | None, level: float, **options
    ):
        if not 50 <= level <= 99:
            raise CommandError(f"--level must be a percentage between 50 and 99, got {level:g}")
        if data is None:
            if out is not None:
                raise CommandError("--out goes with --data (database forecasts are stored)")
            if level != 80:
                raise CommandError("--level goes with --data (database forecasts are 80%)")
            run = run_and_check(
                AnalysisRun.Kind.FORECAST,
                with_cities({"horizon": horizon}, options.get("cities")),
                stdout=None if options["json"] else self.stdout,
            )
            if options["json"]:
                dump_json(self.stdout, {"run": run.pk, **run.result})
            else:
                backtest = run.result["backtest"]
                self.stdout.write(
                    f"Forecast run #{run.pk}: {run.result['n_series']} series, "
                    f"{horizon} months after {run.result['last_month']}, "
                    f"{run.timings['total']:.1f} s"
                )
                result = kinds.get(AnalysisRun.Kind.FORECAST).load(run)
                if result.backtest.overall is None:
                    self._no_backtest(result.history_months, result.backtest_months_needed)
                else:
                    self._print_backtest(backtest)
            return
        horizon = checked_params(AnalysisRun.Kind.FORECAST, {"horizon": horizon})["horizon"]
        if out is not None:
            check_output_path(out)
        frame, rows = read_history_file(data)
        config = ForecastConfig(horizon=horizon, interval=level / 100)
        try:
            history = prepare_history(
                frame,
                group_column=None,
                rows=rows,
                latest_month=pd.Period(timezone.localdate(), freq="M"),
            )
            forecaster, backtest = forecast_with_optional_backtest(history, config=config)
            forecasts = forecaster.forecast()
        except EngineInputError as exc:
            raise refusal(exc, prefix=f"{data}: ") from exc
        if out is not None:
            try:
                forecasts[list(FORECAST_COLUMNS)].to_csv(out, index=False)
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
                    "forecast_file": str(out or ""),
                    "months_counted_as_zero": {
                        "gaps": filled.gaps,
                        "series_with_gaps": filled.series_with_gaps,
                        "after_last_row": filled.after_last_row,
                        "series_ended_early": [
                            {"series": series, "last_month": month}
                            for series, month in filled.ended_early
                        ],
                    },
                },
            )
            return
        self._print_filled(filled, forecaster.last_period)
        if backtest is None:
            self._no_backtest(months, needed)
        else:
            self._print_backtest(backtest.to_dict())
        if out is not None:
            self.stdout.write(f"Wrote {len(forecasts)} forecasts to {out}")

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
            shown = filled.ended_early[:ENDED_EARLY_SHOWN]
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

    def _no_backtest(self, months: int | None, needed: int | None) -> None:
        self.stdout.write(
            f"No backtest: the history covers {months} months and a backtest needs {needed}. "
            "The forecasts were not checked against past months; their weights and intervals "
            "come from the few months there are."
        )

    def _print_backtest(self, backtest: dict) -> None:
        overall = backtest["overall"]
        self.stdout.write(
            f"Backtest ({len(backtest['origins'])} origins, horizon {backtest['horizon']}, "
            f"{backtest['interval']:.0%} intervals): {backtest['method']}"
        )
        members = ("gbm", "ets", "theta", "seasonal_growth")
        header = (
            f"{'group':<28}{'WAPE ens':>9}"
            # Wide enough for "s-growth" and a space: the columns must not run together.
            + "".join(f"{name.replace('seasonal_', 's-'):>9}" for name in members)
            + f"{'s-naive':>8}{'naive':>7}{'MASE':>7}{'cover':>7}"
        )
        self.stdout.write(header)
        rows = [{"group": "overall", **overall}, *backtest["by_group"]]
        for row in rows:
            self.stdout.write(
                f"{row['group']:<28}{row['wape_model']:>9.3f}"
                + "".join(f"{_number(row.get(f'wape_{name}')):>9.3f}" for name in members)
                + f"{row['wape_seasonal_naive']:>8.3f}{row['wape_naive']:>7.3f}"
                f"{_number(row.get('mase_model')):>7.2f}{_number(row.get('coverage')):>7.0%}"
            )
        self.stdout.write(
            f"Ensemble WAPE is {backtest['improvement_over_seasonal_naive']:.1%} lower than the "
            "seasonal-naive baseline's."
        )
        by_horizon = backtest.get("by_horizon") or []
        if by_horizon:
            self.stdout.write(
                "Interval coverage by horizon: "
                + ", ".join(
                    f"{row['horizon']}: {_number(row.get('coverage')):.0%}" for row in by_horizon
                )
            )


def _number(value: object) -> float:
    """A stored figure, or NaN where an older run has none."""
    return float(value) if isinstance(value, int | float) else float("nan")
