"""The permission matrix, generated from the URL configuration.

Every URL pattern of the portal (admin, i18n and media aside) must be listed in MATRIX with the
answer each persona gets; a new URL that is not listed fails `test_every_url_is_in_the_matrix`.
URL arguments are filled with objects of commune A / village A1 (tests/security/conftest.py).
Pages seen by official_b and leader_a2 must not contain commune A's household and resident
names. Each POST is rolled back, so the personas see the same world.

Set MATRIX_PRINT=1 to print what is observed (to fill in a new row).
"""

from __future__ import annotations

import os

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from criteria import indicators
from criteria.models import Criterion

from .conftest import HOUSEHOLD_NOTE_A, ID_A, ID_B, PHONE_A, PHONE_B, SECRET_NAME_A, SECRET_NAME_B

PERSONAS = [
    "anonymous",
    "official_a",
    "official_b",
    "leader_a1",
    "member_a1",
    "leader_a2",
    "province",
]
LOGIN = 302  # anonymous: redirected to the login page


def _row(anonymous, official_a, official_b, leader_a1, member_a1, leader_a2, province=None):
    """One answer per persona. `province` (Quảng Ninh's NTM office, communes A and B) defaults
    to PROVINCE_DEFAULT: officials' and field pages are closed to it (not staff, no village)."""
    values = [anonymous, official_a, official_b, leader_a1, member_a1, leader_a2, province]
    return dict(zip(PERSONAS, values, strict=True))


def everyone(status):
    return _row(*[status] * 7)


PUBLIC = everyone(200)


def post_only(post):
    """A POST-only view: GET answers 405 once logged in (login first for anonymous)."""
    return {"get": _row(LOGIN, 405, 405, 405, 405, 405), "post": post}


