"""Address plates as print-ready vector PDFs (no database access here).

A plate (default 300 x 200 mm, landscape) carries, in large type, the village in a coloured band,
the lane and the house number; the digital-address code; the commune; and a QR code of
`<SITE_URL>/a/<code>` drawn as vector squares (no bitmap: sharp at any size, on metal or on a
sticker). The QR figures (docs/plates.md):

- error correction Q (25 % of the symbol may be scratched or dirty: a plate lives outdoors);
- quiet zone 4 modules (ISO/IEC 18004 asks 4; 2 is the least that scans on paper labels);
- the symbol with its quiet zone takes min(plate height - band - 2 margins - hint line,
  45 % of the width): 134 mm on a 300 x 200 plate, 3.3 mm a module (version 4); a plate whose
  modules would fall under MIN_MODULE_MM (1.5 mm) is refused rather than printed unreadable.

The A4 proof sheet shows eight plates a page at a third of their size (still decodable from a
150-dpi scan) with each plate's number and code, for checking before the print shop runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qrcode.constants import ERROR_CORRECT_Q
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from core.printing import label_fonts, wrap
from core.qr import qr_matrix

QUIET_ZONE = 4  # modules
MIN_MODULE_MM = 1.5
QR_ERROR_CORRECTION = ERROR_CORRECT_Q
BAND = (0.05, 0.27, 0.55)  # dark blue band (RGB), white text on it
INK = (0.05, 0.1, 0.2)

# Proof sheet: 2 columns x 4 rows of plates on A4 portrait.
PROOF_COLUMNS, PROOF_ROWS = 2, 4
PROOF_MARGIN = 10 * mm
PROOF_CAPTION = 5 * mm


@dataclass(frozen=True)
class PlateText:
    """What one plate says (already translated)."""

    village: str
    lane: str
    house_label: str  # "Số nhà" / "Hộ số"
    house: str
    code_label: str  # "Mã địa chỉ số"
    code: str
    commune: str
    hint: str  # "Quét mã để xem địa chỉ"


def plate_matrix(url: str) -> list[bytes]:
    return qr_matrix(url, QR_ERROR_CORRECTION)


def qr_side_mm(width_mm: float, height_mm: float) -> float:
    """The QR symbol with its quiet zone, in mm."""
    margin, band, hint = 0.05 * height_mm, 0.18 * height_mm, 0.05 * height_mm
    return min(height_mm - band - 2 * margin - hint, 0.45 * width_mm)


def module_mm(matrix: Sequence[bytes], width_mm: float, height_mm: float) -> float:
    return qr_side_mm(width_mm, height_mm) / (len(matrix) + 2 * QUIET_ZONE)


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The largest size <= `size` at which `text` fits `width` (same units)."""
    natural = stringWidth(text, font, 1) or 1
    return min(size, width / natural)


