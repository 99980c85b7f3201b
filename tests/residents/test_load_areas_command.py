"""``load_areas`` speaks the operator's language: its refusal and its count in Chinese, its
English as it was."""

from __future__ import annotations

import pytest

from tests.commands import command_in, refusal_in


def test_a_malformed_province_is_refused_in_chinese():
    message, _err = refusal_in("zh-hans", "load_areas", "--province", "Sichuan")
    assert message == "--province 'Sichuan'：请给出 6 位代码或 2 位数字"
    message, _err = refusal_in("en", "load_areas", "--province", "Sichuan")
    assert message == "--province 'Sichuan': give a 6-digit code or 2 digits"


@pytest.mark.django_db
def test_the_areas_added_are_counted_in_chinese():
    # 西藏: the smallest tree.
    out, _err = command_in("zh-hans", "load_areas", "--province", "54")
    added = int(out.removeprefix("已添加 ").split()[0])
    assert added > 0 and out == f"已添加 {added} 个行政区划。\n"
    out, _err = command_in("en", "load_areas", "--province", "54")
    assert out == "0 areas added.\n"
