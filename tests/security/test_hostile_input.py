"""Hostile input: any text in any field of any form or import -> never a 500, Vietnamese
errors; HTML escaped everywhere; no formula in any export; image bombs refused."""

from __future__ import annotations

import re
import struct
import zlib
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from core.exports import FORMULA_START
from households.models import Household, Resident
from ocop.models import validate_photo
from payments.models import CashlessReport

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    "", " ", "0", "-1", "1e309", "NaN", "9" * 40, "<script>alert(1)</script>", "' OR 1=1 --",
    "=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)", "\t=1", "\r=1", "\x00", "\x01\x02", "../../etc",
    "🙂" * 50, "a" * 5000, "2026-02-30", "31/02/2026", "０１２３", "\u202e", "%(name)s", "{{ x }}",
]  # fmt: skip
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True).map(str),
)

ENGLISH_DEFAULTS = [
    "This field is required", "Enter a valid", "Select a valid choice", "Ensure this value",
    "is not a valid", "Enter a whole number", "Enter a number",
]  # fmt: skip
ERROR_RE = r'class="(?:invalid-feedback|errorlist|alert[^"]*)"[^>]*>(.*?)</'
FIELD_RE = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)
SKIP_FIELDS = {"csrfmiddlewaretoken", "_idempotency_key", "version", "action", "_save",
               "_continue", "_addanother"}  # fmt: skip


def _form_fields(html: str) -> list[str]:
    return sorted({n for n in FIELD_RE.findall(html) if n not in SKIP_FIELDS})


def _assert_handled(response, what):
    assert response.status_code != 500, what
    assert response.status_code in (200, 302, 400, 403, 404), (what, response.status_code)
    if response.status_code in (200, 400) and "text/html" in response.get("Content-Type", ""):
        html = response.content.decode()
        errors = " ".join(re.findall(ERROR_RE, html, re.S))
        for english in ENGLISH_DEFAULTS:
            assert english not in errors, (what, english)


def _fuzz(client, url, data_strategy, what, extra=None):
    html = client.get(url).content.decode()
    fields = _form_fields(html)
    assert fields, f"no form fields found on {url}"

    @HYPOTHESIS
    @given(st.fixed_dictionaries({name: data_strategy for name in fields}))
    def run(data):
        with transaction.atomic():
            response = client.post(url, {**data, **(extra or {})})
            transaction.set_rollback(True)
        _assert_handled(response, f"{what}: {data!r}")

    run()


FIELD_FORMS = [
    ("leader_a1", "households:household_create", None),
    ("leader_a1", "households:household_update", "household"),
    ("leader_a1", "households:resident_create", "household"),
    ("leader_a1", "households:resident_update", "resident"),
    ("leader_a1", "households:address_edit", "household"),
    ("leader_a1", "households:asset_create", None),
    ("leader_a1", "digital_teams:team_edit", None),
    ("leader_a1", "digital_teams:teammember_create", None),
    ("leader_a1", "digital_teams:teammember_update", "member"),
    ("leader_a1", "digital_teams:activity_create", None),
    ("leader_a1", "digital_teams:followup_visit", "household"),
    ("official_a", "payments:entry", None),
    ("official_a", "criteria:evidence_create", "evidence_create"),
]


@pytest.mark.parametrize(("persona", "name", "arg"), FIELD_FORMS, ids=[f[1] for f in FIELD_FORMS])
def test_field_portal_forms_never_500(world, client, persona, name, arg):
    a = world.a
    client.force_login(world.personas[persona])
    args = {
        None: [],
        "household": [a.household.pk],
        "resident": [a.resident.pk],
        "member": [a.member.pk],
        "evidence_create": [a.commune.code, a.criterion.pk],
    }[arg]
    url = reverse(name, args=args)
    if name.startswith("digital_teams:") and arg is None:
        url += f"?village={a.village.pk}"
    if name == "payments:entry":
        url += f"?scope=v{a.village.pk}&period=2025-06"
    _fuzz(client, url, values, name)


ADMIN_ADD = ["households/household", "households/resident", "ocop/producer", "ocop/product",
             "ocop/stampbatch", "villages/villageasset", "payments/cashlessreport",
             "digital_teams/teammember", "digital_teams/digitalteam"]  # fmt: skip


