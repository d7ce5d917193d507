"""QR codes and print-ready label sheets for e-stamps (no database access here).

One QR matrix per stamp (qrcode, error correction M) feeds both outputs:
- a PNG (8 px per module, 4-module quiet zone) for the ZIP download;
- a 1-pixel-per-module greyscale image (2-module quiet zone) drawn on the A4 PDF sheet through
  reportlab's ImageReader; PDF viewers and printers scale it up without smoothing (>= 4x), so the
  modules stay sharp at any resolution (reportlab's own QR widget is about 5x slower).

The constant part of a label (product name, stars, lot, dates) is drawn once per batch as a PDF
form XObject and placed on each label; only the QR image and the serial differ per label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

# Shared with the address plates (core): fonts, QR images, wrapping; re-exported here.
from core.printing import (  # noqa: F401
    PNG_BORDER,
    PNG_SCALE,
    LabelFonts,
    ascii_fallback,
    label_fonts,
    matrix_image,
    png_bytes,
    wrap,
)
from core.qr import qr_matrix  # noqa: F401  (re-exported: labels.qr_matrix)

PDF_BORDER = 2  # quiet zone (modules) on the printed label: >= 2, labels without one do not scan

# A4 sheet: 4 columns x 10 rows = 40 labels of 49 x 28 mm inside 7 / 8.5 mm margins.
COLUMNS, ROWS = 4, 10
LABELS_PER_PAGE = COLUMNS * ROWS
PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_Y = 7 * mm, 8.5 * mm
CELL_W = (PAGE_W - 2 * MARGIN_X) / COLUMNS
CELL_H = (PAGE_H - 2 * MARGIN_Y) / ROWS
PAD = 1.5 * mm
QR_SIZE = CELL_H - 2 * PAD
# Smallest QR module on the printed sheet (docs/ocop.md): 0.76 mm for today's payloads (version
# 3, 33 modules with the quiet zone, on 25 mm), decoded from a 150-dpi scan; a SITE_URL long
# enough to push the code past 0.5 mm a module is refused rather than printed unreadable.
MIN_MODULE_MM = 0.5


def module_mm(matrix: Sequence[Sequence[bool]]) -> float:
    """The side of one QR module on the printed label, in millimetres (quiet zone included)."""
    return QR_SIZE / mm / (len(matrix) + 2 * PDF_BORDER)


# --- PDF sheet -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelText:
    """What every label of a batch says besides its serial (already translated)."""

    product_name: str
    stars: int
    detail_lines: tuple[str, ...]  # e.g. ("Lô: MO-2025-01", "NSX: 01/03/2025", "HSD: ...")
    footer: str  # bottom margin of each page, e.g. "Mật ong – lô MO-2025-01"
    scan_hint: str  # e.g. "Quét để kiểm tra"


class LabelSheet:
    """Writes an A4 PDF of labels; call add() per stamp, then close()."""

    def __init__(self, path_or_file, text: LabelText, *, total: int):
        self.fonts = label_fonts()
        self.text = text
        self.total = total
        self.pages = max(1, -(-total // LABELS_PER_PAGE))
        self.canvas = Canvas(path_or_file, pagesize=A4, pageCompression=1)
        self.canvas.setTitle(self.fonts.text(text.footer))
        self.canvas.setCreator("smartvillage OCOP e-stamps")
        self._on_page = 0
        self._page_no = 0
        self._first_seq_on_page = None
        self._define_forms()

    def _define_forms(self) -> None:
        c, f, t = self.canvas, self.fonts, self.text
        text_x = PAD + QR_SIZE + 1.2 * mm
        text_w = CELL_W - text_x - PAD
        # The constant part of a label, drawn relative to the label's bottom-left corner.
        c.beginForm("label", lowerx=0, lowery=0, upperx=CELL_W, uppery=CELL_H)
        y = CELL_H - PAD - 6.2
        for line in wrap(f.text(t.product_name), f.bold, 6.8, text_w, 3):
            c.setFont(f.bold, 6.8)
            c.drawString(text_x, y, line)
            y -= 7.6
        y -= 1.2
        c.setFont(f.regular, 7.5)
        c.setFillColorRGB(0.80, 0.55, 0.0)
        stars = f.star * t.stars if f.star == "★" else f"{t.stars}{f.star}"
        c.drawString(text_x, y, f"{stars} OCOP")
        c.setFillColorRGB(0, 0, 0)
        y -= 8
        c.setFont(f.regular, 5.6)
        for detail in t.detail_lines[:3]:
            for line in wrap(f.text(detail), f.regular, 5.6, text_w, 1):
                c.drawString(text_x, y, line)
                y -= 6.4
        c.setFont(f.regular, 5)
        c.setFillColorRGB(0.3, 0.3, 0.3)
        # "Quét để kiểm tra nguồn gốc" is wider than the text column: two lines, never cut.
        hint = wrap(f.text(t.scan_hint), f.regular, 5, text_w, 2)
        for n, line in enumerate(reversed(hint)):
            c.drawString(text_x, PAD + 8 + n * 5.6, line)
        c.setFillColorRGB(0, 0, 0)
        c.endForm()
        # Cutting guides: dashed light lines on every cell edge, marks in the margins.
        c.beginForm("guides", lowerx=0, lowery=0, upperx=PAGE_W, uppery=PAGE_H)
        c.setStrokeColorRGB(0.65, 0.65, 0.65)
        c.setLineWidth(0.3)
        c.setDash(2, 2)
        for col in range(COLUMNS + 1):
            x = MARGIN_X + col * CELL_W
            c.line(x, MARGIN_Y, x, PAGE_H - MARGIN_Y)
        for row in range(ROWS + 1):
            y = MARGIN_Y + row * CELL_H
            c.line(MARGIN_X, y, PAGE_W - MARGIN_X, y)
        c.setDash()
        c.setStrokeColorRGB(0, 0, 0)
        for col in range(COLUMNS + 1):
            x = MARGIN_X + col * CELL_W
            c.line(x, 1.5 * mm, x, MARGIN_Y - 1.5 * mm)
            c.line(x, PAGE_H - MARGIN_Y + 1.5 * mm, x, PAGE_H - 1.5 * mm)
        for row in range(ROWS + 1):
            y = MARGIN_Y + row * CELL_H
            c.line(1.5 * mm, y, MARGIN_X - 1.5 * mm, y)
            c.line(PAGE_W - MARGIN_X + 1.5 * mm, y, PAGE_W - 1.5 * mm, y)
        c.endForm()

    def _start_page(self, sequence: int) -> None:
        self._page_no += 1
        self._on_page = 0
        self._first_seq_on_page = sequence
        self.canvas.doForm("guides")

    def _finish_page(self, last_sequence: int) -> None:
        c, f = self.canvas, self.fonts
        c.setFont(f.regular, 6)
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.drawString(
            MARGIN_X,
            3.2 * mm,
            f.text(
                f"{self.text.footer} · #{self._first_seq_on_page}–{last_sequence}"
                f" · {self._page_no}/{self.pages}"
            ),
        )
        c.setFillColorRGB(0, 0, 0)
        c.showPage()

    def add(self, sequence: int, serial: str, matrix: Sequence[Sequence[bool]]) -> None:
        if module_mm(matrix) < MIN_MODULE_MM:
            raise ValueError(
                f"QR modules of {module_mm(matrix):.2f} mm are below {MIN_MODULE_MM} mm: "
                "shorten SITE_URL (the payload is <SITE_URL>/s/<serial>)"
            )
        if self._first_seq_on_page is None or self._on_page == LABELS_PER_PAGE:
            if self._first_seq_on_page is not None:
                self._finish_page(self._last_sequence)
            self._start_page(sequence)
        col, row = self._on_page % COLUMNS, self._on_page // COLUMNS
        x = MARGIN_X + col * CELL_W
        y = PAGE_H - MARGIN_Y - (row + 1) * CELL_H
        c = self.canvas
        c.saveState()
        c.translate(x, y)
        c.doForm("label")
        c.restoreState()
        c.drawImage(
            ImageReader(matrix_image(matrix, PDF_BORDER)), x + PAD, y + PAD, QR_SIZE, QR_SIZE
        )
        c.setFont(self.fonts.mono, 6.3)
        c.drawString(x + PAD + QR_SIZE + 1.2 * mm, y + PAD + 1.2, serial)
        self._on_page += 1
        self._last_sequence = sequence

    def close(self) -> None:
        if self._first_seq_on_page is not None:
            self._finish_page(self._last_sequence)
        self.canvas.save()
