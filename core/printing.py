"""Print-ready drawing pieces shared by every QR label of the portal (OCOP e-stamps, address
plates); no database access here.

- `label_fonts()`: the first installed TTF family that draws Vietnamese, registered with
  reportlab once per process (ASCII fallback when there is none);
- `matrix_image()` / `png_bytes()`: a QR matrix (core.qr) as a 1-pixel-per-module image or a PNG;
- `wrap()`: text broken into lines that fit a width;
- `fsync_replace()`: a finished file moved into place only after it reached the disk, so a crash
  never leaves a half-written file under its final name.
"""

from __future__ import annotations

import io
import logging
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger(__name__)

PNG_SCALE = 8  # pixels per module in PNG files
PNG_BORDER = 4  # quiet zone (modules) in PNG files

# The text that proves the font: every label font must draw these.
_PROBE = "Mật ong Rượu ba kích Chổi đót Đ ★"

_FONT_CANDIDATES = [
    # (regular, bold, mono) — Debian's fonts-dejavu-core first, then other common packages.
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    ),
    (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    ),
]


@dataclass(frozen=True)
class LabelFonts:
    regular: str
    bold: str
    mono: str
    unicode: bool  # False: no font with Vietnamese glyphs was found, text is transliterated
    star: str  # the star character this font can draw

    def text(self, value: str) -> str:
        return value if self.unicode else ascii_fallback(value)


def ascii_fallback(value: str) -> str:
    """Last resort when no Vietnamese font exists: 'Mật ong' -> 'Mat ong' (readable, not wrong)."""
    value = value.replace("đ", "d").replace("Đ", "D").replace("★", "*")
    decomposed = unicodedata.normalize("NFKD", value)
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .encode("ascii", "replace")
        .decode()
    )


def _covers(font: TTFont, text: str) -> bool:
    widths = font.face.charWidths
    return all(ord(c) in widths for c in text if not c.isspace())


@lru_cache(maxsize=1)
def label_fonts() -> LabelFonts:
    """Register the first installed TTF family that draws Vietnamese (and the star)."""
    for regular, bold, mono in _FONT_CANDIDATES:
        if not all(Path(p).is_file() for p in (regular, bold, mono)):
            continue
        try:
            fonts = [TTFont(f"SvLabel{i}", path) for i, path in enumerate((regular, bold, mono))]
        except Exception:  # a broken font file: try the next family
            logger.warning("Cannot load label font %s", regular, exc_info=True)
            continue
        if not _covers(fonts[0], _PROBE.replace("★", "")) or not _covers(
            fonts[1], _PROBE.replace("★", "")
        ):
            continue
        for font in fonts:
            pdfmetrics.registerFont(font)
        star = "★" if _covers(fonts[0], "★") else "*"
        return LabelFonts(fonts[0].fontName, fonts[1].fontName, fonts[2].fontName, True, star)
    logger.warning(
        "No TTF font with Vietnamese glyphs found (install Debian's fonts-dejavu-core); "
        "labels fall back to Helvetica without diacritics."
    )
    return LabelFonts("Helvetica", "Helvetica-Bold", "Courier", False, "*")


# --- QR images ---------------------------------------------------------------------------

_INVERT = bytes([255] + [0] * 255)  # module 1 (dark) -> 0 (black), 0 (light) -> 255 (white)


def matrix_image(matrix: Sequence[Sequence[bool]], border: int) -> Image.Image:
    """A greyscale image with one pixel per module and `border` white modules around."""
    n = len(matrix)
    size = n + 2 * border
    blank = b"\xff" * size
    side = b"\xff" * border
    rows = [blank] * border
    rows.extend(side + bytes(row).translate(_INVERT) + side for row in matrix)
    rows.extend([blank] * border)
    return Image.frombytes("L", (size, size), b"".join(rows))


def png_bytes(matrix: Sequence[Sequence[bool]], *, scale: int = PNG_SCALE) -> bytes:
    """A 1-bit PNG of the code, `scale` pixels per module, 4-module quiet zone."""
    small = matrix_image(matrix, PNG_BORDER).convert("1", dither=Image.Dither.NONE)
    big = small.resize((small.width * scale, small.height * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    big.save(out, format="PNG")
    return out.getvalue()


def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if stringWidth(trial, font, size) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and stringWidth(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def fsync_replace(part: Path, final: Path) -> None:
    """Flush `part` to disk, then rename it to `final` (atomic on one file system)."""
    with open(part, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(part, final)