# Field pages: anonymous -> login; people without any scope -> 403; foreign objects -> 404.
# (url name) -> {"get": row, "post": row} ("post" only for POST-only views: GET answers 405).
MATRIX: dict[str, dict[str, dict[str, int]]] = {
    # core
    "villages:home": {"get": PUBLIC},
    "core:healthz": {"get": PUBLIC},
    "core:after_login": {"get": _row(LOGIN, 302, 302, 302, 302, 302)},
    "core:field_service_worker": {"get": PUBLIC},
    "core:field_manifest": {"get": PUBLIC},
    "core:field_outbox": {"get": PUBLIC},
    "core:field_offline": {"get": PUBLIC},
    "core:switch_language": {"get": everyone(302)},
    # An official of the member's commune resets a team member's password (issue 22).
    "core:team_password_reset": {"get": _row(LOGIN, 200, 404, 404, 404, 404)},
    # django
    "login": {"get": PUBLIC},
    "logout": {"get": everyone(405), "post": everyone(302)},
    "password_change": {"get": _row(LOGIN, 200, 200, 200, 200, 200)},
    "password_change_done": {"get": _row(LOGIN, 200, 200, 200, 200, 200)},
    "password_reset": {"get": PUBLIC},
    "password_reset_done": {"get": PUBLIC},
    "password_reset_confirm": {"get": PUBLIC},
    "password_reset_complete": {"get": PUBLIC},
    # households (field portal)
    "households:household_list": {"get": _row(LOGIN, 200, 200, 200, 200, 200)},
    "households:household_create": {"get": _row(LOGIN, 200, 200, 200, 200, 200)},
    "households:household_detail": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "households:household_update": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "households:household_delete": post_only(_row(LOGIN, 302, 404, 302, 403, 404)),
    "households:resident_create": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "households:address_edit": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "households:resident_update": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "households:resident_delete": post_only(_row(LOGIN, 302, 404, 302, 403, 404)),
    "households:asset_list": {"get": _row(LOGIN, 200, 200, 200, 200, 200)},
    "households:asset_create": {"get": _row(LOGIN, 200, 200, 200, 403, 200)},
    "households:asset_update": {"get": _row(LOGIN, 200, 404, 200, 403, 404)},
    "households:asset_delete": post_only(_row(LOGIN, 302, 404, 302, 403, 404)),
    "households:import_start": {"get": _row(LOGIN, 200, 200, 200, 403, 200)},
    "households:import_template": {"get": _row(LOGIN, 200, 200, 200, 403, 200)},
    "households:import_detail": {"get": _row(LOGIN, 200, 404, 200, 403, 404)},
    "households:import_confirm": post_only(_row(LOGIN, 302, 404, 302, 403, 404)),
    "households:import_cancel": post_only(_row(LOGIN, 302, 404, 302, 403, 404)),
    # digital teams
    "digital_teams:team_detail": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "digital_teams:team_edit": {"get": _row(LOGIN, 200, 404, 200, 403, 404)},
    "digital_teams:team_dashboard": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "digital_teams:teammember_create": {"get": _row(LOGIN, 200, 404, 200, 403, 404)},
    "digital_teams:teammember_update": {"get": _row(LOGIN, 200, 404, 200, 403, 404)},
    "digital_teams:teammember_deactivate": post_only(_row(LOGIN, 302, 404, 302, 403, 404)),
    "digital_teams:activity_create": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "digital_teams:activity_detail": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "digital_teams:activity_undo": post_only(
        _row(LOGIN, 302, 404, 302, 403, 404)
    ),  # the recorder or a manager undoes
    "digital_teams:followup_list": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "digital_teams:followup_mine": {"get": _row(LOGIN, 200, 200, 200, 200, 200)},
    "digital_teams:followup_print": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "digital_teams:followup_assign": post_only(_row(LOGIN, 302, 404, 302, 403, 404)),
    "digital_teams:followup_visit": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    # payments (officials only)
    "payments:overview": {"get": _row(LOGIN, 200, 200, 403, 403, 403)},
    "payments:entry": {"get": _row(LOGIN, 200, 200, 403, 403, 403)},
    "payments:import": {"get": _row(LOGIN, 200, 200, 403, 403, 403)},
    # The uploader's own import (official_a); another commune's official: 404.
    "payments:import_detail": {"get": _row(LOGIN, 200, 404, 403, 403, 403)},
    "payments:import_confirm": {
        "get": everyone(405),
        "post": _row(LOGIN, 302, 404, 403, 403, 403),
    },
    "payments:import_cancel": {
        "get": everyone(405),
        "post": _row(LOGIN, 302, 404, 403, 403, 403),
    },
    "payments:import_template": {"get": _row(LOGIN, 200, 200, 403, 403, 403)},
    "payments:export_csv": {"get": _row(LOGIN, 200, 200, 403, 403, 403)},
    "payments:export_xlsx": {"get": _row(LOGIN, 200, 200, 403, 403, 403)},
    # ocop (public)
    "ocop:stamp_public": {"get": PUBLIC},
    "ocop:catalogue": {"get": PUBLIC},
    "ocop:product_detail": {"get": PUBLIC},
    # private file: a label sheet prints valid stamps; officials of the commune only
    "ocop:batch_file": {"get": _row(404, 200, 404, 404, 404, 404)},
    # criteria
    "criteria:commune_public": {"get": PUBLIC},
    # officials' pages (core.access.official_required / commune_for): team members 403,
    # another commune's official 404
    "criteria:commune_checklist": {"get": _row(LOGIN, 200, 404, 403, 403, 403)},
    "criteria:rollup_now": post_only(_row(LOGIN, 302, 404, 403, 403, 403)),
    "criteria:dossier_print": {"get": _row(LOGIN, 200, 404, 403, 403, 403)},
    "criteria:dossier_xlsx": {"get": _row(LOGIN, 200, 404, 403, 403, 403)},
    "criteria:evidence_create": {"get": _row(LOGIN, 200, 404, 403, 403, 403)},
    "criteria:evidence_file": {"get": _row(404, 200, 404, 404, 404, 404)},  # private file
    "criteria:village_checklist": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "criteria:gap_list": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "criteria:trend": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    # dashboards
    "dashboards:village_public": {"get": PUBLIC},
    "dashboards:official": {"get": _row(LOGIN, 200, 200, 403, 403, 403)},
    "dashboards:map": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    "dashboards:map_data": {"get": _row(LOGIN, 200, 404, 200, 200, 404)},
    # provinces: the provincial NTM office of communes A and B (core.access.province_required)
    "provinces:overview": {"get": _row(LOGIN, 403, 403, 403, 403, 403, 200)},
    "provinces:commune_checklist": {"get": _row(LOGIN, 403, 403, 403, 403, 403, 200)},
    "provinces:map_data": {"get": _row(LOGIN, 403, 403, 403, 403, 403, 200)},
    "provinces:report_print": {"get": _row(LOGIN, 403, 403, 403, 403, 403, 200)},
    "provinces:report_xlsx": {"get": _row(LOGIN, 403, 403, 403, 403, 403, 200)},
    # GET: the roll-up's progress (a fragment the overview polls); POST starts (or joins) it.
    "provinces:rollup": {
        "get": _row(LOGIN, 403, 403, 403, 403, 403, 200),
        "post": _row(LOGIN, 403, 403, 403, 403, 403, 302),
    },
    # administrative changes of the province (villages.change_views): its NTM office only
    "units:changes": {"get": _row(LOGIN, 403, 403, 403, 403, 403, 200)},
    "units:village_move": {"get": _row(LOGIN, 403, 403, 403, 403, 403, 200)},
    "units:commune_merge": {"get": _row(LOGIN, 403, 403, 403, 403, 403, 200)},
    # read API (api/): schema and docs public; data for officials (their communes) and the
    # provincial office (its province); no credentials 401, team members 403
    "api:schema": {"get": PUBLIC},
    "api:docs": {"get": PUBLIC},
    "api:commune-list": {"get": _row(401, 200, 200, 403, 403, 403, 200)},
    "api:commune-detail": {"get": _row(401, 200, 404, 403, 403, 403, 200)},
    "api:village-list": {"get": _row(401, 200, 200, 403, 403, 403, 200)},
    "api:assessment-list": {"get": _row(401, 200, 200, 403, 403, 403, 200)},
    "api:cashlessreport-list": {"get": _row(401, 200, 200, 403, 403, 403, 200)},
    "api:product-list": {"get": _row(401, 200, 200, 403, 403, 403, 200)},
    "api:open_commune_json": {"get": PUBLIC},
    "api:open_commune_csv": {"get": PUBLIC},
    # plates (issue 18): the public address page and its report form (POST only, no login;
    # an empty report answers 400); field pages of the village; the print files for whoever
    # may order plates (officials of the commune, the village's leader), 404 for anyone else
    "plates:address_public": {"get": PUBLIC},
    "plates:correction_create": {"get": everyone(405), "post": everyone(400)},
    "plates:overview": {"get": _row(LOGIN, 200, 404, 200, 200, 404, 403)},
    "plates:batch_create": {"get": _row(LOGIN, 200, 404, 200, 403, 404, 403)},
    "plates:batch_detail": {"get": _row(LOGIN, 200, 404, 200, 200, 404, 403)},
    "plates:batch_printed": {
        "get": _row(LOGIN, 405, 405, 405, 405, 405, 405),
        "post": _row(LOGIN, 302, 404, 302, 403, 404, 403),
    },
    "plates:batch_retry": {
        "get": _row(LOGIN, 405, 405, 405, 405, 405, 405),
        "post": _row(LOGIN, 302, 404, 302, 403, 404, 403),
    },
    "plates:batch_file": {"get": _row(404, 200, 404, 200, 404, 404, 404)},
    "plates:plate_install": {"get": _row(LOGIN, 200, 404, 200, 200, 404, 403)},
    "plates:correction_resolve": {"get": _row(LOGIN, 200, 404, 200, 200, 404, 403)},
}

