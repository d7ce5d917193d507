"""Private files (imports, evidence, label sheets) are never reachable by a URL.

A team leader uploads `danh_sach_ho_thon_1.xlsx` (household list with full ID numbers): it is
stored under a random name in PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT, so `/media/...` answers
404 both with the development server's URLs (DEBUG: `static()` media serving, as `make run`)
and in the production profile (nginx serves only the public folder; deploy/nginx.conf.example).
Downloads go through permission-checked views and are recorded.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.urls import clear_url_caches, reverse

from households.models import ExportAudit, HouseholdImport
from tests.households.test_import import row, xlsx

ROOT = Path(__file__).resolve().parents[2]
PREDICTABLE = "danh_sach_ho_thon_1.xlsx"


@pytest.fixture
def dev_urls(settings):
    """The URLs `make run` serves (DEBUG=true: media served by Django's static())."""
    import smartvillage.urls

    settings.DEBUG = True
    importlib.reload(smartvillage.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(smartvillage.urls)
    clear_url_caches()


def _upload_predictable(client):
    sheet = xlsx([row("Thôn Một", 1, "Nguyễn Văn Một")])
    sheet.name = PREDICTABLE
    assert client.post(reverse("households:import_start"), {"file": sheet}).status_code == 302
    job = HouseholdImport.objects.latest("pk")
    assert job.status == "preview" and job.file  # the file waits for the confirmation
    return job


def _guesses(settings, job):
    private_dir = Path(settings.PRIVATE_MEDIA_ROOT).name
    return [
        f"/media/household-imports/{PREDICTABLE}",
        f"/media/{job.file.name}",
        f"/media/../{private_dir}/{job.file.name}",
        f"/media/%2e%2e/{private_dir}/{job.file.name}",
    ]


def _public_file(settings) -> str:
    """A public product photo, to prove the media route under test really serves files."""
    photo = Path(settings.MEDIA_ROOT) / "ocop" / "products" / "p.png"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(b"\x89PNG public")
    return "/media/ocop/products/p.png"


@pytest.mark.django_db
def test_uploaded_import_is_unreachable_under_media_with_the_development_urls(
    settings, dev_urls, client, leader_a1
):
    client.force_login(leader_a1)
    job = _upload_predictable(client)
    assert client.get(_public_file(settings)).status_code == 200  # the media route is live
    assert PREDICTABLE not in job.file.name
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / job.file.name).is_file()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.xlsx"))
    for persona in (leader_a1, None):
        if persona is None:
            client.logout()
        for url in _guesses(settings, job):
            # 404; a path climbing out of MEDIA_ROOT is refused as suspicious (400).
            assert client.get(url).status_code in (400, 404), url


@pytest.mark.django_db
def test_uploaded_import_is_unreachable_in_the_production_profile(settings, client, leader_a1):
    assert not settings.DEBUG
    client.force_login(leader_a1)
    job = _upload_predictable(client)
    public = _public_file(settings)
    for url in [*_guesses(settings, job), public]:
        assert client.get(url).status_code == 404, url  # Django serves no media at all
    # nginx serves /media/ from the public folder only; the private folder is `internal`.
    conf = (ROOT / "deploy/nginx.conf.example").read_text()
    media = re.search(r"location /media/ \{[^}]*alias ([^;]+);", conf).group(1)
    private = re.search(r"location /_private/ \{([^}]*)\}", conf).group(1)
    private_alias = re.search(r"alias ([^;]+);", private).group(1)
    assert "internal;" in private
    assert not private_alias.startswith(media) and not media.startswith(private_alias)
    env = (ROOT / "deploy/env.example").read_text()
    assert f"PRIVATE_MEDIA_ROOT={private_alias.rstrip('/')}" in env
    assert "PRIVATE_MEDIA_ACCEL_PREFIX=/_private/" in env
    assert f"MEDIA_ROOT={media.rstrip('/')}" in env


def _private_urls(a):
    return {
        "evidence": reverse("criteria:evidence_file", args=[a.evidence.pk]),
        "pdf": reverse("ocop:batch_file", args=[a.batch.pk, "pdf"]),
        "zip": reverse("ocop:batch_file", args=[a.batch.pk, "zip"]),
    }


@pytest.mark.django_db
def test_private_downloads_are_checked_and_recorded(world, client):
    a = world.a
    urls = _private_urls(a)
    for persona in ("anonymous", "official_b", "leader_a2", "member_a1", "leader_a1"):
        user = world.personas[persona]
        client.logout()
        if user is not None:
            client.force_login(user)
        for kind, url in urls.items():
            if persona in ("leader_a1", "member_a1") and kind == "evidence":
                continue  # commune-level evidence: officials only (matrix: 404 as well)
            assert client.get(url).status_code == 404, (persona, kind)
    assert not ExportAudit.objects.filter(model__in=["ocop.stampbatch", "criteria.manualevidence"])

    official = world.personas["official_a"]
    client.force_login(official)
    pdf = client.get(urls["pdf"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment")
    assert "no-store" in pdf["Cache-Control"] and "private" in pdf["Cache-Control"]
    evidence = client.get(urls["evidence"])
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content).startswith(b"%PDF")
    records = ExportAudit.objects.filter(user=official).order_by("pk")
    assert [(r.model, r.commune_id, r.rows) for r in records] == [
        ("ocop.stampbatch", a.commune.pk, 1),
        ("criteria.manualevidence", a.commune.pk, 1),
    ]
    assert a.batch.lot_code in records[0].description and "PDF" in records[0].description
    assert records[1].at is not None


@pytest.mark.django_db
def test_behind_nginx_the_file_is_sent_by_x_accel_redirect(world, client, settings):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/_private/"
    client.force_login(world.personas["official_a"])
    response = client.get(reverse("ocop:batch_file", args=[world.a.batch.pk, "zip"]))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_private/{world.a.batch.zip_file.name}"
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    # The location the header names is the internal one of the nginx example.
    assert "location /_private/ {" in (ROOT / "deploy/nginx.conf.example").read_text()
    # A missing file is a 404, never a redirect nginx would answer with its own error.
    Path(world.a.batch.zip_file.path).unlink()
    response = client.get(reverse("ocop:batch_file", args=[world.a.batch.pk, "zip"]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_download_nobody_can_record_is_refused_not_served(world, client, monkeypatch):
    """core.files records through the function households registered (core imports no app
    above it); were none registered, the official gets an error page, never the file."""
    import core.files

    assert core.files._download_recorder == ExportAudit.record_download
    monkeypatch.setattr(core.files, "_download_recorder", None)
    client.raise_request_exception = False
    client.force_login(world.personas["official_a"])
    before = ExportAudit.objects.count()
    response = client.get(_private_urls(world.a)["evidence"])
    assert response.status_code == 500
    assert b"%PDF" not in response.content
    assert ExportAudit.objects.count() == before
