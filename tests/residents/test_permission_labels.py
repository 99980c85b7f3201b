"""Permissions are stored with English names ("Can add request"); the admin's permission
pickers name them in the reader's language, and in English as Django does."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from residents.privileges import permission_label
from tests.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


def test_every_permission_reads_chinese_in_chinese_and_as_stored_in_english():
    permissions = list(Permission.objects.select_related("content_type"))
    assert len(permissions) > 40
    with translation.override("en"):
        assert [permission_label(p) for p in permissions] == [str(p) for p in permissions]
    with translation.override("zh-hans"):
        names = [permission_label(p).rsplit(" | ", 1)[-1] for p in permissions]
    english = [name for name in names if "Can " in name or not re.search(r"[\u4e00-\u9fff]", name)]
    assert english == []


@pytest.mark.parametrize(
    "page", ["/zh-hans/admin/auth/group/add/", "/zh-hans/admin/residents/user/add/"]
)
def test_the_admins_permission_pickers_name_them_in_chinese(client, page):
    client.force_login(
        AdministratorFactory(is_superuser=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    if page.endswith("/user/add/"):
        # The permissions are given on a login's page after it is added.
        from residents.models import User

        page = f"/zh-hans/admin/residents/user/{User.objects.get().pk}/change/"
    html = client.get(page).content.decode()
    options = re.findall(r'<option value="\d+"[^>]*>([^<]*\|[^<]*)</option>', html)
    assert options
    assert [o for o in options if "Can " in o] == []
    assert any(o.endswith("可添加服务诉求") for o in options), options[:5]
