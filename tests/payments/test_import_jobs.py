"""The payments import as a job (payments/jobs.py on core.imports), as the household import:
a file over IMPORT_INLINE_MAX_SIZE is not read in the request, the worker checks and writes it
with its status on the import's page; a stopped Redis leaves it waiting with a message; one
per-user limit of imports waiting or running, shared with the household import; each refusal
one Vietnamese sentence; an error in the middle of writing leaves nothing written; only the
uploader, while an official of the commune, reaches the import."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import jobs as core_jobs
from core.models import PendingTask
from households.models import HouseholdImport
from payments import jobs, spreadsheets, tasks
from payments.models import CashlessImport, CashlessReport
from tests.factories import UserFactory
from tests.payments.test_import import LAST, _xlsx
from tests.security.xlsx_bombs import write_workbook
from villages.models import Membership
from villages.roles import make_official

pytestmark = pytest.mark.django_db

ROWS = [[f"{LAST:%m/%Y}", "", c, 10, 4, 1000, 400] for c in ("water", "electricity", "taxes")]
WAITING = "đang chờ trong hàng đợi"


@pytest.fixture
def worker_sized(settings):
    """Every upload is 'large': checked and written by the worker (in-process, eager)."""
    settings.IMPORT_INLINE_MAX_SIZE = 1024


def _post(client, commune, upload, **kwargs):
    return client.post(
        reverse("payments:import"), {"commune": commune.pk, "file": upload}, **kwargs
    )


def _text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_large_file_is_checked_and_written_by_the_worker(
    login, official_a, commune_a, worker_sized, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    for task in (tasks.cashless_import_check_task, tasks.cashless_import_apply_task):
        original = task.apply_async  # what core.jobs.enqueue calls in eager mode
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args, _task=task, _orig=original, **kw: (
                sent.append((_task.name, args[0])),
                _orig(args, **kw),
            ),
        )
    reads = []
    real_preview = spreadsheets.import_preview
    monkeypatch.setattr(
        spreadsheets,
        "import_preview",
        lambda **kw: (reads.append(1), real_preview(**kw))[1],
    )
    client = login(official_a)
    with django_capture_on_commit_callbacks() as callbacks:
        response = _post(client, commune_a, _xlsx(ROWS))
    job = CashlessImport.objects.get()
    # The request only kept the file: nothing read, queued for the worker.
    assert response.status_code == 302 and response.url == f"/payments/import/{job.pk}/"
    assert job.status == "queued" and job.total_rows == 0 and reads == [] and sent == []
    page = _text(client.get(response.url))
    assert "Đang chờ kiểm tra" in page and '<meta http-equiv="refresh" content="3">' in page
    assert "Xác nhận" not in page

    for callback in callbacks:  # the transaction commits: the task is sent
        callback()
    job.refresh_from_db()
    assert sent == [(jobs.CHECK_TASK, job.pk)] and reads == [1]
    assert job.status == "preview" and job.total_rows == job.processed_rows == 3
    page = _text(client.get(response.url))
    assert "3 dòng sẵn sàng để nhập" in page and 'http-equiv="refresh"' not in page
    assert not CashlessReport.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("payments:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert sent[-1] == (jobs.APPLY_TASK, job.pk)
    assert job.status == "done" and not job.file and job.result["saved"]["created"] == 3
    assert CashlessReport.objects.filter(commune=commune_a, period=LAST).count() == 3
    assert confirmed.status_code == 302 and confirmed.url == response.url
    assert "Đã nhập: 3 báo cáo mới" in _text(client.get(response.url))
    # Delivered again (acks late, a requeue): the claim makes it do nothing.
    tasks.cashless_import_apply_task(job.pk)
    tasks.cashless_import_check_task(job.pk)
    assert CashlessReport.objects.count() == 3


def test_small_file_is_checked_in_the_request(login, official_a, commune_a):
    response = _post(login(official_a), commune_a, _xlsx(ROWS), follow=True)
    job = CashlessImport.objects.get()
    assert job.status == "preview" and "3 dòng sẵn sàng để nhập" in _text(response)


def test_redis_down_the_import_waits_with_a_message_then_runs(
    login, official_a, commune_a, worker_sized, monkeypatch, django_capture_on_commit_callbacks
):
    from smartvillage.celery import app

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Redis is stopped")

    monkeypatch.setattr(app, "send_task", broker_down)
    app.conf.task_always_eager = False
    try:
        client = login(official_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(client, commune_a, _xlsx(ROWS))
    finally:
        app.conf.task_always_eager = True  # Redis back (eager: in-process)
    job = CashlessImport.objects.get()
    assert response.status_code == 302 and WAITING in _messages(response)
    assert job.status == "queued"
    assert list(PendingTask.objects.values_list("task", "args")) == [(jobs.CHECK_TASK, [job.pk])]

    assert core_jobs.requeue_pending()["sent"] == 1
    job.refresh_from_db()
    assert job.status == "preview" and not PendingTask.objects.exists()


def test_a_dead_workers_check_is_taken_over(login, official_a, commune_a, worker_sized):
    client = login(official_a)
    with transaction.atomic():  # on_commit never runs here: the message is "lost"
        _post(client, commune_a, _xlsx(ROWS))
    job = CashlessImport.objects.get()
    stale = timezone.now() - dt.timedelta(minutes=5)
    CashlessImport.objects.filter(pk=job.pk).update(status="checking", heartbeat_at=stale)
    counts = core_jobs.requeue_pending()
    job.refresh_from_db()
    assert counts["lost_requeued"] == 1 and job.status == "preview"


@pytest.mark.parametrize("in_worker", [False, True])
def test_an_error_in_the_middle_of_writing_leaves_nothing(
    login,
    official_a,
    commune_a,
    settings,
    monkeypatch,
    in_worker,
    django_capture_on_commit_callbacks,
):
    if in_worker:
        settings.IMPORT_INLINE_MAX_SIZE = 1024
    client = login(official_a)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, commune_a, _xlsx(ROWS))
    job = CashlessImport.objects.get()
    assert job.status == "preview"
    saves = {"n": 0}
    real_save = CashlessReport.save

    def failing_save(self, *args, **kwargs):
        saves["n"] += 1
        if saves["n"] == 3:
            raise OSError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(CashlessReport, "save", failing_save)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert saves["n"] == 3  # two rows were saved, then rolled back with the third
    assert not CashlessReport.objects.exists()
    assert job.status == "failed" and not job.file
    page = _text(client.get(reverse("payments:import_detail", args=[job.pk])))
    assert "Nhập dữ liệu thất bại; chưa có gì được lưu" in page


# --- Refusals: one Vietnamese sentence each ------------------------------------------------------


def test_concurrent_imports_per_user_count_both_importers(
    login, official_a, official_b, commune_a, commune_b
):
    HouseholdImport.objects.create(
        created_by=official_a, commune=commune_a, file_name="ho.xlsx", status="importing"
    )
    CashlessImport.objects.create(
        created_by=official_a, commune=commune_a, file_name="tt.xlsx", status="queued"
    )
    CashlessImport.objects.create(  # finished ones do not count
        created_by=official_a, commune=commune_a, file_name="cu.xlsx", status="done"
    )
    response = _post(login(official_a), commune_a, _xlsx(ROWS))
    assert response.status_code == 200
    assert (
        "Bạn đang có 2 lượt nhập chờ hoặc đang chạy: hãy đợi các lượt đó xong (hoặc hủy một "
        "lượt) rồi mới tải lên tệp khác." in _text(response)
    )
    assert CashlessImport.objects.count() == 2
    # The same rule refuses a household upload (one function, core.imports.upload_refusal).
    household = login(official_a).post(reverse("households:import_start"), {"file": _xlsx([["x"]])})
    assert "Bạn đang có 2 lượt nhập" in _text(household)
    # Another official is not affected.
    assert _post(login(official_b), commune_b, _xlsx(ROWS)).status_code == 302


def test_file_over_2_mb_is_refused_before_it_is_read(login, official_a, commune_a, monkeypatch):
    monkeypatch.setattr(
        spreadsheets, "import_preview", lambda **kw: pytest.fail("the file was read")
    )
    upload = SimpleUploadedFile("lon.xlsx", b"\0" * (spreadsheets.MAX_FILE_SIZE + 1))
    response = _post(login(official_a), commune_a, upload)
    assert "Tệp lớn hơn 2,0 MB: hãy chia thành nhiều tệp." in _text(response)
    assert not CashlessImport.objects.exists()


@pytest.mark.parametrize(
    ("unpacked", "row", "message"),
    [
        # Declared unpacked size over 20 MB: refused before a row is parsed.
        (300 * 1024 * 1024, None, "Tệp Excel giải nén ra hơn 20,0 MB"),
        # Blank rows count while streaming: refused at row 10,001.
        (15 * 1024 * 1024, b"<row/>", "Tệp có hơn 10.000 dòng"),
    ],
)
def test_hostile_workbook_is_refused_by_the_worker(
    worker_sized,
    login,
    official_a,
    commune_a,
    tmp_path,
    unpacked,
    row,
    message,
    django_capture_on_commit_callbacks,
):
    kwargs = {"row": row} if row else {}
    path = write_workbook(tmp_path / "tt.xlsx", unpacked=unpacked, header=["x"], **kwargs)
    assert path.stat().st_size > 1024  # over the inline size: not read in the request
    client = login(official_a)
    with django_capture_on_commit_callbacks() as callbacks:
        response = _post(client, commune_a, SimpleUploadedFile("tt.xlsx", path.read_bytes()))
    job = CashlessImport.objects.get()
    assert response.status_code == 302 and job.status == "queued"
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == "invalid" and not job.file
    assert message in " ".join(job.result["file_errors"]).replace("\xa0", " ")
    assert message in _text(client.get(response.url))


def test_more_than_2000_rows_is_refused(login, official_a, commune_a):
    rows = [[f"{LAST:%m/%Y}", "", "water", 1, 1, 1, 1]] * 2001
    response = _post(login(official_a), commune_a, _xlsx(rows), follow=True)
    assert "Tệp có nhiều hơn 2000 dòng." in _text(response)
    assert CashlessImport.objects.get().status == "invalid"


# --- Who reaches an import ------------------------------------------------------------------------


def test_leaders_and_members_get_403(login, leader_a1, member_a1, official_a, commune_a):
    job = CashlessImport.objects.create(
        created_by=official_a, commune=commune_a, file_name="a.xlsx", status="preview"
    )
    for user in (leader_a1, member_a1):
        client = login(user)
        assert _post(client, commune_a, _xlsx(ROWS)).status_code == 403
        assert client.get(reverse("payments:import_detail", args=[job.pk])).status_code == 403
        assert client.post(reverse("payments:import_confirm", args=[job.pk])).status_code == 403
    assert CashlessImport.objects.count() == 1


def test_only_the_uploader_reaches_the_import(login, official_a, official_b, commune_a):
    client = login(official_a)
    _post(client, commune_a, _xlsx(ROWS))
    job = CashlessImport.objects.get()
    colleague = UserFactory(username="official_a_2")
    make_official(colleague, commune_a)
    for user in (official_b, colleague):
        other = login(user)
        for name, method in [("payments:import_detail", "get"),
                             ("payments:import_confirm", "post"),
                             ("payments:import_cancel", "post")]:  # fmt: skip
            response = getattr(other, method)(reverse(name, args=[job.pk]))
            assert response.status_code == 404, (user, name)
    job.refresh_from_db()
    assert job.status == "preview" and not CashlessReport.objects.exists()
    # Cancelling deletes the file at once.
    client = login(official_a)
    storage, name = job.file.storage, job.file.name
    client.post(reverse("payments:import_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "cancelled" and not storage.exists(name)


def test_an_official_who_left_the_commune_cannot_have_the_worker_write(
    login, official_a, commune_a, worker_sized, django_capture_on_commit_callbacks
):
    client = login(official_a)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, commune_a, _xlsx(ROWS))
    job = CashlessImport.objects.get()
    assert job.status == "preview"
    CashlessImport.objects.filter(pk=job.pk).update(status="confirmed")  # confirmed, then...
    Membership.objects.filter(user=official_a, commune=commune_a).delete()  # ... moved away
    tasks.cashless_import_apply_task(job.pk)  # the worker runs it
    job.refresh_from_db()
    assert job.status == "invalid" and not CashlessReport.objects.exists()
    assert "Bạn không còn được nhập dữ liệu cho xã này." in job.result["file_errors"]


# --- With the real worker (CI: .ci/run) ----------------------------------------------------------


def _wait(job, statuses, seconds=120):
    """Poll until the worker has moved the job (a deadline for the wait, not a speed target)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return
        time.sleep(0.5)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_checks_and_writes_a_large_file(client, official_a, commune_a, settings):
    settings.IMPORT_INLINE_MAX_SIZE = 1024
    client.force_login(official_a)
    response = _post(client, commune_a, _xlsx(ROWS))
    job = CashlessImport.objects.get()
    assert response.status_code == 302
    _wait(job, {"preview", "invalid", "failed"})
    assert job.status == "preview", job.result
    client.post(reverse("payments:import_confirm", args=[job.pk]))
    _wait(job, {"done", "invalid", "failed"})
    assert job.status == "done", job.result
    assert CashlessReport.objects.filter(commune=commune_a).count() == 3