# Quảng Ninh's NTM office (province persona): its answer wherever a MATRIX row does not give
# one. Public pages 200; officials' pages 403 (not staff); field pages 403 (no village) or 404
# (objects outside any scope it has); private files 404. Its own list of visits
# (followup_mine) is empty. Only provinces:* pages are its own (200 in MATRIX).
PROVINCE: dict[str, dict[str, int]] = {
    "villages:home": {"get": 200},
    "core:healthz": {"get": 200},
    "core:after_login": {"get": 302},
    "core:switch_language": {"get": 302},
    "core:field_service_worker": {"get": 200},
    "core:field_manifest": {"get": 200},
    "core:field_outbox": {"get": 200},
    "core:field_offline": {"get": 200},
    "core:team_password_reset": {"get": 404},
    "login": {"get": 200},
    "logout": {"get": 405, "post": 302},
    "password_change": {"get": 200},
    "password_change_done": {"get": 200},
    "password_reset": {"get": 200},
    "password_reset_done": {"get": 200},
    "password_reset_confirm": {"get": 200},
    "password_reset_complete": {"get": 200},
    "households:household_list": {"get": 403},
    "households:household_create": {"get": 403},
    "households:household_detail": {"get": 403},
    "households:household_update": {"get": 403},
    "households:household_delete": {"get": 405, "post": 403},
    "households:resident_create": {"get": 403},
    "households:address_edit": {"get": 403},
    "households:resident_update": {"get": 403},
    "households:resident_delete": {"get": 405, "post": 403},
    "households:asset_list": {"get": 403},
    "households:asset_create": {"get": 403},
    "households:asset_update": {"get": 404},
    "households:asset_delete": {"get": 405, "post": 403},
    "households:import_start": {"get": 403},
    "households:import_template": {"get": 403},
    "households:import_detail": {"get": 403},
    "households:import_confirm": {"get": 405, "post": 403},
    "households:import_cancel": {"get": 405, "post": 403},
    "digital_teams:team_detail": {"get": 404},
    "digital_teams:team_edit": {"get": 404},
    "digital_teams:team_dashboard": {"get": 404},
    "digital_teams:teammember_create": {"get": 404},
    "digital_teams:teammember_update": {"get": 404},
    "digital_teams:teammember_deactivate": {"get": 405, "post": 404},
    "digital_teams:activity_create": {"get": 404},
    "digital_teams:activity_detail": {"get": 404},
    "digital_teams:activity_undo": {"get": 405, "post": 404},
    "digital_teams:followup_list": {"get": 404},
    "digital_teams:followup_mine": {"get": 200},
    "digital_teams:followup_print": {"get": 404},
    "digital_teams:followup_assign": {"get": 405, "post": 404},
    "digital_teams:followup_visit": {"get": 404},
    "payments:overview": {"get": 403},
    "payments:entry": {"get": 403},
    "payments:import": {"get": 403},
    "payments:import_detail": {"get": 403},
    "payments:import_confirm": {"get": 405, "post": 403},
    "payments:import_cancel": {"get": 405, "post": 403},
    "payments:import_template": {"get": 403},
    "payments:export_csv": {"get": 403},
    "payments:export_xlsx": {"get": 403},
    "ocop:stamp_public": {"get": 200},
    "ocop:catalogue": {"get": 200},
    "ocop:product_detail": {"get": 200},
    "ocop:batch_file": {"get": 404},
    "criteria:commune_public": {"get": 200},
    "criteria:commune_checklist": {"get": 403},
    "criteria:rollup_now": {"get": 405, "post": 403},
    "criteria:dossier_print": {"get": 403},
    "criteria:dossier_xlsx": {"get": 403},
    "criteria:evidence_create": {"get": 403},
    "criteria:evidence_file": {"get": 404},
    "criteria:village_checklist": {"get": 404},
    "criteria:gap_list": {"get": 404},
    "criteria:trend": {"get": 404},
    "dashboards:village_public": {"get": 200},
    "dashboards:official": {"get": 403},
    "dashboards:map": {"get": 403},
    "dashboards:map_data": {"get": 404},
}
for _name, _answers in PROVINCE.items():
    for _method, _status in _answers.items():
        if MATRIX[_name][_method]["province"] is None:
            MATRIX[_name][_method]["province"] = _status


