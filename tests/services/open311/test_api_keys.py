"""Open311 API keys: stored hashed, issued from the admin pages and by ``open311_key``."""

from __future__ import annotations

import hashlib
import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from residents.models import User
from services.models import Open311ApiKey
from services.open311 import actions
from services.open311.queries import active_api_key
from tests.services.open311.factories import UserFactory

NEW_KEY = re.compile(r'<code class="open311-new-key">([^<]+)</code>')


def raw_row(api_key: Open311ApiKey) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM services_open311apikey WHERE id = %s", [api_key.pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_issued_key_is_stored_only_as_its_sha256(worker_key):
    api_key, key = worker_key.api_key, worker_key.key
    assert len(key) >= 40
    assert api_key.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert api_key.prefix == key[:8]
    assert key not in raw_row(api_key)
    assert active_api_key(key) == api_key


def test_residents_are_not_issued_keys(db):
    resident = UserFactory(role=User.Role.RESIDENT)
    with pytest.raises(ValidationError) as caught:
        actions.open311_api_key_issue(owner=resident)
    assert "owner" in caught.value.message_dict
    assert not Open311ApiKey.objects.exists()


def test_replacing_a_key_deactivates_the_old_one(worker_key):
    replacement = actions.open311_api_key_replace(api_key=worker_key.api_key)
    worker_key.api_key.refresh_from_db()
    assert not worker_key.api_key.active
    assert replacement.api_key.active and replacement.key != worker_key.key
    assert replacement.api_key.organisation == "Synthetic Volunteers"
    assert replacement.api_key.default_community == worker_key.api_key.default_community


def test_command_prints_the_key_on_its_last_line(worker, communities):
    out = StringIO()
    call_command(
        "open311_key",
        "--user",
        "synthetic-worker",
        "--organisation",
        "Synthetic Helpers",
        "--community",
        "SYN-S",
        stdout=out,
    )
    lines = out.getvalue().strip().splitlines()
    key = lines[-1]
    api_key = active_api_key(key)
    assert api_key.owner == worker
    assert api_key.organisation == "Synthetic Helpers"
    assert api_key.default_community == communities["south"]
    assert api_key.prefix in lines[0] and key not in lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "No user named 'nobody'."),
        (["--user", "synthetic-resident"], "not to residents"),
        (["--user", "synthetic-worker", "--community", "NOPE"], "No community with code 'NOPE'."),
    ],
)
def test_command_refuses_bad_input(worker, args, message):
    UserFactory(username="synthetic-resident", role=User.Role.RESIDENT)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("open311_key", *args, stdout=StringIO())
    assert not Open311ApiKey.objects.filter(owner__username="synthetic-resident").exists()


