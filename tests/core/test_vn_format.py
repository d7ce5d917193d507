"""Vietnamese grouping of money and counts, and names family name first (issue 14)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from core.names import person_name


@pytest.mark.parametrize("language", ["vi", "en"])
def test_money_and_counts_grouped_with_dots(language):
    template = Template("{% load vn_format %}{{ a|vnd }} | {{ n|number }} | {{ none|vnd }}")
    with translation.override(language):
        text = template.render(Context({"a": 72000000, "n": 1534200, "none": None}))
    assert text == "72.000.000 đ | 1.534.200 | "


def test_criteria_money_values_are_grouped():
    from criteria.formatting import format_value

    with translation.override("vi"):
        assert format_value(72000000, "vnd") == "72.000.000 đ"


def test_person_name_family_first():
    User = get_user_model()
    assert person_name(User(username="u", first_name="Văn Hùng", last_name="Nguyễn")) == (
        "Nguyễn Văn Hùng"
    )
    assert person_name(User(username="leader01")) == "leader01"
    assert person_name(None) == ""


@pytest.mark.django_db
def test_header_shows_the_name_family_first(client):
    User = get_user_model()
    user = User.objects.create_user("hung", password="x", first_name="Văn Hùng", last_name="Nguyễn")
    client.force_login(user)
    body = client.get("/").content.decode()
    assert "Nguyễn Văn Hùng" in body and "Văn Hùng Nguyễn" not in body


@pytest.mark.django_db
def test_user_admin_has_one_full_name_field(client):
    User = get_user_model()
    admin = User.objects.create_superuser("root", password="x")
    user = User.objects.create_user("hung", password="x", first_name="Văn Hùng", last_name="Nguyễn")
    client.force_login(admin)
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = client.get(url).content.decode()
    assert 'name="full_name"' in page and 'value="Nguyễn Văn Hùng"' in page
    assert 'name="first_name"' not in page
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {"username": "hung", "full_name": "  Trần   Thị Thu Hà ", "date_joined_0": "01/12/2026",
         "date_joined_1": "08:00:00", "is_active": "on"}
    )  # fmt: skip
    data.pop("password", None)
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.last_name, user.first_name) == ("Trần", "Thị Thu Hà")
    assert person_name(user) == "Trần Thị Thu Hà"


def test_money_typed_in_other_digit_systems():
    from django.core.exceptions import ValidationError

    from payments.fields import parse_vnd

    assert parse_vnd("٧٢.٠٠٠.٠٠٠ đ") == 72_000_000
    assert parse_vnd("７２０００") == 72_000
    with pytest.raises(ValidationError):
        parse_vnd("²³")
