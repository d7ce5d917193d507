"""A small world for the security tests: commune A (villages A1, A2) and commune B (village B1)
with one object of every kind in A1 (and a twin in B1), distinctive names to look for."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from criteria.models import CriteriaSet, ManualEvidence
from criteria.services import rollup_commune
from digital_teams.models import DigitalTeam, SupportActivity, TeamMember
from households.models import DigitalAddress, ExportAudit, Household, HouseholdImport, Resident
from ocop.models import Producer, Product, Stamp, StampBatch
from ocop.rendering import stamp_batch_render
from payments.models import CashlessImport, CashlessReport
from villages.models import VillageAsset

# What must never leak out of commune A (names) and out of anywhere (personal numbers).
SECRET_NAME_A = "Lâm Bí Mật Anpha"
SECRET_NAME_B = "Võ Riêng Tư Bêta"
HOUSEHOLD_NOTE_A = "Ghi chú kín Anpha"
ID_A = "022080123456"  # 022 Quảng Ninh, 0 = man born 19xx, 80 = 1980
ID_B = "022180654321"  # woman born 1980
PHONE_A = "0912345678"
PHONE_B = "0987654321"


@pytest.fixture(autouse=True)
def _clean_cache_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.SITE_URL = "https://thon.example.vn"
    cache.clear()  # rate-limit counters of other tests
    yield
    cache.clear()


def _resident(household, name, id_number, phone, sex="M", relation="head"):
    resident = Resident(
        household=household,
        full_name=name,
        birth_date=dt.date(1980, 5, 17),
        sex=sex,
        relation=relation,
        phone=phone,
        vneid_level=1,
    )
    resident.set_id_number(id_number)
    resident.save()
    return resident


def _twin(village, *, name, id_number, phone, note, user, sex="M"):
    """One object of every kind in `village`."""
    household = Household.objects.create(
        village=village, number="77", lane="Xóm Kín", phone=phone, note=note
    )
    resident = _resident(household, name, id_number, phone, sex=sex)
    address = DigitalAddress.objects.create(
        household=household, latitude="21.355123", longitude="107.595456", source="team"
    )
    asset = VillageAsset.objects.create(village=village, kind="wifi", name="Wifi nhà văn hoá")
    team = DigitalTeam.objects.create(
        village=village,
        decision_number="12/QĐ-UBND",
        decision_date=dt.date(2022, 9, 20),
        founded_on=dt.date(2022, 10, 1),
    )
    member = TeamMember.objects.create(team=team, full_name="Tổ viên Hoa", phone="0977000111")
    activity = SupportActivity.objects.create(
        team=team, date=dt.date(2026, 1, 5), kind="home_visit", recorded_by=user
    )
    activity.residents.add(resident)
    report = CashlessReport.objects.create(
        commune=village.commune,
        village=village,
        period=dt.date(2025, 6, 1),
        category="electricity",
        payers_total=100,
        payers_cashless=50,
        amount_total=1_000_000,
        amount_cashless=500_000,
        source="power_company",
    )
    producer = Producer.objects.create(
        kind="cooperative", name=f"HTX Ong {village.code}", village=village, phone="0203 3888 999"
    )
    product = Product.objects.create(
        producer=producer,
        name=f"Mật ong {village.code}",
        group="food",
        score=78,
        certificate_number="OCOP-0001",
        certificate_issued_on=dt.date(2025, 1, 10),
    )
    batch = StampBatch.objects.create(
        product=product, lot_code="LOT-1", produced_on=dt.date(2025, 3, 1), quantity=3
    )
    assert stamp_batch_render(batch_id=batch.pk) == "ready"
    stamp = Stamp.objects.filter(batch=batch).order_by("sequence").first()
    criterion = (
        CriteriaSet.objects.get(code="QD319-2021-2025", is_active=True)
        .criteria.filter(indicator_key="")
        .first()
    )
    evidence = ManualEvidence.objects.create(
        criterion=criterion,
        commune=village.commune,
        value=1,
        file=SimpleUploadedFile("qd.pdf", b"%PDF-1.4\n%%EOF\n"),
        entered_by=user,
    )
    run = rollup_commune(commune=village.commune)
    job = HouseholdImport.objects.create(
        created_by=user, commune=village.commune, file_name="a.xlsx", status="invalid"
    )
    audit = ExportAudit.objects.create(user=user, commune=village.commune, model="x", rows=1)
    return SimpleNamespace(
        village=village,
        commune=village.commune,
        household=household,
        resident=resident,
        address=address,
        asset=asset,
        team=team,
        member=member,
        activity=activity,
        report=report,
        producer=producer,
        product=product,
        batch=StampBatch.objects.get(pk=batch.pk),
        stamp=stamp,
        criterion=criterion,
        evidence=evidence,
        run=run,
        job=job,
        audit=audit,
    )


@pytest.fixture
def world(
    official_a, official_b, leader_a1, member_a1, leader_a2, province_office, village_a1, village_b1
):
    a = _twin(
        village_a1,
        name=SECRET_NAME_A,
        id_number=ID_A,
        phone=PHONE_A,
        note=HOUSEHOLD_NOTE_A,
        user=leader_a1,
    )
    b = _twin(
        village_b1,
        name=SECRET_NAME_B,
        id_number=ID_B,
        phone=PHONE_B,
        note="Ghi chú Bêta",
        user=official_b,
        sex="F",
    )
    TeamMember.objects.create(team=a.team, full_name="Trưởng tổ A1", user=leader_a1, role="leader")
    # Payments imports are officials' own: official_a's import of commune A.
    a.cashless_job = CashlessImport.objects.create(
        created_by=official_a, commune=a.commune, file_name="b.xlsx", status="invalid"
    )
    TeamMember.objects.create(team=a.team, full_name="Tổ viên A1", user=member_a1)
    return SimpleNamespace(
        a=a,
        b=b,
        personas={
            "anonymous": None,
            "official_a": official_a,
            "official_b": official_b,
            "leader_a1": leader_a1,
            "member_a1": member_a1,
            "leader_a2": leader_a2,
            "province": province_office,
        },
    )
