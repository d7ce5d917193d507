"""Caps on uploaded Excel workbooks (docs/security.md, finding 2: import denial of service).

An .xlsx is a zip: 3 MB on disk can unpack to a gigabyte of sheet XML, and a sheet without a
<dimension> tag says nothing about its size until it is read. So:

- the upload itself is capped (`IMPORT_MAX_FILE_SIZE`, default 10 MB);
- the zip's parts are capped by their unpacked size as declared in the archive
  (`IMPORT_MAX_UNPACKED_SIZE`, default 50 MB; Python's zipfile never returns more bytes than
  declared, so a lying archive only gets truncated);
- rows are counted while openpyxl streams the sheet (read_only, without openpyxl's own probe
  for a <dimension> tag, which reads a sheet without one to its end) and reading stops at the
  first row past `IMPORT_MAX_ROWS` (default 20,000), blank rows included.

Each refusal is one Vietnamese sentence (`SheetRefused.message`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext


class SheetRefused(Exception):
    """The workbook is refused before it is read in full; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def max_file_size() -> int:
    return settings.IMPORT_MAX_FILE_SIZE


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def file_too_large_message(max_size: int | None = None) -> str:
    return gettext("The file is larger than %(size)s: split it into several files.") % {
        "size": filesizeformat(max_file_size() if max_size is None else max_size)
    }


def too_many_rows_message(limit: int | None = None) -> str:
    limit = max_rows() if limit is None else limit
    return gettext(
        "The file has more than %(max)s rows: split it into files of at most %(max)s rows."
    ) % {"max": f"{limit:,}".replace(",", ".")}


def unreadable_message() -> str:
    return gettext("This file is not an Excel workbook (.xlsx) we can read.")


def check_size(upload, *, max_size: int | None = None) -> None:
    """Refuse an upload over `max_size` (default IMPORT_MAX_FILE_SIZE), before it is read."""
    limit = max_file_size() if max_size is None else max_size
    if upload.size is not None and upload.size > limit:
        raise SheetRefused(file_too_large_message(limit))


def check_archive(fileobj, *, max_unpacked: int | None = None) -> None:
    """Refuse a file that is not a zip, or whose parts unpack to more than the cap."""
    if max_unpacked is None:
        max_unpacked = settings.IMPORT_MAX_UNPACKED_SIZE
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SheetRefused(unreadable_message()) from exc
    finally:
        fileobj.seek(0)
    if unpacked > max_unpacked:
        raise SheetRefused(
            gettext(
                "The workbook unpacks to more than %(size)s (a normal register is much "
                "smaller): save it again from Excel or split it."
            )
            % {"size": filesizeformat(max_unpacked)}
        )


def _open_streaming(fileobj):
    """openpyxl's read-only workbook, minus its size probe.

    openpyxl's ReadOnlyWorksheet looks for the <dimension> tag when it is created, and without
    one it parses the whole sheet to find out there is none (12 s for 50 MB of XML, before the
    first row is returned). Our sheets skip the probe: rows are counted while they stream."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self):
            return None

    class StreamingReader(ExcelReader):
        def read_worksheets(self):
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                    continue
                ws = UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    reader = StreamingReader(fileobj, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def iter_sheet_rows(
    fileobj, *, limit: int | None = None, max_unpacked: int | None = None
) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of the first sheet, streamed; SheetRefused past `limit` data rows.

    Row 1 is the header. Every row counts, blank ones too (a sheet of empty rows is as slow to
    read as a full one). The archive is checked first (check_archive)."""
    limit = max_rows() if limit is None else limit
    check_archive(fileobj, max_unpacked=max_unpacked)
    try:
        workbook = _open_streaming(fileobj)
    except Exception as exc:  # not an xlsx, damaged: openpyxl raises many kinds
        raise SheetRefused(unreadable_message()) from exc
    try:
        if not workbook.worksheets:
            raise SheetRefused(unreadable_message())
        sheet = workbook.worksheets[0]
        # A <dimension> tag is a claim, not a fact (none is read: see _open_streaming): every
        # row is read as it is and counted.
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        while True:
            try:
                number, values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # damaged XML or a truncated part, found mid-stream
                raise SheetRefused(unreadable_message()) from exc
            if number > limit + 1:
                raise SheetRefused(too_many_rows_message(limit))
            yield number, values
    finally:
        workbook.close()
        fileobj.seek(0)


def count_rows(fileobj, *, limit: int | None = None) -> int:
    """Data rows below the header (blank rows not counted), refusing past the cap."""
    total = 0
    for number, values in iter_sheet_rows(fileobj, limit=limit):
        if number > 1 and values and any(v not in (None, "") for v in values):
            total += 1
    return total
