from django.db import migrations, models
from django.db.models import F


def mark_existing_jobs_sent(apps, schema_editor):
    # Jobs made before the field were sent to the broker when requested: the sweep must not send them again.
    apps.get_model("exports", "ExportJob").objects.update(enqueued_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="enqueued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent to the workers"),
        ),
        migrations.RunPython(mark_existing_jobs_sent, migrations.RunPython.noop),
    ]
