"""Finding 3 (docs/security.md): nobody can lock another user out from elsewhere.

django-axes locks the user-and-address pair; a slower per-address throttle (core.login_throttle)
answers 429 to an address that keeps failing, without touching other addresses or accounts.
"""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
GOOD = "pw-Secret-123"
X, Y = "203.0.113.7", "198.51.100.9"


def attempt(address: str, username: str, password: str, url: str = LOGIN):
    return Client(REMOTE_ADDR=address).post(url, {"username": username, "password": password})


def test_bad_passwords_from_x_do_not_lock_the_user_logging_in_from_y(official_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT * 2):
        attempt(X, "official_a", "wrong")
    # The attacker's address is locked out of that account...
    assert attempt(X, "official_a", GOOD).status_code == 429
    # ...the real official, elsewhere, logs in.
    response = attempt(Y, "official_a", GOOD)
    assert response.status_code == 302


def test_one_shared_address_does_not_lock_everyone_behind_it(official_a, leader_a1, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(X, "leader_a1", "wrong")
    assert attempt(X, "leader_a1", GOOD).status_code == 429
    # Someone else in the same office (same address) logs in.
    assert attempt(X, "official_a", GOOD).status_code == 302


def test_admin_login_lockout_is_per_pair_too(official_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(X, "official_a", "wrong", ADMIN_LOGIN)
    assert attempt(X, "official_a", GOOD, ADMIN_LOGIN).status_code == 429
    assert attempt(Y, "official_a", GOOD, ADMIN_LOGIN).status_code == 302


def test_an_address_that_keeps_failing_is_slowed(official_a, leader_a1, settings):
    settings.LOGIN_ADDRESS_RATE_LIMIT = 8
    # Spraying: few attempts per account (under the axes limit), many accounts.
    for n in range(8):
        assert attempt(X, f"guess{n}", "wrong").status_code == 200
    response = attempt(X, "official_a", GOOD)
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần từ mạng này" in response.text
    assert "tài khoản của bạn không bị khóa" in response.text
    assert int(response["Retry-After"]) > 0
    # Every other address, and the same accounts from there, work.
    assert attempt(Y, "official_a", GOOD).status_code == 302
    assert attempt(Y, "leader_a1", GOOD).status_code == 302


def test_the_throttle_is_slower_than_the_lockout(settings):
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.LOGIN_ADDRESS_RATE_LIMIT > 3 * settings.AXES_FAILURE_LIMIT
