"""Password recovery that works in a commune (issue 22, item 6; docs/security.md): an official
resets a team member's password and hands over a one-time code that must be changed at first
login; Django's email reset works for users with an address; runserver's log masks IDs."""

from __future__ import annotations

import datetime as dt
import io
import logging
import logging.config
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.models import OneTimePassword

pytestmark = pytest.mark.django_db

OLD = "pw-Secret-123"
MINE = "Lua-Nep-Thom-2026"


def url(user) -> str:
    return reverse("core:team_password_reset", args=[user.pk])


def reset(client, member) -> str:
    response = client.post(url(member))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return re.search(r'id="one-time-code">([A-Z0-9-]+)<', response.content.decode()).group(1)


def test_official_resets_a_member_who_must_change_it(login, official_a, member_a1):
    phone = Client()
    phone.force_login(member_a1)
    page = login(official_a).get(url(member_a1))
    assert page.status_code == 200 and "member_a1" in page.content.decode()
    code = reset(login(official_a), member_a1)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    # The member's open session ended, the old password is gone.
    assert phone.get("/field/").status_code == 302
    device = Client()
    assert (
        device.post("/accounts/login/", {"username": "member_a1", "password": OLD}).status_code
        == 200
    )
    # The code logs in, but only the password change page opens.
    assert (
        device.post("/accounts/login/", {"username": "member_a1", "password": code}).status_code
        == 302
    )
    response = device.get("/field/")
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    assert device.get(reverse("password_change")).status_code == 200
    response = device.post(
        reverse("password_change"),
        {"old_password": code, "new_password1": MINE, "new_password2": MINE},
    )
    assert response.status_code == 302
    assert device.get("/field/").status_code == 200
    assert not OneTimePassword.objects.exists()
    # The code worked once: it is no longer the password.
    assert (
        Client().post("/accounts/login/", {"username": "member_a1", "password": code}).status_code
        == 200
    )


def test_an_unused_code_expires(login, official_a, member_a1, settings):
    code = reset(login(official_a), member_a1)
    OneTimePassword.objects.update(
        created_at=OneTimePassword.objects.get().created_at
        - dt.timedelta(hours=settings.ONE_TIME_CODE_HOURS + 1)
    )
    device = Client()
    device.post("/accounts/login/", {"username": "member_a1", "password": code})
    response = device.get("/field/", follow=True)
    assert "Mã dùng một lần này đã hết hạn" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_the_reset_clears_a_lockout(login, official_a, member_a1, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "member_a1", "password": "wrong"})
    assert (
        Client().post("/accounts/login/", {"username": "member_a1", "password": OLD}).status_code
        == 429
    )
    code = reset(login(official_a), member_a1)
    assert (
        Client().post("/accounts/login/", {"username": "member_a1", "password": code}).status_code
        == 302
    )


@pytest.mark.parametrize("persona", ["official_b", "leader_a1", "member_a1"])
def test_only_the_members_own_commune_officials_may_reset(login, request, persona, member_a1):
    client = login(request.getfixturevalue(persona))
    assert client.get(url(member_a1)).status_code == 404
    assert client.post(url(member_a1)).status_code == 404
    member_a1.refresh_from_db()
    assert member_a1.check_password(OLD)


def test_officials_accounts_cannot_be_reset_this_way(login, official_a, official_b, commune_a):
    from villages.roles import make_official

    make_official(official_b, commune_a)  # an official of A too: still not a team account
    assert login(official_a).post(url(official_b)).status_code == 404


def test_roster_links_the_reset_for_officials(login, official_a, leader_a1, member_a1, village_a1):
    from tests.digital_teams.factories import DigitalTeamFactory, TeamMemberFactory

    TeamMemberFactory(team=DigitalTeamFactory(village=village_a1), user=member_a1, full_name="M")
    page = login(official_a).get(f"/field/team/?village={village_a1.pk}").content.decode()
    assert url(member_a1) in page
    page = login(leader_a1).get("/field/team/").content.decode()
    assert url(member_a1) not in page


def test_email_reset_for_users_with_an_address(client, member_a1, leader_a1):
    member_a1.email = "member@example.vn"
    member_a1.save()
    client.post(reverse("password_reset"), {"email": "member@example.vn"})
    client.post(reverse("password_reset"), {"email": "nobody@example.vn"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": MINE, "new_password2": MINE}
    )
    assert response.status_code == 302
    member_a1.refresh_from_db()
    assert member_a1.check_password(MINE)


def test_development_server_log_masks_id_numbers(settings):
    """runserver logs each request line through the django.server logger."""
    logging.config.dictConfig(settings.LOGGING)
    logger = logging.getLogger("django.server")
    stream = io.StringIO()
    streams = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    assert streams, "django.server logs to a stream"
    old = [h.setStream(stream) for h in streams]
    try:
        logger.info('"%s" %s %s', "GET /field/?q=022080123456 HTTP/1.1", "200", "5120")
    finally:
        for handler, previous in zip(streams, old, strict=True):
            handler.setStream(previous)
    line = stream.getvalue()
    assert "022080123456" not in line
    assert "GET /field/?q=022******456" in line
