"""The base of the project's management commands: a refusal reads in the operator's language.

Django prints a ``CommandError`` as ``CommandError: <message>``, the class's English name
before a message that may be Chinese (the commands word their messages in the active language,
``DJANGO_LANGUAGE_CODE``). Every command of the project derives from :class:`LocalisedCommand`, which
prints "Error: <message>" in English and "错误：<message>" in Chinese instead, with the same
exit status. ``call_command`` (tests, other code) still receives the ``CommandError`` itself.

The parser speaks the operator's language too. ``argparse`` words its own texts ("usage:",
"the following arguments are required", "invalid int value") with the ``gettext`` module's
catalogue of the Python installation, never ours, and Django's options carry English help. The
command's parser (:class:`LocalisedCommandParser`) words each of those through our catalogue: a
message argparse has already formatted is matched against argparse's template and worded again
from its parts; a message we do not know stays as argparse wrote it.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from typing import Any, NoReturn

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
    SystemCheckError,
)
from django.utils.translation import gettext, gettext_noop

from core.localisation import join_list, labelled


def command_error_text(error: CommandError) -> str:
    """A command's refusal as the operator reads it: "Error: message" with the colon of the
    active language."""
    return labelled(gettext("Error"), error)


# Django's help for the options every command has, exactly as Django writes it (the parser
# words it through our catalogue, so a text Django rewords simply stays English).
DJANGO_OPTIONS_HELP = (
    gettext_noop("Show program's version number and exit."),
    gettext_noop(
        "Verbosity level; 0=minimal output, 1=normal output, 2=verbose output, "
        "3=very verbose output"
    ),
    gettext_noop(
        'The Python path to a settings module, e.g. "myproject.settings.main". If this '
        "isn't provided, the DJANGO_SETTINGS_MODULE environment variable will be used."
    ),
    gettext_noop('A directory to add to the Python path, e.g. "/home/djangoprojects/myproject".'),
    gettext_noop("Display a full stack trace on CommandError exceptions."),
    gettext_noop("Don't colorize the command output."),
    gettext_noop("Force colorization of the command output."),
    gettext_noop("Skip system checks."),
)
# argparse's own texts a command line can meet, exactly as argparse (Python 3.11 and later)
# writes them.
_USAGE = gettext_noop("usage: ")
_OPTIONS = gettext_noop("options")
_POSITIONALS = gettext_noop("positional arguments")
_HELP = gettext_noop("show this help message and exit")
_HEADING = gettext_noop("%(heading)s:")
_PROG_ERROR = gettext_noop("%(prog)s: error: %(message)s")
_ARGUMENT = gettext_noop("argument %(argument_name)s: %(message)s")
_INVALID_VALUE = gettext_noop("invalid %(type)s value: %(value)r")
_REQUIRED = gettext_noop("the following arguments are required: %s")
_INVALID_CHOICE = gettext_noop("invalid choice: %(value)r (choose from %(choices)s)")
_AMBIGUOUS = gettext_noop("ambiguous option: %(option)s could match %(matches)s")
_ONE_OF = gettext_noop("one of the arguments %s is required")
_ARGPARSE_ERRORS = (
    _REQUIRED,
    gettext_noop("unrecognized arguments: %s"),
    _INVALID_CHOICE,
    gettext_noop("expected one argument"),
    gettext_noop("expected at most one argument"),
    gettext_noop("expected at least one argument"),
    _AMBIGUOUS,
    gettext_noop("ignored explicit argument %r"),
    _ONE_OF,
    gettext_noop("not allowed with argument %s"),
    _INVALID_VALUE,
    _ARGUMENT,
)
# The value types of our commands' options, named in "invalid int value: 'x'".
_TYPE_NAMES = {
    "int": gettext_noop("int"),
    "float": gettext_noop("float"),
    "Path": gettext_noop("Path"),
}
_PLACEHOLDER = re.compile(r"(%\((\w+)\)[sr]|%[sr])")


class _AsWritten(str):
    """A part of an argparse message, already quoted as argparse quoted it: ``%r`` in a
    worded message gives it back unchanged."""

    def __repr__(self) -> str:
        return str(self)


def _pattern(template: str) -> re.Pattern[str]:
    """The messages ``template`` formats to: each placeholder a group, the rest literal."""
    pieces = []
    for index, piece in enumerate(_PLACEHOLDER.split(template)):
        # split gives literal, placeholder, its name (or None), literal, ...
        kind = index % 3
        if kind == 0:
            pieces.append(re.escape(piece))
        elif kind == 1:
            name = _PLACEHOLDER.fullmatch(piece)[2]  # type: ignore[index]
            pieces.append(f"(?P<{name}>.+?)" if name else "(.+?)")
    return re.compile("".join(pieces), re.DOTALL)


_PATTERNS = [(template, _pattern(template)) for template in _ARGPARSE_ERRORS]
# The parts that list options or choices, and how argparse separates their items: listed again
# as the active language lists (Chinese with 、, not argparse's ", ").
_LISTED: dict[str, tuple[int | str, str]] = {
    _REQUIRED: (0, ", "),
    _INVALID_CHOICE: ("choices", ", "),
    _AMBIGUOUS: ("matches", ", "),
    _ONE_OF: (0, " "),
}


def _listed_again(template: str, parts: Any) -> None:
    """The list in ``parts`` (if ``template`` has one) with the active language's separator."""
    if template not in _LISTED:
        return
    key, separator = _LISTED[template]
    parts[key] = _AsWritten(join_list(parts[key].split(separator)))


