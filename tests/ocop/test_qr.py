"""The QR encoder (public qrcode API): the stamp URL comes back when a phone scans the label."""

import random
import shutil
import subprocess

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_M

from core.qr import STAMP_MASK, qr_matrix
from ocop.labels import png_bytes

ZBARIMG = shutil.which("zbarimg")
needs_zbar = pytest.mark.skipif(not ZBARIMG, reason="zbarimg (Debian zbar-tools) is not installed")


def _scan(png: bytes, tmp_path) -> str:
    path = tmp_path / "code.png"
    path.write_bytes(png)
    out = subprocess.run(
        [ZBARIMG, "--raw", "-q", str(path)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def _urls(n):
    rnd = random.Random(7)
    for _ in range(n):
        serial = "".join(rnd.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(13))
        yield f"https://thon.example.vn/s/{serial}"


@needs_zbar
def test_labels_scan_back_to_the_stamp_url(tmp_path):
    for url in _urls(40):
        assert _scan(png_bytes(qr_matrix(url)), tmp_path) == url


@needs_zbar
def test_long_payload_and_high_error_correction_scan(tmp_path):
    payload = "https://thon.example.vn/a/" + "0123456789" * 12
    assert _scan(png_bytes(qr_matrix(payload, ERROR_CORRECT_H)), tmp_path) == payload


def test_a_square_matrix_of_the_smallest_version_that_fits():
    for url in _urls(5):
        matrix = qr_matrix(url)
        n = len(matrix)
        assert all(len(row) == n for row in matrix) and set(b"".join(matrix)) <= {0, 1}
        # Version 3 (29 modules) holds a 38-character URL at level M; version 2 does not.
        assert n == 29
        # The three finder patterns: a dark 7x7 ring in three corners.
        for r, c in ((0, 0), (0, n - 7), (n - 7, 0)):
            assert all(matrix[r][c + k] == 1 for k in range(7))
            assert all(matrix[r + k][c] == 1 for k in range(7))


def _library(payload, **options):
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, **options)
    code.add_data(payload)
    code.make(fit=True)
    return [bytes(row) for row in code.get_matrix()]


def test_the_matrix_is_the_librarys_own_output():
    url = "https://thon.example.vn/s/ABCDEFGHJKMNP"
    assert qr_matrix(url) == _library(url, mask_pattern=STAMP_MASK)
    assert qr_matrix(url, mask=None) == _library(url)  # the library's own choice of mask


@needs_zbar
def test_every_mask_scans(tmp_path):
    """The mask is fixed for speed: whichever it is, a reader decodes the label."""
    url = next(_urls(1))
    for mask in range(8):
        assert _scan(png_bytes(qr_matrix(url, mask=mask)), tmp_path) == url, mask
