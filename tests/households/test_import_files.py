"""The uploaded sheet (ID numbers in clear) lives only as long as the import needs it.

Private storage under a random name; deleted when the import is applied, cancelled or found
invalid; a preview nobody confirmed loses its file after IMPORT_PREVIEW_MAX_AGE_HOURS (the
hourly beat task households.tasks.purge_import_files).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Household, HouseholdImport
from households.tasks import purge_import_files

from .test_import import row, xlsx


@pytest.fixture(autouse=True)
def _roots(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def _upload(client, name="danh_sach_ho_thon_1.xlsx", rows=None):
    sheet = xlsx(rows or [row("Thôn Một", 1, "Nguyễn Văn Một"), row("Thôn Một", 2, "Trần Hai")])
    sheet.name = name
    response = client.post(reverse("households:import_start"), {"file": sheet})
    assert response.status_code == 302
    return HouseholdImport.objects.latest("pk")


def _stored(settings, job) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / job.file.name


@pytest.mark.django_db
def test_preview_keeps_the_file_privately_under_a_random_name(settings, login, leader_a1):
    job = _upload(login(leader_a1))
    assert job.status == "preview" and job.file_name == "danh_sach_ho_thon_1.xlsx"
    assert "danh_sach" not in job.file.name
    assert job.file.name.startswith("household-imports/") and job.file.name.endswith(".xlsx")
    assert _stored(settings, job).is_file()
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*"))


@pytest.mark.django_db
def test_file_is_deleted_when_the_import_is_applied(settings, login, leader_a1):
    client = login(leader_a1)
    job = _upload(client)
    stored = _stored(settings, job)
    client.post(reverse("households:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and Household.objects.count() == 2
    assert not job.file and not stored.exists()


@pytest.mark.django_db
def test_file_is_deleted_when_the_import_is_cancelled(settings, login, leader_a1):
    client = login(leader_a1)
    job = _upload(client)
    stored = _stored(settings, job)
    page = client.post(reverse("households:import_cancel", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == "cancelled" and not job.file and not stored.exists()
    assert "Đã hủy" in page.content.decode()
    assert Household.objects.count() == 0
    # A cancelled import cannot be confirmed afterwards.
    client.post(reverse("households:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "cancelled" and Household.objects.count() == 0


@pytest.mark.django_db
def test_another_villages_leader_cannot_cancel(settings, login, leader_a1, leader_a2):
    job = _upload(login(leader_a1))
    response = login(leader_a2).post(reverse("households:import_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert (
        response.status_code == 404 and job.status == "preview" and _stored(settings, job).exists()
    )


@pytest.mark.django_db
def test_abandoned_preview_file_is_purged_after_the_set_time(settings, login, leader_a1):
    settings.IMPORT_PREVIEW_MAX_AGE_HOURS = 24
    client = login(leader_a1)
    old, fresh = _upload(client), _upload(client, name="thon_1_lan_2.xlsx")
    HouseholdImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    HouseholdImport.objects.filter(pk=fresh.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=23)
    )
    old_file, fresh_file = _stored(settings, old), _stored(settings, fresh)
    # An orphan upload (its transaction rolled back), older than the limit, and a new one.
    orphan = Path(settings.PRIVATE_MEDIA_ROOT) / "household-imports" / "0123abcd.xlsx"
    orphan.write_bytes(b"PK")
    stamp = (timezone.now() - dt.timedelta(hours=30)).timestamp()
    os.utime(orphan, (stamp, stamp))
    new_orphan = orphan.with_name("4567ef.xlsx")
    new_orphan.write_bytes(b"PK")

    assert purge_import_files.delay().get() == 2  # the beat task, run in-process in tests

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "cancelled" and not old.file and not old_file.exists()
    assert fresh.status == "preview" and fresh_file.exists()
    assert not orphan.exists() and new_orphan.exists()
    # The expired preview can no longer be confirmed.
    client.post(reverse("households:import_confirm", args=[old.pk]))
    assert Household.objects.count() == 0
    assert purge_import_files() == 0  # nothing left to do


def test_purge_task_is_scheduled_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["households-purge-import-files"]
    assert entry["task"] == "households.tasks.purge_import_files" and entry["schedule"] == 3600
