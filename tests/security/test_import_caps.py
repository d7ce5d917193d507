"""Finding 2 (docs/security.md): import denial of service.

The issue's workbook: 3 MB on disk, a sheet that unpacks to ~1 GB of one-cell rows, no
<dimension> tag. Built here with zipfile and a streamed sheet XML. It, and 200,000 small rows,
are refused fast and in little memory; the web request never reads a large file; a user has a
limited number of imports running; every refusal is one Vietnamese sentence.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households import jobs
from households.models import HouseholdImport
from tests.households.test_import import HEADER

pytestmark = pytest.mark.django_db

BOMB_UNPACKED = 980 * 1024 * 1024
_NS = "http://schemas.openxmlformats.org"
_PARTS = {
    "[Content_Types].xml": (
        f'<?xml version="1.0"?><Types xmlns="{_NS}/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<?xml version="1.0"?><Relationships xmlns="{_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/officeDocument"'
        ' Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0"?><workbook xmlns="{_NS}/spreadsheetml/2006/main" '
        f'xmlns:r="{_NS}/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Ho" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0"?><Relationships xmlns="{_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def inline_row(*values: str) -> bytes:
    cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values)
    return f"<row>{cells}</row>".encode()


ONE_CELL = inline_row("x")


def write_workbook(path: Path, *, unpacked: int, header=HEADER, row=ONE_CELL) -> Path:
    """An .xlsx whose sheet (no <dimension>, rows without numbers) unpacks to `unpacked` bytes."""
    chunk = row * 20_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0"?><worksheet xmlns="{_NS}/spreadsheetml/2006/main">'
                "<sheetData>".encode()
            )
            sheet.write(inline_row(*header))
            written = 0
            while written < unpacked:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture(scope="session")
def bomb(tmp_path_factory) -> Path:
    path = write_workbook(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", unpacked=BOMB_UNPACKED)
    assert path.stat().st_size < 4 * 1024 * 1024  # small on disk, as in the issue
    return path


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def upload_file(client, path: Path, url="households:import_start", **data):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    start = time.monotonic()
    response = client.post(reverse(url), {"file": upload, **data})
    return response, time.monotonic() - start


def test_bomb_is_not_read_in_the_request_and_the_worker_refuses_it_fast(
    login, leader_a1, bomb, settings
):
    # Let the archive cap pass so that the streaming row cap is what stops it.
    settings.IMPORT_MAX_UNPACKED_SIZE = 2 * BOMB_UNPACKED
    client = login(leader_a1)
    response, took = upload_file(client, bomb)
    assert response.status_code == 302
    assert took < 2
    job = HouseholdImport.objects.get()
    # Over the inline size: queued for the worker, nothing counted or checked in the request.
    assert job.status == HouseholdImport.Status.QUEUED and job.total_rows == 0

    start = time.monotonic()
    jobs.import_job_check(import_id=job.pk)  # what the worker runs
    assert time.monotonic() - start < 2
    job.refresh_from_db()
    assert job.status == HouseholdImport.Status.INVALID
    assert job.result["file_errors"] == [
        "Tệp có hơn 20.000 dòng: hãy chia thành các tệp không quá 20.000 dòng."
    ]
    page = client.get(reverse("households:import_detail", args=[job.pk])).content.decode()
    assert "Tệp có hơn 20.000 dòng" in page


MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    import django
    django.setup()
    from django.conf import settings
    from django.utils import translation
    settings.IMPORT_MAX_UNPACKED_SIZE = int(sys.argv[2])
    from households import importer
    translation.activate("vi")
    start = time.monotonic()
    try:
        with open(sys.argv[1], "rb") as f:
            outcome = "accepted %s rows" % importer.count_rows(f)
    except Exception as exc:
        outcome = getattr(exc, "message", repr(exc))
    seconds = time.monotonic() - start
    # VmHWM: this process's peak resident memory (ru_maxrss would include the parent's at fork).
    try:
        with open("/proc/self/status") as status:
            line = next(x for x in status if x.startswith("VmHWM:"))
        peak_mb = int(line.split()[1]) / 1024
    except OSError:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "outcome": outcome}))
    """
)


