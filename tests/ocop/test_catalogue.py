"""Public catalogue and product pages."""

import pytest
from django.urls import reverse

from .factories import ProductFactory


@pytest.fixture
def products(village_a1, village_b1):
    return {
        "honey": ProductFactory(
            producer__village=village_a1, name="Mật ong rừng", group="food", score=78
        ),
        "tea": ProductFactory(
            producer__village=village_a1, name="Trà hoa vàng", group="beverages", score=93
        ),
        "broom": ProductFactory(
            producer__village=village_a1, name="Chổi đót", group="handicrafts", score=55
        ),
        "hidden": ProductFactory(
            producer__village=village_a1, name="Ẩn đi", score=80, is_public=False
        ),
        "unrated": ProductFactory(producer__village=village_a1, name="Chưa xếp hạng", score=40),
        "other": ProductFactory(
            producer__village=village_b1, name="Nước mắm Bê", group="food", score=71
        ),
    }


def names(response):
    return sorted(p.name for p in response.context["page"])


@pytest.mark.django_db
def test_catalogue_lists_rated_public_products(client, products, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(reverse("ocop:catalogue"))
    assert response.status_code == 200
    assert names(response) == ["Chổi đót", "Mật ong rừng", "Nước mắm Bê", "Trà hoa vàng"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"group": "food"}, ["Mật ong rừng", "Nước mắm Bê"]),
        ({"stars": "5"}, ["Trà hoa vàng"]),
        ({"stars": "3"}, ["Chổi đót"]),
        ({"group": "food", "stars": "4", "commune": "90001"}, ["Mật ong rừng"]),
        ({"commune": "90002"}, ["Nước mắm Bê"]),
    ],
)
def test_catalogue_filters(client, products, query, expected):
    assert names(client.get(reverse("ocop:catalogue"), query)) == expected


@pytest.mark.django_db
def test_bad_filter_values_are_ignored(client, products):
    response = client.get(reverse("ocop:catalogue"), {"stars": "9", "group": "x"})
    assert response.status_code == 200
    assert len(names(response)) == 4


@pytest.mark.django_db
def test_product_page_shows_business_contact_and_sales_links(client, products):
    honey = products["honey"]
    honey.sales_links = "Shopee | https://shopee.vn/mat-ong"
    honey.save()
    html = client.get(reverse("ocop:product_detail", args=[honey.pk])).content.decode()
    assert "Mật ong rừng" in html and "★★★★" in html
    assert honey.producer.name in html and "0203 3888 999" in html
    assert (
        'href="https://shopee.vn/mat-ong"' in html and 'rel="nofollow noopener noreferrer"' in html
    )


@pytest.mark.django_db
def test_hidden_and_unrated_products_have_no_page(client, products):
    for key in ("hidden", "unrated"):
        assert (
            client.get(reverse("ocop:product_detail", args=[products[key].pk])).status_code == 404
        )
