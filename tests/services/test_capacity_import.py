"""The capacity import command: through the single write path (audited as an import), every
problem named by row and column, nothing written when any row has one."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from services.models import CapacityChange, SupplyCapacity
from tests.factories import make_world

pytestmark = pytest.mark.django_db

HEADER = "month,community,service,units,cost,provider\n"


def _import(tmp_path, text: str, user: str) -> tuple[str, str]:
    path = tmp_path / "capacities.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_capacities", str(path), "--user", user, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_is_written_through_the_write_path_and_audited(tmp_path):
    world = make_world()
    service = world.owner_request.category.code
    text = HEADER + (
        f"2031-03,{world.home.code},{service},12,2400.00,government\n"
        f"2031-03,{world.other.code},{service},5,850.5,social_organisation\n"
        f"2031-04,{world.home.code},{service},7,1400,market\n"
    )
    out, _ = _import(tmp_path, text, world.admin.username)
    assert "3 capacity row(s) created, 0 changed, for 2031-03, 2031-04" in out
    imported = SupplyCapacity.objects.filter(source=SupplyCapacity.Source.IMPORT)
    assert imported.count() == 3
    row = imported.get(community=world.other, period="2031-03-01")
    assert (row.capacity, str(row.budget), row.provider) == (5, "850.50", "social_organisation")
    audits = CapacityChange.objects.filter(reason=CapacityChange.Reason.IMPORT)
    assert audits.count() == 3 and {a.changed_by_id for a in audits} == {world.admin.pk}
    # The same file again changes nothing; a new figure changes one row.
    assert (
        "0 capacity row(s) created, 0 changed" in _import(tmp_path, text, world.admin.username)[0]
    )
    again = text.replace(",12,2400.00,", ",13,2600.00,")
    assert (
        "0 capacity row(s) created, 1 changed" in _import(tmp_path, again, world.admin.username)[0]
    )


def test_problems_name_row_and_column_and_nothing_is_written(tmp_path):
    world = make_world()
    service = world.owner_request.category.code
    before = SupplyCapacity.objects.count()
    text = HEADER + (
        f"2031-03,{world.home.code},{service},12,2400,government\n"  # good
        f"2031-13,{world.home.code},{service},12,2400,government\n"  # row 3: month
        f"2031-03,NOPE,{service},1.5,-3,army\n"  # row 4: community, units, cost, provider
        f"2031-03,{world.home.code},{service},4,800,government\n"  # row 5: duplicate of row 2
    )
    with pytest.raises(CommandError, match="nothing was written"):
        _import(tmp_path, text, world.admin.username)
    assert SupplyCapacity.objects.count() == before
    assert not CapacityChange.objects.filter(reason=CapacityChange.Reason.IMPORT).exists()

    from services.capacity_import import capacity_file_read

    problems = [(p.row, p.column) for p in capacity_file_read(text).problems]
    assert problems == [
        (3, "month"),
        (4, "community"),
        (4, "units"),
        (4, "cost"),
        (4, "provider"),
        (5, "provider"),
    ]
    messages = [str(p) for p in capacity_file_read(text).problems]
    assert messages[0].startswith("row 3, column month: Write the month as YYYY-MM")
    assert "Row 2 already gives this month, community, service and provider." in messages[-1]


def test_a_missing_column_and_a_non_administrator_are_refused(tmp_path):
    world = make_world()
    with pytest.raises(CommandError, match="nothing was written"):
        _import(tmp_path, "month,community,units,cost,provider\n", world.admin.username)
    from services.capacity_import import capacity_file_read

    assert next(str(p) for p in capacity_file_read("month,community\n").problems) == (
        "row 1, column service: This column is missing."
    )
    text = HEADER + f"2031-03,{world.home.code},{world.owner_request.category.code},1,1,market\n"
    with pytest.raises(CommandError, match="Only an administrator"):
        _import(tmp_path, text, world.worker_assigned.username)
    assert not SupplyCapacity.objects.filter(source=SupplyCapacity.Source.IMPORT).exists()


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        (
            "en",
            "Write one of: Government (government), Social organisation "
            "(social_organisation), Market (market).",
        ),
        (
            "zh-hans",
            "请填写以下之一：政府（government）、社会组织（social_organisation）、市场（market）。",
        ),
    ],
)
def test_an_unknown_provider_is_refused_naming_each_by_its_label_and_code(language, reason):
    from django.utils import translation

    from services.capacity_import import capacity_file_read

    world = make_world()
    service = world.owner_request.category.code
    text = HEADER + f"2031-03,{world.home.code},{service},12,2400,army\n"
    with translation.override(language):
        [problem] = capacity_file_read(text).problems
        assert (problem.column, problem.message) == ("provider", reason)
