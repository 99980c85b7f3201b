"""The project's management commands refuse in the operator's language (core.commands)."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.utils import translation

from core.commands import LocalisedCommand

PROJECT_APPS = {"core", "geography", "residents", "notifications", "services", "analytics", "demo"}

# Django's own options of every command (their help is Django's, in English).
DJANGO_OPTIONS = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}

# A refusal that needs no database: the province code is checked before anything is loaded.
BAD_PROVINCE = ["manage.py", "load_areas", "--province", "x", "--skip-checks"]


def _project_commands() -> list[tuple[str, str]]:
    labels = {config.name: config.label for config in apps.get_app_configs()}
    return sorted(
        (app, name)
        for name, app in get_commands().items()
        if app in labels and labels[app] in PROJECT_APPS
    )


def test_the_project_has_commands_to_check():
    assert {name for _, name in _project_commands()} >= {"seed_demo", "forecast_demand"}


@pytest.mark.parametrize(("app", "name"), _project_commands())
def test_every_project_command_derives_from_the_shared_base(app, name):
    assert isinstance(load_command_class(app, name), LocalisedCommand)


@pytest.mark.parametrize(
    ("language", "printed"),
    [
        ("en", "Error: --province 'x': give a 6-digit code or 2 digits\n"),
        ("zh-hans", "错误：--province 'x'：请给出 6 位代码或 2 位数字\n"),
    ],
)
def test_a_refusal_on_the_command_line_reads_in_the_operators_language(language, printed, capsys):
    with translation.override(language), pytest.raises(SystemExit) as exited:
        load_command_class("residents", "load_areas").run_from_argv(BAD_PROVINCE)
    assert exited.value.code == 1
    assert capsys.readouterr().err == printed


def test_call_command_still_raises_the_refusal():
    with pytest.raises(CommandError, match="6-digit code"):
        call_command("load_areas", province=["x"], skip_checks=True)


def test_traceback_still_raises_the_refusal():
    with pytest.raises(CommandError, match="6-digit code"):
        load_command_class("residents", "load_areas").run_from_argv([*BAD_PROVINCE, "--traceback"])


@pytest.mark.parametrize(
    ("language", "description", "option"),
    [
        ("en", "Fill the database with a SYNTHETIC demo", "random seed (default 2026)"),
        ("zh-hans", "向数据库填入 SYNTHETIC 演示数据", "随机种子（默认 2026）"),
    ],
)
def test_a_commands_help_reads_in_the_operators_language(language, description, option):
    with translation.override(language):
        parser = load_command_class("demo", "seed_demo").create_parser("manage.py", "seed_demo")
        text = parser.format_help()
    assert description in text and option in text


# Every project command has its description and options' help in the catalogue.
HELP_IN_CHINESE = sorted((app, name) for app, name in _project_commands())


@pytest.mark.parametrize(("app", "name"), HELP_IN_CHINESE)
def test_the_help_of_each_command_has_a_chinese_description_and_options(app, name):
    def help_in(language: str) -> tuple[str, list[str]]:
        with translation.override(language):
            parser = load_command_class(app, name).create_parser("manage.py", name)
        own = [a.help for a in parser._actions if a.help and a.dest not in DJANGO_OPTIONS]
        return parser.description, own

    english, chinese = help_in("en"), help_in("zh-hans")
    assert chinese[0] != english[0] and re.search(r"[\u4e00-\u9fff]", chinese[0])
    for english_help, chinese_help in zip(english[1], chinese[1], strict=True):
        assert chinese_help != english_help, (name, english_help)
