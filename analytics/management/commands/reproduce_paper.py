from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from analytics import kinds, wording
from analytics.engine.paper import format_recovery, format_table1, format_table2
from analytics.kinds.equalization.report import TABLE2_MODELS
from analytics.kinds.schema import to_json
from analytics.management.commands._runs import dump_json, run_and_check
from analytics.models import AnalysisRun
from analytics.wording.gmm import paper_words
from core.commands import LocalisedCommand


class Command(LocalisedCommand):
    help = gettext_noop(
        "Run the paper's whole method on the loaded panel (the SYNTHETIC panel if none was "
        "imported) and print Table 1 and Table 2 (both models) in the paper's layout, writing "
        "CSV and LaTeX versions. Table 2 treats the regressors as potentially endogenous by "
        "default; the paper's exogenous specification is written beside it (table2_paper_*). "
        "On the SYNTHETIC panel, Table 1 is marked calibrated and the generator's ADL "
        "coefficients are shown recovered with 95% intervals (adl_recovery.*). The tables "
        "printed are in the operator's language (DJANGO_LANGUAGE_CODE); the CSV and LaTeX "
        "files, and --json, are in English whatever the language: their headers and row "
        "labels are stable names for programs and for the paper's tables."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help=gettext_noop("print the tables as JSON")
        )
        parser.add_argument(
            "--out", type=Path, help=gettext_noop("directory for CSV/LaTeX (default var/paper)")
        )

    def handle(self, *args, out: Path | None, **options):
        run = run_and_check(AnalysisRun.Kind.EQUALIZATION, {})
        result = kinds.get(AnalysisRun.Kind.EQUALIZATION).load(run)
        # The engine's formatters read the tables as the engine wrote them.
        table1 = to_json(result.table1)
        table2 = {key: table.to_json() for key, table in result.table2.items()}
        table2_paper = {key: table.to_json() for key, table in result.table2_paper.items()}
        out = out or Path(settings.VAR_DIR) / "paper"
        out.mkdir(parents=True, exist_ok=True)
        (out / "table1.tex").write_text(format_table1(table1, latex=True))
        (out / "table1.csv").write_text(format_table1(table1).replace("\t", ","))
        for prefix, tables in (("table2", table2), ("table2_paper", table2_paper)):
            for key, table in tables.items():
                (out / f"{prefix}_{key}.tex").write_text(format_table2(table, latex=True))
                (out / f"{prefix}_{key}.csv").write_text(format_table2(table).replace("\t", ","))
        recovery = {
            key: [to_json(row) for row in pooled.recovery]
            for key, model in result.table2.items()
            if (pooled := model.columns.get("Pooled")) is not None and pooled.recovery
        }
        if recovery:
            (out / "adl_recovery.tex").write_text(format_recovery(recovery, latex=True))
            (out / "adl_recovery.csv").write_text(format_recovery(recovery).replace("\t", ","))
        if options["json"]:
            dump_json(
                self.stdout,
                {
                    "run": run.pk,
                    "synthetic": result.synthetic,
                    "data_source": result.data_source,
                    "table1": table1,
                    "table2": table2,
                    "table2_paper": table2_paper,
                    "seconds": run.timings["total"],
                },
            )
            return
        # The files above are for programs and papers, in English whatever the language; what
        # the terminal shows is worded in the operator's (the same tables, the same figures).
        words = paper_words()
        source = wording.data_source_text(source=result.data_source)
        self.stdout.write(
            (
                gettext("Reproduction on the SYNTHETIC panel (%(source)s)")
                if result.synthetic
                else gettext("Reproduction on the imported panel (%(source)s)")
            )
            % {"source": source}
            + "\n"
        )
        self.stdout.write(
            gettext("Table 1. Coefficients of variation of public services among the seven regions")
        )
        self.stdout.write(format_table1(table1, words=words))
        for key, table in table2.items():
            self.stdout.write(
                "\n"
                + gettext(
                    "Table 2 (%(model)s: dependent variable %(dependent)s). Coefficients, "
                    "t-values in parentheses; *, **, *** at 10%%, 5%%, 1%%; Sargan and AR(2) "
                    "p-values"
                )
                % {"model": _model_name(key), "dependent": table["dependent"]}
            )
            self.stdout.write(format_table2(table, words=words))
        if recovery:
            self.stdout.write(
                "\n"
                + gettext(
                    "Validation on the SYNTHETIC panel: the generator's ADL coefficients "
                    "recovered by the pooled estimates (default specification), with %(level)s "
                    "intervals"
                )
                % {"level": "95%"}
            )
            self.stdout.write(format_recovery(recovery, words=words))
        self.stdout.write(
            "\n"
            + gettext("Wrote CSV and LaTeX to %(folder)s (%(seconds)s s)")
            % {"folder": out, "seconds": f"{run.timings['total']:.1f}"}
        )


def _model_name(key: str) -> str:
    """A model of Table 2: its key (``model1``, as the files written are named) in English, its
    name on the equalization page in any other language."""
    if wording.reads_english() or key not in TABLE2_MODELS:
        return key
    return str(TABLE2_MODELS[key])