def argparse_message_text(message: str) -> str:
    """An argparse error message worded in the active language, from its template's parts (a
    message it does not know is given back unchanged)."""
    for template, pattern in _PATTERNS:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        if not match.groupdict():
            unnamed = [_AsWritten(part) for part in match.groups()]
            _listed_again(template, unnamed)
            return gettext(template) % tuple(unnamed)
        parts = {name: _AsWritten(part) for name, part in match.groupdict().items()}
        _listed_again(template, parts)
        if template == _ARGUMENT:
            parts["message"] = _AsWritten(argparse_message_text(parts["message"]))
        if template == _INVALID_VALUE and parts["type"] in _TYPE_NAMES:
            parts["type"] = _AsWritten(gettext(_TYPE_NAMES[parts["type"]]))
        return gettext(template) % parts
    return message


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes: a wide or full-width character (Chinese) two.
    (``analytics.engine.text.display_width`` is the same rule; the import layers keep ``core``
    from reading it.)"""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


_WIDE = (
    "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
)
_OPENING = "（《「『"
_CLOSING = "，。、；：？！）》」』"
# A run of spaces, or what a line may not be broken inside: a run of non-wide characters (an
# English word, an option, a number) or one Chinese character, with the opening punctuation
# before it and the closing punctuation after it (a line neither ends with "（" nor starts
# with "。").
_WRAP_TOKENS = re.compile(rf" +|[{_OPENING}]*(?:[^ {_WIDE}]+|.)[{_CLOSING}]*")


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` (its whitespace already single spaces) in lines of at most ``width`` terminal
    columns, broken at a space or between two Chinese characters."""
    lines: list[str] = []
    line = ""
    for token in _WRAP_TOKENS.findall(text):
        if token.startswith(" "):
            line += " " if line else ""
            continue
        if line.strip() and _columns(line.rstrip()) + _columns(token) > width:
            lines.append(line.rstrip())
            line = ""
        line += token
    return [*lines, line.rstrip()]


class LocalisedHelpFormatter(DjangoHelpFormatter):
    """Django's help layout with argparse's own texts ("usage: ", a section's colon) in the
    active language, and Chinese text wrapped by the columns it takes (argparse counts
    characters, so a Chinese line would run twice as wide as the terminal)."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, gettext(_USAGE) if prefix is None else prefix)

    def _format_usage(self, usage, actions, groups, prefix) -> str:  # type: ignore[no-untyped-def]
        # argparse measures the prefix by its characters, not its columns: the usage is
        # wrapped to a width narrower by the difference, and its next lines indented by it.
        wider = _columns(prefix or "") - len(prefix or "")
        self._width -= wider
        try:
            text = super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += wider
        first, *rest = text.split("\n")
        return "\n".join([first, *(" " * wider + line if line.strip() else line for line in rest)])

    def start_section(self, heading) -> None:  # type: ignore[no-untyped-def]
        self._headings = [*getattr(self, "_headings", []), heading]
        super().start_section(heading)

    def format_help(self) -> str:
        # argparse writes a section's heading as "heading:"; a Chinese one takes the
        # full-width colon.
        text = super().format_help()
        for heading in {h for h in getattr(self, "_headings", []) if isinstance(h, str)}:
            label = gettext(_HEADING) % {"heading": heading}
            text = re.sub(
                rf"(?m)^( *){re.escape(heading)}:$", lambda m, label=label: m[1] + label, text
            )
        return text

    def _split_lines(self, text, width) -> list[str]:  # type: ignore[no-untyped-def]
        if _columns(text) == len(text):
            return super()._split_lines(text, width)
        return _wrapped(self._whitespace_matcher.sub(" ", text).strip(), width)

    def _fill_text(self, text, width, indent) -> str:  # type: ignore[no-untyped-def]
        if _columns(text) == len(text):
            return super()._fill_text(text, width, indent)
        lines = _wrapped(self._whitespace_matcher.sub(" ", text).strip(), width - len(indent))
        return "\n".join(indent + line for line in lines)


class LocalisedCommandParser(CommandParser):
    """Django's ``CommandParser`` whose errors read in the active language: on the command
    line "usage: ..." then "manage.py NAME: error: message", through ``call_command`` a
    ``CommandError`` "Error: message", as Django words them, but worded by our catalogue."""

    def error(self, message: str) -> NoReturn:
        worded = argparse_message_text(message)
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, gettext(_PROG_ERROR) % {"prog": self.prog, "message": worded} + "\n")
        raise CommandError(labelled(gettext("Error"), worded))


class LocalisedCommand(BaseCommand):
    """``BaseCommand`` whose refusals, run from the command line, are printed by
    :func:`command_error_text` instead of Django's ``CommandError: message``."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """The parser, with the command's description and its options' help (Django's and
        argparse's too) looked up in the catalogue when it is built: a command marks them with
        ``gettext_noop`` (plain strings at import time, before any language is active); a text
        the catalogue lacks stays as written. Its errors and usage line are worded as it
        prints them (:class:`LocalisedCommandParser`)."""
        kwargs.setdefault("formatter_class", LocalisedHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a plain CommandParser; ours only adds methods, so the parser becomes one
        # of ours rather than Django's construction being copied here.
        parser.__class__ = LocalisedCommandParser
        parser._optionals.title = gettext(_OPTIONS)
        parser._positionals.title = gettext(_POSITIONALS)
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
