"""Shared plumbing of the commands that start an analysis run and print its result."""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from django.utils.translation import gettext, gettext_noop

from analytics import kinds, wording
from analytics.actions import analysis_run_now
from analytics.engine.errors import EngineInputError
from analytics.models import AnalysisRun
from analytics.reports import run_error_text
from core.localisation import join_sentences, labelled

# Printed first (in the operator's language) by a command whose run computed on the demo city.
SYNTHETIC_NOTE = gettext_noop(
    "Data: the SYNTHETIC demo city (seed_demo); these figures describe no real place or person."
)


def refusal(exc: EngineInputError, *, prefix: str = "") -> CommandError:
    """An engine refusal as a command's error in the active language (``LANGUAGE_CODE``):
    the engine's own message in English, which names the exact cause (an econometrician's
    "unknown option 'colapse'"), and in any other language its code worded by the one
    catalogue, as the pages word it."""
    if wording.reads_english():
        return CommandError(f"{prefix}{exc}")
    return CommandError(f"{prefix}{wording.run_error_text(parts=exc.parts, error=str(exc))}")


def _kind_name(kind: str) -> str:
    """A run kind as the operator reads it: its code (the command's own word) in English, its
    name as the pages give it in any other language."""
    if wording.reads_english():
        return kind
    return str(AnalysisRun.Kind(kind).label) if kind in AnalysisRun.Kind.values else kind


def checked_params(kind: str, params: dict) -> dict:
    """``params`` checked by the kind's parameters (the API's serializer: the same bounds and
    the same database checks), with its defaults; a CommandError naming each bad parameter
    (in English by the option's name, in any other language by the page's label)."""
    serializer = kinds.get(kind).serializer(data=params, context={"request": None})
    if not serializer.is_valid():
        labels = {p.name: p.label for p in serializer.param_set.params}

        def problem(field: str, messages: object) -> str:
            text = join_sentences(*messages) if isinstance(messages, list) else messages
            if not wording.reads_english():
                if field not in labels:  # the kind's own checks, across parameters
                    return str(text)
                field = str(labels[field])
            return labelled(field, text)

        problems = gettext("; ").join(
            problem(field, messages) for field, messages in serializer.errors.items()
        )
        raise CommandError(
            gettext("invalid parameters for a %(kind)s run: %(problems)s")
            % {"kind": _kind_name(kind), "problems": problems}
        )
    return serializer.params()


def run_and_check(kind: str, params: dict, *, stdout=None) -> AnalysisRun:
    """Check the parameters as the API does, run now; a failed run is a CommandError with its
    message. With ``stdout`` (text output, not JSON), a run computed on the demo city says so
    first."""
    run = analysis_run_now(kind=kind, params=checked_params(kind, params))
    if run.status != AnalysisRun.Status.SUCCEEDED:
        failed = gettext("%(kind)s: %(failure)s") % {  # a full-width colon in Chinese
            "kind": _kind_name(kind),
            "failure": gettext("The run failed."),
        }
        raise CommandError(run_error_text(run) or failed)
    if stdout is not None and (run.result or {}).get("synthetic") is True:
        stdout.write(gettext(SYNTHETIC_NOTE))
    return run


def add_cities_argument(parser) -> None:
    """``--cities [CODE ...]``: a province run, split by city (no codes: every city with
    communities); left out, the run is computed whole as before."""
    parser.add_argument(
        "--cities",
        nargs="*",
        metavar="CODE",
        help=gettext_noop(
            "split the run by city: these city codes, or every city when none is given"
        ),
    )


def with_cities(params: dict, cities: list[str] | None) -> dict:
    """``params`` with the run's cities (``--cities``), when asked for."""
    if cities is None:
        return params
    from analytics import partitions

    return {**params, "cities": cities or [key for key, _name in partitions.choices(None)]}


def dump_json(stdout, payload: dict) -> None:
    stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
