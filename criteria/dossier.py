"""The commune's self-assessment for the recognition dossier, as an Excel workbook (Vietnamese)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.exports import sanitise_workbook
from core.names import person_name
from villages.models import Commune

from . import selectors
from .formatting import format_value

FILLS = {
    "met": PatternFill("solid", fgColor="C6EFCE"),
    "not_met": PatternFill("solid", fgColor="FFC7CE"),
    "no_data": PatternFill("solid", fgColor="EDEDED"),
    "na": PatternFill("solid", fgColor="DDEBF7"),
}
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _fraction(a) -> str:
    if a is None or a.numerator is None or a.denominator in (None, 0):
        return ""
    return f"{format_value(a.numerator, 'count')} / {format_value(a.denominator, 'count')}"


def _requirement(criterion) -> str:
    """'≥ 70% (threshold of commune group 2)': the threshold and whose it is, as on the pages."""
    note = criterion.requirement_note()
    return (
        f"{criterion.requirement_display()} ({note})" if note else criterion.requirement_display()
    )


def _header(ws, row: int, titles: list[str], widths: list[int]) -> None:
    for col, (title, width) in enumerate(zip(titles, widths, strict=True), start=1):
        cell = ws.cell(row=row, column=col, value=title)
        cell.font = BOLD
        cell.alignment = WRAP
        ws.column_dimensions[get_column_letter(col)].width = width


def dossier_workbook(commune: Commune, period: str | None = None) -> bytes:
    """Sheets: the commune's self-assessment, the smart-village matrix, the evidence list."""
    with translation.override("vi"):
        data = selectors.commune_checklist(commune, period)
        evidence = selectors.evidence_list(commune)
        computed = (
            timezone.localtime(data["computed_at"]).strftime("%d/%m/%Y %H:%M")
            if data["computed_at"]
            else _("not computed yet")
        )
        wb = Workbook()
        ws = wb.active
        ws.title = _("Self-assessment")[:31]
        ws.cell(row=1, column=1, value=_("Self-assessment of %(commune)s") % {
            "commune": commune.name}).font = Font(bold=True, size=14)  # fmt: skip
        ws.cell(row=2, column=1, value=f"{_('Computed at')}: {computed}")
        row = 4
        for block in data["commune_blocks"]:
            ws.cell(row=row, column=1, value=str(block.criteria_set)).font = BOLD
            ws.cell(row=row + 1, column=1, value=block.criteria_set.legal_basis).alignment = WRAP
            row += 2
            _header(
                ws,
                row,
                [
                    pgettext("row number", "No."),
                    _("Criterion"),
                    _("Requirement"),
                    _("Result"),
                    _("Numerator / denominator"),
                    _("Assessment"),
                    _("Evidence"),
                ],  # fmt: skip
                [6, 60, 14, 16, 22, 16, 50],
            )
            row += 1
            for criterion, a in block.rows:
                ev = a.evidence if a else None
                ev_text = ""
                if ev is not None:
                    ev_text = "; ".join(x for x in [ev.option, ev.reference, ev.note] if x)
                values = [
                    criterion.code,
                    criterion.title,
                    _requirement(criterion),
                    format_value(a.value, criterion.unit) if a else "–",
                    _fraction(a),
                    a.status_label if a else _("No data"),
                    ev_text,
                ]
                for col, value in enumerate(values, start=1):
                    cell = ws.cell(row=row, column=col, value=value)
                    cell.alignment = WRAP
                if a:
                    ws.cell(row=row, column=6).fill = FILLS[a.status]
                row += 1
            row += 1

        for block in data["village_blocks"]:
            sheet = wb.create_sheet(_("Smart villages")[:31])
            sheet.cell(row=1, column=1, value=str(block.criteria_set)).font = BOLD
            sheet.cell(row=2, column=1, value=f"{_('Computed at')}: {computed}")
            titles = [_("Village")] + [
                f"{c.code}. {c.title}: {_requirement(c)}" for c in block.criteria
            ] + [_("Progress"), _("Meets the set")]  # fmt: skip
            _header(sheet, 4, titles, [18] + [18] * len(block.criteria) + [12, 14])
            for r, village_row in enumerate(block.villages, start=5):
                sheet.cell(row=r, column=1, value=village_row.village.name)
                for col, (c, a) in enumerate(
                    zip(block.criteria, village_row.cells, strict=True), start=2
                ):
                    text = "–"
                    if a is not None:
                        text = f"{format_value(a.value, c.unit)} – {a.status_label}"
                    cell = sheet.cell(row=r, column=col, value=text)
                    if a is not None:
                        cell.fill = FILLS[a.status]
                progress = village_row.progress
                sheet.cell(
                    row=r,
                    column=len(block.criteria) + 2,
                    value=f"{format_value(progress, 'percent')}" if progress is not None else "–",
                )
                sheet.cell(
                    row=r,
                    column=len(block.criteria) + 3,
                    value=_("Yes") if village_row.meets else _("No"),
                )

        ev_sheet = wb.create_sheet(_("Evidence")[:31])
        _header(
            ev_sheet,
            1,
            [
                _("Criterion"),
                _("Village"),
                _("Value"),
                _("Chosen option"),
                _("Document reference"),
                _("Note"),
                _("File"),
                _("Entered by"),
                _("Entered at"),
            ],  # fmt: skip
            [40, 16, 14, 20, 30, 40, 10, 20, 18],
        )
        for r, ev in enumerate(evidence, start=2):
            values = [
                str(ev.criterion),
                ev.village.name if ev.village else "",
                format_value(ev.effective_value(), ev.criterion.unit),
                ev.option,
                ev.reference,
                ev.note,
                _("Yes") if ev.file else _("No"),
                person_name(ev.entered_by),
                timezone.localtime(ev.entered_at).strftime("%d/%m/%Y %H:%M"),
            ]
            for col, value in enumerate(values, start=1):
                ev_sheet.cell(row=r, column=col, value=value).alignment = WRAP
    # Officials' free text must never become a formula (CSV/Excel injection).
    sanitise_workbook(wb)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
