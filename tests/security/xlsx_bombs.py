"""Hostile workbooks for the import caps (tests/security/test_import_caps.py) and their
benchmark (bench/import_caps.py): standard library only, so that both can import it.

`write_workbook` builds an .xlsx with zipfile and a streamed sheet XML: no <dimension> tag,
rows without numbers, as small on disk as the issue's (980 MB unpacked in 2.9 MB)."""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path

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


def write_workbook(path: Path, *, unpacked: int, header, row=ONE_CELL) -> Path:
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


# Run in a fresh process (python measure.py <file> <unpacked cap> [households|payments]): what
# the worker's check does first, streaming the sheet (households: importer.count_rows;
# payments: spreadsheets.import_preview, whose own caps are 20 MB / 10,000 rows); prints the
# seconds, the peak memory and the outcome as JSON.
MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    import django
    django.setup()
    from django.conf import settings
    from django.utils import translation
    settings.IMPORT_MAX_UNPACKED_SIZE = int(sys.argv[2])
    importer_name = sys.argv[3] if len(sys.argv) > 3 else "households"
    translation.activate("vi")
    start = time.monotonic()
    try:
        with open(sys.argv[1], "rb") as f:
            if importer_name == "payments":
                from payments import spreadsheets
                from villages.models import Commune
                preview = spreadsheets.import_preview(upload=f, commune=Commune())
                outcome = " ".join(preview.file_errors) or "accepted %s rows" % len(preview.rows)
            else:
                from households import importer
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
