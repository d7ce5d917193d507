"""Migration operations for the derived keys of core.fields (search key, natural sort key).

`fill_keys` computes the keys of existing rows (a data migration). `trigram_index` adds a
pg_trgm GIN index on a search key on PostgreSQL, so `search_key LIKE '%nguyen van%'` is an index
scan at province scale; on SQLite it does nothing (a commune's data is small there).
"""

from __future__ import annotations

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CHUNK = 2000


def fill_keys(app_label: str, model_name: str) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        from core.fields import DerivedKeyField

        model = apps.get_model(app_label, model_name)
        fields = [f for f in model._meta.concrete_fields if isinstance(f, DerivedKeyField)]
        names = [f.attname for f in fields]
        batch = []
        manager = model._base_manager.using(schema_editor.connection.alias)
        for row in manager.order_by("pk").iterator(chunk_size=CHUNK):
            for field in fields:
                setattr(row, field.attname, field.compute(row))
            batch.append(row)
            if len(batch) >= CHUNK:
                manager.bulk_update(batch, names)
                batch = []
        if batch:
            manager.bulk_update(batch, names)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)


def trigram_index(table: str, column: str, name: str) -> list:
    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                f'USING gin ("{column}" gin_trgm_ops)'
            )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return [TrigramExtension(), migrations.RunPython(forwards, backwards)]
