"""Excel import (template, preview with row errors) and CSV/Excel export of cashless reports.

openpyxl plus a small preview of our own: the rules are the model's and the entry form's, and a
row needs lookups (village code, category label in either language) that django-import-export
would only wrap. Nothing is written until the user confirms; confirming is all or nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from core import spreadsheets
from core.exports import safe_cell
from villages.models import Commune, Village

from .fields import CountField, MonthField, VNDField, format_vnd
from .models import DEFAULT_SOURCE, CashlessReport, Category, Source

MAX_ROWS = 2000
# A monthly report is small (<= MAX_ROWS rows, <= 2 MB upload). A file over
# IMPORT_INLINE_MAX_SIZE is checked and written by the worker (payments/jobs.py, core.imports);
# either way the stream stops at the first row past MAX_STREAMED_ROWS (blank rows count) or at
# a workbook unpacking to more than MAX_UNPACKED_SIZE.
MAX_FILE_SIZE = 2 * 1024 * 1024
MAX_STREAMED_ROWS = 5 * MAX_ROWS
MAX_UNPACKED_SIZE = 20 * 1024 * 1024
PROGRESS_EVERY = 250

FIGURES = ("payers_total", "payers_cashless", "amount_total", "amount_cashless")
COLUMNS: list[tuple[str, str]] = [
    ("period", _("Month (MM/YYYY)")),
    ("village", _("Village code (empty = whole commune)")),
    ("category", _("Category")),
    ("payers_total", _("Payers (total)")),
    ("payers_cashless", _("Payers paying cashless")),
    ("amount_total", _("Amount (total, VND)")),
    ("amount_cashless", _("Amount paid cashless (VND)")),
    ("source", _("Source")),
    ("note", _("Note")),
]
REQUIRED = {"period", "category", "payers_total", "payers_cashless", "amount_total",
            "amount_cashless"}  # fmt: skip


def _in_both_languages(label) -> set[str]:
    names = set()
    for language in ("vi", "en"):
        with translation.override(language):
            names.add(str(label).strip().lower())
    return names


def _lookup(choices) -> dict[str, str]:
    """Code or label (Vietnamese or English, any case) -> code."""
    table = {}
    for value, label in choices:
        table[value.lower()] = value
        for name in _in_both_languages(label):
            table[name] = value
    return table


# --- Formula injection -----------------------------------------------------------------------


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe;
    characters that .xlsx cannot hold are removed (core.exports.safe_cell)."""
    return safe_cell(value)


# --- Template --------------------------------------------------------------------------------