# Views that hand out private files (core/files.py): whoever is outside gets 404, anonymous
# too (not a login page: the URL does not even say that the file exists).
PRIVATE_FILE_URLS = {"criteria:evidence_file", "ocop:batch_file"}


def test_private_file_urls_answer_404_outside_the_scope():
    for name in PRIVATE_FILE_URLS:
        row = MATRIX[name]["get"]
        assert row["official_a"] == 200, name
        assert {row[p] for p in PERSONAS if p != "official_a"} == {404}, name


# Pages whose whole purpose is public or personal to the user: no commune-A name check needed.
SKIPPED_PREFIXES = ("admin/", "i18n/", "media/", "^media/", "static/")


def walk(resolver=None, prefix="", namespace=None):
    """(route, 'namespace:name') of every URL pattern, recursively."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(SKIPPED_PREFIXES):
                continue
            yield from walk(pattern, route, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            if route.startswith(SKIPPED_PREFIXES):
                continue
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield route, name


def test_every_url_is_in_the_matrix():
    names = {name for _route, name in walk()}
    unlisted = sorted(names - set(MATRIX))
    assert not unlisted, f"URL patterns without an expected answer in MATRIX: {unlisted}"
    assert not sorted(set(MATRIX) - names), "MATRIX lists URLs that no longer exist"
    assert all(name for _r, name in walk()), "every URL pattern needs a name"


def _gap_criterion():
    for criterion in Criterion.objects.filter(criteria_set__is_active=True).exclude(
        indicator_key=""
    ):
        item = indicators.get(criterion.indicator_key)
        if item is not None and item._gap is not None and item.level == "village":
            return criterion
    raise AssertionError("no criterion with a gap list")


def _team_account(village) -> int:
    """member_a1's account (a team member of village A1)."""
    from villages.models import Membership

    return Membership.objects.filter(village=village, role="member").values_list(
        "user_id", flat=True
    )[0]


