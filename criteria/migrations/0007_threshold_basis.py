from django.db import migrations, models


def mark_commune_choice(apps, schema_editor):
    # The Quảng Ninh smart-village set (migration 0002): no provincial decision was found, its
    # thresholds come from other provinces' published sets (docs/criteria.md). The thresholds
    # themselves are unchanged; only whose choice they are is recorded.
    Criterion = apps.get_model("criteria", "Criterion")
    Criterion.objects.filter(criteria_set__code="TTM-QN").update(threshold_basis="commune_choice")


class Migration(migrations.Migration):
    dependencies = [("criteria", "0006_commune_group")]

    operations = [
        migrations.AddField(
            model_name="criterion",
            name="threshold_basis",
            field=models.CharField(
                choices=[
                    ("official", "set by the legal text"),
                    ("commune_choice", "chosen by the commune"),
                ],
                default="official",
                help_text=(
                    "Whether a legal text sets the threshold, or the commune chose it because no "
                    "provincial text gives one (pages then say so next to the threshold)."
                ),
                max_length=16,
                verbose_name="threshold basis",
            ),
        ),
        migrations.RunPython(mark_commune_choice, migrations.RunPython.noop),
    ]
