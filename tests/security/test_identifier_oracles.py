"""Finding 2: every path that can confirm that an ID number is registered is metered by the
identifier allowance (lookups, profile edit, worker create, sign-up, bulk import, admin),
and answers alike once it is spent."""

from __future__ import annotations

import pandas as pd
import pytest
from django.test import Client

from core.errors import LimitReached
from residents import actions
from residents.models import Resident, User
from services import bulk
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    WorkerFactory,
    api_client,
    synthetic_national_id,
)

pytestmark = pytest.mark.django_db

TAKEN = synthetic_national_id(6001)


@pytest.fixture(autouse=True)
def _small_allowances(settings):
    settings.IDENTIFIER_LOOKUPS_PER_HOUR = 3
    settings.SELF_SERVICE_IDENTIFIER_CHECKS_PER_HOUR = 2


@pytest.fixture
def community():
    community = CommunityFactory()
    ResidentFactory(community=CommunityFactory(), national_id=TAKEN)  # someone elsewhere
    return community


def _candidates(n: int) -> list[str]:
    return [synthetic_national_id(7000 + i) for i in range(n)]


def test_a_resident_probing_ids_through_their_own_profile_is_stopped(community):
    """The report: 50 PATCHes of one's own profile in 0.8 s, each answering 'registered'."""
    resident = ResidentFactory(community=community, with_account=True)
    client = api_client(resident.user)
    url = f"/api/v1/residents/{resident.pk}/"
    # Sending the number the profile already has checks nothing and costs nothing.
    for _ in range(5):
        assert (
            client.patch(url, {"national_id": resident.national_id}, format="json").status_code
            == 200
        )
    answers = [
        client.patch(url, {"national_id": probe}, format="json").status_code
        for probe in [*_candidates(2), TAKEN]
    ]
    assert answers == [200, 200, 429]


def test_a_worker_cannot_probe_through_create_after_the_lookups_are_spent(community):
    worker = WorkerFactory(communities=[community])
    client = api_client(worker)
    for probe in _candidates(3):
        assert (
            client.post("/api/v1/residents/lookup/", {"national_id": probe}, format="json")
        ).status_code == 200
    body = {
        "community": community.pk,
        "national_id": TAKEN,
    }
    response = client.post("/api/v1/residents/", body, format="json")
    assert response.status_code == 429
    assert "registered" not in response.content.decode()
    assert "Retry-After" in response


def test_anonymous_sign_ups_with_an_id_are_metered_per_client_address(community):
    def signup(n: int, national_id: str, address: str) -> None:
        actions.resident_signup(
            username=f"probe{n}",
            password="a-long-test-passphrase-1",
            client_address=address,
            community=community,
            national_id=national_id,
        )

    for n, probe in enumerate(_candidates(2)):
        signup(n, probe, "203.0.113.9")
    with pytest.raises(LimitReached):
        signup(9, TAKEN, "203.0.113.9")
    assert not User.objects.filter(username__startswith="probe9-").exists()
    # Another address is not affected.
    signup(10, synthetic_national_id(7100), "198.51.100.1")


def test_bulk_import_meters_the_registered_numbers_it_would_name(community):
    worker = WorkerFactory(communities=[community])
    others = [ResidentFactory(community=community) for _ in range(4)]
    base = {
        "community": community.code,
    }
    rows = [{**base, "national_id": r.national_id} for r in [*others]]
    content = pd.DataFrame(rows).to_csv(index=False).encode()
    with pytest.raises(bulk.BulkImportError) as refused:
        bulk.bulk_import_residents(user=worker, file=content, filename="r.csv")
    # Four registered numbers do not fit an allowance of three: no row is named.
    assert [(p.row, p.column) for p in refused.value.problems] == [(1, "national_id")]
    assert Resident.objects.count() == 5


def test_the_admin_form_meters_a_changed_id(community):
    admin = AdministratorFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    resident = ResidentFactory(community=community)
    url = f"/admin/residents/resident/{resident.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else getattr(value, "pk", value))
        for name, value in form.initial.items()
        if name in form.fields
    }
    statuses = []
    for probe in [*_candidates(3), TAKEN]:
        response = client.post(url, {**data, "national_id": probe})
        statuses.append(
            "saved"
            if response.status_code == 302
            else "limit"
            if "this hour" in response.content.decode()
            else "other"
        )
    assert statuses == ["saved", "saved", "saved", "limit"]
