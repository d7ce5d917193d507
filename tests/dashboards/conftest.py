"""Fixtures for the dashboards: a commune with distinctive residents, a team, assets, OCOP,
cashless reports and stamp scans, then a roll-up (figures are read from its snapshots)."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from criteria.services import rollup_commune
from digital_teams.models import DigitalTeam, SupportActivity, TeamMember
from households.models import DigitalAddress, Household, Resident
from households.validators import id_digit_for
from ocop.models import Producer, Product, Stamp, StampBatch, StampScan
from payments.models import CashlessReport
from villages.models import VillageAsset

TODAY = timezone.localdate()


def ensure_catalogues() -> None:
    """The shipped criteria sets come from a data migration; a transactional test (browser
    tests) flushes them, so put them back (idempotent) before rolling up."""
    from django.apps import apps

    importlib.import_module("criteria.migrations.0002_shipped_catalogues").ship(apps, None)


def id_number(serial: int, birth: dt.date, sex: str) -> str:
    return f"022{id_digit_for(birth.year, sex)}{birth.year % 100:02d}{serial:06d}"


class Seed:
    """Builds rows and remembers every piece of personal data it wrote (for absence checks)."""

    def __init__(self):
        self.names: list[str] = []
        self.id_numbers: list[str] = []
        self.masked: list[str] = []
        self.phones: list[str] = []
        self.birth_dates: list[dt.date] = []
        self.coordinates: list[str] = []
        self.serial = 100_000

    def households(self, village, count: int, *, vneid2_every: int = 2, start: int = 1):
        """`count` households of 3 residents (2 adults + 1 child), every 3rd without address."""
        for i in range(start, start + count):
            phone = f"09{village.number:02d}{i:06d}"
            household = Household.objects.create(
                village=village, number=f"{i}", lane="Xóm Đông", phone=phone, has_fibre=i % 2 == 0
            )
            self.phones.append(phone)
            people = [
                ("head", dt.date(1970 + i % 20, 3, 9), "M"),
                ("spouse", dt.date(1972 + i % 20, 11, 21), "F"),
                ("child", dt.date(TODAY.year - 8, 6, 1), "F"),
            ]
            for n, (relation, birth, sex) in enumerate(people):
                self.serial += 1
                name = f"Quách Zênh {village.number}x{i}x{n}"
                phone = f"08{village.number:02d}{i:04d}{n:02d}"
                number = id_number(self.serial, birth, sex)
                resident = Resident(
                    household=household,
                    full_name=name,
                    birth_date=birth,
                    sex=sex,
                    relation=relation,
                    phone=phone,
                    has_smartphone=relation != "child",
                    vneid_level=2 if (i + n) % vneid2_every == 0 else 1,
                    has_epayment=n == 0,
                )
                resident.set_id_number(number)
                resident.save()
                self.names.append(name)
                self.id_numbers.append(number)
                self.masked.append(resident.id_number_masked)
                self.phones.append(phone)
                self.birth_dates.append(birth)
            if i % 3:
                # A loose grid of houses (about 100 m apart), one grid per village.
                lat = Decimal("21.3") + Decimal(i % 5) * Decimal("0.0009") + Decimal("0.000017")
                lon = (Decimal("107.6") + Decimal(village.number) / Decimal(100)
                       + Decimal(i // 5) * Decimal("0.0009") + Decimal("0.000023"))  # fmt: skip
                DigitalAddress.objects.create(
                    household=household,
                    location_code=f"LC{village.code}{i:05d}",
                    latitude=lat.quantize(Decimal("0.000001")),
                    longitude=lon.quantize(Decimal("0.000001")),
                    source="police",
                )
                self.coordinates += [str(lat.quantize(Decimal("0.000001"))),
                                     str(lon.quantize(Decimal("0.000001")))]  # fmt: skip

    def infrastructure(self, village):
        for kind, n in (("wifi", 1), ("camera", 6), ("loudspeaker", 2)):
            for k in range(n):
                VillageAsset.objects.create(
                    village=village,
                    kind=kind,
                    name=f"{kind} {k}",
                    at_cultural_house=kind == "wifi",
                    connected=kind == "camera",
                    latitude=Decimal("21.3005") + Decimal(k) * Decimal("0.0004"),
                    longitude=Decimal("107.6")
                    + Decimal(village.number) / Decimal(100)
                    + Decimal(["wifi", "camera", "loudspeaker"].index(kind)) * Decimal("0.0006"),
                )

    def team(self, village, residents=()):
        team, _ = DigitalTeam.objects.get_or_create(
            village=village,
            defaults={
                "decision_number": "12/QĐ-UBND",
                "decision_date": dt.date(2022, 9, 1),
                "founded_on": dt.date(2022, 9, 1),
            },
        )
        TeamMember.objects.create(
            team=team,
            full_name="Hoàng Thị Trưởng Tổ",
            role="leader",
            position="village_head",
            phone="0911222333",
        )
        TeamMember.objects.create(
            team=team,
            full_name="Lê Văn Đã Nghỉ",
            role="member",
            position="other",
            active_from=dt.date(2022, 9, 1),
            active_to=dt.date(2023, 1, 1),
        )
        self.phones.append("0911222333")
        activity = SupportActivity.objects.create(
            team=team, date=TODAY - dt.timedelta(days=3), kind="home_visit"
        )
        activity.residents.set(residents)
        return team

    def ocop(self, village):
        producer = Producer.objects.create(
            kind="household_business", name="Hộ Bà Riêng Tư", village=village, phone="0977000111",
            representative="Bà Riêng Tư",
        )  # fmt: skip
        self.phones.append("0977000111")
        product = Product.objects.create(
            producer=producer, name="Chè Zênh Đặc Sản", group="food", score=80
        )
        batch = StampBatch.objects.create(
            product=product, lot_code="L1", produced_on=dt.date(2025, 1, 1), quantity=1,
            status="ready",
        )  # fmt: skip
        stamp = Stamp.objects.create(batch=batch, serial="ABCDEFGHJKLM", sequence=1)
        for k in range(3):
            StampScan.objects.create(stamp=stamp, client_hash=f"h{k}", ua_family="android")
        return product

    def cashless(self, commune, village=None, *, months: int = 3, total: int = 40):
        first = TODAY.replace(day=1)
        for m in range(months):
            index = first.year * 12 + first.month - 1 - m
            period = dt.date(index // 12, index % 12 + 1, 1)
            CashlessReport.objects.create(
                commune=commune,
                village=village,
                period=period,
                category="electricity",
                payers_total=total,
                payers_cashless=total * 3 // 4 - m,
                amount_total=1_000_000,
                amount_cashless=800_000,
            )


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seed():
    return Seed()


@pytest.fixture
def world(seed, commune_a, village_a1, village_a2, commune_b, village_b1):
    """Commune A with data in A1 (10 households) and A2 (3 households), B1 (2); rolled up."""
    ensure_catalogues()
    seed.households(village_a1, 10)
    seed.households(village_a2, 3)
    seed.households(village_b1, 2)
    seed.infrastructure(village_a1)
    seed.team(village_a1, residents=Resident.objects.filter(household__village=village_a1)[:4])
    seed.ocop(village_a1)
    seed.cashless(commune_a)
    seed.cashless(commune_a, village_a1)
    rollup_commune(commune=commune_a)
    rollup_commune(commune=commune_b)
    return seed
