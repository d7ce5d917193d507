import pytest
from django.db import IntegrityError, connection

from households import crypto
from households.models import Resident
from tests.households.factories import HouseholdFactory, ResidentFactory


def test_roundtrip_digest_and_mask():
    token = crypto.encrypt("022080123456")
    assert "022080123456" not in token
    assert crypto.decrypt(token) == "022080123456"
    assert crypto.digest("022080123456") == crypto.digest("022080123456")
    assert crypto.mask("022080123456") == "022******456"
    assert crypto.mask("101234567") == "101***567"


def test_key_rotation_keeps_old_data_readable(settings):
    settings.FIELD_ENCRYPTION_KEY = "old-passphrase"
    token, digest = crypto.encrypt("022080123456"), crypto.digest("022080123456")
    settings.FIELD_ENCRYPTION_KEY = "new-passphrase,old-passphrase"
    assert crypto.decrypt(token) == "022080123456"
    assert crypto.digest("022080123456") == digest
    settings.FIELD_ENCRYPTION_KEY = "someone-else"
    with pytest.raises(crypto.WrongKeyError):  # wrong key: fails loudly, never shows ciphertext
        crypto.decrypt(token)


@pytest.mark.django_db
def test_id_number_is_never_stored_in_clear(village_a1):
    resident = ResidentFactory(
        household=HouseholdFactory(village=village_a1), id_number="022080123456"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM households_resident WHERE id = %s", [resident.pk])
        row = cursor.fetchone()
        cursor.execute("SELECT * FROM households_historicalresident")
        history = cursor.fetchall()
    assert "022080123456" not in repr(row) and "022080123456" not in repr(history)
    resident.refresh_from_db()
    assert resident.get_id_number() == "022080123456"
    assert resident.id_number_masked == "022******456" and resident.id_number_tail == "456"


@pytest.mark.django_db
def test_uniqueness_enforced_by_database_on_the_digest(village_a1):
    ResidentFactory(household=HouseholdFactory(village=village_a1), id_number="022080123456")
    other = Resident(
        household=HouseholdFactory(village=village_a1),
        full_name="X",
        birth_date="1980-01-01",
        sex="M",
        relation="head",
    )
    other.set_id_number("022080123456")
    with pytest.raises(IntegrityError):
        other.save()
