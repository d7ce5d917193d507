"""Excel import: template, preview with row errors, confirm writes all rows or none.

Every upload is an import job (payments.CashlessImport, core.imports); a small file is checked
in the request and the import's page shows the preview (the worker path: test_import_jobs.py).
"""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from payments import services
from payments.models import CashlessImport, CashlessReport, current_period, month_start
from payments.spreadsheets import COLUMNS
from tests.payments.factories import CashlessReportFactory

pytestmark = pytest.mark.django_db

LAST = month_start(current_period(), -1)
HEADER = ["Tháng (MM/YYYY)", "Mã thôn (để trống = cả xã)", "Lĩnh vực", "Số người nộp (tổng)",
          "Số người nộp không dùng tiền mặt", "Số tiền (tổng, VND)",
          "Số tiền nộp không dùng tiền mặt (VND)", "Nguồn", "Ghi chú"]  # fmt: skip


def _xlsx(rows, header=None) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "bao-cao.xlsx"
    return buffer


def _upload(client, commune, rows, header=None):
    """Upload and follow to the import's page (the preview)."""
    return client.post(
        reverse("payments:import"),
        {"commune": commune.pk, "file": _xlsx(rows, header)},
        follow=True,
    )


def _confirm(client, job=None):
    job = job or CashlessImport.objects.latest("pk")
    return client.post(reverse("payments:import_confirm", args=[job.pk]))


def test_template_downloads_with_all_categories(login, official_a, commune_a):
    response = login(official_a).get(reverse("payments:import_template"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.max_row == 9  # header + 8 categories
    assert sheet["A2"].value == f"{LAST:%m/%Y}" and sheet["C2"].value == "Tiền điện"


def test_good_file_previews_then_imports_on_confirm(login, official_a, commune_a, village_a1):
    CashlessReportFactory(commune=commune_a, period=LAST, category="water")
    client = login(official_a)
    rows = [
        [f"{LAST:%m/%Y}", "", "Tiền điện", 2050, "1.758", "943.000.000", "916,596,000",
         "Công ty điện lực", ""],
        [f"{LAST:%m/%Y}", village_a1.code, "electricity", "205", 180, 94_300_000, 90_000_000,
         "", "thôn"],
        [LAST, None, "water", 1380, 1072, 248_400_000, 217_200_000, None, None],
    ]  # fmt: skip
    response = _upload(client, commune_a, rows)
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 dòng sẵn sàng để nhập" in html
    assert "cập nhật báo cáo đã có" in html  # water exists
    assert CashlessReport.objects.count() == 1  # nothing written yet
    response = _confirm(client)
    assert response.status_code == 302
    assert CashlessReport.objects.count() == 3
    village_row = CashlessReport.objects.get(village=village_a1)
    assert village_row.payers_cashless == 180 and village_row.entered_by == official_a
    assert CashlessReport.objects.get(category="water").payers_cashless == 1072
    # Confirming twice does nothing more: the import is done, its file deleted.
    job = CashlessImport.objects.get()
    assert (
        job.status == "done"
        and not job.file
        and job.result["saved"]
        == {
            "created": 2,
            "updated": 1,
        }
    )
    _confirm(client)
    assert CashlessReport.objects.count() == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["{m}", "", "gas", 1, 1, 1, 1], "Lĩnh vực không có trong danh mục: gas"),
        (["{m}", "99999-99", "water", 1, 1, 1, 1], "Không có thôn: 99999-99"),
        (["{m}", "", "water", 10, 11, 1, 1], "không thể nhiều hơn tổng số người nộp"),
        (["{m}", "", "water", 10, 1, 100, 101], "không thể lớn hơn tổng số tiền"),
        (["{m}", "", "water", "mười", 1, 1, 1], "Nhập một số nguyên"),
        (["{m}", "", "water", 10, 1, "1.5", 1], "số nguyên đồng"),
        (["{m}", "", "water", -3, 1, 1, 1], "không được âm"),
        (["{future}", "", "water", 1, 1, 1, 1], "tương lai"),
        (["13/2024", "", "water", 1, 1, 1, 1], "MM/YYYY"),
    ],
)
def test_row_errors_are_shown_and_nothing_is_written(login, official_a, commune_a, row, message):
    row = [
        str(v).format(m=f"{LAST:%m/%Y}", future=f"{month_start(current_period(), 2):%m/%Y}")
        if isinstance(v, str) else v
        for v in row
    ]  # fmt: skip
    client = login(official_a)
    response = _upload(client, commune_a, [row])
    html = response.content.decode()
    assert message in html
    job = CashlessImport.objects.get()
    assert job.status == "invalid" and not job.file  # the file is deleted at once
    assert reverse("payments:import_confirm", args=[job.pk]) not in html
    assert _confirm(client).status_code == 302
    assert CashlessReport.objects.count() == 0


