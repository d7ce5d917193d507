"""Server side of the offline outbox: resends are applied once, answers are explicit."""

import json

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory

from core.models import IdempotencyRecord
from core.offline import OfflineIdempotencyMiddleware
from villages.models import Village

KEY = "0f8c7a52-5a1e-4d8e-9c55-2b1f0c3d4e5f"


def make_request(user, *, path="/field/households/new/", data=None, outbox=False, key=KEY):
    headers = {}
    if outbox:
        headers["HTTP_X_OUTBOX"] = "1"
    if key:
        headers["HTTP_X_IDEMPOTENCY_KEY"] = key
    request = RequestFactory().post(path, data or {"name": "x"}, **headers)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def creating_view(commune, calls):
    def view(request):
        calls.append(1)
        Village.objects.create(commune=commune, number=50 + len(calls), name="Thôn mới")
        return HttpResponseRedirect("/field/households/1/")

    return view


def test_resent_submission_is_applied_once(leader_a1, commune_a):
    calls = []
    middleware = OfflineIdempotencyMiddleware(creating_view(commune_a, calls))
    first = middleware(make_request(leader_a1, outbox=True))
    second = middleware(make_request(leader_a1, outbox=True))
    assert json.loads(first.content) == {"result": "saved", "location": "/field/households/1/"}
    assert json.loads(second.content)["result"] == "saved"
    assert json.loads(second.content)["duplicate"] is True
    assert len(calls) == 1
    assert Village.objects.filter(name="Thôn mới").count() == 1


def test_form_key_field_protects_a_plain_submit_too(leader_a1, commune_a):
    calls = []
    middleware = OfflineIdempotencyMiddleware(creating_view(commune_a, calls))
    data = {"_idempotency_key": KEY}
    response = middleware(make_request(leader_a1, data=data, key=None))
    assert response.status_code == 302
    # The answer was lost on a weak signal; the outbox resends the same submission.
    again = middleware(make_request(leader_a1, data=data, key=None, outbox=True))
    assert json.loads(again.content)["result"] == "saved"
    assert len(calls) == 1


def test_keys_are_per_user(leader_a1, leader_a2, commune_a):
    calls = []
    middleware = OfflineIdempotencyMiddleware(creating_view(commune_a, calls))
    middleware(make_request(leader_a1, outbox=True))
    middleware(make_request(leader_a2, outbox=True))
    assert len(calls) == 2


def test_invalid_form_is_reported_with_its_page_and_not_recorded(leader_a1):
    page = '<div class="invalid-feedback">Số định danh không hợp lệ</div>'
    middleware = OfflineIdempotencyMiddleware(lambda request: HttpResponse(page))
    answer = json.loads(middleware(make_request(leader_a1, outbox=True)).content)
    assert answer["result"] == "invalid"
    assert "Số định danh không hợp lệ" in answer["html"]
    assert not IdempotencyRecord.objects.exists()


def test_expired_session_is_refused_not_saved(leader_a1):
    middleware = OfflineIdempotencyMiddleware(
        lambda request: HttpResponseRedirect("/accounts/login/?next=/field/")
    )
    answer = json.loads(middleware(make_request(leader_a1, outbox=True)).content)
    assert answer == {"result": "refused", "code": 401}
    assert not IdempotencyRecord.objects.exists()


def test_server_error_rolls_back_the_writes(leader_a1, commune_a):
    def failing(request):
        Village.objects.create(commune=commune_a, number=77, name="Nửa chừng")
        return HttpResponse("boom", status=500)

    answer = json.loads(
        OfflineIdempotencyMiddleware(failing)(make_request(leader_a1, outbox=True)).content
    )
    assert answer["result"] == "error"
    assert not Village.objects.filter(name="Nửa chừng").exists()


@pytest.mark.parametrize("path", ["/field/sw.js", "/field/manifest.webmanifest"])
def test_offline_assets_are_served(client, db, path):
    response = client.get(path)
    assert response.status_code == 200


def test_service_worker_scope_and_precache(client, db):
    response = client.get("/field/sw.js")
    assert response["Service-Worker-Allowed"] == "/field/"
    assert response["Content-Type"].startswith("application/javascript")
    assert "/field/outbox/" in response.text
    assert "{{" not in response.text


def test_outbox_page_opens_without_login(client, db):
    response = client.get("/field/outbox/")
    assert response.status_code == 200
    assert "Hộp thư đi" in response.text


def test_error_texts_leave_out_hidden_elements():
    # The field layout's hidden outbox banner is no message of the form (it began every text).
    html = (
        '<div id="sv-outbox-status" class="alert alert-warning" role="status" hidden>'
        '<span data-outbox-text></span> <a href="/field/outbox/">Mở hộp thư đi</a></div>'
        '<div class="alert alert-danger">Số hộ đã có.</div>'
    )
    from core.offline import error_texts

    assert error_texts(html) == ["Số hộ đã có."]


def test_outbox_item_of_another_account_is_refused_unrun(leader_a1, commune_a):
    from core.offline import owner_key

    calls = []
    request = make_request(leader_a1, outbox=True)
    request.META["HTTP_X_OUTBOX_OWNER"] = "someone-else-key"
    response = OfflineIdempotencyMiddleware(creating_view(commune_a, calls))(request)
    assert json.loads(response.content)["result"] == "not_owner"
    assert calls == [] and not IdempotencyRecord.objects.exists()
    request = make_request(leader_a1, outbox=True)
    request.META["HTTP_X_OUTBOX_OWNER"] = owner_key(leader_a1)
    response = OfflineIdempotencyMiddleware(creating_view(commune_a, calls))(request)
    assert json.loads(response.content)["result"] == "saved" and calls == [1]
