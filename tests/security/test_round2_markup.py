"""Finding 1 (docs/security.md): no HTML from data reaches the DOM; trusted types; htmx only
where it is used, restricted. The browser half is tests/e2e/test_stored_xss.py."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from core.offline import error_texts
from households.models import HouseholdImport
from villages.models import VillageAsset

pytestmark = pytest.mark.django_db

PAYLOAD = "<i hx-get=/field/ hx-trigger=load>x</i><img src=x onerror=alert(1)>"
STATIC = Path(settings.BASE_DIR) / "static"
SINKS = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\.html\(|\.srcdoc\s*=")


def test_map_json_is_plain_data(client, official_a, village_a1):
    VillageAsset.objects.create(
        village=village_a1, kind="wifi", name=PAYLOAD, latitude=Decimal("21.3"),
        longitude=Decimal("107.6"),
    )  # fmt: skip
    client.force_login(official_a)
    response = client.get(f"/dashboard/map/data.json?village={village_a1.code}")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    (asset,) = response.json()["assets"]
    # The name as typed: no markup added, none interpreted; the page shows it as text.
    assert asset["name"] == PAYLOAD
    assert set(asset) == {"kind", "label", "name", "working", "lat", "lon"}


def test_our_scripts_write_no_html():
    """Every non-vendored script builds nodes and text, never HTML strings."""
    ours = [p for p in STATIC.rglob("*.js") if "vendor" not in p.parts]
    assert ours
    for path in ours:
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(), flags=re.S)
        assert not SINKS.search(code), f"{path.relative_to(STATIC)} writes HTML"
        if path.name != "trusted-types.js":
            assert "parseFromString" not in code, path


def test_map_tooltips_get_nodes_not_strings():
    code = (STATIC / "dashboards" / "map.js").read_text()
    assert "bindTooltip(textContent(" in code
    assert "textContent = " in code


def test_csp_requires_trusted_types(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "require-trusted-types-for 'script'" in policy
    assert "trusted-types default sv-inert sv-worker" in policy


@pytest.mark.parametrize(
    "path", ["/", "/field/", "/field/assets/", "/dashboard/map/", "/admin/", "/field/import/"]
)
def test_htmx_is_not_served_where_unused(client, official_a, path):
    client.force_login(official_a)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert b"htmx.min.js" not in response.content


def test_htmx_page_restricts_htmx(client, leader_a1, commune_a):
    job = HouseholdImport.objects.create(
        created_by=leader_a1, commune=commune_a, file_name="a.xlsx", status="checking"
    )
    client.force_login(leader_a1)
    html = client.get(f"/field/import/{job.pk}/").content.decode()
    assert "htmx.min.js" in html
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    config = json.loads(meta.group(1))
    assert config["selfRequestsOnly"] is True
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    # The trusted-types policy comes first, in its htmx mode (our own fragments only).
    assert html.index('js/trusted-types.js" data-htmx') < html.index("htmx.min.js")


def test_admin_loads_the_policy_before_its_scripts(client, official_a):
    client.force_login(official_a)
    html = client.get("/admin/villages/villageasset/add/").content.decode()
    assert html.index("js/trusted-types.js") < html.index("admin/js/theme.js")
    assert html.index("js/trusted-types.js") < html.index("jquery")


def test_offline_outbox_gets_error_texts_not_html():
    page = (
        '<form><div class="invalid-feedback"><strong>Số định danh không hợp lệ</strong></div>'
        '<div class="alert alert-danger"><ul><li>Thiếu chủ hộ &lt;b&gt;</li></ul></div>'
        "<p>Không phải lỗi</p><div data-conflict>Đã có người sửa</div></form>"
    )
    assert error_texts(page) == ["Số định danh không hợp lệ", "Thiếu chủ hộ <b>", "Đã có người sửa"]


@override_settings(DEBUG=False)
def test_service_worker_imports_through_a_policy(client):
    body = client.get("/field/sw.js").content.decode()
    assert 'createPolicy("sv-worker"' in body
