"""Every file field says whether it is public or private; private files live outside MEDIA_ROOT.

A new FileField/ImageField without `storage=public_storage` or `storage=private_storage`
(core/files.py) fails `test_every_file_field_is_explicitly_public_or_private`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from core.files import PrivateFileSystemStorage, private_storage, public_storage

ROOT = Path(__file__).resolve().parents[2]

# Meant for everyone (served under /media/): adding a public field is a decision, list it here.
PUBLIC_FIELDS = {"ocop.Product.photo", "ocop.Product.thumbnail"}


def file_fields():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                yield f"{model._meta.label}.{field.name}", field


def test_every_file_field_is_explicitly_public_or_private():
    seen, undecided, public = set(), [], set()
    for label, field in file_fields():
        seen.add(label)
        chosen = getattr(field, "_storage_callable", None)
        if chosen is public_storage:
            public.add(label)
        elif chosen is not private_storage:
            undecided.append(label)
    assert not undecided, f"file fields with no explicit storage (public or private): {undecided}"
    assert public == PUBLIC_FIELDS, f"public file fields changed: {sorted(public ^ PUBLIC_FIELDS)}"
    # The private ones include every field the issue names (imports, evidence, label sheets).
    assert {
        "households.HouseholdImport.file",
        "criteria.ManualEvidence.file",
        "ocop.StampBatch.pdf_file",
        "ocop.StampBatch.zip_file",
    } <= seen - public


def test_private_storage_is_outside_media_root_and_has_no_url(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    for label, field in file_fields():
        if label in PUBLIC_FIELDS:
            continue
        storage = field.storage
        assert isinstance(storage, PrivateFileSystemStorage), label
        assert Path(storage.location) == tmp_path / "private", label
        assert storage.url("household-imports/x.xlsx") is None


@pytest.mark.parametrize(
    "private",
    ["{media}", "{media}/private", "{media}/../media/sub"],
    ids=["same", "inside", "dots"],
)
def test_private_root_inside_media_root_stops_start_up(tmp_path, private):
    media = tmp_path / "media"
    env = {
        "DJANGO_SETTINGS_MODULE": "smartvillage.settings",
        "DEBUG": "true",
        "MEDIA_ROOT": str(media),
        "PRIVATE_MEDIA_ROOT": private.format(media=media),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "PRIVATE_MEDIA_ROOT must be a folder outside MEDIA_ROOT" in result.stderr


@pytest.mark.django_db
def test_move_private_files_moves_old_files_out_of_media_root(
    settings, tmp_path, leader_a1, commune_a, capsys
):
    """An installation from before the two storages: files in MEDIA_ROOT, rows pointing at
    them. The command (dry run, then --apply) moves them; the system check warns until then."""
    from django.core.checks import run_checks

    from households.models import HouseholdImport

    media, private = tmp_path / "media", tmp_path / "private"
    settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT = str(media), str(private)
    old = media / "household-imports" / "danh_sach_ho_thon_1.xlsx"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"PK sheet with ID numbers")
    leftover = media / "household-imports" / "old_done_import.xlsx"
    leftover.write_bytes(b"PK finished long ago")
    job = HouseholdImport.objects.create(
        created_by=leader_a1,
        commune=commune_a,
        file="household-imports/danh_sach_ho_thon_1.xlsx",
        file_name="danh_sach_ho_thon_1.xlsx",
        status="preview",
    )
    assert [w.id for w in run_checks() if w.id == "core.W001"] == ["core.W001"]

    call_command("move_private_files")
    assert "dry run" in capsys.readouterr().out and old.is_file()

    call_command("move_private_files", "--apply")
    out = capsys.readouterr().out
    assert "moved 1" in out and "left-over files deleted 1" in out
    job.refresh_from_db()
    assert not old.exists() and not leftover.exists()
    assert "danh_sach" not in job.file.name and job.file.name.startswith("household-imports/")
    assert (private / job.file.name).read_bytes() == b"PK sheet with ID numbers"
    assert not [w for w in run_checks() if w.id == "core.W001"]
    # Running it again changes nothing.
    call_command("move_private_files", "--apply")
    assert "moved 0, already private 1" in capsys.readouterr().out