def test_village_of_another_commune_is_unknown(login, official_a, commune_a, village_b1):
    response = _upload(
        login(official_a), commune_a, [[f"{LAST:%m/%Y}", village_b1.code, "water", 1, 1, 1, 1]]
    )
    assert f"Không có thôn: {village_b1.code}" in response.content.decode()


def test_duplicate_rows_in_the_file(login, official_a, commune_a):
    row = [f"{LAST:%m/%Y}", "", "water", 10, 1, 10, 1]
    response = _upload(login(official_a), commune_a, [row, row])
    assert "Trùng thôn, tháng và lĩnh vực với dòng 2" in response.content.decode()


def test_one_bad_row_blocks_the_whole_file(login, official_a, commune_a):
    good = [f"{LAST:%m/%Y}", "", "water", 10, 1, 10, 1]
    bad = [f"{LAST:%m/%Y}", "", "electricity", 10, 11, 10, 1]
    client = login(official_a)
    response = _upload(client, commune_a, [good, bad])
    assert "1 dòng có lỗi" in response.content.decode()
    _confirm(client)
    assert CashlessReport.objects.count() == 0


def test_confirm_is_all_or_nothing_when_saving_fails(login, official_a, commune_a, monkeypatch):
    """A crash on the third row: the first two are rolled back, the import says it failed."""
    client = login(official_a)
    rows = [[f"{LAST:%m/%Y}", "", c, 10, 1, 10, 1] for c in ("water", "electricity", "taxes")]
    _upload(client, commune_a, rows)
    calls = {"n": 0}
    real_save = CashlessReport.save

    def failing_save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(CashlessReport, "save", failing_save)
    response = _confirm(client)
    assert calls["n"] == 3 and response.status_code == 302
    assert CashlessReport.objects.count() == 0
    job = CashlessImport.objects.get()
    assert job.status == "failed" and not job.file
    page = client.get(response.url).content.decode()
    assert "Nhập dữ liệu thất bại; chưa có gì được lưu" in page
    assert services.cashless_reports_save  # the service is the one place that writes


def test_missing_columns_and_not_an_excel_file(login, official_a, commune_a):
    client = login(official_a)
    response = _upload(client, commune_a, [["x"]], header=["Tháng (MM/YYYY)", "Lĩnh vực"])
    assert "Thiếu cột" in response.content.decode()
    junk = io.BytesIO(b"not a zip")
    junk.name = "x.xlsx"
    response = client.post(
        reverse("payments:import"), {"commune": commune_a.pk, "file": junk}, follow=True
    )
    assert "không phải tệp Excel" in response.content.decode()


def test_import_into_another_commune_is_refused(login, official_a, commune_b):
    response = _upload(login(official_a), commune_b, [[f"{LAST:%m/%Y}", "", "water", 1, 1, 1, 1]])
    assert "commune" in response.context["form"].errors
    assert CashlessReport.objects.count() == 0


def test_export_reimports_as_it_is(login, official_a, commune_a, village_a1):
    CashlessReportFactory(commune=commune_a, period=LAST, village=village_a1, note="ghi chú")
    client = login(official_a)
    exported = client.get(reverse("payments:export_xlsx")).content
    CashlessReport.objects.all().delete()
    upload = io.BytesIO(exported)
    upload.name = "export.xlsx"
    response = client.post(
        reverse("payments:import"), {"commune": commune_a.pk, "file": upload}, follow=True
    )
    assert "1 dòng sẵn sàng để nhập" in response.content.decode()
    _confirm(client)
    assert CashlessReport.objects.get().village == village_a1
    assert len(COLUMNS) == 9