def _draw_qr(c: Canvas, matrix: Sequence[bytes], x: float, y: float, side: float) -> None:
    """The QR at (x, y) (bottom-left, quiet zone included), drawn in module units (integer
    coordinates: short to write, exact) with the dark runs of each row as one rectangle."""
    n = len(matrix)
    module = side / (n + 2 * QUIET_ZONE)
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, side, side, stroke=0, fill=1)
    c.saveState()
    c.translate(x + QUIET_ZONE * module, y + QUIET_ZONE * module)
    c.scale(module, module)
    c.setFillColorRGB(0, 0, 0)
    path = c.beginPath()
    for r, row in enumerate(matrix):
        top = n - r - 1
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(start, top, col - start, 1)
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def draw_plate(c: Canvas, text: PlateText, matrix: Sequence[bytes], w: float, h: float) -> None:
    """One plate in the canvas' current coordinates, units: mm (the caller scales)."""
    f = label_fonts()
    margin, band = 0.05 * h, 0.18 * h
    # Plate edge (cut line of the sticker, edge of the metal) and the band with the village.
    c.setLineWidth(0.6)
    c.setStrokeColorRGB(*BAND)
    c.setFillColorRGB(1, 1, 1)
    c.roundRect(0.4, 0.4, w - 0.8, h - 0.8, 0.04 * h, stroke=1, fill=1)
    c.setFillColorRGB(*BAND)
    c.roundRect(0.4, h - band - 0.4, w - 0.8, band, 0.04 * h, stroke=0, fill=1)
    c.rect(0.4, h - band - 0.4, w - 0.8, band / 2, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    village = f.text(text.village)
    size = _fit(village, f.bold, band * 0.55, w - 2 * margin)
    c.setFont(f.bold, size)
    c.drawCentredString(w / 2, h - band / 2 - size * 0.35, village)
    # QR on the right, text column on the left.
    side = qr_side_mm(w, h)
    qr_x, qr_y = w - margin - side, margin + 0.05 * h
    _draw_qr(c, matrix, qr_x, qr_y, side)
    # The hint under the symbol, outside its quiet zone (text inside it stops scanners).
    c.setFillColorRGB(0.3, 0.3, 0.3)
    hint = f.text(text.hint)
    hint_size = _fit(hint, f.regular, 0.035 * h, side)
    c.setFont(f.regular, hint_size)
    c.drawCentredString(qr_x + side / 2, margin + 0.1 * hint_size, hint)
    col_x, col_w = margin, qr_x - 2 * margin
    c.setFillColorRGB(*INK)
    y = h - band - margin
    # Lane: up to two lines.
    lane_size = 0.075 * h
    for line in wrap(f.text(text.lane), f.bold, lane_size, col_w, 2) if text.lane else []:
        y -= lane_size
        c.setFont(f.bold, _fit(line, f.bold, lane_size, col_w))
        c.drawString(col_x, y, line)
        y -= lane_size * 0.25
    # House number: the largest type on the plate.
    label_size = 0.05 * h
    y -= label_size * 1.2
    c.setFont(f.regular, label_size)
    c.drawString(col_x, y, f.text(text.house_label))
    house = f.text(text.house)
    house_size = _fit(house, f.bold, 0.30 * h, col_w)
    y -= house_size * 0.78
    c.setFont(f.bold, house_size)
    c.drawString(col_x, y, house)
    # Code and commune at the bottom of the column.
    commune = f.text(text.commune)
    commune_size = _fit(commune, f.regular, 0.055 * h, col_w)
    c.setFont(f.regular, commune_size)
    c.drawString(col_x, margin + 0.2 * commune_size, commune)
    code_y = margin + commune_size * 1.6
    code = text.code
    code_size = _fit(code, f.mono, 0.07 * h, col_w)
    c.setFont(f.mono, code_size)
    c.drawString(col_x, code_y, code)
    c.setFont(f.regular, 0.035 * h)
    c.drawString(col_x, code_y + code_size * 1.05, f.text(text.code_label))


def check_module(matrix: Sequence[bytes], w: float, h: float) -> None:
    size = module_mm(matrix, w, h)
    if size < MIN_MODULE_MM:
        raise ValueError(
            f"QR modules of {size:.2f} mm are below {MIN_MODULE_MM} mm on a {w}x{h} mm plate: "
            "shorten SITE_URL or choose a larger plate"
        )


def plate_pdf(
    out, text: PlateText, matrix: Sequence[bytes], w: float, h: float, *, title: str
) -> None:
    """One plate, one page of exactly w x h mm (vector text and QR)."""
    check_module(matrix, w, h)
    c = Canvas(out, pagesize=(w * mm, h * mm), pageCompression=1)
    c.setTitle(title)
    c.setCreator("smartvillage address plates")
    c.scale(mm, mm)
    draw_plate(c, text, matrix, w, h)
    c.showPage()
    c.save()


class ProofSheet:
    """A4 pages of plates at reduced size, each captioned with its number and code."""

    def __init__(self, out, w: float, h: float, *, title: str, total: int):
        self.w, self.h = w, h
        self.canvas = Canvas(out, pagesize=A4, pageCompression=1)
        self.canvas.setTitle(title)
        self.canvas.setCreator("smartvillage address plates")
        self.title = title
        page_w, page_h = A4
        cell_w = (page_w - 2 * PROOF_MARGIN) / PROOF_COLUMNS
        cell_h = (page_h - 2 * PROOF_MARGIN - 4 * mm) / PROOF_ROWS
        self.scale = min((cell_w - 4 * mm) / (w * mm), (cell_h - PROOF_CAPTION - 2 * mm) / (h * mm))
        self.cell_w, self.cell_h = cell_w, cell_h
        self.per_page = PROOF_COLUMNS * PROOF_ROWS
        self.pages = max(1, -(-total // self.per_page))
        self.on_page = 0
        self.page_no = 0

    def add(self, sequence: int, text: PlateText, matrix: Sequence[bytes]) -> None:
        c, f = self.canvas, label_fonts()
        if self.on_page == self.per_page:
            self._finish_page()
        if self.on_page == 0:
            self.page_no += 1
        col, row = self.on_page % PROOF_COLUMNS, self.on_page // PROOF_COLUMNS
        _pw, page_h = A4
        x = PROOF_MARGIN + col * self.cell_w + 2 * mm
        y_top = page_h - PROOF_MARGIN - row * self.cell_h
        plate_h = self.h * mm * self.scale
        c.setFont(f.regular, 7)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(x, y_top - 3.5 * mm, f.text(f"#{sequence} · {text.code} · {text.house}"))
        c.saveState()
        c.translate(x, y_top - PROOF_CAPTION - plate_h)
        c.scale(mm * self.scale, mm * self.scale)
        draw_plate(c, text, matrix, self.w, self.h)
        c.restoreState()
        self.on_page += 1

    def _finish_page(self) -> None:
        c, f = self.canvas, label_fonts()
        c.setFont(f.regular, 7)
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.drawString(PROOF_MARGIN, 5 * mm, f.text(f"{self.title} · {self.page_no}/{self.pages}"))
        c.showPage()
        self.on_page = 0

    def close(self) -> None:
        if self.on_page:
            self._finish_page()
        self.canvas.save()