def import_template(*, commune: Commune, period) -> bytes:
    """An .xlsx with the header row, one commune-level row per category, and a reference sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Reports")
    sheet.append([str(label) for _key, label in COLUMNS])
    for value, label in Category.choices:
        sheet.append(
            [f"{period:%m/%Y}", "", str(label), None, None, None, None,
             str(dict(Source.choices)[DEFAULT_SOURCE[value]]), ""]
        )  # fmt: skip
    for column in "ABCDEFGHI":
        sheet.column_dimensions[column].width = 22
    reference = workbook.create_sheet(gettext("Lists"))
    reference.append([gettext("Villages"), "", gettext("Categories"), gettext("Sources")])
    villages = list(Village.objects.filter(commune=commune).order_by("number"))
    categories = [str(label) for _v, label in Category.choices]
    sources = [str(label) for _v, label in Source.choices]
    for i in range(max(len(villages), len(categories), len(sources))):
        reference.append(
            [
                villages[i].code if i < len(villages) else None,
                neutralise(villages[i].name) if i < len(villages) else None,
                categories[i] if i < len(categories) else None,
                sources[i] if i < len(sources) else None,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Preview ---------------------------------------------------------------------------------


class ImportRowForm(forms.Form):
    """One spreadsheet row, with the same rules as the portal entry form."""

    period = MonthField()
    village = forms.CharField(required=False)
    category = forms.CharField()
    payers_total = CountField()
    payers_cashless = CountField()
    amount_total = VNDField()
    amount_cashless = VNDField()
    source = forms.CharField(required=False)
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, villages: dict[str, Village], **kwargs):
        super().__init__(*args, **kwargs)
        self.villages = villages
        self.categories = _lookup(Category.choices)
        self.sources = _lookup(Source.choices)

    def clean_village(self):
        text = (self.cleaned_data.get("village") or "").strip()
        if not text:
            return None
        village = self.villages.get(text.lower())
        if village is None:
            raise ValidationError(_("Unknown village: %(name)s."), params={"name": text})
        return village

    def clean_category(self):
        text = self.cleaned_data["category"].strip()
        code = self.categories.get(text.lower())
        if code is None:
            raise ValidationError(_("Unknown category: %(name)s."), params={"name": text})
        return code

    def clean_source(self):
        text = (self.cleaned_data.get("source") or "").strip()
        if not text:
            return ""
        code = self.sources.get(text.lower())
        if code is None:
            raise ValidationError(_("Unknown source: %(name)s."), params={"name": text})
        return code

    def clean(self):
        data = super().clean()
        pairs = [
            ("payers_cashless", "payers_total",
             _("Payers paying cashless cannot exceed the total number of payers.")),
            ("amount_cashless", "amount_total",
             _("The amount paid cashless cannot exceed the total.")),
        ]  # fmt: skip
        for part, whole, message in pairs:
            if data.get(part) is not None and data.get(whole) is not None:
                if data[part] > data[whole]:
                    self.add_error(part, message)
        return data


@dataclass
class PreviewRow:
    number: int  # the spreadsheet row number, as the user sees it
    values: dict
    errors: list[str] = field(default_factory=list)
    action: str = ""  # "new" | "update"

    @property
    def category_label(self) -> str:
        return str(dict(Category.choices).get(self.values.get("category"), ""))


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    saved: dict | None = None  # {"created": n, "updated": m} once written

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    @property
    def total_rows(self) -> int:
        return len(self.rows)

    def as_json(self) -> dict:
        """What the import page shows (core.imports keeps it on the job): figures only."""
        rows = []
        for row in self.rows:
            v = row.values
            if row.errors:
                raw = (v.get(key) for key in ("period", "village", "category"))
                rows.append(
                    {
                        "row": row.number,
                        "raw": " ".join(str(x) for x in raw if x not in (None, "")),
                        "errors": row.errors,
                    }
                )
                continue
            rows.append(
                {
                    "row": row.number,
                    "period": f"{v['period']:%m/%Y}",
                    "village": v["village"].name if v["village"] else "",
                    "category": row.category_label,
                    **{name: v[name] for name in FIGURES},
                    "action": row.action,
                }
            )
        return {
            "ok": self.ok,
            "file_errors": self.file_errors,
            "rows": rows,
            "error_count": self.error_count,
            "counts": {
                "new": sum(1 for r in self.rows if r.action == "new"),
                "update": sum(1 for r in self.rows if r.action == "update"),
            },
            "saved": self.saved,
        }

    def report_rows(self) -> list[dict]:
        """The checked rows as services.cashless_reports_save takes them."""
        return [row.values for row in self.rows]


def _read_rows(upload) -> tuple[list[str], list[tuple[int, list]]]:
    """Header and data rows, streamed with the caps of core.spreadsheets (unpacked size, every
    row counted, blank ones too): a hostile sheet is refused after a bounded amount of work."""
    header: list[str] = []
    rows: list[tuple[int, list]] = []
    stream = spreadsheets.iter_sheet_rows(
        upload, limit=MAX_STREAMED_ROWS, max_unpacked=MAX_UNPACKED_SIZE
    )
    try:
        for number, values in stream:
            if number == 1:
                header = [str(v).strip().lower() if v is not None else "" for v in values]
                continue
            if not values or all(v is None or str(v).strip() == "" for v in values):
                continue
            rows.append((number, list(values)))
            if len(rows) > MAX_ROWS:
                raise ValidationError(
                    _("The file has more than %(max)d rows."), params={"max": MAX_ROWS}
                )
    except spreadsheets.SheetRefused as exc:
        raise ValidationError(exc.message) from exc
    finally:
        stream.close()
    return header, rows


def import_preview(*, upload, commune: Commune, progress=None) -> Preview:
    """Read and check every row; nothing is written. Two queries (villages, existing reports).
    `progress(rows)` is told every PROGRESS_EVERY rows checked."""
    preview = Preview()
    try:
        header, raw_rows = _read_rows(upload)
    except ValidationError as exc:
        preview.file_errors.extend(exc.messages)
        return preview
    positions: dict[str, int] = {}
    for key, label in COLUMNS:
        names = _in_both_languages(label) | {key}
        for index, heading in enumerate(header):
            if heading in names:
                positions[key] = index
                break
    missing = [str(label) for key, label in COLUMNS if key in REQUIRED and key not in positions]
    if missing:
        preview.file_errors.append(
            gettext("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
        return preview
    if not raw_rows:
        preview.file_errors.append(gettext("The file has no rows."))
        return preview

    villages: dict[str, Village] = {}
    for village in Village.objects.filter(commune=commune):
        villages[village.code.lower()] = village
        villages.setdefault(village.name.strip().lower(), village)
    seen: dict[tuple, int] = {}
    for checked, (number, values) in enumerate(raw_rows, start=1):
        if progress is not None and checked % PROGRESS_EVERY == 0:
            progress(checked)
        data = {
            key: values[index] if index < len(values) else None for key, index in positions.items()
        }
        form = ImportRowForm(
            {k: ("" if v is None else v) for k, v in data.items()}, villages=villages
        )
        row = PreviewRow(number=number, values=data)
        if form.is_valid():
            row.values = form.cleaned_data
            village = form.cleaned_data["village"]
            key = (village.pk if village else None, form.cleaned_data["period"],
                   form.cleaned_data["category"])  # fmt: skip
            if key in seen:
                row.errors.append(
                    gettext("Same village, month and category as row %(row)d.") % {"row": seen[key]}
                )
            else:
                seen[key] = number
        else:
            for name, messages in form.errors.items():
                label = dict(COLUMNS).get(name, "")
                for message in messages:
                    row.errors.append(f"{label}: {message}" if label else message)
        preview.rows.append(row)

    periods = {key[1] for key in seen}
    existing = set(
        CashlessReport.objects.filter(commune=commune, period__in=periods).values_list(
            "village_id", "period", "category"
        )
    )
    for row in preview.rows:
        if not row.errors:
            village = row.values["village"]
            key = (village.pk if village else None, row.values["period"], row.values["category"])
            row.action = "update" if key in existing else "new"
    return preview


# --- Export ----------------------------------------------------------------------------------


def export_table(reports) -> tuple[list[str], list[list]]:
    """Header and rows of an export; the first columns re-import as they are."""
    header = [str(label) for _key, label in COLUMNS] + [
        str(_("Village")),
        str(_("Share by payers (%)")),
        str(_("Share by value (%)")),
    ]
    rows = []
    for report in reports:
        payers, amount = report.payers_share, report.amount_share
        rows.append(
            [
                f"{report.period:%m/%Y}",
                report.village.code if report.village else "",
                report.get_category_display(),
                report.payers_total,
                report.payers_cashless,
                report.amount_total,
                report.amount_cashless,
                report.get_source_display() if report.source else "",
                report.note,
                report.village.name if report.village else "",
                None if payers is None else round(float(payers) * 100, 2),
                None if amount is None else round(float(amount) * 100, 2),
            ]
        )
    return header, rows


def export_csv(reports) -> str:
    header, rows = export_table(reports)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise("" if v is None else v) for v in row])
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 Vietnamese correctly


def export_xlsx(reports) -> bytes:
    header, rows = export_table(reports)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Reports")
    sheet.append([neutralise(h) for h in header])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = ["format_vnd", "import_preview", "import_template", "export_csv", "export_xlsx"]
