"""The fast QR encoder gives the qrcode library's matrix, module for module."""

import random
import string

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from ocop.qr import qr_matrix


def reference(payload, ec):
    code = qrcode.QRCode(error_correction=ec, border=0)
    code.add_data(payload)
    code.make(fit=True)
    return [bytes(row) for row in code.modules]


@pytest.mark.parametrize("ec", [ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q, ERROR_CORRECT_H])
def test_same_matrix_as_qrcode_for_many_payloads(ec):
    rnd = random.Random(ec)
    alphabet = string.ascii_letters + string.digits + "/:.-"
    for length in [1, 8, 25, 37, 38, 44, 60, 90, 140, 200, 330]:
        for _ in range(3):
            payload = "".join(rnd.choice(alphabet) for _ in range(length))
            assert qr_matrix(payload, ec) == reference(payload, ec), payload


def test_same_matrix_for_stamp_urls():
    rnd = random.Random(7)
    for _ in range(60):
        serial = "".join(rnd.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(13))
        url = f"http://127.0.0.1:8000/s/{serial}"
        assert qr_matrix(url) == reference(url, ERROR_CORRECT_M)
