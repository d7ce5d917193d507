import pytest
from django.core.management import call_command
from django.urls import reverse

from villages.models import Commune, Membership, Village


def test_healthz_ok_with_eager_tasks(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager", "status": "ok"}


def test_healthz_reports_dead_broker_as_503(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")
    assert body["status"] == "error"


def test_home_lists_communes_and_villages(client, village_a1, village_a2):
    response = client.get("/")
    assert response.status_code == 200
    assert "Xã An Phú" in response.text
    assert f"/villages/{village_a1.code}/" in response.text


def test_home_is_vietnamese_and_can_switch_to_english(client, village_a1):
    assert 'lang="vi"' in client.get("/").text
    client.get(reverse("core:switch_language", args=["en"]), {"next": "/"})
    assert 'lang="en"' in client.get("/").text


def test_login_page_and_redirects_by_role(client, leader_a1, official_a):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "leader_a1", "password": "pw-Secret-123"}, follow=False
    )
    assert response.status_code == 302
    assert client.get(response.url).url == "/field/"


def test_unknown_page_is_a_vietnamese_404(client, db):
    response = client.get("/khong-co/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.text


def test_admin_is_branded(client, official_a):
    client.force_login(official_a)
    assert "Cổng thôn thông minh" in client.get("/admin/").text


def test_seed_demo_twice_gives_the_same_counts(db):
    call_command("seed_demo", "--password", "pw-Demo-123")
    from django.apps import apps

    def counts():
        return {
            m._meta.label: m.objects.count()
            for m in apps.get_models()
            if m._meta.app_label
            in {"villages", "households", "digital_teams", "payments", "ocop", "criteria", "auth"}
        }

    first = counts()
    call_command("seed_demo", "--password", "pw-Demo-123")
    assert counts() == first
    commune = Commune.objects.get(code="06913")
    assert Village.objects.filter(commune=commune).count() == 10
    assert Village.objects.filter(commune=commune, name="Tân Thanh").exists()
    assert Membership.objects.filter(role="leader", commune=commune).count() == 10
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="leader01").check_password("pw-Demo-123")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_round_trips_through_the_real_worker(village_a1, settings):
    from smartvillage.celery import app
    from villages.tasks import ping

    assert app.conf.task_always_eager is False
    result = ping.delay(village_a1.code)
    assert result.get(timeout=60) == {"pong": True, "village": "Thôn Một"}


def test_language_switch_is_a_link_and_refuses_foreign_targets(client, village_a1):
    page = client.get("/").text
    assert "csrfmiddlewaretoken" not in page  # public pages hold no token: cacheable whole
    response = client.get("/language/en/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/"
    assert response.cookies["django_language"].value == "en"
    assert client.get("/language/xx/").status_code == 404


def test_public_pages_are_cached_for_anonymous_visitors_only(
    client, official_a, village_a1, django_assert_num_queries
):
    client.get("/")
    with django_assert_num_queries(0):
        assert "Thôn Một" in client.get("/").text
    # A change shows within the minute; logged-in users always get a fresh page.
    client.force_login(official_a)
    village_a1.name = "Thôn Đổi Tên"
    village_a1.save()
    assert "Thôn Đổi Tên" in client.get("/").text


def test_vietnamese_even_for_an_english_browser_until_english_is_chosen(client, village_a1):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="vi"' in page.text
    client.get("/language/en/", {"next": "/"})
    assert 'lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="vi").text
