"""The payments import becomes a job like the household import (core.imports.ImportJob): the
file is kept (private) and checked/applied inline or by the worker. Previews of the old kind
(rows kept, no file) cannot be applied any more: they are cancelled."""

from django.db import migrations, models

import core.files
import payments.models


def cancel_old_previews(apps, schema_editor):
    apps.get_model("payments", "CashlessImport").objects.filter(status="preview").update(
        status="cancelled"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_cashless_import_preview"),
    ]

    operations = [
        migrations.RunPython(cancel_old_previews, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="cashlessimport",
            options={
                "ordering": ["-created_at"],
                "verbose_name": "cashless report import",
                "verbose_name_plural": "cashless report imports",
            },
        ),
        migrations.AlterField(
            model_name="cashlessimport",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Waiting to be checked"),
                    ("checking", "Checking"),
                    ("preview", "Ready to confirm"),
                    ("invalid", "Has errors"),
                    ("confirmed", "Waiting to be imported"),
                    ("importing", "Importing"),
                    ("done", "Imported"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="queued",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.RemoveField(model_name="cashlessimport", name="rows"),
        migrations.AddField(
            model_name="cashlessimport",
            name="file",
            field=models.FileField(
                default="",
                max_length=255,
                storage=core.files.private_storage,
                upload_to=payments.models.import_upload_to,
                verbose_name="file",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="cashlessimport",
            name="file_name",
            field=models.CharField(default="", max_length=200, verbose_name="file name"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="cashlessimport",
            name="total_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="rows"),
        ),
        migrations.AddField(
            model_name="cashlessimport",
            name="processed_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="rows processed"),
        ),
        migrations.AddField(
            model_name="cashlessimport",
            name="result",
            field=models.JSONField(blank=True, default=dict, verbose_name="result"),
        ),
        migrations.AddField(
            model_name="cashlessimport",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
        ),
        migrations.AddField(
            model_name="cashlessimport",
            name="claim_token",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="cashlessimport",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
