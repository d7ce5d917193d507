"""One rule for every officials' page (core.access.official_required / commune_for): who is an
official and which commune a page is about, the same for payments, dashboard and criteria."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from villages.models import Membership
from villages.roles import make_official

pytestmark = pytest.mark.django_db


def payments(commune):
    return reverse("payments:overview") + f"?commune={commune.code}"


def dashboard(commune):
    return reverse("dashboards:official") + f"?commune={commune.code}"


def checklist(commune):
    return reverse("criteria:commune_checklist", args=[commune.code])


PAGES = [payments, dashboard, checklist]


@pytest.mark.parametrize("page", PAGES)
def test_personas(page, client, login, commune_a, official_a, official_b, leader_a1, member_a1):
    url = page(commune_a)
    assert client.get(url).status_code == 302  # anonymous: log in first
    assert login(official_a).get(url).status_code == 200
    assert login(official_b).get(url).status_code == 404  # another commune: not found
    assert login(leader_a1).get(url).status_code == 403  # team members: no officials' pages
    assert login(member_a1).get(url).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_staff_without_membership_and_official_without_staff_are_refused(
    page, login, commune_a, village_a1
):
    staff = UserFactory(username="staff_only", is_staff=True)
    assert login(staff).get(page(commune_a)).status_code == 403
    not_staff = UserFactory(username="not_staff")
    Membership.objects.create(user=not_staff, commune=commune_a, role=Membership.Role.OFFICIAL)
    assert login(not_staff).get(page(commune_a)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_an_official_of_two_communes_picks_by_code(
    page, login, official_a, commune_a, commune_b, village_b1
):
    make_official(official_a, commune_b)
    body = login(official_a).get(page(commune_b)).content.decode()
    assert commune_b.name in body


def test_the_commune_is_picked_by_its_code_never_by_its_id(login, official_a, commune_a):
    client = login(official_a)
    for name in ("payments:overview", "dashboards:official"):
        assert client.get(reverse(name), {"commune": commune_a.code}).status_code == 200
        assert client.get(reverse(name), {"commune": str(commune_a.pk)}).status_code == 404
        # No commune given: the official's (first) commune.
        page = client.get(reverse(name))
        assert page.status_code == 200 and commune_a.name in page.content.decode()
