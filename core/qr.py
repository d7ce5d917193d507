"""QR matrices from the `qrcode` library's public API only (OCOP stamps and address plates).

`QRCode(error_correction=..., border=0, mask_pattern=...)`, `add_data`, `make(fit=True)` and
`get_matrix()`: the library picks the smallest version and lays the symbol out itself, so an
upgrade of `qrcode` cannot break this module (an earlier version drove the private `makeImpl`,
`data_cache` and `util.lost_point`).

The mask is fixed (`STAMP_MASK`, a validated constructor argument and property of `QRCode`)
instead of letting the library try all eight and score each in pure Python: that search is
~80 % of the library's time and made the 10,000-stamp batch 2.5-3.6x slower (bench/README.md).
Every mask gives a valid symbol that any reader decodes (ISO/IEC 18004 §7.8: the mask only
spreads dark and light modules); tests/ocop/test_qr.py scans labels with zbarimg to prove it.
The quiet zone is added when the label is drawn (ocop/labels.py, plates/drawing.py).
"""

from __future__ import annotations

from qrcode import QRCode
from qrcode.constants import ERROR_CORRECT_M

# Mask 2 (column % 3 == 0). On 300 stamp URLs its ISO penalty averages 591 with the lowest
# worst case of the eight (738); the library's best-of-eight averages 551.
STAMP_MASK = 2


def qr_matrix(
    payload: str, error_correction: int = ERROR_CORRECT_M, *, mask: int | None = STAMP_MASK
) -> list[bytes]:
    """The QR modules of `payload` (no quiet zone): one bytes row each, 1 = dark, 0 = light.

    `mask=None` lets the library choose the mask (slower, same readability)."""
    code = QRCode(error_correction=error_correction, border=0, mask_pattern=mask)
    code.add_data(payload)
    code.make(fit=True)
    return [bytes(row) for row in code.get_matrix()]
