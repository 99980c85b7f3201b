"""Finding 3: an identifier has one canonical form (NFKC, then ASCII digits only) wherever it
is accepted, and the stored lookup hash is the hash of that form."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest
from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from residents import pii
from residents.models import Resident
from services import bulk
from tests.factories import (
    CommunityFactory,
    ResidentFactory,
    WorkerFactory,
    api_client,
    synthetic_national_id,
    synthetic_phone,
)

NATIONAL_ID = synthetic_national_id(5150)
PHONE = synthetic_phone(5150)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def test_full_width_digits_are_the_same_identifier():
    assert pii.validate_national_id(NATIONAL_ID.translate(FULL_WIDTH)) == NATIONAL_ID
    assert pii.validate_phone(PHONE.translate(FULL_WIDTH)) == PHONE
    assert pii.validate_national_id(NATIONAL_ID.lower()) == NATIONAL_ID


@pytest.mark.parametrize("script", [ARABIC_INDIC, DEVANAGARI])
def test_digits_of_other_scripts_are_refused(script):
    with pytest.raises(ValidationError):
        pii.validate_national_id(NATIONAL_ID.translate(script))
    with pytest.raises(ValidationError):
        pii.validate_phone(PHONE.translate(script))


@given(st.text(min_size=1, max_size=24))
def test_whatever_passes_validation_is_ascii_and_canonical(text):
    for validate, normalise in (
        (pii.validate_national_id, pii.normalise_national_id),
        (pii.validate_phone, pii.normalise_phone),
    ):
        try:
            value = validate(text)
        except ValidationError:
            continue
        assert value.isascii()
        assert normalise(value) == value


@pytest.fixture
def community(db):
    return CommunityFactory()


def _api_profile(community, **identifiers) -> dict:
    return {
        "community": community.pk,
        **identifiers,
    }


def test_a_full_width_copy_of_a_registered_id_is_refused_as_a_duplicate(community):
    ResidentFactory(community=community, national_id=NATIONAL_ID)
    worker = WorkerFactory(communities=[community])
    # As the probe: full-width body, ASCII check character.
    typed = NATIONAL_ID[:17].translate(FULL_WIDTH) + NATIONAL_ID[17]
    response = api_client(worker).post(
        "/api/v1/residents/",
        _api_profile(community, national_id=typed),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"national_id"}
    assert Resident.objects.count() == 1


def test_full_width_phone_is_stored_and_found_as_ascii(community):
    worker = WorkerFactory(communities=[community])
    client = api_client(worker)
    response = client.post(
        "/api/v1/residents/",
        _api_profile(community, phone=PHONE.translate(FULL_WIDTH)),
        format="json",
    )
    assert response.status_code == 201
    assert Resident.objects.get().phone == PHONE
    found = client.post("/api/v1/residents/lookup/", {"phone": PHONE}, format="json")
    assert [r["id"] for r in found.json()["results"]] == [response.json()["id"]]


def test_arabic_indic_phone_is_refused_by_the_api(community):
    worker = WorkerFactory(communities=[community])
    response = api_client(worker).post(
        "/api/v1/residents/",
        _api_profile(community, phone=PHONE.translate(ARABIC_INDIC)),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"phone"}


def test_bulk_import_refuses_a_full_width_copy_and_other_scripts(community):
    ResidentFactory(community=community, national_id=NATIONAL_ID)
    worker = WorkerFactory(communities=[community])
    base = {
        "community": community.code,
    }
    rows = [
        {**base, "national_id": NATIONAL_ID[:17].translate(FULL_WIDTH) + "5", "phone": ""},
        {**base, "national_id": "", "phone": PHONE.translate(ARABIC_INDIC)},
    ]
    content = pd.DataFrame(rows).to_csv(index=False).encode()
    with pytest.raises(bulk.BulkImportError) as refused:
        bulk.bulk_import_residents(user=worker, file=content, filename="r.csv")
    assert {(p.row, p.column) for p in refused.value.problems} == {
        (2, "national_id"),
        (3, "phone"),
    }


def test_migration_rewrites_old_rows_in_canonical_form_and_rehashes(community):
    """A row stored before canonical forms (full-width, hashed as typed) is rewritten."""
    old = ResidentFactory(community=community)
    typed_id, typed_phone = NATIONAL_ID.translate(FULL_WIDTH), PHONE.translate(FULL_WIDTH)
    Resident.objects.filter(pk=old.pk).update(
        national_id=typed_id,
        national_id_hash=pii.lookup_hash(typed_id),
        phone=typed_phone,
        phone_hash=pii.lookup_hash(typed_phone),
    )
    migration = importlib.import_module("residents.migrations.0004_canonical_identifiers")
    migration.canonicalise(global_apps, None)
    old.refresh_from_db()
    assert (old.national_id, old.phone) == (NATIONAL_ID, PHONE)
    assert old.national_id_hash == pii.lookup_hash(NATIONAL_ID)
    assert old.phone_hash == pii.lookup_hash(PHONE)