@pytest.mark.parametrize("model", ADMIN_ADD)
def test_admin_add_forms_never_500(world, client, model):
    client.force_login(world.personas["official_a"])
    url = f"/admin/{model}/add/"
    html = client.get(url).content.decode()
    management = dict(
        re.findall(
            r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d+)"', html
        )  # fmt: skip
    )
    _fuzz(client, url, values, model, extra=management)


def _xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("hostile.xlsx", out.getvalue())


cells = st.one_of(st.sampled_from(NASTY).map(lambda s: re.sub(r"[\x00-\x08\x0b-\x1f]", "", s)),
                  st.integers(-(10**12), 10**12), st.none(),
                  st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]),
                          max_size=30))  # fmt: skip


def test_household_import_never_500(world, client):
    from households.importer import COLUMNS

    client.force_login(world.personas["leader_a1"])
    header = [key for key, _label, _required in COLUMNS]

    @HYPOTHESIS
    @given(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), max_size=4))
    def run(rows):
        with transaction.atomic():
            response = client.post(
                reverse("households:import_start"), {"file": _xlsx([header, *rows])}
            )
            transaction.set_rollback(True)
        _assert_handled(response, rows)

    run()
    # Not an Excel file at all, or a zip bomb-like garbage: a Vietnamese message.
    for content in (b"not excel", b"PK\x03\x04" + b"\x00" * 100):
        response = client.post(
            reverse("households:import_start"),
            {"file": SimpleUploadedFile("x.xlsx", content)},
        )
        assert response.status_code == 200 and "Excel" in response.content.decode()


def test_payments_import_never_500(world, client):
    from payments.spreadsheets import COLUMNS

    client.force_login(world.personas["official_a"])
    header = [str(label) for _key, label in COLUMNS]

    @HYPOTHESIS
    @given(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), max_size=4))
    def run(rows):
        with transaction.atomic():
            response = client.post(
                reverse("payments:import"),
                {"commune": world.a.commune.pk, "file": _xlsx([header, *rows])},
            )
            transaction.set_rollback(True)
        _assert_handled(response, rows)

    run()


# --- HTML escaped everywhere ----------------------------------------------------------------

XSS = "<script>alert(1)</script>"


def test_html_in_names_is_escaped_on_every_page(world, client):
    from digital_teams.models import TeamMember
    from ocop.models import Producer, Product
    from villages.models import VillageAsset

    a = world.a
    Household.objects.filter(pk=a.household.pk).update(lane=XSS, note=XSS, house_no=XSS[:30])
    Resident.objects.filter(pk=a.resident.pk).update(full_name=XSS)
    TeamMember.objects.filter(pk=a.member.pk).update(full_name=XSS)
    VillageAsset.objects.filter(pk=a.asset.pk).update(name=XSS)
    Producer.objects.filter(pk=a.producer.pk).update(name=XSS)
    Product.objects.filter(pk=a.product.pk).update(name=XSS, description=XSS)
    CashlessReport.objects.filter(pk=a.report.pk).update(note=XSS)
    from tests.security.test_permission_matrix import MATRIX, url_for, walk

    pages = 0
    for persona in ("official_a", "leader_a1", "anonymous"):
        user = world.personas[persona]
        if user:
            client.force_login(user)
        else:
            client.logout()
        for _route, name in walk():
            if MATRIX[name]["get"][persona] != 200 or name == "logout":
                continue
            response = client.get(url_for(name, a))
            if "html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            assert XSS not in response.content.decode(), f"{name} as {persona}"
    # And the admin lists and change pages.
    client.force_login(world.personas["official_a"])
    change = f"/admin/households/household/{a.household.pk}/change/"
    for url in ["/admin/households/household/", change,
                "/admin/households/resident/", "/admin/ocop/product/", "/admin/ocop/producer/",
                "/admin/digital_teams/teammember/", "/admin/villages/villageasset/",
                "/admin/payments/cashlessreport/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200 and XSS not in response.content.decode(), url
    assert pages > 30


# --- Formula injection in exports -----------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)",
            "\t=1", "\r=1", "bad\x01char"]  # fmt: skip


def _xlsx_cells(content: bytes):
    workbook = load_workbook(BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def _assert_safe_xlsx(content: bytes, what):
    import zipfile

    with zipfile.ZipFile(BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), what
    for cell in _xlsx_cells(content):
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_START), (what, cell.value)


