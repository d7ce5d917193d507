"""The read API: schema, scoping by token (two provinces), no personal data."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import CommuneFactory, UserFactory, VillageFactory
from villages.roles import make_province_office


@pytest.fixture
def tokens(db, commune_a, commune_b, village_a1, village_b1):
    commune_c = CommuneFactory(code="90003", name="Xã Cẩm Hà", province_code="33")
    VillageFactory(commune=commune_c, number=1, name="Thôn Cê")
    out = {}
    for code in ("22", "33"):
        system = UserFactory(username=f"he_thong_{code}")
        make_province_office(system, code)
        out[code] = Token.objects.create(user=system).key
    return out


def _get(client, name, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return client.get(reverse(name), params, **headers)


def test_schema_validates_and_lists_every_endpoint(client, db):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/communes/",
        "/api/v1/communes/{code}/",
        "/api/v1/villages/",
        "/api/v1/assessments/",
        "/api/v1/cashless-reports/",
        "/api/v1/ocop-products/",
    ):
        assert path in schema["paths"], path
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)  # raises on an invalid OpenAPI 3 document


def test_docs_use_local_assets(client, db):
    body = client.get(reverse("api:docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/" in body and "cdn" not in body.lower()


def test_a_token_reads_only_its_province(client, tokens):
    codes = [c["code"] for c in _get(client, "api:commune-list", tokens["22"]).json()["results"]]
    assert codes == ["90001", "90002"]
    codes = [c["code"] for c in _get(client, "api:commune-list", tokens["33"]).json()["results"]]
    assert codes == ["90003"]
    villages = _get(client, "api:village-list", tokens["33"]).json()["results"]
    assert [v["commune"] for v in villages] == ["90003"]
    assert (
        client.get(
            reverse("api:commune-detail", args=["90001"]),
            HTTP_AUTHORIZATION=f"Token {tokens['33']}",
        ).status_code
        == 404
    )


def test_no_token_401_revoked_token_401(client, tokens):
    assert _get(client, "api:commune-list").status_code == 401
    Token.objects.filter(key=tokens["22"]).delete()  # revoked in the admin
    assert _get(client, "api:commune-list", tokens["22"]).status_code == 401


def test_commune_filter(client, tokens):
    rows = _get(client, "api:village-list", tokens["22"], commune="90002").json()["results"]
    assert {v["commune"] for v in rows} == {"90002"}


def test_no_personal_field_in_any_endpoint_schema(client, db):
    schema = yaml.safe_load(client.get(reverse("api:schema")).content)
    words = yaml.safe_dump(schema["components"]["schemas"]).lower()
    for personal in ("phone", "full_name", "id_number", "birth", "household", "resident", "note"):
        assert personal not in words, personal


def test_only_the_docs_page_relaxes_trusted_types(client, db):
    docs = client.get(reverse("api:docs"))["Content-Security-Policy"]
    home = client.get("/")["Content-Security-Policy"]
    assert "require-trusted-types-for" in home and "require-trusted-types-for" not in docs
    directives = dict(d.strip().split(" ", 1) for d in docs.split(";"))
    assert directives["script-src"] == "'self'"  # scripts stay local, no inline script


def test_open_data_suppresses_small_counts_like_the_public_page(client, db, commune_a):
    """A commune-level people criterion with 3 of 40 counted: '< 5', never 3."""
    import datetime as dt

    from django.utils import timezone

    from criteria.models import Assessment, CriteriaSet, Criterion, RollupRun

    people_set = CriteriaSet.objects.create(
        code="OPEN-TEST", title="Bộ thử", level="commune",
        valid_from=dt.date(2021, 1, 1), valid_to=dt.date(2025, 12, 31),
    )  # fmt: skip
    criterion = Criterion.objects.create(
        criteria_set=people_set, code="1", title="Hộ có 4G", indicator_key="households_4g",
        comparator="gte", target=50, unit="percent", order=1,
    )  # fmt: skip
    now = timezone.now()
    run = RollupRun.objects.create(
        commune=commune_a, on=now.date(), started_at=now, finished_at=now, status="done"
    )
    Assessment.objects.create(
        run=run, commune=commune_a, criterion=criterion, status="not_met", met=False,
        value=7.5, numerator=3, denominator=40, computed_at=now,
    )  # fmt: skip
    data = client.get(reverse("api:open_commune_json", args=[commune_a.code])).json()
    row = next(r for r in data["rows"] if r["criterion"] == criterion.code)
    assert row["numerator"] == "< 5" and row["suppressed"] is True
    assert data["definition"] and data["computed_at"]
    text = client.get(reverse("api:open_commune_csv", args=[commune_a.code])).content.decode()
    assert "< 5" in text and ",3," not in text


def test_public_commune_page_links_its_open_data(client, db, commune_a):
    body = client.get(reverse("criteria:commune_public", args=[commune_a.code])).content.decode()
    assert reverse("api:open_commune_csv", args=[commune_a.code]) in body
    assert reverse("api:open_commune_json", args=[commune_a.code]) in body
