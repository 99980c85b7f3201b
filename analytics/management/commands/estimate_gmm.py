"""``python manage.py estimate_gmm``: dynamic-panel GMM on any panel CSV (see docs/gmm.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from django.core.management.base import CommandError
from django.utils.translation import gettext, gettext_noop

from analytics.engine.errors import EngineInputError
from analytics.engine.gmm import estimate
from analytics.engine.gmm.pydynpd_runner import run_pydynpd
from analytics.engine.gmm.results import format_table
from analytics.management.commands._runs import refusal
from analytics.wording.gmm import gmm_table_words
from core.commands import LocalisedCommand


class Command(LocalisedCommand):
    help = gettext_noop(
        "Estimate a difference or system GMM dynamic panel model (xtabond2 semantics) from a "
        'panel CSV, e.g. --model "y L1.y x L1.x | gmm(y, 2:4) iv(x L1.x) | collapse".'
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", type=Path, required=True, help=gettext_noop("a panel CSV file")
        )
        parser.add_argument(
            "--id", dest="id_col", required=True, help=gettext_noop("the unit column")
        )
        parser.add_argument(
            "--time", dest="time_col", required=True, help=gettext_noop("the period column")
        )
        parser.add_argument(
            "--model", required=True, help=gettext_noop("the model string (docs/gmm.md)")
        )
        parser.add_argument(
            "--engine",
            choices=("ours", "pydynpd"),
            default="ours",
            help=gettext_noop(
                "the estimator: ours (default), or the pydynpd package's for comparison"
            ),
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help=gettext_noop(
                "print one JSON object, for programs: its keys and the engine's notes stay in "
                "English whatever the language"
            ),
        )

    def handle(self, *args, data: Path, id_col: str, time_col: str, model: str, **options):
        try:
            frame = pd.read_csv(data)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise CommandError(
                gettext("cannot read %(file)s: %(reason)s") % {"file": data, "reason": exc}
            ) from None
        runner = run_pydynpd if options["engine"] == "pydynpd" else estimate
        try:
            result = runner(frame, model, id_col, time_col)
        except EngineInputError as exc:
            raise refusal(exc) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(format_table(result, gmm_table_words()))