def test_formula_injection_neutralised_in_every_export(world, client):
    from criteria.models import ManualEvidence

    a = world.a
    Resident.objects.filter(pk=a.resident.pk).update(full_name=FORMULAS[0])
    Household.objects.filter(pk=a.household.pk).update(
        note=FORMULAS[1], lane=FORMULAS[3], house_no=FORMULAS[2]
    )
    CashlessReport.objects.filter(pk=a.report.pk).update(note=FORMULAS[4] + FORMULAS[6])
    ManualEvidence.objects.filter(pk=a.evidence.pk).update(note=FORMULAS[0], reference=FORMULAS[5])
    client.force_login(world.personas["official_a"])
    exports = {
        "full-ID export": client.post(
            "/admin/households/resident/",
            {"action": "export_full_ids", "_selected_action": [a.resident.pk]},
        ),
        "payments xlsx": client.get(reverse("payments:export_xlsx")),
        "dossier xlsx": client.get(reverse("criteria:dossier_xlsx", args=[a.commune.code])),
    }
    for model in ("household", "resident"):
        response = client.post(
            f"/admin/households/{model}/export/",
            {"format": "0", "resource": "0", **_all_export_fields(client, model)},
        )
        exports[f"admin {model} export"] = response
    for what, response in exports.items():
        assert response.status_code == 200, (what, response.status_code)
        assert "spreadsheetml" in response["Content-Type"], what
        _assert_safe_xlsx(response.content, what)
    text_cells = [str(c.value) for c in _xlsx_cells(exports["full-ID export"].content) if c.value]
    assert "'" + FORMULAS[0] in text_cells  # kept readable, just not executable
    csv = client.get(reverse("payments:export_csv"))
    assert csv.status_code == 200
    import csv as csvlib

    for row in csvlib.reader(csv.content.decode("utf-8-sig").splitlines()):
        for value in row:
            assert not value.startswith(FORMULA_START), value


def _all_export_fields(client, model):
    html = client.get(f"/admin/households/{model}/export/").content.decode()
    names = set(re.findall(r'name="([^"]+)"[^>]*type="checkbox"', html)) | set(
        re.findall(r'type="checkbox"[^>]*name="([^"]+)"', html)
    )
    return {name: "on" for name in names}


# --- Uploaded images and files --------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height (a decompression bomb)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def test_pillow_limit_is_set_explicitly():
    from PIL import Image

    assert Image.MAX_IMAGE_PIXELS == 8000 * 8000


@pytest.mark.parametrize("size", [(9000, 9000), (30000, 30000)])
def test_decompression_bomb_is_refused_with_a_message(size):
    upload = SimpleUploadedFile("bomb.png", _png(*size), content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        validate_photo(upload)
    assert exc.value.code == "photo_pixels"


def test_bomb_and_fake_images_refused_in_the_admin_not_500(world, client):
    client.force_login(world.personas["official_a"])
    url = f"/admin/ocop/product/{world.a.product.pk}/change/"
    base = {
        "producer": world.a.producer.pk, "name": "Mật ong", "group": "food", "score": "78",
        "certificate_number": "OCOP-0001", "certificate_issued_on": "10/01/2025",
        "is_public": "on",
    }  # fmt: skip
    for name, content in [
        ("bomb.png", _png(30000, 30000)),
        ("bomb2.png", _png(9000, 9000)),
        ("script.png", b"<script>alert(1)</script>"),
        ("x.exe", b"MZ\x90\x00"),
    ]:
        response = client.post(url, {**base, "photo": SimpleUploadedFile(name, content)})
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert "errorlist" in html or "errornote" in html, name
        assert "Tải lên" in html or "ảnh" in html, name


def test_evidence_upload_checks_type_and_content(world, client):
    client.force_login(world.personas["official_a"])
    url = reverse("criteria:evidence_create", args=[world.a.commune.code, world.a.criterion.pk])
    for name, content in [("a.pdf", b"MZ not a pdf"), ("a.html", b"<html>"), ("a.svg", b"<svg/>")]:
        response = client.post(url, {"value": "1", "file": SimpleUploadedFile(name, content)})
        assert response.status_code == 200, name
        assert "invalid-feedback" in response.content.decode() or "errorlist" in (
            response.content.decode()
        )
