"""The base of the project's management commands: a refusal reads in the operator's language.

Django prints a ``CommandError`` as ``CommandError: <message>``, the class's English name
before a message that may be Chinese (the commands word their messages in the active language,
``DJANGO_LANGUAGE_CODE``). Every command of the project derives from :class:`LocalisedCommand`, which
prints "Error: <message>" in English and "错误：<message>" in Chinese instead, with the same
exit status. ``call_command`` (tests, other code) still receives the ``CommandError`` itself.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, SystemCheckError
from django.utils.translation import gettext

from core.localisation import labelled


def command_error_text(error: CommandError) -> str:
    """A command's refusal as the operator reads it: "Error: message" with the colon of the
    active language."""
    return labelled(gettext("Error"), error)


class LocalisedCommand(BaseCommand):
    """``BaseCommand`` whose refusals, run from the command line, are printed by
    :func:`command_error_text` instead of Django's ``CommandError: message``."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """The parser, with the command's description and its options' help looked up in the
        catalogue when it is built: a command marks them with ``gettext_noop`` (plain strings
        at import time, before any language is active); a text the catalogue lacks stays as
        written."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if parser.description:
            parser.description = gettext(parser.description)
        for action in parser._actions:
            if action.help and action.help != argparse.SUPPRESS:
                action.help = gettext(action.help)
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            # Only the command line's printing changes: call_command callers, --traceback and
            # the system checks' own report keep Django's behaviour.
            if (
                not self._called_from_command_line
                or options.get("traceback")
                or isinstance(error, SystemCheckError)
            ):
                raise
            self.stderr.write(command_error_text(error))
            sys.exit(error.returncode)
