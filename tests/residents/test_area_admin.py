"""What administrators with an area may do: manage accounts inside it, decide plans wholly
inside it; and the migration path from the schema without areas."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from analytics import actions as analytics_actions
from analytics import queries as analytics_queries
from core.errors import ActionNotAllowed
from residents import actions, queries
from residents.models import Area, Community, User
from services.models import SupplyCapacity
from tests.analytics import run_data
from tests.factories import (
    AdministratorFactory,
    CityFactory,
    CommunityFactory,
    ResidentFactory,
    UserFactory,
    WorkerFactory,
    area_node,
)

pytestmark = pytest.mark.django_db


def _admin(code: str | None, **fields) -> User:
    return AdministratorFactory(area=area_node(code) if code else None, **fields)


# Accounts -----------------------------------------------------------------------------------


def test_an_area_administrator_gives_areas_only_inside_their_own():
    nanjing = _admin("320100")
    deputy = UserFactory(role=User.Role.ADMIN, area=area_node("320102"))
    deputy.area = area_node("320104")
    assert actions.account_save(user=nanjing, account=deputy).area.code == "320104"
    deputy.area = area_node("330200")  # Ningbo: outside
    with pytest.raises(ValidationError) as refused:
        actions.account_save(user=nanjing, account=deputy)
    assert "area" in refused.value.message_dict
    deputy.area = None  # nationwide: wider than their own
    with pytest.raises(ValidationError):
        actions.account_save(user=nanjing, account=deputy)
    assert User.objects.get(pk=deputy.pk).area.code == "320104"


def test_an_area_administrator_manages_only_the_accounts_inside_it():
    inside = CommunityFactory()  # Nanjing's area
    ningbo = CityFactory(adcode="330200", name="宁波市", province="浙江省")
    outside = CommunityFactory(city=ningbo, area=area_node("330203"))
    nanjing = _admin("320100")
    worker_in = WorkerFactory(communities=[inside])
    worker_out = WorkerFactory(communities=[outside])
    resident_in = ResidentFactory(community=inside, with_account=True).user
    resident_out = ResidentFactory(community=outside, with_account=True).user
    zhejiang = _admin("330000")
    listed = set(queries.account_list(user=nanjing))
    assert {worker_in, resident_in, nanjing} <= listed
    assert not {worker_out, resident_out, zhejiang} & listed
    with pytest.raises(ActionNotAllowed):
        actions.account_save(user=nanjing, account=worker_out)
    with pytest.raises(ActionNotAllowed):
        actions.account_delete(user=nanjing, account=zhejiang)
    with pytest.raises(ValidationError) as refused:
        actions.account_save(user=nanjing, account=worker_in, communities=[inside, outside])
    assert "communities" in refused.value.message_dict
    assert set(worker_in.communities.all()) == {inside}
    actions.account_save(user=nanjing, account=worker_in, communities=[inside])
    superuser = UserFactory(is_superuser=True)
    with pytest.raises(ActionNotAllowed):
        actions.account_password_set(user=nanjing, account=superuser, password=None)
    # A nationwide administrator manages everyone.
    assert set(queries.account_list(user=_admin(None))) >= {worker_out, resident_out, zhejiang}


def test_only_administrators_have_an_area():
    worker = WorkerFactory()
    worker.area = area_node("320100")
    with pytest.raises(ValidationError):
        actions.account_save(user=_admin(None), account=worker)


def test_refusals_are_worded_in_both_languages():
    nanjing = _admin("320100")
    deputy = UserFactory(role=User.Role.ADMIN, area=area_node("330200"))
    with translation.override("zh-hans"), pytest.raises(ActionNotAllowed) as refused:
        actions.account_save(user=nanjing, account=deputy)
    assert "管辖的区域" in str(refused.value)
    with translation.override("en"), pytest.raises(ActionNotAllowed) as refused:
        actions.account_save(user=nanjing, account=deputy)
    assert "outside the area you administer" in str(refused.value)


def test_the_header_shows_the_administrators_area(client):
    admin = _admin("320104")
    client.force_login(admin)
    page = client.get(reverse("services:overview"), follow=True).content.decode()
    assert 'data-area="320104"' in page and "江苏省 南京市 秦淮区" in page
    client.force_login(_admin(None))
    with translation.override("zh-hans"):
        page = client.get(reverse("services:overview"), follow=True)
    assert 'data-area=""' in page.content.decode()


# Plans ----------------------------------------------------------------------------------------


@pytest.fixture
def plan_world():
    """The run world's two communities in two districts of Nanjing, and a plan over both."""
    world = run_data.run_world().world
    Community.objects.filter(pk=world.home.pk).update(area=area_node("320102"))
    Community.objects.filter(pk=world.other.pk).update(area=area_node("320104"))
    return world, run_data.allocation_run(world)


