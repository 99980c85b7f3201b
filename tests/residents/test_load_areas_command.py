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


def _with_a_bad_row(monkeypatch, bad_name: str) -> str:
    """The reference rows of 西藏 with the name of one street or township (a level the
    migration does not load) replaced by ``bad_name``; returns its code."""
    from geography import AreaLevel, load_areas
    from residents import reference

    rows = list(load_areas(provinces=["54"]))
    index = next(n for n, row in enumerate(rows) if row.level == AreaLevel.STREET)
    rows[index] = rows[index]._replace(name=bad_name)
    monkeypatch.setattr(reference, "load_areas", lambda **_: iter(rows))
    return rows[index].code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Area {code} of the reference data is refused: name: This text holds"),
        ("zh-hans", "参考数据中的区域 {code} 被拒绝：名称："),
    ],
)
def test_reference_rows_pass_the_models_field_rules(monkeypatch, language, expected):
    """``sync_areas`` wrote its rows with ``bulk_create``, past ``full_clean``: a reference
    file holding a control character (or an over-long name) reached the table."""
    from residents.models import Area

    before = Area.objects.count()
    code = _with_a_bad_row(monkeypatch, "拉萨\u202e镇")
    message, _err = refusal_in(language, "load_areas", "--province", "54")
    assert message.startswith(expected.format(code=code))
    assert Area.objects.count() == before  # nothing written, the rows before it neither
    code = _with_a_bad_row(monkeypatch, "x" * 101)
    message, _err = refusal_in(language, "load_areas", "--province", "54")
    assert code in message
    assert Area.objects.count() == before
