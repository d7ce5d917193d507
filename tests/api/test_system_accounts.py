"""System accounts (issue 17 item 4): an official names a system in the admin, the key is shown
once, the token reads only that commune, revoke answers 401, the last use is recorded at most
once a minute, and the system user never reaches the admin or the officials' pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from api.models import SystemAccount
from api.services import create_system_account

ADD = reverse("admin:api_systemaccount_add")
CHANGELIST = reverse("admin:api_systemaccount_changelist")


def _change(account):
    return reverse("admin:api_systemaccount_change", args=[account.pk])


def _api(client, key, name="api:commune-list"):
    return client.get(reverse(name), HTTP_AUTHORIZATION=f"Token {key}")


def _add_in_admin(client, official, commune, name="Phần mềm báo cáo của tỉnh"):
    client.force_login(official)
    response = client.post(ADD, {"name": name, "commune": commune.pk}, follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)] + [response.content.decode()]
    keys = {k for t in texts for k in re.findall(r"\b[0-9a-f]{40}\b", t)}
    assert len(keys) == 1, texts
    return SystemAccount.objects.get(name=name), keys.pop(), response


@pytest.fixture
def account(db, official_a, commune_a):
    return create_system_account(name="Hệ thống A", commune=commune_a, created_by=official_a)


def test_official_creates_a_token_shown_once(client, official_a, commune_a, commune_b):
    account, key, response = _add_in_admin(client, official_a, commune_a)
    assert account.created_by == official_a and account.commune == commune_a
    assert Token.objects.get(user=account.user).key == key
    assert "Phần mềm báo cáo của tỉnh" in response.content.decode()
    # Never again: neither the list nor the change page shows the whole key, only 6 characters.
    for url in (CHANGELIST, _change(account)):
        body = client.get(url).content.decode()
        assert key not in body
        assert key[:6] in body
    # The add form offers only the official's communes.
    form = client.get(ADD).content.decode()
    assert commune_a.name in form and commune_b.name not in form


def test_add_refuses_another_commune(client, official_a, commune_b):
    client.force_login(official_a)
    response = client.post(ADD, {"name": "Hệ thống lạ", "commune": commune_b.pk})
    assert response.status_code == 200  # the form again, with an error
    assert not SystemAccount.objects.exists() and not Token.objects.exists()


def test_token_reads_only_its_commune(client, account, commune_b, village_a1, village_b1):
    _account, key = account
    response = _api(client, key)
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["results"]] == ["90001"]
    villages = _api(client, key, "api:village-list").json()["results"]
    assert {v["commune"] for v in villages} == {"90001"}
    detail = client.get(
        reverse("api:commune-detail", args=[commune_b.code]), HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert detail.status_code == 404


def test_another_communes_official_does_not_see_it(client, account, official_b):
    system, _key = account
    client.force_login(official_b)
    body = client.get(CHANGELIST).content.decode()
    assert "Hệ thống A" not in body
    response = client.get(_change(system))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    # Nor can they revoke it through the action.
    client.post(CHANGELIST, {"action": "revoke", "_selected_action": [system.pk]})
    system.refresh_from_db()
    assert system.revoked_at is None and Token.objects.filter(user=system.user).exists()


def test_revoke_answers_401_and_keeps_the_row(client, account, official_a):
    system, key = account
    assert _api(client, key).status_code == 200
    client.force_login(official_a)
    response = client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [system.pk]}, follow=True
    )
    assert response.status_code == 200
    client.logout()
    system.refresh_from_db()
    assert system.revoked_at is not None
    assert _api(client, key).status_code == 401
    # The row stays as history; the admin offers no delete.
    client.force_login(official_a)
    assert "Hệ thống A" in client.get(CHANGELIST).content.decode()
    delete = reverse("admin:api_systemaccount_delete", args=[system.pk])
    assert client.get(delete).status_code == 403


def test_revoked_account_refused_even_if_a_token_is_left(client, account):
    system, key = account
    SystemAccount.objects.filter(pk=system.pk).update(revoked_at=timezone.now())
    assert _api(client, key).status_code == 401


def test_last_used_recorded_once_a_minute(client, account):
    system, key = account
    assert system.last_used_at is None
    assert _api(client, key).status_code == 200
    system.refresh_from_db()
    first = system.last_used_at
    assert first is not None
    assert _api(client, key).status_code == 200
    system.refresh_from_db()
    assert system.last_used_at == first  # not rewritten within the minute
    # More than a minute later: recorded again.
    earlier = timezone.now() - timedelta(minutes=2)
    SystemAccount.objects.filter(pk=system.pk).update(last_used_at=earlier)
    assert _api(client, key).status_code == 200
    system.refresh_from_db()
    assert system.last_used_at > earlier


def test_no_write_within_the_minute(client, account):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _system, key = account
    _api(client, key)
    with CaptureQueriesContext(connection) as queries:
        assert _api(client, key).status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_system_user_cannot_log_in_or_open_pages(client, account, commune_a):
    system, key = account
    user = system.user
    assert not user.has_usable_password() and not user.is_staff
    response = client.post("/accounts/login/", {"username": user.username, "password": key})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # Even with a session forced on it: the admin and the officials' pages refuse it.
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(CHANGELIST).status_code == 302
    assert client.get(reverse("payments:overview")).status_code == 403
    # And the API reads it only with its token, not with a session.
    assert client.get(reverse("api:commune-list")).status_code == 403


def test_team_member_has_no_admin_access(client, account, leader_a1):
    system, _key = account
    client.force_login(leader_a1)
    assert client.get(CHANGELIST).status_code == 302
    assert client.get(_change(system)).status_code == 302
    assert client.post(ADD, {"name": "x", "commune": system.commune_id}).status_code == 302
    assert SystemAccount.objects.count() == 1


def test_plain_tokens_still_work(client, province_office, commune_a):
    key = Token.objects.create(user=province_office).key
    assert _api(client, key).status_code == 200
