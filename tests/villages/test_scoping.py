"""One place decides who sees what: core.access, used by the admin and querysets."""

import pytest
from django.urls import reverse

from core.access import scope_for
from villages.models import Commune, Membership, Village


def test_village_codes_are_derived(village_a1, commune_a):
    assert village_a1.code == f"{commune_a.code}-01"


def test_querysets_follow_the_roles(
    official_a, leader_a1, leader_a2, official_b, village_a1, village_a2, village_b1
):
    assert set(Village.objects.for_user(official_a)) == {village_a1, village_a2}
    assert set(Village.objects.for_user(leader_a1)) == {village_a1}
    assert set(Village.objects.for_user(leader_a2)) == {village_a2}
    assert set(Village.objects.for_user(official_b)) == {village_b1}


def test_anonymous_and_roleless_users_reach_nothing(village_a1, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert not Village.objects.for_user(AnonymousUser()).exists()
    assert not Village.objects.for_user(nobody).exists()


def test_superuser_reaches_everything(village_a1, village_b1, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    assert Village.objects.for_user(root).count() == 2


def test_scope_is_computed_once_per_request(official_a, django_assert_num_queries):
    official_a = type(official_a).objects.get(pk=official_a.pk)
    with django_assert_num_queries(1):
        scope_for(official_a)
        scope_for(official_a)


def test_leader_may_manage_own_village_only(leader_a1, member_a1, village_a1, village_a2):
    assert scope_for(leader_a1).may_manage_village(village_a1)
    assert not scope_for(leader_a1).may_manage_village(village_a2)
    assert not scope_for(member_a1).may_manage_village(village_a1)
    assert scope_for(member_a1).may_write_village(village_a1)


class TestAdmin:
    def test_official_lists_only_own_villages(self, login, official_a, village_b1):
        response = login(official_a).get(reverse("admin:villages_village_changelist"))
        assert response.status_code == 200
        assert "Thôn Một" in response.text
        assert "Thôn Bê Một" not in response.text

    def test_official_cannot_open_other_communes_village(self, login, official_a, village_b1):
        client = login(official_a)
        response = client.get(reverse("admin:villages_village_change", args=[village_b1.pk]))
        # The admin answers "does not exist" (redirect to the index), never shows the object.
        assert response.status_code == 302
        assert "Thôn Bê Một" not in client.get(response.url).text

    def test_other_commune_never_in_a_dropdown(self, login, official_a, commune_b):
        response = login(official_a).get(reverse("admin:villages_village_add"))
        assert response.status_code == 200
        assert "Xã An Phú" in response.text
        assert "Xã Bình Minh" not in response.text

    def test_tampered_commune_id_is_refused(self, login, official_a, commune_b):
        response = login(official_a).post(
            reverse("admin:villages_village_add"),
            {"commune": commune_b.pk, "number": 7, "name": "Thôn lạ"},
        )
        assert response.status_code == 200  # form shown again with an error
        assert not Village.objects.filter(name="Thôn lạ").exists()

    def test_official_cannot_edit_the_official_commune_list(self, login, official_a, commune_a):
        client = login(official_a)
        assert client.get(reverse("admin:villages_commune_add")).status_code == 403
        response = client.post(
            reverse("admin:villages_commune_change", args=[commune_a.pk]),
            {"code": "90001", "name": "Hacked", "province_code": "22", "province_name": "x"},
        )
        assert response.status_code == 403
        assert Commune.objects.get(pk=commune_a.pk).name == "Xã An Phú"

    def test_leader_has_no_admin(self, login, leader_a1):
        response = login(leader_a1).get(reverse("admin:index"))
        assert response.status_code == 302
        assert "/admin/login/" in response.url

    def test_leader_of_village_01_cannot_change_village_02(self, login, leader_a1, village_a2):
        client = login(leader_a1)
        response = client.post(
            reverse("admin:villages_village_change", args=[village_a2.pk]), {"name": "X"}
        )
        assert response.status_code == 302
        village_a2.refresh_from_db()
        assert village_a2.name == "Thôn Hai"

    def test_membership_user_dropdown_hides_other_communes(self, login, official_a, official_b):
        response = login(official_a).get(reverse("admin:villages_membership_add"))
        assert "official_b" not in response.text
        assert "official_a" in response.text


def test_membership_levels_are_enforced(commune_a, village_a1, django_user_model):
    from django.core.exceptions import ValidationError

    user = django_user_model.objects.create_user("x", password="x")
    bad = Membership(user=user, commune=commune_a, village=village_a1, role="official")
    with pytest.raises(ValidationError):
        bad.full_clean()