def _plates(a):
    """A rendered plate batch of village A1 (its household's address verified, with a code)
    and a report from the address page, made once per world."""
    if not hasattr(a, "plate"):
        import datetime as dt

        from households.models import DigitalAddress
        from plates.models import AddressCorrection, Plate, PlateBatch
        from plates.rendering import plate_batch_render

        DigitalAddress.objects.filter(pk=a.address.pk).update(
            location_code="QTA177", verified_on=dt.date(2026, 3, 2)
        )
        batch = PlateBatch.objects.create(village=a.village, size="300x200", quantity=1)
        a.plate = Plate.objects.create(
            batch=batch, sequence=1, address=a.address, household=a.household, code="QTA177"
        )
        assert plate_batch_render(batch_id=batch.pk) == "ready"
        a.correction = AddressCorrection.objects.create(
            village=a.village, address=a.address, code="QTA177", message="Sai số nhà"
        )
    return a


def url_for(name: str, a) -> str:
    """The URL of `name` filled with commune A / village A1 objects."""
    if name.startswith("plates:"):
        _plates(a)
    kwargs = {
        "households:household_detail": {"pk": a.household.pk},
        "households:household_update": {"pk": a.household.pk},
        "households:household_delete": {"pk": a.household.pk},
        "households:resident_create": {"pk": a.household.pk},
        "households:address_edit": {"pk": a.household.pk},
        "households:resident_update": {"pk": a.resident.pk},
        "households:resident_delete": {"pk": a.resident.pk},
        "households:asset_update": {"pk": a.asset.pk},
        "households:asset_delete": {"pk": a.asset.pk},
        "households:import_detail": {"pk": a.job.pk},
        "households:import_confirm": {"pk": a.job.pk},
        "households:import_cancel": {"pk": a.job.pk},
        "payments:import_detail": {"pk": a.cashless_job.pk},
        "payments:import_confirm": {"pk": a.cashless_job.pk},
        "payments:import_cancel": {"pk": a.cashless_job.pk},
        "ocop:batch_file": {"pk": a.batch.pk, "kind": "pdf"},
        "plates:address_public": {"code": "QTA177"},
        "plates:correction_create": {"code": "QTA177"},
        "plates:batch_detail": {"pk": getattr(a, "plate", None) and a.plate.batch_id},
        "plates:batch_printed": {"pk": getattr(a, "plate", None) and a.plate.batch_id},
        "plates:batch_retry": {"pk": getattr(a, "plate", None) and a.plate.batch_id},
        "plates:batch_file": {
            "pk": getattr(a, "plate", None) and a.plate.batch_id,
            "kind": "proof",
        },
        "plates:plate_install": {"pk": getattr(a, "plate", None) and a.plate.pk},
        "plates:correction_resolve": {"pk": getattr(a, "correction", None) and a.correction.pk},
        "digital_teams:teammember_update": {"pk": a.member.pk},
        "digital_teams:teammember_deactivate": {"pk": a.member.pk},
        "digital_teams:activity_detail": {"pk": a.activity.pk},
        "digital_teams:activity_undo": {"pk": a.activity.pk},
        "digital_teams:followup_visit": {"pk": a.household.pk},
        "core:switch_language": {"code": "en"},
        "ocop:stamp_public": {"serial": a.stamp.serial},
        "ocop:product_detail": {"pk": a.product.pk},
        "criteria:commune_public": {"code": a.commune.code},
        "criteria:commune_checklist": {"code": a.commune.code},
        "criteria:rollup_now": {"code": a.commune.code},
        "criteria:dossier_print": {"code": a.commune.code},
        "criteria:dossier_xlsx": {"code": a.commune.code},
        "criteria:evidence_create": {"code": a.commune.code, "criterion_pk": a.criterion.pk},
        "criteria:evidence_file": {"pk": a.evidence.pk},
        "criteria:village_checklist": {"code": a.village.code},
        "criteria:gap_list": {"criterion_pk": _gap_criterion().pk, "target": str(a.village.pk)},
        "criteria:trend": {"criterion_pk": _gap_criterion().pk, "target": str(a.village.pk)},
        "dashboards:village_public": {"code": a.village.code},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "core:team_password_reset": {"pk": _team_account(a.village)},
        "provinces:overview": {"code": a.commune.province_code},
        "units:changes": {"code": a.commune.province_code},
        "units:village_move": {"code": a.commune.province_code},
        "units:commune_merge": {"code": a.commune.province_code},
        "provinces:map_data": {"code": a.commune.province_code},
        "provinces:report_print": {"code": a.commune.province_code},
        "provinces:report_xlsx": {"code": a.commune.province_code},
        "provinces:rollup": {"code": a.commune.province_code},
        "api:commune-detail": {"code": a.commune.code},
        "api:open_commune_json": {"code": a.commune.code},
        "api:open_commune_csv": {"code": a.commune.code},
        "provinces:commune_checklist": {
            "code": a.commune.province_code,
            "commune_code": a.commune.code,
        },
    }.get(name, {})
    url = reverse(name, kwargs=kwargs)
    # Views that pick the village/commune from the query string: point them at A1 / A.
    query = {
        "digital_teams:team_detail": f"village={a.village.pk}",
        "digital_teams:team_edit": f"village={a.village.pk}",
        "digital_teams:team_dashboard": f"village={a.village.pk}",
        "digital_teams:teammember_create": f"village={a.village.pk}",
        "digital_teams:activity_create": f"village={a.village.pk}",
        "digital_teams:followup_list": f"village={a.village.pk}",
        "digital_teams:followup_print": f"village={a.village.pk}",
        "digital_teams:followup_assign": f"village={a.village.pk}",
        "dashboards:map": f"village={a.village.code}",
        "plates:overview": f"village={a.village.pk}",
        "plates:batch_create": f"village={a.village.pk}",
        "dashboards:map_data": f"village={a.village.code}",
    }.get(name)
    return f"{url}?{query}" if query else url


