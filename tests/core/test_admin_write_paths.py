"""The admin site writes through the owning app's actions, like every other channel."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from core.admin import ActionAdminMixin, ReadOnlyAdminMixin
from residents.models import Community, Resident
from services.models import ServiceCategory, SupplyCapacity
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    SupplyCapacityFactory,
)

PROJECT_APPS = {"core", "residents", "services", "analytics", "demo"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return AdministratorFactory(is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_every_admin_that_writes_does_so_through_actions(rf, superuser):
    request = rf.get("/")
    request.user = superuser
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        checked += 1
        writes = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        assert not writes or isinstance(model_admin, ActionAdminMixin), model.__name__
        for inline in model_admin.inlines:
            assert issubclass(inline, ReadOnlyAdminMixin), (model.__name__, inline.__name__)
    assert checked >= 10


def _recorded(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def recorder(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(module, name, recorder)
    return calls


def test_a_capacity_added_and_deleted_in_the_admin_goes_through_the_actions(
    admin_client, superuser, monkeypatch
):
    from services import actions

    created = _recorded(monkeypatch, actions, "capacity_set")
    deleted = _recorded(monkeypatch, actions, "capacity_delete")
    community = CommunityFactory()
    category = ServiceCategoryFactory()
    response = admin_client.post(
        reverse("admin:services_supplycapacity_add"),
        {
            "community": community.pk,
            "category": category.pk,
            "period": "2026-03-01",
            "provider": "government",
            "capacity": 40,
            "budget": "1000",
            "source": "manual",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = SupplyCapacity.objects.get()
    assert len(created) == 1 and row.created_by == superuser
    assert row.period == date(2026, 3, 1)
    admin_client.post(
        reverse("admin:services_supplycapacity_delete", args=[row.pk]), {"post": "yes"}
    )
    assert len(deleted) == 1 and not SupplyCapacity.objects.exists()


def test_a_bulk_delete_from_the_list_runs_the_action_on_each_row(admin_client, monkeypatch):
    from services import actions

    deleted = _recorded(monkeypatch, actions, "capacity_delete")
    rows = [SupplyCapacityFactory(), SupplyCapacityFactory()]
    admin_client.post(
        reverse("admin:services_supplycapacity_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"},
    )
    assert len(deleted) == 2 and not SupplyCapacity.objects.exists()


def test_a_profile_changed_in_the_admin_goes_through_resident_update(admin_client, monkeypatch):
    from residents import actions

    updated = _recorded(monkeypatch, actions, "resident_update")
    resident = ResidentFactory()
    response = admin_client.get(reverse("admin:residents_resident_change", args=[resident.pk]))
    form = response.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in ((n, form[n].value()) for n in form.fields)
    }
    data["preferred_channel"] = "hotline"
    response = admin_client.post(
        reverse("admin:residents_resident_change", args=[resident.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(updated) == 1 and updated[0]["preferred_channel"] == "hotline"
    assert Resident.objects.get(pk=resident.pk).preferred_channel == "hotline"


def test_profiles_are_erased_not_deleted_in_the_admin(admin_client):
    resident = ResidentFactory()
    response = admin_client.get(reverse("admin:residents_resident_delete", args=[resident.pk]))
    assert response.status_code == 403
    assert Resident.objects.filter(pk=resident.pk).exists()


def test_catalogue_and_communities_save_through_their_actions(admin_client, monkeypatch):
    from residents import actions as resident_actions
    from services import actions as service_actions

    category_saves = _recorded(monkeypatch, service_actions, "category_save")
    community_saves = _recorded(monkeypatch, resident_actions, "community_save")
    category = ServiceCategoryFactory()
    response = admin_client.get(
        reverse("admin:services_servicecategory_change", args=[category.pk])
    )
    form = response.context["adminform"].form
    data = {n: ("" if form[n].value() is None else form[n].value()) for n in form.fields}
    data["extra_fields"] = "[]"
    data["name"] = "Synthetic renamed service"
    response = admin_client.post(
        reverse("admin:services_servicecategory_change", args=[category.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(category_saves) == 1
    assert ServiceCategory.objects.get(pk=category.pk).name == "Synthetic renamed service"

    community = CommunityFactory()
    response = admin_client.get(reverse("admin:residents_community_change", args=[community.pk]))
    form = response.context["adminform"].form
    data = {n: ("" if form[n].value() is None else form[n].value()) for n in form.fields}
    data["name"] = "Synthetic renamed community"
    response = admin_client.post(
        reverse("admin:residents_community_change", args=[community.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(community_saves) == 1
    assert Community.objects.get(pk=community.pk).name == "Synthetic renamed community"


def test_a_profile_added_in_the_admin_goes_through_resident_create(
    admin_client, superuser, monkeypatch
):
    from residents import actions

    created = _recorded(monkeypatch, actions, "resident_create")
    community = CommunityFactory()
    response = admin_client.post(
        reverse("admin:residents_resident_add"),
        {
            "community": community.pk,
            "name": "合成 测试",
            "phone": "",
            "national_id": "",
            "preferred_channel": "hotline",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(created) == 1
    resident = Resident.objects.get()
    assert resident.created_by == superuser and resident.name == "合成 测试"


def test_an_action_refusing_in_the_admin_is_a_message_not_a_500(admin_client, superuser):
    from django.contrib.messages import get_messages

    from residents.models import User

    response = admin_client.post(
        reverse("admin:residents_user_delete", args=[superuser.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You cannot delete your own account."
    ]
    assert User.objects.filter(pk=superuser.pk).exists()


def test_an_erased_profile_cannot_be_changed_in_the_admin(admin_client):
    from django.contrib.messages import get_messages
    from django.utils import timezone

    resident = ResidentFactory(household_size=2)
    Resident.objects.filter(pk=resident.pk).update(erased_at=timezone.now())
    change = reverse("admin:residents_resident_change", args=[resident.pk])
    form = admin_client.get(change).context["adminform"].form
    data = {n: ("" if form[n].value() is None else form[n].value()) for n in form.fields}
    data["household_size"] = 5
    response = admin_client.post(change, data)
    assert response.status_code == 302
    assert "erased" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert Resident.objects.get(pk=resident.pk).household_size == 2
