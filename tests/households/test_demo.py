from collections import Counter

import pytest

from households.demo import seed_demo
from households.models import DigitalAddress, Household, Resident
from households.validators import validate_id_number
from villages.models import VillageAsset

# Vietnamese family names (hand-written; the demo draws from Faker's vi_VN list).
FAMILY_NAMES = {
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Mai",
    "Đinh",
    "Trịnh",
    "Đoàn",
    "Lâm",
    "Phùng",
    "Cao",
    "Tô",
    "Hà",
    "Tạ",
    "Chu",
    "Lưu",
    "Thái",
    "Kiều",
    "Vương",
    "Triệu",
    "Quách",
    "Văn",
    "Đào",
    "Lương",
    "Hứa",
    "Giang",
    "La",
    "Tăng",
    "Thân",
    "Châu",
    "Lạc",
    "Âu",
}


@pytest.mark.django_db
def test_demo_is_realistic_deterministic_and_idempotent(commune_a):
    from tests.factories import VillageFactory

    for n in range(1, 11):
        VillageFactory(commune=commune_a, number=n)
    seed_demo(commune_a, password="x")
    counts = (
        Household.objects.count(),
        Resident.objects.count(),
        DigitalAddress.objects.count(),
        VillageAsset.objects.count(),
    )
    assert 1900 <= counts[0] <= 2100 and counts[1] > 5000
    first = list(Resident.objects.order_by("pk").values_list("full_name", "id_number_masked")[:5])
    seed_demo(commune_a, password="x")
    assert counts == (
        Household.objects.count(),
        Resident.objects.count(),
        DigitalAddress.objects.count(),
        VillageAsset.objects.count(),
    )
    for r in Resident.objects.exclude(id_number_encrypted="").order_by("?")[:300]:
        validate_id_number(r.get_id_number(), birth_date=r.birth_date, sex=r.sex)
    share_022 = Resident.objects.filter(id_number_masked__startswith="022").count() / counts[1]
    assert share_022 > 0.75
    # Every household has exactly one head.
    assert Resident.objects.filter(relation="head").count() == counts[0]
    # Villages differ (criteria and dashboards must differ).
    v4 = VillageAsset.objects.filter(village__number=4, kind="wifi").count()
    v1 = VillageAsset.objects.filter(village__number=1, kind="wifi").count()
    assert (v1, v4) == (1, 0)
    assert (
        VillageAsset.objects.filter(kind="camera", owner="commune", village__number=1).count() == 3
    )
    # Re-seeding changed nothing: the same people under the same names.
    assert first == list(
        Resident.objects.order_by("pk").values_list("full_name", "id_number_masked")[:5]
    )
    # Vietnamese names: family name (a real one), middle name, given name; "Thị" is a woman's
    # middle name, never a man's.
    people = list(Resident.objects.values_list("full_name", "sex"))
    assert all(len(name.split()) == 3 for name, _ in people)
    families = Counter(name.split()[0] for name, _ in people)
    assert set(families) <= FAMILY_NAMES, set(families) - FAMILY_NAMES
    assert len(families) >= 10
    men_thi = sum(1 for name, sex in people if sex == "M" and name.split()[1] == "Thị")
    women = [name for name, sex in people if sex == "F"]
    women_thi = sum(1 for name in women if name.split()[1] == "Thị")
    assert men_thi == 0 and women_thi > 0.2 * len(women)
