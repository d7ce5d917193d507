"""Excel import: preview with row errors, nothing written before confirm, all or nothing,
update not duplicate, scope."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from households import importer
from households.models import Household, HouseholdImport, Resident
from tests.households.factories import make_id

HEADER = [
    "Thôn (mã, số hoặc tên)",
    "Số hộ",
    "Số nhà",
    "Xóm / ngõ",
    "Điện thoại của hộ",
    "Internet cáp quang",
    "Sóng 4G",
    "Họ và tên",
    "Quan hệ với chủ hộ",
    "Ngày sinh (ngày/tháng/năm)",
    "Giới tính",
    "Số định danh cá nhân (12 số)",
    "Số CMND cũ (9 số)",
    "Điện thoại",
    "Tình trạng",
    "Điện thoại thông minh",
    "Mức VNeID (0, 1, 2)",
    "Tài khoản thanh toán điện tử",
    "Dùng dịch vụ công trực tuyến",
]


def row(
    village, number, name, relation="Chủ hộ", birth="05/09/1980", sex="Nam", id_number=None, **kw
):
    b = dt.datetime.strptime(birth, "%d/%m/%Y").date()
    idn = make_id(b, "M" if sex == "Nam" else "F") if id_number is None else id_number
    return [
        village,
        number,
        kw.get("house_no", "12"),
        "Xóm 1",
        "0912 345 678",
        "có",
        "có",
        name,
        relation,
        birth,
        sex,
        idn,
        "",
        "",
        "Đang ở",
        "có",
        kw.get("vneid", "2"),
        "không",
        "có",
    ]


def xlsx(rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = BytesIO()
    wb.save(out)
    return SimpleUploadedFile("ho.xlsx", out.getvalue())


def upload(client, rows):
    response = client.post(reverse("households:import_start"), {"file": xlsx(rows)})
    assert response.status_code == 302, response.content.decode()[:500]
    return HouseholdImport.objects.latest("pk"), response


@pytest.mark.django_db
def test_template_download_has_the_columns(login, leader_a1):
    response = login(leader_a1).get(reverse("households:import_template"))
    wb = load_workbook(BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER


@pytest.mark.django_db
def test_preview_then_confirm_writes_everything(login, leader_a1, village_a1):
    client = login(leader_a1)
    job, response = upload(
        client,
        [
            row("Thôn Một", 1, "Nguyễn Văn An"),
            row("Thôn Một", 1, "Lê Thị Bình", relation="Vợ", sex="Nữ", birth="01/02/1982"),
            row(village_a1.code, 2, "Trần Văn Cường"),
        ],
    )
    assert job.status == "preview"
    assert not Household.objects.exists()  # nothing written before confirm
    page = client.get(response["Location"]).content.decode()
    assert "Nguyễn Văn An" in page and "Xác nhận" in page
    assert job.result["counts"]["households_new"] == 2
    client.post(reverse("households:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done"
    assert Household.objects.filter(village=village_a1).count() == 2
    assert Resident.objects.count() == 3
    an = Resident.objects.get(full_name="Nguyễn Văn An")
    assert an.household.phone == "0912345678" and an.vneid_level == 2 and an.relation == "head"
    assert an.history.first().history_user == leader_a1
    assert not job.file  # the sheet with clear ID numbers is deleted once imported


@pytest.mark.django_db
def test_row_errors_are_listed_and_nothing_is_written(login, leader_a1, village_a1, village_a2):
    client = login(leader_a1)
    good_id = make_id(dt.date(1980, 9, 5), "M")
    job, response = upload(
        client,
        [
            row("Thôn Một", 1, "Đúng Người", id_number=good_id),
            row("Thôn Một", 2, "Sai Số", id_number="022180123456"),  # woman's digit for a man
            row("Thôn Không Có", 3, "Không Thôn"),
            row(village_a2.code, 4, "Thôn Khác"),  # another village: leader of A1 may not
            row("Thôn Một", 5, "Trùng Số", id_number=good_id),
            row("Thôn Một", 6, "Không Chủ", relation="Con"),
        ],
    )
    assert job.status == "invalid"
    rows_with_errors = {e["row"] for e in job.result["errors"]}
    assert rows_with_errors == {3, 4, 5, 6, 7}
    page = client.get(response["Location"]).content.decode()
    assert "nữ" in page and "Không rõ thôn" in page and "cũng có ở dòng 2" in page
    # The head rule's one message (households.services.head_rule_error), as in the forms.
    assert "Hộ số 6: Mỗi hộ có đúng một chủ hộ: hãy chọn một người là chủ hộ." in page
    assert "022180123456" not in page
    assert client.post(reverse("households:import_confirm", args=[job.pk])).status_code == 302
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_existing_household_is_updated_not_duplicated(login, leader_a1, village_a1):
    client = login(leader_a1)
    head_id = make_id(dt.date(1980, 9, 5), "M")
    job, _ = upload(client, [row("Thôn Một", 7, "Chủ Cũ", id_number=head_id, vneid="1")])
    client.post(reverse("households:import_confirm", args=[job.pk]))
    household = Household.objects.get()
    job, _ = upload(
        client,
        [
            row("Thôn Một", 7, "Chủ Cũ", id_number=head_id, vneid="2", house_no="99"),
            row("Thôn Một", 7, "Con Mới", relation="Con", birth="01/01/2010"),
        ],
    )
    assert job.result["counts"] == {
        "households_new": 0,
        "households_updated": 1,
        "residents_new": 1,
        "residents_updated": 1,
    }
    client.post(reverse("households:import_confirm", args=[job.pk]))
    assert Household.objects.count() == 1
    household.refresh_from_db()
    assert household.house_no == "99" and household.version == 2
    assert household.residents.count() == 2
    assert household.residents.get(full_name="Chủ Cũ").vneid_level == 2


@pytest.mark.django_db
def test_confirm_is_all_or_nothing(login, leader_a1, village_a1, monkeypatch):
    client = login(leader_a1)
    job, _ = upload(client, [row("Thôn Một", 1, "Một"), row("Thôn Một", 2, "Hai")])
    # New households and residents are written in bulk: the residents' INSERT fails.
    from households import importer

    original = importer.bulk_create_with_history

    def failing_bulk(objs, model, *args, **kwargs):
        if model is Resident:
            raise RuntimeError("disk full")
        return original(objs, model, *args, **kwargs)

    monkeypatch.setattr(importer, "bulk_create_with_history", failing_bulk)
    client.post(reverse("households:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "failed"
    assert not Household.objects.exists() and not Resident.objects.exists()


@pytest.mark.django_db
def test_duplicate_of_another_village_says_only_already_registered(login, leader_a1, household_a2):
    taken = household_a2.residents.get().get_id_number()
    job, _ = upload(login(leader_a1), [row("Thôn Một", 1, "Lê Thị Hai", sex="Nữ", id_number=taken)])
    messages = [e["message"] for e in job.result["errors"]]
    # A leader hears nothing about a number outside the village (finding 4, docs/security.md).
    assert "Không thể nhận số định danh này ở đây; hãy kiểm tra lại với cán bộ xã." in messages
    assert not any("9" in m and "hộ" in m for m in messages)


@pytest.mark.django_db
def test_official_may_import_into_all_villages_of_the_commune(login, official_a, village_a2):
    client = login(official_a)
    job, _ = upload(client, [row(village_a2.code, 1, "Ở Thôn Hai"), row("Thôn Một", 1, "Ở Một")])
    assert job.status == "preview"
    client.post(reverse("households:import_confirm", args=[job.pk]))
    assert Household.objects.count() == 2


@pytest.mark.django_db
def test_other_leaders_imports_are_404(login, leader_a1, leader_a2, village_a1):
    job, _ = upload(login(leader_a1), [row("Thôn Một", 1, "Một")])
    client = login(leader_a2)
    assert client.get(reverse("households:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("households:import_confirm", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_missing_columns_reported(login, leader_a1):
    client = login(leader_a1)
    response = client.post(
        reverse("households:import_start"), {"file": xlsx([["x"]], header=["Họ và tên"])}
    )
    job = HouseholdImport.objects.get()
    assert job.status == "invalid" and "Thiếu cột" in job.result["file_errors"][0]
    assert response.status_code == 302


@pytest.mark.django_db
def test_large_file_goes_through_the_task_with_progress(
    login, leader_a1, village_a1, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(importer, "INLINE_MAX_ROWS", 3)
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 2)
    from households import tasks

    calls = []
    original = tasks.household_import_check_task.apply_async  # core.jobs.enqueue, eager mode
    monkeypatch.setattr(
        tasks.household_import_check_task,
        "apply_async",
        lambda args, **kw: (calls.append(args[0]), original(args, **kw)),
    )
    client = login(leader_a1)
    rows = [row("Thôn Một", i, f"Người {i}") for i in range(1, 6)]
    with django_capture_on_commit_callbacks(execute=True):
        job, response = upload(client, rows)
    job.refresh_from_db()
    assert calls == [job.pk] and job.status == "preview" and job.processed_rows == 5
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("households:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and Household.objects.count() == 5
    # The task is idempotent: delivered again, it does nothing.
    tasks.household_import_apply_task(job.pk)
    assert Household.objects.count() == 5


@pytest.mark.django_db
def test_running_import_page_polls_with_htmx(login, leader_a1, village_a1):
    job = HouseholdImport.objects.create(
        created_by=leader_a1,
        commune=village_a1.commune,
        file_name="x.xlsx",
        total_rows=5000,
        processed_rows=1250,
        status="checking",
    )
    client = login(leader_a1)
    page = client.get(reverse("households:import_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "25%" in page
    partial = client.get(reverse("households:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
