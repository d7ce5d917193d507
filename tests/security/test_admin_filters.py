"""Admin filter sidebars list only what the official may see (core.admin.ScopedAdminMixin).

Before, an official of another commune saw the names of commune A's villages (and commune A
itself) in the "by village" / "by commune" filters of households, residents, addresses,
assets, follow-ups, teams...
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.urls import reverse

from core.admin import ScopedRelatedFieldListFilter

from .test_permission_matrix import SUPERUSER_ONLY


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.django_db
def test_every_relation_filter_lists_only_the_officials_scope(world, client):
    a = world.a
    foreign_names = [a.commune.name, a.village.name, *[v.name for v in a.commune.villages.all()]]
    official_b = world.personas["official_b"]
    client.force_login(official_b)
    checked = set()
    for model in admin.site._registry:
        if model._meta.label_lower in SUPERUSER_ONLY:
            continue
        response = client.get(_changelist(model))
        assert response.status_code == 200, model
        body = response.content.decode()
        for name in foreign_names:
            assert name not in body, f"{model._meta.label}: the sidebar names {name!r}"
        for spec in response.context["cl"].filter_specs:
            if not isinstance(spec, RelatedFieldListFilter):
                continue
            related = spec.field.related_model._default_manager.all()
            if not hasattr(related, "for_user"):
                continue  # shared catalogues (criteria sets) are read by every official
            allowed = set(related.for_user(official_b).values_list("pk", flat=True))
            offered = {pk for pk, _label in spec.lookup_choices}
            assert offered <= allowed, (model._meta.label, spec.field_path, offered - allowed)
            checked.add(f"{model._meta.label}.{spec.field_path}")
    # Every relation filter of every admin goes through the scoped filter (those with one
    # choice for official_b are hidden by the admin, so the loop above cannot see them).
    request = response.wsgi_request
    scoped = {
        f"{model._meta.label}.{item[0]}"
        for model, model_admin in admin.site._registry.items()
        for item in model_admin.get_list_filter(request)
        if isinstance(item, tuple) and item[1] is ScopedRelatedFieldListFilter
    }
    assert {
        "households.Household.village",
        "households.Resident.household__village",
        "households.DigitalAddress.household__village",
        "villages.VillageAsset.village",
        "digital_teams.FollowUpAssignment.household__village",
        "digital_teams.DigitalTeam.village__commune",
        "digital_teams.TeamMember.team__village__commune",
    } <= scoped, scoped
    for model, model_admin in admin.site._registry.items():
        for item in model_admin.get_list_filter(request):
            if isinstance(item, tuple) and isinstance(item[1], type):
                assert not (
                    issubclass(item[1], RelatedFieldListFilter)
                    and item[1] is not ScopedRelatedFieldListFilter
                ), (model, item)


@pytest.mark.django_db
def test_official_a_still_filters_by_their_villages(world, client):
    from households.models import Household

    a2 = world.a.commune.villages.exclude(pk=world.a.village.pk).get()
    Household.objects.create(village=a2, number="5")
    client.force_login(world.personas["official_a"])
    response = client.get(_changelist(Household))
    spec = next(s for s in response.context["cl"].filter_specs if s.field_path == "village")
    assert {pk for pk, _ in spec.lookup_choices} == {world.a.village.pk, a2.pk}
    filtered = client.get(_changelist(Household) + f"?village__id__exact={world.a.village.pk}")
    assert filtered.status_code == 200 and world.a.household.number in filtered.content.decode()