def test_a_plan_reaching_outside_the_area_cannot_be_approved(plan_world):
    _, run = plan_world
    district = _admin("320102")
    status = analytics_queries.plan_status(run=run, user=district)
    assert status.outside_area == 1 and not (status.can_approve or status.can_replace)
    with translation.override("en"), pytest.raises(analytics_actions.PlanNotApprovable) as no:
        analytics_actions.allocation_plan_approve(run_id=run.pk, user=district)
    assert "1 community outside the area you administer" in str(no.value)
    with translation.override("zh-hans"), pytest.raises(analytics_actions.PlanNotApprovable) as no:
        analytics_actions.allocation_plan_approve(run_id=run.pk, user=district)
    assert "管辖区域外的 1 个社区" in str(no.value)
    assert not SupplyCapacity.objects.filter(source=SupplyCapacity.Source.PLAN).exists()
    # The page says why instead of offering the button.
    from django.test import Client

    client = Client()
    client.force_login(district)
    page = client.get(reverse("analytics:run_detail", kwargs={"pk": run.pk})).content.decode()
    assert 'data-plan-outside-area="1"' in page and 'data-action="approve"' not in page


def test_the_allocation_page_lists_only_the_lines_of_the_area(client, plan_world):
    world, run = plan_world
    client.force_login(_admin("320102"))
    page = client.get(reverse("analytics:run_detail", kwargs={"pk": run.pk}), follow=True)
    shown = {line.community_id for line in page.context["page_obj"].object_list}
    assert shown == {world.home.pk}
    choices = set(page.context["filter_form"].fields["community"].queryset)
    assert choices == {Community.objects.get(pk=world.home.pk)}
    client.force_login(_admin(None))
    page = client.get(reverse("analytics:run_detail", kwargs={"pk": run.pk}), follow=True)
    assert {line.community_id for line in page.context["page_obj"].object_list} == {
        world.home.pk,
        world.other.pk,
    }


def test_the_citys_administrator_approves_and_the_districts_cannot_revoke(plan_world):
    _, run = plan_world
    city = _admin("320100")
    assert analytics_queries.plan_status(run=run, user=city).can_approve
    decision = analytics_actions.allocation_plan_approve(run_id=run.pk, user=city)
    assert decision.written > 0
    with pytest.raises(analytics_actions.PlanNotApprovable):
        analytics_actions.allocation_plan_revoke(run_id=run.pk, user=_admin("320104"))
    analytics_actions.allocation_plan_revoke(run_id=run.pk, user=city)


# The migration path -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrating_from_the_schema_without_areas_keeps_every_row_and_attaches_communities():
    executor = MigrationExecutor(connection)
    executor.migrate([("residents", "0006_current_district_names")])
    old = executor.loader.project_state([("residents", "0006_current_district_names")]).apps
    Region = old.get_model("residents", "Region")
    City = old.get_model("residents", "City")
    OldCommunity = old.get_model("residents", "Community")
    OldUser = old.get_model("residents", "User")
    region, _ = Region.objects.get_or_create(code="southwest", defaults={"name": "Southwest"})
    chengdu, _ = City.objects.get_or_create(
        adcode="510100", defaults={"name": "成都市", "province": "四川省", "region": region}
    )
    laiwu, _ = City.objects.get_or_create(
        adcode="371200", defaults={"name": "莱芜市", "province": "山东省", "region": region}
    )
    rows = {
        "M-1": (chengdu, "武侯区"),  # a district of the city
        "M-2": (chengdu, ""),  # no district: the city
        "M-3": (chengdu, "不存在区"),  # an unknown name: the city
        "M-4": (laiwu, "莱城区"),  # a city merged away in 2019: its province
    }
    for code, (city, district) in rows.items():
        OldCommunity.objects.create(
            city=city,
            code=code,
            name=f"Synthetic {code}",
            district=district,
            kind="urban",
            population=100,
            households=30,
        )
    OldUser.objects.create(username="synthetic-old-admin", role="admin")
    before = sorted(
        OldCommunity.objects.values_list("code", "name", "district", "city__adcode", "population")
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    after = sorted(
        Community.objects.values_list("code", "name", "district", "city__adcode", "population")
    )
    assert after == before
    areas = dict(Community.objects.values_list("code", "area__code"))
    assert areas == {"M-1": "510107", "M-2": "510100", "M-3": "510100", "M-4": "370000"}
    admin = User.objects.get(username="synthetic-old-admin")
    assert admin.area is None and queries.administered_area(admin) is None  # still nationwide
    assert Area.objects.filter(level=Area.Level.DISTRICT).count() == 2846


def test_the_data_migration_is_reversible(db):
    migration = importlib.import_module("residents.migrations.0008_areas_load_and_attach")
    community = CommunityFactory()
    assert community.area is not None
    migration.backwards(apps, None)
    community.refresh_from_db()
    assert community.area is None and not Area.objects.exists()
    migration.forwards(apps, None)
    community.refresh_from_db()
    assert community.area.code == "320100"  # Nanjing, its district name being made up
