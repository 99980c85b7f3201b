import pytest
from django.db import connection

from residents import pii
from residents.models import City, Community, Region, Resident

# A syntactically valid resident ID (checksum correct) made up for tests; not a real person.
NATIONAL_ID = "11010519491231002X"


@pytest.fixture
def community(db):
    # Regions and cities are reference data loaded by a migration.
    city = City.objects.get(adcode="110000")
    assert city.region == Region.objects.get(code="north")
    return Community.objects.create(
        city=city, code="C1", name="Test", kind="urban", population=1000, households=400
    )


def test_national_id_checksum_of_fixture_is_valid():
    assert pii.validate_national_id(NATIONAL_ID) == NATIONAL_ID


def test_identifiers_are_not_stored_in_clear(community):
    resident = Resident.objects.create(
        community=community,
        name="张三",
        phone="13812345678",
        national_id=NATIONAL_ID,
        birth_year=1949,
        gender="male",
        employment_status="retired",
        income_band="low",
        education="primary",
        hukou_type="local_urban",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone, national_id, national_id_hash FROM residents_resident WHERE id = %s",
            [resident.pk],
        )
        raw_name, raw_phone, raw_id, raw_hash = cursor.fetchone()
    for raw in (raw_name, raw_phone, raw_id, raw_hash):
        assert NATIONAL_ID not in raw and "13812345678" not in raw and "张三" not in raw
    reloaded = Resident.objects.get(pk=resident.pk)
    assert reloaded.national_id == NATIONAL_ID
    assert reloaded.masked_national_id == "110***********002X"
    assert reloaded.masked_phone == "138****5678"
    assert reloaded.masked_name == "张*"
    assert Resident.objects.get(national_id_hash=pii.lookup_hash(NATIONAL_ID)) == resident


def _raw_identifier_columns(resident_pk: int) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone, national_id, phone_hash, national_id_hash "
            "FROM residents_resident WHERE id = %s",
            [resident_pk],
        )
        return cursor.fetchone()


def test_profiles_made_through_the_api_are_encrypted_too(community):
    from tests.factories import WorkerFactory, api_client

    worker = WorkerFactory(communities=[community])
    response = api_client(worker).post(
        "/api/v1/residents/",
        {
            "community": community.pk,
            "name": "张三",
            "phone": "138 1234 5678",
            "national_id": NATIONAL_ID.lower(),
        },
        format="json",
    )
    assert response.status_code == 201
    for raw in _raw_identifier_columns(response.json()["id"]):
        assert NATIONAL_ID not in raw and NATIONAL_ID.lower() not in raw
        assert "13812345678" not in raw and "张三" not in raw


def test_the_lookup_hash_is_keyed(community, settings):
    """Without the key, hashing every possible phone number finds nobody."""
    import hashlib

    plain = hashlib.sha256(b"13812345678").hexdigest()
    assert pii.lookup_hash("13812345678") != plain
    keyed = pii.lookup_hash("13812345678")
    settings.FIELD_LOOKUP_HASH_KEY = "another-synthetic-key"
    assert pii.lookup_hash("13812345678") != keyed


def test_erasure_leaves_no_ciphertext_behind(community):
    from residents.actions import resident_erase
    from tests.factories import AdministratorFactory, ResidentFactory

    resident = ResidentFactory(community=community, national_id=NATIONAL_ID)
    resident_erase(user=AdministratorFactory(), resident=resident)
    assert _raw_identifier_columns(resident.pk) == ("", "", "", "", "")


def test_identifiers_survive_a_key_rotation(community, settings):
    from cryptography.fernet import Fernet

    from tests.factories import ResidentFactory

    resident = ResidentFactory(community=community, national_id=NATIONAL_ID)
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    assert Resident.objects.get(pk=resident.pk).national_id == NATIONAL_ID
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError, match="cannot be decrypted") as caught:
        Resident.objects.get(pk=resident.pk)
    assert NATIONAL_ID not in str(caught.value)
