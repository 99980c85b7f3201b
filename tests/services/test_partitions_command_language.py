"""``request_partitions`` speaks the operator's language: its refusals, its line per table
and its count of partitions created in Chinese, the tables' and partitions' names as the
database has them; its English as it was."""

from __future__ import annotations

import pytest
from django.db import connection

from services import partitions
from tests.commands import command_in, english_words, refusal_in

TABLES = {target.table for target in partitions.PARTITIONED_TABLES}
KEYS = {target.key for target in partitions.PARTITIONED_TABLES}


@pytest.mark.django_db
def test_the_report_is_chinese():
    command_in("en", "request_partitions")  # this month's partitions exist: none to create
    out, _err = command_in("zh-hans", "request_partitions", "--check")
    lines = out.splitlines()
    assert "未创建任何分区。" in lines
    counts = [line for line in lines if line.endswith("行指向不存在的诉求")]
    assert len(counts) == len(partitions.request_references_check())
    for table in TABLES:
        [line] = [line for line in lines if line.startswith(f"{table}：") and line not in counts]
        if connection.vendor == "postgresql":
            assert "个分区" in line
        else:
            assert line == f"{table}：未分区（仅 PostgreSQL 上分区）。"
    assert not english_words(
        out, allowed=TABLES | KEYS | set(partitions.REQUEST_REFERENCES) | {"PostgreSQL"}
    ), out


@pytest.mark.django_db
def test_the_english_report_is_as_it_was():
    command_in("en", "request_partitions")
    out, _err = command_in("en", "request_partitions", "--check")
    assert "Created none." in out.splitlines()
    if connection.vendor != "postgresql":
        assert "services_servicerequest: not partitioned (only on PostgreSQL)." in out
    assert "services_requestcomment: 0 rows name no request" in out


@pytest.mark.parametrize(
    ("args", "chinese", "english"),
    [
        (
            ["--months-ahead", "121"],
            "--months-ahead 必须在 0 到 120 之间。",
            "--months-ahead must be between 0 and 120.",
        ),
        (
            ["--since", "2030/12"],
            "--since 必须是 YYYY-MM 格式的月份，而不是“2030/12”。",
            "--since must be a month as YYYY-MM, not '2030/12'.",
        ),
    ],
)
def test_a_refusal_is_chinese(args, chinese, english):
    assert refusal_in("zh-hans", "request_partitions", *args)[0] == chinese
    assert refusal_in("en", "request_partitions", *args)[0] == english


def test_the_help_is_chinese():
    from django.core.management import load_command_class
    from django.utils import translation

    command = load_command_class("services", "request_partitions")
    with translation.override("zh-hans"):
        text = command.create_parser("manage.py", "request_partitions").format_help()
    assert f"在本月之后要创建的月数（默认 {partitions.MONTHS_AHEAD}）。" in text
    with translation.override("en"):
        text = command.create_parser("manage.py", "request_partitions").format_help()
    assert f"Months after the current one to create (default {partitions.MONTHS_AHEAD})." in text
