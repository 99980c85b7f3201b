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