@pytest.mark.parametrize(
    "unpacked_cap, message",
    [
        (None, "Tệp Excel giải nén ra hơn 50,0 MB"),  # the default caps: the archive check
        (2 * BOMB_UNPACKED, "Tệp có hơn 20.000 dòng"),  # the row cap, while streaming
    ],
)
def test_bomb_refused_in_under_2_s_and_150_mb(bomb, tmp_path, unpacked_cap, message):
    """Peak memory of a fresh process (VmHWM), interpreter and Django (~87 MB) included."""
    script = tmp_path / "measure.py"
    script.write_text(MEASURE)
    cap = unpacked_cap or settings.IMPORT_MAX_UNPACKED_SIZE
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smartvillage.settings_test",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    done = subprocess.run(
        [sys.executable, str(script), str(bomb), str(cap)],
        capture_output=True, text=True, timeout=60, env=env, cwd=settings.BASE_DIR,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert message in figures["outcome"].replace("\xa0", " ")
    assert figures["seconds"] < 2, figures
    assert figures["peak_mb"] < 150, figures


def test_200000_small_rows_are_refused_in_the_request_fast(login, leader_a1, tmp_path):
    path = write_workbook(tmp_path / "rows.xlsx", unpacked=200_000 * len(ONE_CELL))
    assert path.stat().st_size < settings.IMPORT_INLINE_MAX_SIZE  # small: counted inline
    response, took = upload_file(login(leader_a1), path)
    assert took < 2
    assert response.status_code == 200
    assert "Tệp có hơn 20.000 dòng" in response.content.decode()
    assert not HouseholdImport.objects.exists()


def test_file_size_cap(login, leader_a1, tmp_path, settings):
    settings.IMPORT_MAX_FILE_SIZE = 50 * 1024
    path = tmp_path / "big.xlsx"
    path.write_bytes(os.urandom(60 * 1024))
    response, _took = upload_file(login(leader_a1), path)
    assert "Tệp lớn hơn 50,0 KB: hãy chia thành nhiều tệp." in text(response)
    assert not HouseholdImport.objects.exists()


def test_concurrent_imports_per_user(login, leader_a1, leader_a2, commune_a, tmp_path):
    for status in ("queued", "importing"):
        HouseholdImport.objects.create(
            created_by=leader_a1, commune=commune_a, file_name="a.xlsx", status=status
        )
    HouseholdImport.objects.create(  # finished ones do not count
        created_by=leader_a1, commune=commune_a, file_name="b.xlsx", status="done"
    )
    path = write_workbook(tmp_path / "small.xlsx", unpacked=0)
    response, _took = upload_file(login(leader_a1), path)
    assert "Bạn đang có 2 lượt nhập chờ hoặc đang chạy" in response.content.decode()
    assert HouseholdImport.objects.count() == 3
    # Another user is not affected.
    response, _took = upload_file(login(leader_a2), path)
    assert response.status_code == 302


def test_payments_import_refuses_the_bomb_fast(login, official_a, commune_a, tmp_path):
    path = write_workbook(tmp_path / "pay.xlsx", unpacked=300 * 1024 * 1024, header=["x"])
    assert path.stat().st_size < 2 * 1024 * 1024
    response, took = upload_file(
        login(official_a), path, url="payments:import", commune=commune_a.pk
    )
    assert took < 2
    assert "giải nén ra hơn 20,0 MB" in text(response)


def test_payments_import_row_cap_while_streaming(login, official_a, commune_a, tmp_path):
    # Blank rows count too: 50 MB... of empty rows would otherwise be read to the end.
    path = write_workbook(tmp_path / "pay.xlsx", unpacked=15 * 1024 * 1024, row=b"<row/>")
    start = time.monotonic()
    response, _took = upload_file(
        login(official_a), path, url="payments:import", commune=commune_a.pk
    )
    assert time.monotonic() - start < 2
    assert "Tệp có hơn 10.000 dòng" in text(response)


def test_python_allocations_stay_small(bomb, settings):
    """tracemalloc's view (Python objects) of the streaming path, next to the process's RSS."""
    settings.IMPORT_MAX_UNPACKED_SIZE = 2 * BOMB_UNPACKED
    from core import spreadsheets

    tracemalloc.start()
    try:
        with bomb.open("rb") as f, pytest.raises(spreadsheets.SheetRefused):
            spreadsheets.count_rows(f)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_streaming_keeps_dates_and_numbers():
    """The streaming reader (no dimension probe) still reads a normal workbook's values."""
    import datetime as dt

    from openpyxl import Workbook

    from core.spreadsheets import iter_sheet_rows

    workbook = Workbook()
    workbook.active.append(["a", "b"])
    workbook.active.append([dt.date(1980, 9, 5), 12])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = list(iter_sheet_rows(buffer))
    assert rows[1][0] == 2
    assert rows[1][1][0].date() == dt.date(1980, 9, 5) and rows[1][1][1] == 12
