"""Accounts: throttling, password rules, logout everywhere, deactivation by officials."""

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from villages.models import Membership

LOGIN = "/accounts/login/"


def test_repeated_failures_lock_the_login_with_a_clear_message(client, leader_a1, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(LOGIN, {"username": "leader_a1", "password": "wrong"})
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.text
    # Even the right password is refused while locked.
    response = client.post(LOGIN, {"username": "leader_a1", "password": "pw-Secret-123"})
    assert response.status_code == 429


def test_wrong_password_says_so_in_vietnamese(client, leader_a1):
    response = client.post(LOGIN, {"username": "leader_a1", "password": "wrong"})
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.text


def test_weak_passwords_are_refused(client, leader_a1):
    client.force_login(leader_a1)
    response = client.post(
        reverse("password_change"),
        {"old_password": "pw-Secret-123", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    leader_a1.refresh_from_db()
    assert leader_a1.check_password("pw-Secret-123")


def test_password_change_logs_out_other_devices(leader_a1):
    phone, laptop = Client(), Client()
    phone.force_login(leader_a1)
    laptop.force_login(leader_a1)
    response = laptop.post(
        reverse("password_change"),
        {
            "old_password": "pw-Secret-123",
            "new_password1": "Lua-Nep-Thom-2026",
            "new_password2": "Lua-Nep-Thom-2026",
        },
    )
    assert response.status_code == 302
    assert laptop.get(reverse("password_change")).status_code == 200  # still logged in here
    assert phone.get(reverse("password_change")).status_code == 302  # logged out there


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 24 * 3600


def test_official_deactivates_a_team_member(client, official_a, member_a1, leader_a2, official_b):
    device = Client()
    device.force_login(member_a1)
    client.force_login(official_a)
    memberships = Membership.objects.filter(user__in=[member_a1, official_b])
    response = client.post(
        reverse("admin:villages_membership_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [m.pk for m in memberships]},
    )
    assert response.status_code == 302
    User = get_user_model()
    assert User.objects.get(pk=member_a1.pk).is_active is False
    # Another commune's official is outside the scope and untouched.
    assert User.objects.get(pk=official_b.pk).is_active is True
    assert User.objects.get(pk=leader_a2.pk).is_active is True
    # The deactivated member's open session no longer works.
    assert device.get("/field/outbox/").wsgi_request.user.is_authenticated is False
