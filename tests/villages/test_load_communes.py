from django.core.management import call_command

from villages.models import Commune


def test_load_communes_is_idempotent_and_finds_quang_tan(db):
    call_command("load_communes", "--province", "22")
    first = Commune.objects.count()
    call_command("load_communes", "--province", "22")
    assert Commune.objects.count() == first > 0
    quang_tan = Commune.objects.get(code="06913")
    assert quang_tan.name == "Xã Quảng Tân"
    assert quang_tan.province_code == "22"
    assert "Quảng Ninh" in quang_tan.province_name
    assert all(len(code) == 5 for code in Commune.objects.values_list("code", flat=True))


def test_load_all_communes_gives_the_2025_list(db):
    call_command("load_communes")
    assert Commune.objects.count() == 3321
    assert Commune.objects.values("province_code").distinct().count() == 34
    # A re-run changes nothing.
    call_command("load_communes")
    assert Commune.objects.count() == 3321


def test_renamed_commune_is_updated_not_duplicated(db):
    call_command("load_communes", "--province", "22")
    Commune.objects.filter(code="06913").update(name="Old name")
    call_command("load_communes", "--province", "22")
    assert Commune.objects.get(code="06913").name == "Xã Quảng Tân"
    assert Commune.objects.filter(code="06913").count() == 1
