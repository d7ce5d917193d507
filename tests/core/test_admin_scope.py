"""The admin mixin refuses a model without a scope instead of showing every row."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from core.admin import ScopedModelAdmin
from households.models import Household

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_a_model_without_for_user_is_refused(official_a):
    model_admin = ScopedModelAdmin(Group, admin.site)
    Group.objects.create(name="another commune's group")
    with pytest.raises(ImproperlyConfigured, match="no for_user"):
        model_admin.get_queryset(_request(official_a))


def test_a_scoped_model_shows_only_the_users_rows(official_b, village_a1):
    Household.objects.create(village=village_a1, number="1")
    model_admin = ScopedModelAdmin(Household, admin.site)
    assert not model_admin.get_queryset(_request(official_b)).exists()
