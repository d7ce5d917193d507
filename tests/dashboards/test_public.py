"""The public village dashboard: privacy, suppression, figures equal to the snapshots, cache."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from criteria.formatting import format_value
from criteria.models import Assessment
from criteria.services import rollup_commune
from dashboards import selectors
from households.models import Resident

pytestmark = pytest.mark.django_db


def page(client, village):
    response = client.get(reverse("dashboards:village_public", args=[village.code]))
    assert response.status_code == 200
    return response.content.decode()


def body(html: str) -> str:
    """The dashboard itself (the layout around it carries a per-visitor CSRF token)."""
    return html[html.index('<div class="dash-page">') : html.index("</main>")]


def test_public_page_needs_no_login_and_is_vietnamese(client, world, village_a1):
    html = page(client, village_a1)
    assert "Thôn Một" in html
    assert "Công dân số" in html  # "Digital citizens"
    assert 'lang="vi"' in html


def test_unknown_village_is_404(client, world):
    assert client.get("/villages/99999-01/").status_code == 404


@pytest.mark.parametrize("village_fixture", ["village_a1", "village_a2"])
def test_no_personal_data_on_the_public_page(client, world, request, village_fixture):
    village = request.getfixturevalue(village_fixture)
    html = page(client, village)
    # Everything personal the seed wrote, checked against the database too.
    for resident in Resident.objects.filter(household__village=village):
        assert resident.full_name not in html
        assert resident.get_id_number() not in html
        assert resident.id_number_masked not in html
        if resident.phone:
            assert resident.phone not in html
        assert resident.birth_date.strftime("%d/%m/%Y") not in html
        assert resident.birth_date.isoformat() not in html
    for phone in world.phones:
        assert phone not in html
    for coordinate in world.coordinates:
        assert coordinate not in html
        assert coordinate.replace(".", ",") not in html
    assert "LC" + village.code not in html  # digital address location codes
    # The producer may be a person: only products are shown.
    assert "Riêng Tư" not in html


def test_team_members_are_public_but_only_active_ones(client, world, village_a1):
    html = page(client, village_a1)
    assert "Hoàng Thị Trưởng Tổ" in html
    assert "Trưởng thôn" in html  # position
    assert "Lê Văn Đã Nghỉ" not in html  # left the team in 2023


def test_assets_products_and_cashless(client, world, village_a1):
    html = page(client, village_a1)
    assert "Chè Zênh Đặc Sản" in html
    assert "/ocop/" in html
    assert "Camera an ninh" in html
    assert "<svg" in html  # the cashless chart of the village's own reports
    assert "Số liệu dạng bảng" in html  # its table alternative


def test_small_counts_are_suppressed(client, world, village_a1, village_a2):
    html = page(client, village_a2)  # 3 households, 9 residents
    assert "&lt; 5" in html
    addresses = Assessment.objects.get(
        village=village_a2, latest=True, criterion__indicator_key="households_digital_address"
    )
    assert addresses.denominator == 3
    # Neither the count of households nor the share computed from it is shown.
    assert format_value(addresses.value, "percent") not in html
    assert "Dưới 5: không hiển thị" in html
    # Things are not people: A1's single wifi hotspot is shown as it is, not suppressed.
    html = page(client, village_a1)
    wifi = Assessment.objects.get(
        village=village_a1, latest=True, criterion__indicator_key="wifi_cultural_house"
    )
    assert wifi.value == 1
    assert 'dash-figure-value text-nowrap">1<' in html


def test_figures_equal_the_latest_assessment(client, world, village_a1):
    html = page(client, village_a1)
    data = selectors.village_public(village_a1)
    figures = {f.code: f for s in data["sets"] for f in s.figures}
    latest = Assessment.objects.filter(village=village_a1, latest=True).select_related("criterion")
    assert latest.count() == len(figures) > 0
    for a in latest:
        f = figures[a.criterion.code]
        assert (f.value, f.numerator, f.denominator, f.status) == (
            a.value,
            a.numerator,
            a.denominator,
            a.status,
        )
        if a.criterion.unit == "percent" and a.value is not None and not f.too_few:
            # Exact unless a small count of people would come back (then a bound, "> 99,1%").
            shown = selectors.figures.public_figure(f)
            assert escape(shown.value) in html
            assert shown.suppressed or shown.value == format_value(a.value, "percent")
    citizen = [f.code for f in data["citizen"]]
    assert citizen == ["TTM.05", "TTM.06", "TTM.04", "TTM.07"]
    # The definition of each figure comes from its criterion.
    vneid = figures["TTM.05"]
    assert vneid.help_text in html


def test_cache_is_refreshed_by_a_new_rollup(client, world, commune_a, village_a1):
    def vneid_value():
        return Assessment.objects.get(
            village=village_a1, latest=True, criterion__indicator_key="vneid_level2"
        ).value

    before = vneid_value()
    first = page(client, village_a1)
    assert format_value(before, "percent") in first
    Resident.objects.filter(household__village=village_a1).update(vneid_level=2)
    # The page is cached: the same figures until a roll-up.
    assert body(page(client, village_a1)) == body(first)
    rollup_commune(commune=commune_a)
    after = vneid_value()
    assert after == 100
    second = page(client, village_a1)
    assert body(second) != body(first)
    assert format_value(after, "percent") in second


def test_cached_per_language(client, world, village_a1):
    vi = page(client, village_a1)
    client.cookies["django_language"] = "en"
    en = page(client, village_a1)
    assert "Digital citizens" in en
    assert "Công dân số" in vi and "Công dân số" not in en


def test_village_without_rollup(client, commune_a, village_a1):
    html = page(client, village_a1)
    assert "Số liệu chưa được tính." in html
    assert "Chưa tính tiêu chí nào cho thôn này." in html
    assert "Số liệu tính lúc" not in html
    # No figure is made up: no criterion status and no percentage.
    assert "Đạt" not in html and "%" not in html.split("<main", 1)[-1]