@pytest.fixture
def admin_client_logged_in(client, db):
    superuser = User.objects.create_superuser("synthetic-root", "root@example.org", "x")
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_admin_add_form_shows_the_new_key_once(admin_client_logged_in, worker, communities):
    form = admin_client_logged_in.get("/admin/services/open311apikey/add/").content.decode()
    assert 'name="owner"' in form and 'name="key_hash"' not in form
    response = admin_client_logged_in.post(
        "/admin/services/open311apikey/add/",
        {
            "owner": worker.pk,
            "organisation": "Synthetic Admin-issued",
            "default_community": communities["north"].pk,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (key,) = NEW_KEY.findall(response.content.decode())
    api_key = active_api_key(key)
    assert api_key.organisation == "Synthetic Admin-issued"
    assert api_key.owner == worker
    assert key not in raw_row(api_key)
    # The change page never shows the key again.
    page = admin_client_logged_in.get(f"/admin/services/open311apikey/{api_key.pk}/change/")
    assert page.status_code == 200
    assert key not in page.content.decode() and api_key.prefix in page.content.decode()


def test_admin_add_form_refuses_a_resident_owner(admin_client_logged_in, db):
    resident = UserFactory(role=User.Role.RESIDENT)
    response = admin_client_logged_in.post(
        "/admin/services/open311apikey/add/", {"owner": resident.pk, "organisation": "X"}
    )
    assert response.status_code == 200
    assert "not to residents" in response.content.decode()
    assert not Open311ApiKey.objects.exists()


def test_admin_actions_replace_and_deactivate(admin_client_logged_in, worker_key, admin_key):
    response = admin_client_logged_in.post(
        "/admin/services/open311apikey/",
        {"action": "replace_keys", "_selected_action": [worker_key.api_key.pk]},
    )
    assert response.status_code == 200
    (new_key,) = NEW_KEY.findall(response.content.decode())
    assert active_api_key(new_key).owner == worker_key.api_key.owner
    worker_key.api_key.refresh_from_db()
    assert not worker_key.api_key.active

    response = admin_client_logged_in.post(
        "/admin/services/open311apikey/",
        {"action": "deactivate_keys", "_selected_action": [admin_key.api_key.pk]},
    )
    assert response.status_code == 302
    admin_key.api_key.refresh_from_db()
    assert not admin_key.api_key.active


def test_the_key_pages_name_the_owner_as_every_page_does(
    admin_client_logged_in, worker, worker_key, admin_key
):
    """The owner by ``User.display_name`` (the full name), as elsewhere; the user name still
    finds the key, and so does the name shown."""
    worker.first_name, worker.last_name = "Li", "Wei"
    worker.save(update_fields=["first_name", "last_name"])
    owner_cells = re.compile(r'<td class="field-owner_name">([^<]*)</td>')

    listing = admin_client_logged_in.get("/admin/services/open311apikey/").content.decode()
    assert sorted(owner_cells.findall(listing)) == sorted(
        ["Li Wei", admin_key.api_key.owner.display_name]
    )
    for words in ("synthetic-worker", "Li Wei", "wei"):
        found = admin_client_logged_in.get("/admin/services/open311apikey/", {"q": words})
        assert owner_cells.findall(found.content.decode()) == ["Li Wei"], words
    # Sorted by the name shown ("Li Wei" before the administrator's user name, "synthetic-…").
    for order, first in (("3", "Li Wei"), ("-3", admin_key.api_key.owner.display_name)):
        by_owner = admin_client_logged_in.get("/admin/services/open311apikey/", {"o": order})
        assert owner_cells.findall(by_owner.content.decode())[0] == first, order

    change = admin_client_logged_in.get(
        f"/admin/services/open311apikey/{worker_key.api_key.pk}/change/"
    ).content.decode()
    assert '<div class="readonly">Li Wei</div>' in change
    replaced = admin_client_logged_in.post(
        "/admin/services/open311apikey/",
        {"action": "replace_keys", "_selected_action": [worker_key.api_key.pk]},
    ).content.decode()
    assert "<td>Li Wei</td>" in replaced and "synthetic-worker" not in replaced


def test_the_add_forms_owner_picker_names_the_owner_as_every_page_does(
    admin_client_logged_in, worker
):
    """The owner chosen by id is named beside the box by ``User.display_name`` (the list's
    owner column), not by the user name: when the form opens with an owner and when it comes
    back refused (a community that is not there)."""
    worker.first_name, worker.last_name = "Li", "Wei"
    worker.save(update_fields=["first_name", "last_name"])
    chosen = re.compile(r'<strong><a href="/admin/residents/user/(\d+)/change/">([^<]*)</a>')

    opened = admin_client_logged_in.get(
        "/admin/services/open311apikey/add/", {"owner": worker.pk}
    ).content.decode()
    assert chosen.findall(opened) == [(str(worker.pk), "Li Wei")]
    refused = admin_client_logged_in.post(
        "/admin/services/open311apikey/add/",
        {"owner": worker.pk, "organisation": "X", "default_community": 999_999},
    )
    assert refused.status_code == 200 and not NEW_KEY.findall(refused.content.decode())
    assert chosen.findall(refused.content.decode()) == [(str(worker.pk), "Li Wei")]
    assert worker.username not in refused.content.decode()