def _request(client, method, url):
    """One request whose writes are rolled back (every persona sees the same world)."""
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


def _no_foreign_data(persona, name, response):
    if persona == "province" and response.status_code == 200:
        _no_personal_data(name, response)
        return
    if persona not in ("official_b", "leader_a2") or response.status_code != 200:
        return
    if response.get("Content-Type", "").startswith("text/html") is False:
        body = response.content.decode("utf-8", "ignore") if not response.streaming else ""
    else:
        body = response.content.decode()
    for secret in (HOUSEHOLD_NOTE_A, ID_A, PHONE_A):
        assert secret not in body, f"{name} shows commune A's data to {persona}"
    if persona == "official_b" or name.startswith("households:"):
        # leader_a2 is in commune A: public figures of A1 are fine, its residents are not.
        assert SECRET_NAME_A not in body or name in PUBLIC_NAME_OK, (
            f"{name} shows commune A's names to {persona}"
        )


def _no_personal_data(name, response):
    """The provincial office reads figures of communes A and B: no resident name, ID number,
    phone or household note of either, on any page it opens."""
    body = response.content.decode("utf-8", "ignore") if not response.streaming else ""
    for secret in (HOUSEHOLD_NOTE_A, ID_A, ID_B, PHONE_A, PHONE_B, SECRET_NAME_B):
        assert secret not in body, f"{name} shows personal data to the provincial office"
    assert SECRET_NAME_A not in body or name in PUBLIC_NAME_OK, name


