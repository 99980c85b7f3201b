"""The import commands speak the operator's language: every refusal, every problem line and
the summary of ``import_requests``, ``import_residents`` and ``import_capacities`` in Chinese,
with the columns named as the file names them; their English as it was. Data SYNTHETIC."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.commands import command_in, english_words, refusal_in
from tests.factories import CommunityFactory, ServiceCategoryFactory, WorkerFactory, make_world
from tests.services.test_bulk import _request_row, _resident_row

pytestmark = pytest.mark.django_db

CAPACITY_HEADER = "month,community,service,units,cost,provider\n"


@pytest.fixture
def place():
    community = CommunityFactory()
    return {
        "community": community,
        "worker": WorkerFactory(communities=[community]),
        "category": ServiceCategoryFactory(sla_hours=48),
    }


def _file(tmp_path, name: str, content: bytes | str):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return str(path)


def _csv(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode()


def test_a_bad_request_file_is_refused_in_chinese_row_by_row(tmp_path, place):
    bad = _file(tmp_path, "bad.csv", _csv([_request_row(place, category="nope", description="")]))
    worker = place["worker"].username
    message, err = refusal_in("zh-hans", "import_requests", bad, "--user", worker)
    assert message == "发现 2 处问题；未导入任何数据。"
    lines = err.splitlines()
    assert [line.split("：")[0] for line in lines] == [
        "第 2 行，category 列",
        "第 2 行，description 列",
    ]
    assert not english_words(err, allowed={"category", "description"}), err
    message, err = refusal_in("en", "import_requests", bad, "--user", worker)
    assert message == "2 problem(s) found; nothing was imported."
    assert err.splitlines()[1] == "row 2, column description: A value is required."


def test_a_clean_import_is_summed_up_in_chinese(tmp_path, place):
    good = _file(tmp_path, "good.csv", _csv([_resident_row(place["community"], 9)]))
    worker = place["worker"].username
    out, _err = command_in("zh-hans", "import_residents", good, "--user", worker, no_color=True)
    assert out == "已导入 1 名居民。\n"
    requests = _file(tmp_path, "requests.csv", _csv([_request_row(place)]))
    out, _err = command_in("zh-hans", "import_requests", requests, "--user", worker, no_color=True)
    assert out == "已导入 1 条服务诉求。\n"
    again = _file(tmp_path, "again.csv", _csv([_request_row(place)]))
    out, _err = command_in("en", "import_requests", again, "--user", worker, no_color=True)
    assert out == "Imported 1 service requests.\n"


@pytest.mark.parametrize("command", ["import_requests", "import_residents", "import_capacities"])
def test_a_wrong_user_or_file_is_refused_in_chinese(tmp_path, place, command):
    missing = str(tmp_path / "missing.csv")
    worker = place["worker"].username
    assert refusal_in("zh-hans", command, missing, "--user", "nobody")[0] == (
        "没有名为“nobody”的在用账户。"
    )
    assert refusal_in("en", command, missing, "--user", "nobody")[0] == (
        "No active user named 'nobody'."
    )
    assert refusal_in("zh-hans", command, missing, "--user", worker)[0] == (
        "没有这个文件：missing.csv"
    )
    assert refusal_in("en", command, missing, "--user", worker)[0] == "No such file: missing.csv"


def test_a_capacity_file_is_imported_and_refused_in_chinese(tmp_path):
    world = make_world()
    service = world.owner_request.category.code
    admin = world.admin.username
    good = _file(
        tmp_path,
        "capacities.csv",
        CAPACITY_HEADER
        + f"2031-03,{world.home.code},{service},12,2400.00,government\n"
        + f"2031-04,{world.home.code},{service},7,1400,market\n",
    )
    out, _err = command_in("zh-hans", "import_capacities", good, "--user", admin)
    assert out == (
        "已导入 capacities.csv：新建 2 行供给能力，更改 0 行，月份：2031-03、2031-04。\n"
    )
    out, _err = command_in("en", "import_capacities", good, "--user", admin)
    assert out == (
        "Imported capacities.csv: 0 capacity row(s) created, 0 changed, for 2031-03, 2031-04.\n"
    )
    bad = _file(
        tmp_path, "bad.csv", CAPACITY_HEADER + f"2031-13,{world.home.code},{service},1,1,army\n"
    )
    message, err = refusal_in("zh-hans", "import_capacities", bad, "--user", admin)
    assert message == "bad.csv 中有 2 处问题；未写入任何数据。"
    assert [line.split("：")[0] for line in err.splitlines()] == [
        "第 2 行，month 列",
        "第 2 行，provider 列",
    ]
    # The columns and the provider codes are the file's own words.
    codes = {"month", "provider", "YYYY-MM", "government", "market", "social_organisation"}
    assert not english_words(err, allowed=codes), err
    not_utf8 = _file(tmp_path, "latin.csv", CAPACITY_HEADER.encode() + "é\n".encode("latin-1"))
    assert refusal_in("zh-hans", "import_capacities", not_utf8, "--user", admin)[0] == (
        "latin.csv 不是 UTF-8 文本。"
    )
    worker = WorkerFactory(communities=[world.home]).username
    assert refusal_in("zh-hans", "import_capacities", good, "--user", worker)[0] == (
        "只有管理员可以导入供给能力。"
    )
