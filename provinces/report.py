"""The province summary in the province's form, as an Excel workbook (Vietnamese).

Communes x criteria of the programme period: each cell the commune's latest value and met /
not met, each commune's criteria met / total and roll-up date, and per criterion the number of
communes meeting it. Figures only (the same rows as the overview): no person, household or
phone is in it.
"""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.exports import sanitise_workbook
from criteria.formatting import format_value

FILLS = {
    "met": PatternFill("solid", fgColor="C6EFCE"),
    "not_met": PatternFill("solid", fgColor="FFC7CE"),
    "no_data": PatternFill("solid", fgColor="EDEDED"),
}
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="top", wrap_text=True)


def cell_text(assessment, criterion) -> str:
    """'85,3% – Đạt' for one commune and criterion ('–' when it has no result)."""
    if assessment is None:
        return "–"
    value = format_value(assessment.value, criterion.unit) if assessment.value is not None else ""
    status = assessment.get_status_display()
    return f"{value} – {status}" if value else status


def summary_workbook(*, province_name: str, office: str, data: dict) -> bytes:
    """Sheets: the summary (communes x criteria) and the criteria with their requirements."""
    with translation.override("vi"):
        today = timezone.localdate().strftime("%d/%m/%Y")
        criteria = data["criteria"]
        lines = data["lines"]
        wb = Workbook()
        ws = wb.active
        ws.title = _("Summary")[:31]
        heading = [
            (office.upper(), BOLD),
            (_("Socialist Republic of Viet Nam").upper(), BOLD),
            (_("Independence – Freedom – Happiness"), BOLD),
            ("", None),
            (
                _("Summary of the communes' criteria, %(province)s") % {"province": province_name},
                Font(bold=True, size=14),
            ),
            (f"{_('Programme period')}: {data['period'] or '–'} · {_('Date')}: {today}", None),
        ]
        for row, (text, font) in enumerate(heading, start=1):
            cell = ws.cell(row=row, column=1, value=text)
            if font is not None:
                cell.font = font
        top = len(heading) + 2
        fixed = [
            (pgettext("row number", "No."), 6),
            (_("Code"), 8),
            (_("Commune"), 24),
            (_("Group"), 8),
            (_("Criteria met"), 10),
            (_("Latest roll-up"), 12),
        ]
        titles = [t for t, _w in fixed] + [
            f"{c.code}. {c.title} ({c.criterion.requirement_display()})" for c in criteria
        ]
        widths = [w for _t, w in fixed] + [18] * len(criteria)
        for col, (title, width) in enumerate(zip(titles, widths, strict=True), start=1):
            cell = ws.cell(row=top, column=col, value=title)
            cell.font = BOLD
            cell.alignment = WRAP
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = ws.cell(row=top + 1, column=len(fixed) + 1)
        for number, line in enumerate(lines, start=1):
            row = top + number
            values = [
                number,
                line.commune.code,
                line.commune.name,
                line.group or "–",
                f"{line.met}/{line.total}" if line.total else "–",
                line.rolled_up_on.strftime("%d/%m/%Y") if line.rolled_up_on else "–",
            ]
            for col, value in enumerate(values, start=1):
                ws.cell(row=row, column=col, value=value).alignment = WRAP
            for col, c in enumerate(criteria, start=len(fixed) + 1):
                a = line.cells.get(c.code)
                cell = ws.cell(row=row, column=col, value=cell_text(a, c.criterion))
                cell.alignment = CENTRE
                if a is not None and a.status in FILLS:
                    cell.fill = FILLS[a.status]
        total_row = top + len(lines) + 1
        ws.cell(row=total_row, column=3, value=_("Communes meeting it")).font = BOLD
        for col, c in enumerate(criteria, start=len(fixed) + 1):
            cell = ws.cell(row=total_row, column=col, value=f"{c.met}/{c.assessed}")
            cell.font = BOLD
            cell.alignment = CENTRE

        sheet = wb.create_sheet(_("Criteria")[:31])
        for col, (title, width) in enumerate(
            [(_("Code"), 8), (_("Criterion"), 60), (_("Requirement"), 16),
             (_("Communes meeting it"), 14), (_("Communes assessed"), 14)], start=1
        ):  # fmt: skip
            cell = sheet.cell(row=1, column=col, value=title)
            cell.font = BOLD
            sheet.column_dimensions[get_column_letter(col)].width = width
        for row, c in enumerate(criteria, start=2):
            values = [c.code, c.title, c.criterion.requirement_display(), c.met, c.assessed]
            for col, value in enumerate(values, start=1):
                sheet.cell(row=row, column=col, value=value).alignment = WRAP
    sanitise_workbook(wb)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
