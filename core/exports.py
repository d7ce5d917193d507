"""Spreadsheet cells that are safe to open: no formula injection, no characters that break .xlsx.

Text typed by users (names, notes, lot codes) ends up in CSV and Excel exports. A cell starting
with = + - @ (or a tab / carriage return) would run as a formula in Excel or LibreOffice, so it
gets a leading apostrophe (OWASP "CSV injection"); control characters that openpyxl refuses
(IllegalCharacterError, i.e. a 500 on export) are removed.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def sanitise_workbook(workbook) -> None:
    """Make every text or formula cell of an openpyxl workbook safe (in place)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = safe_cell(cell.value)
