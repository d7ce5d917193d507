"""Demo households for the 10 villages of Quảng Tân: ~2,000 households, ~7,000 residents,
digital addresses and village assets. Deterministic (seeded), idempotent (a village that has
households or assets is left alone), fast (bulk_create, one Fernet key). bulk_create writes no
history rows: acceptable for demo data."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from faker import Faker

from villages.models import VillageAsset

from .models import DigitalAddress, Household, Resident
from .validators import PROVINCE_CODES, id_digit_for

SEED = 20220915
TODAY = dt.date(2026, 1, 1)
# Per village number: households, VNeID level 2 among adults, e-payment, smartphone,
# digital address, fibre. Varying so dashboards and criteria differ between villages.
PROFILES = {
    1: (260, 0.85, 0.90, 0.92, 1.00, 0.98),  # Tân Thanh, the 2022 report's model village
    2: (180, 0.78, 0.80, 0.85, 0.95, 0.92),
    3: (220, 0.72, 0.70, 0.82, 0.90, 0.88),
    4: (150, 0.62, 0.58, 0.70, 0.72, 0.70),
    5: (240, 0.80, 0.86, 0.88, 0.97, 0.95),
    6: (170, 0.66, 0.60, 0.74, 0.80, 0.78),
    7: (200, 0.75, 0.75, 0.80, 0.88, 0.90),
    8: (190, 0.70, 0.68, 0.78, 0.85, 0.84),
    9: (210, 0.60, 0.55, 0.68, 0.70, 0.72),
    10: (180, 0.82, 0.84, 0.86, 1.00, 0.96),  # Tân Đức: every household has an address
}
CENTER = (Decimal("21.355000"), Decimal("107.595000"))  # Quảng Tân, Đầm Hà (approx.)
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh", "Ngọc", "Mạnh"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Phương", "Kim"]
OTHER_PROVINCES = [c for c in PROVINCE_CODES if c != "022"]


class _People:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.faker = Faker("vi_VN")
        self.faker.seed_instance(rng.randrange(1 << 30))
        self.first_m = [self.faker.first_name_male() for _ in range(300)]
        self.first_f = [self.faker.first_name_female() for _ in range(300)]
        self.last = [self.faker.last_name() for _ in range(300)]
        self.ids: set[str] = set()

    def name(self, sex: str, family: str | None = None) -> str:
        rng = self.rng
        middle = rng.choice(MIDDLE_M if sex == "M" else MIDDLE_F)
        first = rng.choice(self.first_m if sex == "M" else self.first_f)
        return f"{family or rng.choice(self.last)} {middle} {first.split()[-1]}"

    def id_number(self, birth: dt.date, sex: str) -> str:
        rng = self.rng
        province = "022" if rng.random() < 0.88 else rng.choice(OTHER_PROVINCES)
        while True:
            number = (
                f"{province}{id_digit_for(birth.year, sex)}{birth.year % 100:02d}"
                f"{rng.randrange(10**6):06d}"
            )
            if number not in self.ids:
                self.ids.add(number)
                return number


def _birth(rng: random.Random, age: int) -> dt.date:
    return TODAY - dt.timedelta(days=age * 365 + rng.randrange(365))


def _resident(people: _People, rng, profile, *, sex, age, relation, family=None) -> Resident:
    _n, l2, epay, phone_rate, _addr, _fibre = profile
    birth = _birth(rng, age)
    r = Resident(
        full_name=people.name(sex, family),
        birth_date=birth,
        sex=sex,
        relation=relation,
        status=rng.choices(["present", "moved", "deceased"], [95, 4, 1])[0]
        if relation != "head"
        else "present",
    )
    adult = age >= 18
    if rng.random() < 0.96:
        r.set_id_number(people.id_number(birth, sex))
    if age >= 14:
        level_roll = rng.random()
        share_l2 = l2 if adult else l2 * 0.6
        r.vneid_level = 2 if level_roll < share_l2 else (1 if level_roll < share_l2 + 0.1 else 0)
        r.has_smartphone = rng.random() < (phone_rate if age < 70 else phone_rate * 0.5)
    if adult:
        r.has_epayment = rng.random() < epay
        r.phone = f"09{rng.randrange(10**8):08d}" if r.has_smartphone else ""
    if r.vneid_level == 2:
        r.doc_health_insurance = rng.random() < 0.85
        r.doc_driving_licence = rng.random() < 0.35
        r.doc_vehicle_registration = rng.random() < 0.25
        r.uses_online_services = rng.random() < 0.6
    return r


def _household_members(people, rng, profile) -> list[Resident]:
    head_sex = "M" if rng.random() < 0.8 else "F"
    head_age = rng.randint(26, 82)
    head = _resident(people, rng, profile, sex=head_sex, age=head_age, relation="head")
    family = head.full_name.split()[0] if head_sex == "M" else None
    members = [head]
    if head_age < 78 and rng.random() < 0.82:
        members.append(
            _resident(
                people,
                rng,
                profile,
                sex="F" if head_sex == "M" else "M",
                age=max(18, head_age + rng.randint(-6, 4)),
                relation="spouse",
                family=None if head_sex == "M" else None,
            )
        )
    for _ in range(rng.choices([0, 1, 2, 3, 4], [10, 25, 38, 20, 7])[0]):
        child_age = head_age - rng.randint(20, 38)
        if child_age < 0:
            continue
        sex = rng.choice("MF")
        members.append(
            _resident(
                people,
                rng,
                profile,
                sex=sex,
                age=child_age,
                relation="child",
                family=family or (head.full_name.split()[0] if rng.random() < 0.2 else None),
            )
        )
    if head_age < 55 and rng.random() < 0.2:
        members.append(
            _resident(
                people,
                rng,
                profile,
                sex=rng.choice("MF"),
                age=min(100, head_age + rng.randint(22, 32)),
                relation="parent",
            )
        )
    return members


def seed_demo(commune, *, password: str, stdout=None) -> None:
    rng = random.Random(SEED)
    people = _People(rng)
    villages = list(commune.villages.order_by("number"))
    created_h = created_r = 0
    for village in villages:
        profile = PROFILES.get(village.number, PROFILES[7])
        # The same random stream per village whatever was seeded before: deterministic.
        vrng = random.Random(SEED * 100 + village.number)
        people.rng = vrng
        if not Household.objects.filter(village=village).exists():
            n, _l2, _epay, _phone, addr_rate, fibre_rate = profile
            households, members = [], []
            for i in range(1, n + 1):
                households.append(
                    Household(
                        village=village,
                        number=str(i),
                        house_no=str(vrng.randint(1, 250)),
                        lane=f"Xóm {vrng.randint(1, 6)}",
                        phone=f"0{vrng.choice('3789')}{vrng.randrange(10**8):08d}",
                        has_fibre=vrng.random() < fibre_rate,
                        has_4g=vrng.random() < 0.97,
                    )
                )
                members.append(_household_members(people, vrng, profile))
            Household.objects.bulk_create(households, batch_size=500)
            residents, addresses = [], []
            lat0 = CENTER[0] + Decimal(village.number % 5) * Decimal("0.006")
            lon0 = CENTER[1] + Decimal(village.number // 5) * Decimal("0.008")
            for household, people_of in zip(households, members, strict=True):
                for r in people_of:
                    r.household = household
                    residents.append(r)
                if vrng.random() < addr_rate:
                    addresses.append(
                        DigitalAddress(
                            household=household,
                            location_code=f"QT{village.number:02d}{int(household.number):05d}",
                            postcode="01915",
                            latitude=lat0 + Decimal(vrng.randint(-3000, 3000)) / Decimal(10**6),
                            longitude=lon0 + Decimal(vrng.randint(-3000, 3000)) / Decimal(10**6),
                            source=vrng.choice(["police", "police", "team", "post"]),
                            collected_on=TODAY - dt.timedelta(days=vrng.randint(30, 900)),
                            plate_installed=vrng.random() < 0.6,
                        )
                    )
            Resident.objects.bulk_create(residents, batch_size=1000)
            DigitalAddress.objects.bulk_create(addresses, batch_size=1000)
            created_h += len(households)
            created_r += len(residents)
        if not VillageAsset.objects.filter(village=village).exists():
            _seed_assets(village, vrng)
    if stdout is not None:
        stdout.write(f"  households: {created_h} new, residents: {created_r} new")


def _seed_assets(village, rng: random.Random) -> None:
    n = village.number
    assets = []
    commune_cameras = 1 if n == 7 else 3  # village 07 lacks road cameras
    for i in range(1, commune_cameras + 1):
        assets.append(VillageAsset(
            village=village, kind="camera", name=f"Camera đường trục chính số {i}",
            owner="commune", connected=True, installed_on=dt.date(2022, 6, 1),
            status="broken" if (n == 6 and i == 2) else "working",
        ))  # fmt: skip
    households = list(Household.objects.filter(village=village).order_by("id"))
    for household in rng.sample(households, k=min(len(households), rng.randint(2, 6))):
        assets.append(VillageAsset(
            village=village, kind="camera", name=f"Camera hộ {household.number}",
            owner="household", owner_household=household, connected=rng.random() < 0.5,
            installed_on=dt.date(2022, 8, 1),
        ))  # fmt: skip
    if n not in (4, 9):  # two villages without wifi at the cultural house
        assets.append(VillageAsset(
            village=village, kind="wifi", name="Wifi miễn phí nhà văn hóa",
            at_cultural_house=True, installed_on=dt.date(2022, 9, 1),
        ))  # fmt: skip
    if n != 9:
        assets.append(VillageAsset(
            village=village, kind="loudspeaker", name="Loa thông minh nhà văn hóa",
            at_cultural_house=True, installed_on=dt.date(2023, 3, 1),
        ))  # fmt: skip
    if n in (1, 2, 5):
        assets.append(VillageAsset(
            village=village, kind="computer", name="Máy tính công cộng nhà văn hóa",
            at_cultural_house=True, installed_on=dt.date(2023, 5, 1),
        ))  # fmt: skip
    VillageAsset.objects.bulk_create(assets)
