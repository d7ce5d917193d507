"""Demo: the commune's manual evidence (illustrative, marked as such) and one roll-up.

Called last by `manage.py seed_demo`, after households, teams, payments and OCOP. Which villages
meet the smart-village set follows from the other apps' demo data and the shipped thresholds;
nothing here invents a figure for a computed indicator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from .catalogue import catalogue_load_file, shipped_files
from .models import Assessment, CommuneGroup, CriteriaSet, ManualEvidence, RollupRun
from .services import rollup_commune

DEMO_NOTE = "Dữ liệu minh họa (demo)."
# A one-page PDF (valid header and trailer) standing in for a scanned decision.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

MANUAL = {
    # criterion code -> values of the demo evidence (319 set)
    "1": {
        "value": Decimal(1),
        "reference": "Quyết định công nhận xã NTM nâng cao (minh họa)",
        "file": True,
    },  # fmt: skip
    "2": {
        "numerator": Decimal(72_000_000),
        "denominator": Decimal(63_000_000),
        "reference": "Báo cáo thu nhập bình quân đầu người (minh họa)",
    },  # fmt: skip
    "4": {
        "value": Decimal(1),
        "option": "Chuyển đổi số",
        "file": True,
        "reference": "Hồ sơ lĩnh vực nổi trội chuyển đổi số (minh họa)",
    },  # fmt: skip
}


def seed_demo(commune, *, password: str, stdout=None):
    # Every shipped catalogue file (2026-2030 included); an unchanged file creates nothing.
    for path in shipped_files():
        catalogue_load_file(path)
    CommuneGroup.objects.get_or_create(
        commune=commune,
        period="2026-2030",
        defaults={
            "group": CommuneGroup.Group.TWO,
            "decision_number": "01/QĐ-UBND (minh họa)",
            "decision_date": dt.date(2026, 3, 2),
            "issued_by": "UBND tỉnh Quảng Ninh (dữ liệu minh họa)",
        },
    )
    criteria_set = CriteriaSet.objects.filter(code="QD319-2021-2025", is_active=True).first()
    if criteria_set is not None:
        for criterion in criteria_set.criteria.filter(code__in=MANUAL, indicator_key=""):
            values = dict(MANUAL[criterion.code])
            wants_file = values.pop("file", False)
            if ManualEvidence.objects.filter(
                commune=commune,
                criterion__criteria_set__code=criteria_set.code,
                criterion__code=criterion.code,
            ).exists():
                continue  # idempotent: keep what is there (demo or real)
            evidence = ManualEvidence(
                criterion=criterion, commune=commune, note=DEMO_NOTE, **values
            )
            if wants_file:
                evidence.file.save(f"demo-{criterion.code}.pdf", ContentFile(DEMO_PDF), save=False)
            evidence.save()
    # Quảng Tân was recognised as an advanced NTM commune (DOMAIN.md §11): one illustrative
    # "met" per criterion of the 318 set, so 319 condition 1 (computed from it) reads as met.
    advanced = CriteriaSet.objects.filter(code="QD318-NC-2021-2025", is_active=True).first()
    if advanced is not None:
        for criterion in advanced.criteria.filter(indicator_key=""):
            if ManualEvidence.objects.filter(
                commune=commune,
                criterion__criteria_set__code=advanced.code,
                criterion__code=criterion.code,
            ).exists():
                continue
            evidence = ManualEvidence(
                criterion=criterion,
                commune=commune,
                value=Decimal(1),
                reference="Biên bản thẩm định tiêu chí xã NTM nâng cao (minh họa)",
                note=DEMO_NOTE,
            )
            evidence.file.save(f"demo-318-{criterion.code}.pdf", ContentFile(DEMO_PDF), save=False)
            evidence.save()
    # Idempotent row counts: the demo's own earlier snapshot is replaced, other runs are kept.
    RollupRun.objects.filter(commune=commune, trigger="demo").delete()
    # 2021-2025 history: a snapshot on the last day of that programme, then today's.
    rollup_commune(commune=commune, trigger="demo", on=dt.date(2025, 12, 31))
    run = rollup_commune(commune=commune, trigger="demo", on=timezone.localdate())
    if stdout is not None:
        rows = Assessment.objects.filter(run=run)
        meeting = rows.filter(criterion__indicator_key="villages_meeting_smart_set").values_list(
            "value", flat=True
        )
        stdout.write(
            f"  criteria: {rows.count()} assessments, villages meeting the smart-village set: "
            f"{', '.join(str(v) for v in meeting) or '-'}"
        )
    return run
