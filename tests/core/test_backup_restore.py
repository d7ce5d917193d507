"""deploy/backup.sh + deploy/restore.sh: a restore into an empty database finds the same data."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.db import connection

from villages.models import Commune, Membership, Village

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
]


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _counts(cursor) -> dict:
    counts = {}
    for model in (Commune, Village, Membership):
        cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')  # noqa: S608
        counts[model._meta.db_table] = cursor.fetchone()[0]
    return counts


def test_backup_then_restore_into_an_empty_database(tmp_path, official_a, leader_a1, village_b1):
    if connection.vendor != "postgresql":
        pytest.skip("backup/restore is for PostgreSQL deployments")
    import psycopg2

    media = tmp_path / "media"
    (media / "labels").mkdir(parents=True)
    (media / "labels" / "sheet.pdf").write_bytes(b"%PDF-1.4 test")
    private = tmp_path / "private"
    (private / "household-imports").mkdir(parents=True)
    (private / "household-imports" / "0a1b.xlsx").write_bytes(b"PK import")
    env = {
        **os.environ,
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "MEDIA_ROOT": str(media),
        "PRIVATE_MEDIA_ROOT": str(private),
    }
    subprocess.run(
        [str(ROOT / "deploy/backup.sh"), str(tmp_path / "bk")],
        env=env,
        check=True,
        capture_output=True,
    )

    target = f"sv_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(_url("postgres"))
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{target}"')
    try:
        restored_media = tmp_path / "restored-media"
        restored_private = tmp_path / "restored-private"
        env.update(
            DATABASE_URL=_url(target),
            MEDIA_ROOT=str(restored_media),
            PRIVATE_MEDIA_ROOT=str(restored_private),
        )
        subprocess.run(
            [str(ROOT / "deploy/restore.sh"), str(tmp_path / "bk")],
            env=env,
            check=True,
            capture_output=True,
        )
        with connection.cursor() as cursor:
            expected = _counts(cursor)
        restored = psycopg2.connect(_url(target))
        try:
            assert _counts(restored.cursor()) == expected
        finally:
            restored.close()
        assert (restored_media / "labels" / "sheet.pdf").read_bytes() == b"%PDF-1.4 test"
        # Both storages come back: the private one (imports, evidence, sheets) too.
        assert (restored_private / "household-imports" / "0a1b.xlsx").read_bytes() == b"PK import"
        assert not (restored_media / "household-imports").exists()
        # A second restore into the now non-empty database is refused.
        again = subprocess.run(
            [str(ROOT / "deploy/restore.sh"), str(tmp_path / "bk")],
            env=env,
            capture_output=True,
            text=True,
        )
        assert again.returncode == 1
        assert "not empty" in again.stderr
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.close()
