"""QR matrices identical to the `qrcode` library's, about 4x faster.

`qrcode` spends ~85% of its time choosing the mask: it places the data eight times and scores
each result module by module in Python. Here the data is placed once, and each candidate mask is
scored on the whole matrix held as one big integer (row stride n + 1, so nothing wraps), with
the same four penalty rules and the same tie-break as `qrcode.util.lost_point`. The layout of
each version (function patterns, data cells, mask bits) is taken from `qrcode` itself, so the
output is the library's, module for module (tests/ocop/test_qr.py compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

from qrcode import QRCode, util
from qrcode.constants import ERROR_CORRECT_M

# Finder-like patterns of penalty rule 3 (1:1:3:1:1 with 4 light modules on one side).
_RULE3 = ((1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0), (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1))
_TO01 = bytes.maketrans(b"01", b"\x00\x01")


@dataclass(frozen=True)
class _Layout:
    n: int
    stride: int
    valid: int  # every real module
    data_region: int
    positions: tuple[int, ...]  # one-bit ints of the data modules, in placement order
    masks: tuple[int, ...]  # per mask pattern: the data modules it darkens (data all zero)
    function_test: int  # dark function modules while choosing (format/version area light)
    function_final: tuple[int, ...]  # per mask pattern: dark function modules incl. format


def _as_int(modules, stride: int) -> int:
    value = 0
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                value |= 1 << (r * stride + c)
    return value


def _placement_order(n: int, region: int, stride: int) -> tuple[int, ...]:
    """The order in which qrcode.QRCode.map_data fills data modules (two-column zigzag)."""
    order = []
    row, inc = n - 1, -1
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1
        while True:
            for c in (col, col - 1):
                bit = 1 << (row * stride + c)
                if region & bit:
                    order.append(bit)
            row += inc
            if row < 0 or row >= n:
                row -= inc
                inc = -inc
                break
    return tuple(order)


@lru_cache(maxsize=16)
def _layout(version: int, error_correction: int) -> _Layout:
    n = version * 4 + 17
    stride = n + 1
    code = QRCode(version=version, error_correction=error_correction, border=0)
    code.version = version

    def modules(test: bool, mask: int, fill: int) -> int:
        # fill=0: data modules are dark exactly where the mask flips; fill=255: the opposite.
        code.data_cache = [fill] * (n * n // 8 + 1) if fill else []
        code.makeImpl(test, mask)
        return _as_int(code.modules, stride)

    zero = [modules(True, k, 0) for k in range(8)]
    ones = modules(True, 0, 255)
    region = zero[0] ^ ones
    masks = tuple(z & region for z in zero)
    function_test = zero[0] & ~region
    function_final = tuple(modules(False, k, 0) & ~region for k in range(8))
    valid = _as_int([[True] * n for _ in range(n)], stride)
    return _Layout(
        n=n,
        stride=stride,
        valid=valid,
        data_region=region,
        positions=_placement_order(n, region, stride),
        masks=masks,
        function_test=function_test,
        function_final=function_final,
    )


def _penalty(dark: int, light: int, n: int, stride: int) -> int:
    """qrcode.util.lost_point on the whole matrix at once (same rules, same numbers)."""
    points = 0
    for x in (dark, light):
        for step in (1, stride):  # rule 1: runs of >= 5 in rows and columns score length - 2
            w = x & (x >> step) & (x >> 2 * step) & (x >> 3 * step) & (x >> 4 * step)
            points += w.bit_count() + 2 * (w & ~(w << step)).bit_count()
        # rule 2: 2x2 blocks of one colour score 3
        points += 3 * (x & (x >> 1) & (x >> stride) & (x >> (stride + 1))).bit_count()
    for step in (1, stride):  # rule 3: finder-like patterns score 40
        shifted = [(light >> (k * step), dark >> (k * step)) for k in range(11)]
        for pattern in _RULE3:
            hit = -1
            for k, want_dark in enumerate(pattern):
                hit &= shifted[k][want_dark]
            points += 40 * hit.bit_count()
    percent = float(dark.bit_count()) / (n**2)  # rule 4: balance of dark and light
    points += int(abs(percent * 100 - 50) / 5) * 10
    return points


def qr_matrix(payload: str, error_correction: int = ERROR_CORRECT_M) -> list[bytes]:
    """The QR modules of `payload` (no quiet zone): one bytes row each, 1 = dark, 0 = light."""
    code = QRCode(error_correction=error_correction, border=0)
    code.add_data(payload)
    code.best_fit()
    data = util.create_data(code.version, code.error_correction, code.data_list)
    layout = _layout(code.version, code.error_correction)
    bits = format(int.from_bytes(bytes(data), "big"), f"0{len(data) * 8}b").encode()
    placed = sum(compress(layout.positions, bits.translate(_TO01)))
    n, stride, valid = layout.n, layout.stride, layout.valid
    best, best_points = 0, 0
    for k in range(8):
        dark = layout.function_test | (placed ^ layout.masks[k]) & layout.data_region
        points = _penalty(dark, valid & ~dark, n, stride)
        if k == 0 or points < best_points:
            best, best_points = k, points
    final = layout.function_final[best] | (placed ^ layout.masks[best]) & layout.data_region
    row_mask = (1 << n) - 1
    return [
        format((final >> (r * stride)) & row_mask, f"0{n}b")[::-1].encode().translate(_TO01)
        for r in range(n)
    ]