# Public pages that show a producer/product name built from SECRET_NAME_A (business data).
PUBLIC_NAME_OK = {"ocop:stamp_public", "ocop:product_detail", "ocop:catalogue"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(world, persona, client):
    user = world.personas[persona]
    if user is not None:
        client.force_login(user)
    observed, wrong = {}, []
    for _route, name in walk():
        url = url_for(name, world.a)
        expected = MATRIX[name]
        got = {"get": _request(client, "get", url)}
        if "post" in expected:
            got["post"] = _request(client, "post", url)
        if user is not None and name == "logout":
            client.force_login(user)  # the rolled-back logout still dropped the session cookie
        for method, response in got.items():
            observed.setdefault(name, {})[method] = response.status_code
            assert response.status_code != 500, f"{method.upper()} {url} as {persona}: 500"
            if response.status_code != expected[method][persona]:
                wrong.append(
                    f"{method.upper()} {url} ({name}) as {persona}: "
                    f"{response.status_code}, expected {expected[method][persona]}"
                )
            _no_foreign_data(persona, name, response)
    if os.environ.get("MATRIX_PRINT"):
        for name, codes in observed.items():
            print(persona, name, codes)
    assert not wrong, "\n".join(wrong)


# --- Admin ----------------------------------------------------------------------------------

ADMIN_OBJECT = {
    "villages.commune": lambda a: a.commune,
    "villages.village": lambda a: a.village,
    "villages.membership": lambda a: a.village.memberships.first(),
    "villages.villageasset": lambda a: a.asset,
    "households.household": lambda a: a.household,
    "households.resident": lambda a: a.resident,
    "households.digitaladdress": lambda a: a.address,
    "households.exportaudit": lambda a: a.audit,
    "households.householdimport": lambda a: a.job,
    "digital_teams.digitalteam": lambda a: a.team,
    "digital_teams.supportactivity": lambda a: a.activity,
    "digital_teams.assistedchange": lambda a: None,
    "digital_teams.followupassignment": lambda a: None,
    "digital_teams.teammember": lambda a: a.member,
    "payments.cashlessreport": lambda a: a.report,
    "ocop.producer": lambda a: a.producer,
    "ocop.product": lambda a: a.product,
    "ocop.stampbatch": lambda a: a.batch,
    "ocop.stamp": lambda a: a.stamp,
    "criteria.criteriaset": lambda a: None,  # national catalogues: shared, read by all officials
    "criteria.rolluprun": lambda a: a.run,
    "criteria.manualevidence": lambda a: a.evidence,
    "criteria.communegroup": lambda a: _commune_group(a.commune),
    "api.systemaccount": lambda a: _system_account(a.commune),
    "plates.platesettings": lambda a: _plate_settings(a.commune),
    "criteria.assessment": lambda a: (
        a.run.assessments.first() if hasattr(a.run, "assessments") else None
    ),
}


def _system_account(commune):
    from api.services import create_system_account

    return create_system_account(name="Hệ thống xã A", commune=commune, created_by=None)[0]


def _plate_settings(commune):
    from plates.models import PlateSettings

    return PlateSettings.objects.get_or_create(commune=commune)[0]


def _commune_group(commune):
    import datetime as dt

    from criteria.models import CommuneGroup

    return CommuneGroup.objects.get_or_create(
        commune=commune,
        period="2026-2030",
        defaults={"group": 2, "decision_number": "1/QĐ-UBND", "decision_date": dt.date(2026, 3, 1)},
    )[0]


# Superuser-only models (officials are not superusers): 403 for both officials.
SUPERUSER_ONLY = {"auth.group", "auth.user", "axes.accessattempt", "axes.accesslog",
                  "axes.accessfailurelog", "villages.provincemembership",
                  "authtoken.tokenproxy"}  # fmt: skip


def test_every_admin_model_is_covered():
    labels = {m._meta.label_lower for m in admin.site._registry}
    assert labels <= set(ADMIN_OBJECT) | SUPERUSER_ONLY, labels - set(ADMIN_OBJECT)


def _admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def test_admin_changelists_and_change_views_are_scoped(world, client):
    """official_a sees commune A's objects; official_b's lists do not show them and their
    change views answer "does not exist" (redirect to the admin index)."""
    a = world.a
    for model in admin.site._registry:
        label = model._meta.label_lower
        changelist = _admin_url(model, "changelist")
        client.force_login(world.personas["official_b"])
        response = client.get(changelist)
        if label in SUPERUSER_ONLY:
            assert response.status_code == 403, label
            continue
        assert response.status_code == 200, label
        body = response.content.decode()
        assert SECRET_NAME_A not in body and HOUSEHOLD_NOTE_A not in body, label
        obj = ADMIN_OBJECT[label](a)
        if obj is None:
            continue
        change = _admin_url(model, "change", obj.pk)
        foreign = client.get(change)
        assert foreign.status_code == 302 and foreign["Location"] == reverse("admin:index"), (
            label,
            foreign.status_code,
        )
        client.force_login(world.personas["official_a"])
        assert client.get(changelist).status_code == 200, label
        assert client.get(change).status_code == 200, label
        # Team members are not staff: the admin is closed to them.
        client.force_login(world.personas["leader_a1"])
        assert client.get(change).status_code == 302, label


def test_admin_exports_are_scoped_and_audited(world, client):
    """Admin export actions, the full-ID export, /payments/export.*, the dossier."""
    from households.models import ExportAudit, Household, Resident

    a, b = world.a, world.b
    client.force_login(world.personas["official_b"])
    # The full-ID export of a foreign household selected by a tampered id: nothing of A.
    before = ExportAudit.objects.count()
    response = client.post(
        _admin_url(Household, "changelist"),
        {"action": "export_full_ids", "_selected_action": [a.household.pk, b.household.pk]},
    )
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    cells = [
        str(c.value)
        for row in load_workbook(BytesIO(response.content)).active.iter_rows()
        for c in row
    ]
    assert SECRET_NAME_A not in cells and ID_A not in cells
    assert any(ID_B == c for c in cells)  # their own resident, in full: that is the purpose
    audit = ExportAudit.objects.order_by("-at", "-pk").first()
    assert ExportAudit.objects.count() == before + 1
    assert audit.user == world.personas["official_b"] and audit.full_ids and audit.rows == 1
    # The masked Excel export (import-export) of residents: only commune B, audited.
    response = client.post(
        _admin_url(Resident, "export"), {"format": "0", "resource": "0", "export_items": []}
    )
    if response.status_code == 200 and response.get("Content-Type", "").startswith(
        "application/vnd"
    ):
        text = " ".join(
            str(c.value)
            for row in load_workbook(BytesIO(response.content)).active.iter_rows()
            for c in row
        )
        assert SECRET_NAME_A not in text and ID_A not in text and ID_B not in text
    # Payments exports and the dossier of commune A: 403 / 404 for official_b.
    for name in ("payments:export_csv", "payments:export_xlsx"):
        assert client.get(reverse(name) + f"?commune={a.commune.pk}").status_code == 404
    assert client.get(reverse("criteria:dossier_xlsx", args=[a.commune.code])).status_code == 404
    # A team leader cannot run the full export at all.
    client.force_login(world.personas["leader_a1"])
    response = client.post(
        _admin_url(Household, "changelist"),
        {"action": "export_full_ids", "_selected_action": [a.household.pk]},
    )
    assert response.status_code == 302 and "login" in response["Location"]
