"""Nobody gives privileges they do not hold (a second probe, December 2026).

An administrator of one city, given the admin site with the permissions to manage the
accounts of their area, could give themself, or a worker of their area whose password they
then set, every permission of the site: the admin's form saved user permissions and groups
past ``residents.actions.account_save``. ``residents.privileges`` is the rule now, checked by
the actions every channel writes through.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ActionNotAllowed
from residents import actions, privileges
from residents.models import User
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    WorkerFactory,
    area_node,
)

pytestmark = pytest.mark.django_db

# What an operator gives an administrator of a city to manage the accounts of their area.
ACCOUNT_MANAGEMENT = ("view_user", "change_user", "add_user")


def _permissions(*codenames: str) -> list[Permission]:
    return list(Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def nanjing_admin() -> User:
    admin = AdministratorFactory(area=area_node("320100"), is_staff=True)
    admin.user_permissions.set(_permissions(*ACCOUNT_MANAGEMENT))
    return User.objects.get(pk=admin.pk)


@pytest.fixture
def nanjing_worker() -> User:
    return WorkerFactory(communities=[CommunityFactory()])


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _change_form_data(client: Client, account: User, **changes) -> dict:
    """The admin's change form for ``account`` as the page fills it, with ``changes``."""
    page = client.get(f"/admin/residents/user/{account.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name == "password":
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif hasattr(value, "__iter__") and not isinstance(value, str):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif hasattr(value, "strftime"):
            data[f"{name}_0"] = value.strftime("%Y-%m-%d")
            data[f"{name}_1"] = value.strftime("%H:%M:%S")
        else:
            data[name] = getattr(value, "pk", value)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def _granted(account: User) -> set[str]:
    return {
        p.codename for p in privileges.grantable_permissions(user=User.objects.get(pk=account.pk))
    }


def test_an_area_administrator_cannot_give_themself_permissions_on_the_admin_site(nanjing_admin):
    client = _client(nanjing_admin)
    every = [p.pk for p in Permission.objects.all()]
    data = _change_form_data(client, nanjing_admin, user_permissions=every)
    client.post(f"/admin/residents/user/{nanjing_admin.pk}/change/", data)
    assert _granted(nanjing_admin) == set(ACCOUNT_MANAGEMENT)


def test_an_area_administrator_cannot_give_a_worker_more_than_they_hold(
    nanjing_admin, nanjing_worker
):
    client = _client(nanjing_admin)
    url = f"/admin/residents/user/{nanjing_worker.pk}/change/"
    beyond = _permissions("delete_servicerequest", "change_community")
    client.post(
        url, _change_form_data(client, nanjing_worker, user_permissions=[p.pk for p in beyond])
    )
    assert not User.objects.get(pk=nanjing_worker.pk).user_permissions.exists()

    # A group giving what they lack is refused too, superuser status is neither offered nor
    # taken, and staff status is theirs to give.
    group = Group.objects.create(name="Everything")
    group.permissions.set(Permission.objects.all())
    client.post(url, _change_form_data(client, nanjing_worker, groups=[group.pk]))
    assert not User.objects.get(pk=nanjing_worker.pk).groups.exists()
    page = client.get(url)
    assert "is_superuser" not in page.context["adminform"].form.fields
    client.post(url, _change_form_data(client, nanjing_worker, is_superuser="on", is_staff="on"))
    worker = User.objects.get(pk=nanjing_worker.pk)
    assert worker.is_staff and not worker.is_superuser

    # What they hold themselves they may give.
    held = _permissions("view_user")
    client.post(url, _change_form_data(client, worker, user_permissions=[held[0].pk]))
    assert _granted(worker) == {"view_user"}


def test_the_actions_refuse_every_grant_beyond_the_granter(nanjing_admin, nanjing_worker):
    with pytest.raises(ValidationError) as refused:
        actions.account_save(
            user=nanjing_admin,
            account=nanjing_worker,
            permissions=_permissions("delete_servicerequest"),
        )
    assert "user_permissions" in refused.value.message_dict
    nanjing_worker.is_superuser = True
    with pytest.raises(ValidationError) as refused:
        actions.account_save(user=nanjing_admin, account=nanjing_worker)
    assert "is_superuser" in refused.value.message_dict
    # A nationwide administrator who is not a superuser does not make one either, not even
    # themself.
    nationwide = AdministratorFactory(is_staff=True)
    nationwide.is_superuser = True
    with pytest.raises(ValidationError):
        actions.account_save(user=nationwide, account=nationwide)
    assert not User.objects.filter(is_superuser=True).exists()


def test_an_account_holding_more_cannot_be_taken_over(nanjing_admin, nanjing_worker):
    """Setting the password of an account with permissions the administrator lacks would
    let them sign in as it: refused, as changing or deleting it."""
    nanjing_worker.user_permissions.set(_permissions("delete_servicerequest"))
    with pytest.raises(ActionNotAllowed):
        actions.account_password_set(
            user=nanjing_admin, account=nanjing_worker, password="a-long-new-pass-2026"
        )
    with pytest.raises(ActionNotAllowed):
        actions.account_save(user=nanjing_admin, account=nanjing_worker)
    with pytest.raises(ActionNotAllowed):
        actions.account_delete(user=nanjing_admin, account=nanjing_worker)
    page = _client(nanjing_admin).post(
        f"/admin/residents/user/{nanjing_worker.pk}/password/",
        {"password1": "a-long-new-pass-2026", "password2": "a-long-new-pass-2026"},
    )
    assert page.status_code == 403
    assert User.objects.get(pk=nanjing_worker.pk).check_password("a-long-new-pass-2026") is False


def test_a_group_gets_only_permissions_its_editor_holds():
    nationwide = AdministratorFactory(is_staff=True)
    nationwide.user_permissions.set(_permissions("view_group", "change_group", "view_user"))
    group = Group.objects.create(name="Clerks")
    with pytest.raises(ValidationError):
        actions.permission_group_save(
            user=nationwide, group=group, permissions=_permissions("change_user")
        )
    actions.permission_group_save(
        user=nationwide, group=group, permissions=_permissions("view_user")
    )
    assert {p.codename for p in group.permissions.all()} == {"view_user"}
    area_admin = AdministratorFactory(area=area_node("320100"), is_staff=True)
    with pytest.raises(ActionNotAllowed):
        actions.permission_group_save(user=area_admin, group=group, permissions=[])


POOL = ("view_user", "change_user", "add_user", "delete_user", "view_resident", "change_resident")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    held=st.sets(st.sampled_from(POOL)),
    before=st.sets(st.sampled_from(POOL)),
    wanted=st.sets(st.sampled_from(POOL)),
    staff=st.booleans(),
    superuser=st.booleans(),
)
def test_no_save_ever_leaves_an_account_holding_more_than_its_granter(
    held, before, wanted, staff, superuser
):
    """Whatever an administrator of an area holds and asks for, an account they change ends
    holding nothing they do not hold, and a refusal writes nothing."""
    admin = AdministratorFactory(area=area_node("320100"), is_staff=True)
    admin.user_permissions.set(_permissions(*held))
    worker = WorkerFactory(communities=[CommunityFactory()], is_staff=False)
    worker.user_permissions.set(_permissions(*before))
    worker = User.objects.get(pk=worker.pk)
    worker.is_staff, worker.is_superuser = staff, superuser
    try:
        actions.account_save(user=admin, account=worker, permissions=_permissions(*wanted))
    except (ValidationError, ActionNotAllowed):
        allowed = False
    else:
        allowed = True
    assert allowed == (before <= held and wanted <= held and not superuser)
    stored = User.objects.get(pk=worker.pk)
    codenames = {p.codename for p in stored.user_permissions.all()}
    assert codenames == (wanted if allowed else before)
    assert not stored.is_superuser
    if allowed:
        assert codenames <= held
