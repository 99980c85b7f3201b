"""The project's management commands refuse in the operator's language (core.commands)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from django.apps import apps
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.utils import translation

from core.commands import LocalisedCommand, argparse_message_text

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
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(("app", "name"), HELP_IN_CHINESE)
def test_the_help_of_each_command_has_a_chinese_description_and_options(app, name):
    """Its own options and Django's and argparse's (``--verbosity``, ``-h``) alike."""

    def help_in(language: str) -> tuple[str, list[str]]:
        with translation.override(language):
            parser = load_command_class(app, name).create_parser("manage.py", name)
        return parser.description, [a.help for a in parser._actions]

    english, chinese = help_in("en"), help_in("zh-hans")
    assert chinese[0] != english[0] and CHINESE.search(chinese[0])
    assert {a for a in DJANGO_OPTIONS} and len(english[1]) >= len(DJANGO_OPTIONS)
    for english_help, chinese_help in zip(english[1], chinese[1], strict=True):
        assert english_help and chinese_help != english_help, (name, english_help)


@pytest.mark.parametrize(("app", "name"), HELP_IN_CHINESE)
def test_a_chinese_help_page_has_chinese_headings_and_fits_the_terminal(app, name, monkeypatch):
    """argparse's "usage:" and "options:" in Chinese, and no line wider than the terminal's 80
    columns (argparse counts characters; a Chinese character takes two columns)."""
    monkeypatch.setenv("COLUMNS", "80")
    with translation.override("zh-hans"):
        text = load_command_class(app, name).create_parser("manage.py", name).format_help()
    assert text.startswith(f"用法：manage.py {name} [-h]")
    assert "\n选项：\n" in text and "usage" not in text and "options:" not in text
    too_wide = [line for line in text.splitlines() if _columns(line) > 80]
    assert too_wide == []
    # The usage's next lines start under its first option, as in English.
    usage = text.split("\n\n")[0].splitlines()
    if len(usage) > 1:
        assert _columns(usage[0].split("[-h]")[0]) == len(usage[1]) - len(usage[1].lstrip())


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


GMM_MODEL = ["--data", "x.csv", "--id", "city", "--time", "year", "--model", "y L1.y"]
# (command line, the last line printed in English, in Chinese)
ARGUMENT_ERRORS = [
    (
        ["estimate_gmm"],
        "manage.py estimate_gmm: error: the following arguments are required: --data, --id, "
        "--time, --model",
        "manage.py estimate_gmm：错误：缺少必需的参数：--data、--id、--time、--model",
    ),
    (
        ["seed_demo", "--seed", "abc"],
        "manage.py seed_demo: error: argument --seed: invalid int value: 'abc'",
        "manage.py seed_demo：错误：参数 --seed：无效的整数值：'abc'",
    ),
    (
        ["estimate_gmm", *GMM_MODEL, "--engine", "stata"],
        "manage.py estimate_gmm: error: argument --engine: invalid choice: 'stata' (choose "
        "from 'ours', 'pydynpd')",
        "manage.py estimate_gmm：错误：参数 --engine：无效的选择：'stata'（可选 'ours'、'pydynpd'）",
    ),
    (
        ["seed_demo", "--bogus"],
        "manage.py seed_demo: error: unrecognized arguments: --bogus",
        "manage.py seed_demo：错误：无法识别的参数：--bogus",
    ),
    (
        ["seed_demo", "--se", "1"],
        "manage.py seed_demo: error: ambiguous option: --se could match --settings, --seed",
        "manage.py seed_demo：错误：选项有歧义：--se 可能是 --settings、--seed",
    ),
    (
        ["seed_demo", "--reset=yes"],
        "manage.py seed_demo: error: argument --reset: ignored explicit argument 'yes'",
        "manage.py seed_demo：错误：参数 --reset：此选项不接受值，已忽略 'yes'",
    ),
    (
        ["reproduce_paper", "--out"],
        "manage.py reproduce_paper: error: argument --out: expected one argument",
        "manage.py reproduce_paper：错误：参数 --out：需要给出一个值",
    ),
]


@pytest.mark.parametrize(("argv", "english", "chinese"), ARGUMENT_ERRORS)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_command_lines_mistake_reads_in_the_operators_language(
    argv, english, chinese, language, capsys
):
    app = dict((name, app) for app, name in _project_commands())[argv[0]]
    with translation.override(language), pytest.raises(SystemExit) as exited:
        load_command_class(app, argv[0]).run_from_argv(["manage.py", *argv])
    assert exited.value.code == 2
    printed = capsys.readouterr().err.splitlines()
    assert printed[0].startswith("usage: manage.py" if language == "en" else "用法：manage.py")
    assert printed[-1] == (english if language == "en" else chinese)


@pytest.mark.parametrize(("app", "name"), HELP_IN_CHINESE)
def test_every_commands_mistakes_read_in_chinese(app, name, capsys):
    command = load_command_class(app, name)
    with translation.override("zh-hans"), pytest.raises(SystemExit):
        command.run_from_argv(["manage.py", name, "--no-such-option"])
    printed = capsys.readouterr().err.splitlines()
    assert printed[0].startswith("用法：")
    assert printed[-1].startswith(f"manage.py {name}：错误：")
    message = printed[-1].removeprefix(f"manage.py {name}：错误：")
    assert CHINESE.search(message)
    # What the operator types stays as typed: options, and the positional arguments' names.
    positionals = {
        a.dest for a in command.create_parser("manage.py", name)._get_positional_actions()
    }
    words = set(re.findall(r"(?<![-\w])[A-Za-z]{2,}", message))
    assert words <= positionals, message


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Error: argument --seed: invalid int value: 'abc'"),
        ("zh-hans", "错误：参数 --seed：无效的整数值：'abc'"),
    ],
)
def test_call_command_raises_the_worded_mistake(language, message):
    with translation.override(language), pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--seed", "abc")
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("message", "english", "chinese"),
    [
        (
            "one of the arguments --file --url is required",
            "one of the arguments --file, --url is required",
            "参数 --file、--url 中必须给出一个",
        ),
        (
            "the following arguments are required: file",
            "the following arguments are required: file",
            "缺少必需的参数：file",
        ),
    ],
)
def test_a_list_of_options_is_separated_as_the_language_lists(message, english, chinese):
    with translation.override("en"):
        assert argparse_message_text(message) == english
    with translation.override("zh-hans"):
        assert argparse_message_text(message) == chinese
